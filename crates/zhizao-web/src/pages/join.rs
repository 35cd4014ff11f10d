//! Accounts people manage themselves: a company signs up with its credit code and the city or
//! its town verifies it; a forgotten password is reset through a one-time link; an
//! administrator sends such a link to a user; city administrators read the notification outbox
//! those links and answers go through.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use zhizao_core::{Classified, PageRequest};
use zhizao_identity::policy;
use zhizao_registry::{SignupInput, SignupStatus};

use super::{
    FormErrors, Layout, OrPage, PageContext, PageError, PageForm, Pager, SignedIn, notice_query,
    render,
};
use crate::AppState;
use crate::pages::Submit;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/signup", get(signup_form).post(signup))
        .route("/signups", get(signups))
        .route("/signups/{id}/decision", post(decide))
        .route("/password/forgot", get(forgot_form).post(forgot))
        .route("/password/reset/{token}", get(reset_form).post(reset))
        .route("/users/{username}/reset-link", post(send_reset_link))
        .route("/notifications", get(notifications))
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct SignupFields {
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    enterprise_name: String,
    #[serde(default)]
    legal_representative: String,
    #[serde(default)]
    town_code: String,
    #[serde(default)]
    industry_code: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
}

#[derive(Template)]
#[template(path = "join/signup.html")]
struct SignupPage {
    layout: Layout,
    /// (name, label, value)
    enterprise_fields: Vec<(&'static str, &'static str, String)>,
    /// (name, label, value, input type)
    account_fields: Vec<(&'static str, &'static str, String, &'static str)>,
    v: SignupFields,
    towns: Vec<(String, String)>,
    /// Industry classes: (code, code and name).
    classes: Vec<(String, String)>,
    errors: FormErrors,
    /// The request went in: what happens next.
    sent: Option<String>,
}

async fn signup_page(
    state: &AppState,
    context: &PageContext,
    v: SignupFields,
    errors: FormErrors,
    sent: Option<String>,
) -> Result<Response, Response> {
    let t = context.t();
    let towns = super::enterprises::town_options(state, t, false)
        .await
        .or_page(context)?;
    let classes = super::enterprises::class_options(state, t)
        .await
        .or_page(context)?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        render(&SignupPage {
            layout: context.layout("signup"),
            enterprise_fields: vec![
                ("credit_code", t.credit_code(), v.credit_code.clone()),
                ("enterprise_name", t.name(), v.enterprise_name.clone()),
                (
                    "legal_representative",
                    t.legal_representative(),
                    v.legal_representative.clone(),
                ),
            ],
            account_fields: vec![
                (
                    "contact_name",
                    t.contact_name(),
                    v.contact_name.clone(),
                    "text",
                ),
                ("phone", t.mobile(), v.phone.clone(), "tel"),
                ("email", t.email(), v.email.clone(), "email"),
                ("username", t.username(), v.username.clone(), "text"),
            ],
            v,
            towns,
            classes,
            errors,
            sent,
        }),
    )
        .into_response())
}

async fn signup_form(
    State(state): State<AppState>,
    context: PageContext,
) -> Result<Response, Response> {
    signup_page(
        &state,
        &context,
        SignupFields::default(),
        FormErrors::default(),
        None,
    )
    .await
}

