//! Training's offline-session and certificate pages: a session (registration for learners; the
//! roster, registering people without an account and signing them in for the provider), the
//! sign-in screen whose QR code changes every minute, the page a scanned code opens on the
//! learner's phone, the learner's certificates, and the public verification page.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use zhizao_core::{Classified, ErrorKind};
use zhizao_identity::{Principal, policy};
use zhizao_training::sessions::PersonInput;
use zhizao_training::{Certificate, Registration};

use super::{
    FormFields, Layout, OrPage, PageContext, PageError, PageForm, SignedIn, error_message,
    notice_query, render,
};
use crate::AppState;
use crate::i18n::Tr;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/training/sessions/{id}", get(session))
        .route("/training/sessions/{id}/register", post(register))
        .route("/training/sessions/{id}/people", post(register_person))
        .route("/training/sessions/{id}/cancel", post(cancel))
        .route(
            "/training/sessions/{id}/registrations/{registration}/sign-in",
            post(sign_in_for),
        )
        .route("/training/sessions/{id}/screen", get(screen))
        .route("/training/sessions/{id}/code", get(code))
        .route(
            "/training/sessions/{id}/sign-in",
            get(sign_in_page).post(sign_in),
        )
        .route("/training/certificates", get(certificates))
        .route("/training/certificates/{code}/pdf", get(certificate_pdf))
        .route("/certificates/verify", get(verify))
}

/// Someone on a session's roster.
struct RosterRow {
    id: i64,
    name: String,
    enterprise: String,
    phone: String,
    signed: String,
}

fn roster_row(t: Tr, r: &Registration) -> RosterRow {
    RosterRow {
        id: r.id,
        name: r.name.clone(),
        enterprise: r.enterprise_name.clone().unwrap_or_default(),
        phone: r.phone.clone().unwrap_or_default(),
        signed: match (r.signed_in_at, r.sign_in_method.as_deref()) {
            (Some(at), method) => format!(
                "{} · {}",
                at.to_shanghai_string().get(11..).unwrap_or_default(),
                if method == Some("trainer") {
                    t.class_by_trainer()
                } else {
                    t.class_by_code()
                }
            ),
            (None, _) => String::new(),
        },
    }
}

#[derive(Template)]
#[template(path = "training/session.html")]
struct SessionPage {
    layout: Layout,
    s: super::training::SessionRow,
    course_id: i64,
    course: String,
    own: bool,
    learner: bool,
    mine: Option<RosterRow>,
    open: bool,
    roster: Vec<RosterRow>,
    signed: String,
    error: String,
    form: FormFields,
}

async fn session_page(
    state: &AppState,
    context: &PageContext,
    principal: &Principal,
    id: i64,
    error: String,
    form: FormFields,
) -> Result<Response, Response> {
    let t = context.t();
    let training = state.training();
    let (course, session) = training.session(principal, id).await.or_page(context)?;
    let own = policy::may_offer_training(principal, course.provider_id);
    let roster = if own || policy::may_oversee_training(principal) {
        training
            .registrations(principal, id)
            .await
            .or_page(context)?
    } else {
        Vec::new()
    };
    let mine = training
        .my_registration(principal, id)
        .await
        .or_page(context)?;
    let now = training.now();
    let page = SessionPage {
        layout: context.layout("training"),
        course_id: course.id,
        course: course.title.clone(),
        own,
        learner: policy::may_learn(principal),
        mine: mine.as_ref().map(|r| roster_row(t, r)),
        open: session.sign_in_open(now),
        roster: roster.iter().map(|r| roster_row(t, r)).collect(),
        signed: t.class_signed_count(session.signed_in),
        s: super::training::session_row(t, &session, now),
        error,
        form,
    };
    Ok(render(&page))
}

async fn session(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    session_page(
        &state,
        &context,
        &principal,
        id,
        String::new(),
        FormFields::default(),
    )
    .await
}