async fn signup(
    State(state): State<AppState>,
    context: PageContext,
    PageForm(mut v): PageForm<SignupFields>,
) -> Result<Response, Response> {
    let t = context.t();
    if v.password != v.password_again {
        v.password.clear();
        v.password_again.clear();
        let errors = FormErrors(vec![(
            "password_again".to_owned(),
            t.passwords_differ().to_owned(),
        )]);
        return signup_page(&state, &context, v, errors, None).await;
    }
    let input = SignupInput {
        credit_code: v.credit_code.clone(),
        enterprise_name: v.enterprise_name.clone(),
        legal_representative: v.legal_representative.clone(),
        town_code: v.town_code.clone(),
        industry_code: v.industry_code.clone(),
        contact_name: v.contact_name.clone(),
        phone: v.phone.clone(),
        email: v.email.clone(),
        username: v.username.clone(),
        password: v.password.clone(),
    };
    // The password is never sent back in the page.
    v.password.clear();
    v.password_again.clear();
    match state
        .registry()
        .request_signup(state.identity().hashing(), &input, &context.ip)
        .await
    {
        Ok(request) => {
            let sent = t.signup_sent(&request.town_name_zh);
            signup_page(
                &state,
                &context,
                SignupFields::default(),
                FormErrors::default(),
                Some(sent),
            )
            .await
        }
        Err(error) if !error.field_errors().is_empty() => {
            let errors = FormErrors::from_fields(&error.field_errors(), t);
            signup_page(&state, &context, v, errors, None).await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

/// One sign-up as the queue shows it.
struct SignupRow {
    id: i64,
    version: i64,
    credit_code: String,
    enterprise_name: String,
    /// The registry's record with this code: its name, when it is registered.
    registered_name: Option<String>,
    legal_representative: String,
    town: String,
    industry_code: String,
    contact: String,
    username: String,
    status: String,
    pending: bool,
    decided: String,
    when: String,
}

#[derive(Template)]
#[template(path = "join/signups.html")]
struct SignupsPage {
    layout: Layout,
    rows: Vec<SignupRow>,
    error: Option<String>,
}

async fn signups_page(
    state: &AppState,
    context: &PageContext,
    principal: &zhizao_identity::Principal,
    error: Option<(StatusCode, String)>,
) -> Result<Response, Response> {
    if policy::signup_scope(principal) == policy::EnterpriseScope::Nothing {
        return Err(PageError::Forbidden.render(context));
    }
    let t = context.t();
    let requests = state
        .registry()
        .signups(principal, None)
        .await
        .or_page(context)?;
    let rows = requests
        .into_iter()
        .map(|r| SignupRow {
            id: r.id,
            version: r.version,
            pending: r.status == SignupStatus::Pending,
            status: t.text(&r.status.label()).to_owned(),
            decided: match (&r.decided_by, r.decided_at) {
                (Some(by), Some(at)) => format!(
                    "{} {by}{}",
                    at.to_shanghai_string(),
                    if r.reason.is_empty() {
                        String::new()
                    } else {
                        format!("{}{}", t.colon(), r.reason)
                    }
                ),
                _ => String::new(),
            },
            when: r.created_at.to_shanghai_string(),
            credit_code: r.credit_code,
            enterprise_name: r.enterprise_name,
            registered_name: r.registered_name,
            legal_representative: r.legal_representative,
            town: r.town_name_zh,
            industry_code: r.industry_code,
            contact: format!("{} {} {}", r.contact_name, r.phone, r.email),
            username: r.username,
        })
        .collect();
    let (status, error) = match error {
        Some((status, message)) => (status, Some(message)),
        None => (StatusCode::OK, None),
    };
    Ok((
        status,
        render(&SignupsPage {
            layout: context.layout("signups"),
            rows,
            error,
        }),
    )
        .into_response())
}

async fn signups(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
) -> Result<Response, Response> {
    signups_page(&state, &context, &principal, None).await
}

#[derive(Deserialize)]
struct DecisionForm {
    decision: String,
    version: i64,
    #[serde(default)]
    reason: String,
}

async fn decide(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<DecisionForm>,
) -> Result<Response, Response> {
    let t = context.t();
    let approve = form.decision == "approve";
    match state
        .registry()
        .decide_signup(&principal, id, approve, &form.reason, form.version)
        .await
    {
        Ok(request) => {
            let message = if approve {
                t.signup_approved(&request.enterprise_name, &request.username)
            } else {
                t.signup_rejected(&request.enterprise_name)
            };
            Ok(
                Redirect::to(&format!("/signups?notice={}", notice_query(&message)))
                    .into_response(),
            )
        }
        Err(error) if error.kind() != zhizao_core::ErrorKind::NotFound => {
            let status = if error.kind() == zhizao_core::ErrorKind::InvalidInput {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::CONFLICT
            };
            let message = super::error_message(&error, t);
            signups_page(&state, &context, &principal, Some((status, message))).await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

#[derive(Template)]
#[template(path = "join/forgot.html")]
struct ForgotPage {
    layout: Layout,
    login: String,
    error: String,
    sent: bool,
}

async fn forgot_form(context: PageContext) -> Response {
    render(&ForgotPage {
        layout: context.layout("login"),
        login: String::new(),
        error: String::new(),
        sent: false,
    })
}

#[derive(Deserialize)]
struct ForgotForm {
    #[serde(default)]
    login: String,
}

async fn forgot(
    State(state): State<AppState>,
    context: PageContext,
    PageForm(form): PageForm<ForgotForm>,
) -> Response {
    let t = context.t();
    let outcome = state
        .identity()
        .request_password_reset(&form.login, &context.ip, &state.settings().public_url)
        .await;
    let (status, error, sent) = match outcome {
        Ok(()) => (StatusCode::OK, String::new(), true),
        Err(error) => (
            match error.kind() {
                zhizao_core::ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
                zhizao_core::ErrorKind::InvalidInput => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::SERVICE_UNAVAILABLE,
            },
            super::error_message(&error, t),
            false,
        ),
    };
    (
        status,
        render(&ForgotPage {
            layout: context.layout("login"),
            login: form.login,
            error,
            sent,
        }),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "join/reset.html")]
struct ResetPage {
    layout: Layout,
    token: String,
    works: bool,
    errors: FormErrors,
}

async fn reset_form(
    State(state): State<AppState>,
    context: PageContext,
    Path(token): Path<String>,
) -> Result<Response, Response> {
    let works = state
        .identity()
        .reset_link_works(&token)
        .await
        .or_page(&context)?;
    Ok((
        if works {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        },
        // The token is in the address: no link on the page may carry it elsewhere.
        [(header::REFERRER_POLICY, "no-referrer")],
        render(&ResetPage {
            layout: context.layout("login"),
            token,
            works,
            errors: FormErrors::default(),
        }),
    )
        .into_response())
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
}

async fn reset(
    State(state): State<AppState>,
    context: PageContext,
    Path(token): Path<String>,
    PageForm(form): PageForm<ResetForm>,
) -> Result<Response, Response> {
    let t = context.t();
    let errors = if form.password != form.password_again {
        FormErrors(vec![(
            "password_again".to_owned(),
            t.passwords_differ().to_owned(),
        )])
    } else {
        match state
            .identity()
            .reset_password_with_link(&token, &form.password, &context.ip)
            .await
        {
            Ok(()) => {
                return Ok(Redirect::to(&format!(
                    "/login?notice={}",
                    notice_query(t.password_reset_done())
                ))
                .into_response());
            }
            Err(error) if !error.field_errors().is_empty() => {
                FormErrors::from_fields(&error.field_errors(), t)
            }
            Err(error) => return Err(PageError::from(error).render(&context)),
        }
    };
    let works = state
        .identity()
        .reset_link_works(&token)
        .await
        .or_page(&context)?;
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        [(header::REFERRER_POLICY, "no-referrer")],
        render(&ResetPage {
            layout: context.layout("login"),
            token,
            works,
            errors,
        }),
    )
        .into_response())
}

async fn send_reset_link(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(username): Path<String>,
    _: PageForm<Submit>,
) -> Result<Response, Response> {
    // Only someone who manages the user reaches them (the user page itself says 404 otherwise).
    let user = state
        .identity()
        .user(&principal, &username)
        .await
        .or_page(&context)?;
    if !policy::may_manage_user(&principal, user.organization_id) {
        return Err(PageError::NotFound.render(&context));
    }
    state
        .identity()
        .request_password_reset(&user.username, &context.ip, &state.settings().public_url)
        .await
        .or_page(&context)?;
    Ok(Redirect::to(&format!(
        "/users/{}?notice={}",
        user.username,
        notice_query(context.t().reset_link_sent())
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "join/notifications.html")]
struct NotificationsPage {
    layout: Layout,
    /// (when, channel, recipient, subject, body, delivery)
    rows: Vec<(String, String, String, String, String, String)>,
    pager: Pager,
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<u32>,
}

async fn notifications(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<PageQuery>,
) -> Result<Response, Response> {
    let t = context.t();
    let page = state
        .identity()
        .notifications(&principal, PageRequest::new(query.page.unwrap_or(1), 50))
        .await
        .or_page(&context)?;
    let pager = Pager::new(&context.uri, &page);
    let rows = page
        .items
        .into_iter()
        .map(|n| {
            let delivery = match n.sent_at {
                Some(at) => t.delivered_at(&at.to_shanghai_string()),
                None if n.attempts == 0 => t.waiting_delivery().to_owned(),
                None => t.delivery_failed(n.attempts, &n.last_error),
            };
            (
                n.created_at.to_shanghai_string(),
                t.text(&n.channel.label()).to_owned(),
                n.recipient,
                n.subject,
                n.body,
                delivery,
            )
        })
        .collect();
    Ok(render(&NotificationsPage {
        layout: context.layout("notifications"),
        rows,
        pager,
    }))
}