async fn failed(
    state: &AppState,
    context: &PageContext,
    principal: &Principal,
    id: i64,
    error: zhizao_training::Error,
    form: FormFields,
) -> Result<Response, Response> {
    if matches!(error.kind(), ErrorKind::Conflict | ErrorKind::InvalidInput) {
        let message = error_message(&error, context.t());
        return session_page(state, context, principal, id, message, form).await;
    }
    Err(PageError::from(error).render(context))
}

fn back(id: i64, notice: &str) -> Response {
    Redirect::to(&format!(
        "/training/sessions/{id}?notice={}",
        notice_query(notice)
    ))
    .into_response()
}

async fn register(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    PageForm(_): PageForm<FormFields>,
) -> Result<Response, Response> {
    match state.training().register(&principal, id).await {
        Ok(_) => Ok(back(id, context.t().class_registered())),
        Err(error) => {
            failed(
                &state,
                &context,
                &principal,
                id,
                error,
                FormFields::default(),
            )
            .await
        }
    }
}

async fn register_person(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let person = PersonInput {
        name: form.get("name").to_owned(),
        phone: form.get("phone").to_owned(),
    };
    match state
        .training()
        .register_person(&principal, id, &person)
        .await
    {
        Ok(_) => Ok(back(id, context.t().class_registered())),
        Err(error) => failed(&state, &context, &principal, id, error, form).await,
    }
}

async fn cancel(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    match state
        .training()
        .cancel_session(&principal, id, form.get("reason"))
        .await
    {
        Ok(_) => Ok(back(id, context.t().class_cancelled())),
        Err(error) => failed(&state, &context, &principal, id, error, form).await,
    }
}

async fn sign_in_for(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((id, registration)): Path<(i64, i64)>,
    PageForm(_): PageForm<FormFields>,
) -> Result<Response, Response> {
    match state
        .training()
        .sign_in_by_trainer(&principal, id, registration)
        .await
    {
        Ok(_) => Ok(back(id, context.t().class_signed_in())),
        Err(error) => {
            failed(
                &state,
                &context,
                &principal,
                id,
                error,
                FormFields::default(),
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "training/screen.html")]
struct ScreenPage {
    layout: Layout,
    id: i64,
    title: String,
    course: String,
    open: bool,
    closed: String,
}

async fn screen(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    let training = state.training();
    let (course, session) = training.session(&principal, id).await.or_page(&context)?;
    if !policy::may_offer_training(&principal, course.provider_id) {
        return Err(PageError::NotFound.render(&context));
    }
    let (open, closed) = match training.current_code(&principal, id).await {
        Ok(_) => (true, String::new()),
        Err(error) if error.kind() == ErrorKind::Conflict => {
            (false, error_message(&error, context.t()))
        }
        Err(error) => return Err(PageError::from(error).render(&context)),
    };
    Ok(render(&ScreenPage {
        layout: context.layout("training"),
        id,
        title: session.title,
        course: course.title,
        open,
        closed,
    }))
}

/// The screen's code now: its text, its QR code (SVG, made here), when it changes, how many
/// have signed in.
async fn code(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    let training = state.training();
    let (code, changes_at) = match training.current_code(&principal, id).await {
        Ok(found) => found,
        Err(error) if error.kind() == ErrorKind::Conflict => {
            return Ok(Json(
                serde_json::json!({ "open": false, "message": error_message(&error, context.t()) }),
            )
            .into_response());
        }
        Err(error) => return Err(PageError::from(error).render(&context)),
    };
    let (_, session) = training.session(&principal, id).await.or_page(&context)?;
    let link = format!(
        "{}{}",
        state.settings().public_url.trim_end_matches('/'),
        crate::api::sign_in_path(id, &code)
    );
    let svg = qrcode::QrCode::new(link.as_bytes())
        .map(|qr| {
            qr.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(320, 320)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default();
    let millis = changes_at.as_millis() - training.now().as_millis();
    Ok(Json(serde_json::json!({
        "open": true,
        "code": format!("{}-{}", &code[..4], &code[4..]),
        "svg": svg,
        "changes_in_ms": millis,
        "signed_in": context.t().class_signed_count(session.signed_in),
    }))
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
struct CodeQuery {
    #[serde(default)]
    code: String,
}

#[derive(Template)]
#[template(path = "training/sign_in.html")]
struct SignInPage {
    layout: Layout,
    id: i64,
    title: String,
    course: String,
    place: String,
    code: String,
    signed: String,
    error: String,
}

async fn sign_in_view(
    state: &AppState,
    context: &PageContext,
    principal: &Principal,
    id: i64,
    code: String,
    error: String,
) -> Result<Response, Response> {
    let t = context.t();
    let training = state.training();
    let (course, session) = training.session(principal, id).await.or_page(context)?;
    let mine = training
        .my_registration(principal, id)
        .await
        .or_page(context)?;
    let page = SignInPage {
        layout: context.layout("training"),
        id,
        title: session.title,
        course: course.title,
        place: session.place,
        code,
        signed: mine
            .and_then(|r| r.signed_in_at)
            .map(|at| t.class_signed_at(&at.to_shanghai_string()))
            .unwrap_or_default(),
        error,
    };
    Ok(render(&page))
}

async fn sign_in_page(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    Query(query): Query<CodeQuery>,
) -> Result<Response, Response> {
    sign_in_view(&state, &context, &principal, id, query.code, String::new()).await
}

async fn sign_in(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let code = form.get("code").to_owned();
    match state
        .training()
        .sign_in_with_code(&principal, id, &code)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/training/sessions/{id}/sign-in?notice={}",
            notice_query(context.t().class_signed_in())
        ))
        .into_response()),
        Err(error)
            if matches!(
                error.kind(),
                ErrorKind::Conflict | ErrorKind::InvalidInput | ErrorKind::Forbidden
            ) =>
        {
            let message = error_message(&error, context.t());
            sign_in_view(&state, &context, &principal, id, code, message).await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

/// A certificate as the pages show it.
struct CertificateView {
    code: String,
    holder: String,
    course: String,
    provider: String,
    hours: String,
    issued: String,
}

fn certificate_view(t: Tr, c: &Certificate) -> CertificateView {
    CertificateView {
        code: c.code.clone(),
        holder: c.holder_name.clone(),
        course: c.course_title.clone(),
        provider: c.provider_name.clone(),
        hours: t.course_hours(c.hours),
        issued: c.issued_at.to_shanghai_date_string(),
    }
}

#[derive(Template)]
#[template(path = "training/certificates.html")]
struct CertificatesPage {
    layout: Layout,
    rows: Vec<CertificateView>,
}

async fn certificates(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
) -> Result<Response, Response> {
    let t = context.t();
    let found = state
        .training()
        .my_certificates(&principal)
        .await
        .or_page(&context)?;
    Ok(render(&CertificatesPage {
        layout: context.layout("training"),
        rows: found.iter().map(|c| certificate_view(t, c)).collect(),
    }))
}

async fn certificate_pdf(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, Response> {
    crate::api::certificate_pdf_response(&state, &principal, &code)
        .await
        .or_page(&context)
}

#[derive(Template)]
#[template(path = "training/verify.html")]
struct VerifyPage {
    layout: Layout,
    code: String,
    asked: bool,
    found: Option<CertificateView>,
}

/// Anyone, signed in or not, checks a certificate by its code; an unknown code shows only that.
async fn verify(
    State(state): State<AppState>,
    context: PageContext,
    Query(query): Query<CodeQuery>,
) -> Result<Response, Response> {
    let t = context.t();
    let asked = !query.code.trim().is_empty();
    let found = if asked {
        state
            .training()
            .verify_certificate(&query.code)
            .await
            .or_page(&context)?
    } else {
        None
    };
    Ok(render(&VerifyPage {
        layout: context.layout("verify"),
        code: query.code.chars().take(40).collect(),
        asked,
        found: found.as_ref().map(|c| certificate_view(t, c)),
    }))
}
