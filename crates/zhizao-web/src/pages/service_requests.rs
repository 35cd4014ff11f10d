//! Service requests' pages: the list each side works from (waiting on us first, then the
//! rest; shared-factory orders among them), a request with its contract, delivery, rating,
//! files and history and the forms for the steps the reader's side may take now, and the
//! request form on a service's page.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use zhizao_core::{Classified, Fen, FieldError, Text};
use zhizao_identity::Principal;
use zhizao_services::{
    Party, RequestFilter, RequestKind, RequestStatus, ServiceRequest, Step, Terms,
};

use super::{
    FormErrors, FormFields, Layout, OrPage, PageContext, PageError, PageForm, PageUpload, SignedIn,
    notice_query, render,
};
use crate::AppState;
use crate::i18n::{Tr, both_with};

pub(super) fn router() -> Router<AppState> {
    let upload_limit = axum::extract::DefaultBodyLimit::max(
        zhizao_services::request_files::MAX_FILE_BYTES + 256 * 1024,
    );
    Router::new()
        .route("/requests", get(list))
        .route("/requests/{number}", get(request_page))
        .route(
            "/requests/{number}/files",
            post(attach_file).layer(upload_limit),
        )
        .route("/requests/{number}/{step}", post(take_step))
        .route(
            "/services/{id}/request",
            post(create_request).layer(upload_limit),
        )
}

/// A request as a row shows it.
struct RowView {
    number: String,
    href: String,
    kind: String,
    title: String,
    platform: String,
    client: String,
    status: &'static str,
    status_label: String,
    /// Whom it waits on, in words ("" once closed).
    waiting: String,
    /// It waits on the reader's side.
    mine: bool,
    amount: String,
    due: String,
    requested: String,
}

fn href(r: &ServiceRequest) -> String {
    match r.kind {
        RequestKind::Service => format!("/requests/{}", r.number),
        RequestKind::FactoryOrder => format!("/factory-orders/{}", r.number),
    }
}

fn yuan(t: Tr, amount: Option<Fen>) -> String {
    amount
        .map(|a| t.price_yuan(&a.to_yuan_string()))
        .unwrap_or_default()
}

fn waiting_words(t: Tr, r: &ServiceRequest) -> (String, bool) {
    match (r.waiting_on(), r.side) {
        (None, _) => (String::new(), false),
        (Some(party), Some(side)) if party == side => (t.waiting_on_me().to_owned(), true),
        (Some(_), Some(_)) => (t.waiting_on_other().to_owned(), false),
        (Some(party), None) => (t.text(&party.label()).to_owned(), false),
    }
}

fn row(t: Tr, r: &ServiceRequest) -> RowView {
    let (waiting, mine) = waiting_words(t, r);
    RowView {
        number: r.number.clone(),
        href: href(r),
        kind: t.text(&r.kind.label()).to_owned(),
        title: r.title.clone(),
        platform: r.platform_name.clone(),
        client: r.client_name.clone(),
        status: r.status.as_str(),
        status_label: t.text(&r.status.label()).to_owned(),
        waiting,
        mine,
        amount: yuan(t, r.amount),
        due: r
            .due_on
            .clone()
            .or_else(|| r.due_at.map(|at| at.to_shanghai_date_string()))
            .unwrap_or_default(),
        requested: r.created_at.to_shanghai_date_string(),
    }
}

/// `?waiting=me|other&status=&kind=`.
#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    waiting: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    kind: String,
}

#[derive(Template)]
#[template(path = "requests/list.html")]
struct ListPage {
    layout: Layout,
    hint: &'static str,
    waiting: String,
    /// (value, label, chosen)
    statuses: Vec<(&'static str, String, bool)>,
    /// (value, label, chosen)
    kinds: Vec<(&'static str, String, bool)>,
    rows: Vec<RowView>,
    /// The reader acts for one side (an enterprise or a platform), so "waiting on us" applies.
    has_side: bool,
}

async fn list(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, Response> {
    let t = context.t();
    let status = query.status.trim().parse::<RequestStatus>().ok();
    let kind = query.kind.trim().parse::<RequestKind>().ok();
    let filter = RequestFilter {
        status,
        kind,
        ..RequestFilter::default()
    };
    let mut found = state
        .services()
        .requests(&principal, &filter)
        .await
        .or_page(&context)?;
    let scope = zhizao_identity::policy::request_scope(&principal);
    let (hint, has_side) = match scope {
        zhizao_identity::policy::RequestScope::Client(_) => (t.requests_hint_client(), true),
        zhizao_identity::policy::RequestScope::Platform(_) => (t.requests_hint_platform(), true),
        _ => (t.requests_hint_city(), false),
    };
    let waiting = query.waiting.trim().to_owned();
    found.retain(|r| {
        let on = r.waiting_on();
        match waiting.as_str() {
            "me" => on.is_some() && on == r.side,
            "other" => on.is_some() && on != r.side,
            "platform" => on == Some(Party::Platform),
            "client" => on == Some(Party::Client),
            _ => true,
        }
    });
    let page = ListPage {
        layout: context.layout("requests"),
        hint,
        statuses: RequestStatus::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str(),
                    t.text(&s.label()).to_owned(),
                    Some(*s) == status,
                )
            })
            .collect(),
        kinds: RequestKind::ALL
            .iter()
            .map(|k| (k.as_str(), t.text(&k.label()).to_owned(), Some(*k) == kind))
            .collect(),
        rows: found.iter().map(|r| row(t, r)).collect(),
        waiting,
        has_side,
    };
    Ok(render(&page))
}

/// A file as the page lists it.
struct FileView {
    id: i64,
    purpose: String,
    name: String,
    size: String,
    when: String,
    by: String,
}

/// One entry of the history.
struct HistoryView {
    when: String,
    who: String,
    action: String,
    note: String,
}

#[derive(Template)]
#[template(path = "requests/request.html")]
struct RequestPage {
    layout: Layout,
    r: ServiceRequest,
    row: RowView,
    on_time: Option<bool>,
    quoted_at: String,
    confirmed_at: String,
    delivered_at: String,
    rated_at: String,
    files: Vec<FileView>,
    history: Vec<HistoryView>,
    steps: Vec<&'static str>,
    takes_files: bool,
    errors: FormErrors,
    /// The values a refused form sent, to show again.
    sent: FormFields,
    /// The voucher paying part of the contract: (id, programme, amount, status, status label,
    /// row version).
    voucher: Option<(i64, String, String, String, String, i64)>,
    /// The enterprise's open programmes with a free quota: (code, title, free).
    voucher_programmes: Vec<(String, String, String)>,
    can_use_voucher: bool,
    can_release_voucher: bool,
    can_claim_voucher: bool,
    /// A new contract starts from the last one proposed.
    quote_amount: String,
    quote_scope: String,
    quote_starts: String,
    quote_due: String,
}

impl RequestPage {
    fn can(&self, step: &str) -> bool {
        self.steps.contains(&step)
    }
}

async fn page(
    state: &AppState,
    context: &PageContext,
    principal: &Principal,
    number: &str,
    errors: Vec<FieldError>,
    sent: FormFields,
) -> Result<Response, Response> {
    let t = context.t();
    let services = state.services();
    let r = services.request(principal, number).await.or_page(context)?;
    let files = services
        .request_files(principal, number)
        .await
        .or_page(context)?;
    let history = services
        .request_history(principal, number)
        .await
        .or_page(context)?;
    let when = |at: Option<zhizao_core::Timestamp>| {
        at.map(|at| at.to_shanghai_string()).unwrap_or_default()
    };
    let voucher = services
        .voucher_of_request(principal, number)
        .await
        .or_page(context)?;
    let client = r.side == Some(Party::Client);
    let mut voucher_programmes = Vec::new();
    if client && voucher.is_none() {
        for programme in services.programmes().await.or_page(context)? {
            if !programme.open {
                continue;
            }
            let quotas = services
                .quotas(principal, &programme.code)
                .await
                .or_page(context)?;
            if let Some(quota) = quotas
                .iter()
                .find(|q| q.status == "granted" && q.available_fen > 0)
            {
                voucher_programmes.push((
                    programme.code.clone(),
                    programme.title.clone(),
                    yuan(t, Some(Fen::new(quota.available_fen))),
                ));
            }
        }
    }
    let contracted = matches!(
        r.status,
        RequestStatus::Contracted
            | RequestStatus::Delivered
            | RequestStatus::Disputed
            | RequestStatus::Accepted
    );
    let reserved = voucher.as_ref().is_some_and(|v| v.status == "reserved");
    // A first contract starts on the day of the request.
    let requested_on = r.created_at.to_shanghai_date_string();
    let page = RequestPage {
        layout: context.layout("requests"),
        row: row(t, &r),
        on_time: r.on_time(),
        quoted_at: when(r.quoted_at),
        confirmed_at: when(r.confirmed_at),
        delivered_at: when(r.delivered_at),
        rated_at: when(r.rated_at),
        files: files
            .iter()
            .map(|f| FileView {
                id: f.id,
                purpose: f
                    .purpose
                    .parse::<zhizao_services::RequestFilePurpose>()
                    .map_or(f.purpose.clone(), |p| t.text(&p.label()).to_owned()),
                name: f.file_name.clone(),
                size: format!("{:.1} KB", f.size_bytes as f64 / 1024.0),
                when: f.uploaded_at.to_shanghai_string(),
                by: f.uploaded_by.clone(),
            })
            .collect(),
        history: history
            .iter()
            .map(|e| HistoryView {
                when: e.occurred_at.to_shanghai_string(),
                who: e.actor_username.clone(),
                action: t.request_action_label(&e.action),
                note: e.note.clone(),
            })
            .collect(),
        can_use_voucher: client
            && r.kind == RequestKind::Service
            && contracted
            && voucher.is_none()
            && !voucher_programmes.is_empty(),
        can_release_voucher: client && reserved,
        can_claim_voucher: r.side == Some(Party::Platform)
            && reserved
            && matches!(r.status, RequestStatus::Accepted | RequestStatus::Rated),
        voucher: voucher.map(|v| {
            let label = v
                .status
                .parse::<zhizao_services::UseStatus>()
                .map_or(v.status.clone(), |s| t.text(&s.label()).to_owned());
            (
                v.id,
                v.programme,
                yuan(t, Some(Fen::new(v.amount_fen))),
                v.status,
                label,
                v.row_version,
            )
        }),
        voucher_programmes,
        steps: r.open_steps(),
        takes_files: r.takes_files(),
        errors: FormErrors::from_fields(&errors, t),
        quote_amount: r.amount.map(Fen::to_yuan_string).unwrap_or_default(),
        quote_scope: r.scope.clone(),
        quote_starts: r.starts_on.clone().unwrap_or(requested_on.clone()),
        quote_due: r.due_on.clone().unwrap_or(requested_on),
        sent,
        r,
    };
    let status = if page.errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)).into_response())
}

/// Request `number`'s page with the problems of a refused form (`sent` as typed).
pub(super) async fn with_errors(
    state: &AppState,
    context: &PageContext,
    principal: &Principal,
    number: &str,
    errors: Vec<FieldError>,
    sent: FormFields,
) -> Result<Response, Response> {
    page(state, context, principal, number, errors, sent).await
}

async fn request_page(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
) -> Result<Response, Response> {
    page(
        &state,
        &context,
        &principal,
        &number,
        Vec::new(),
        FormFields::default(),
    )
    .await
}

/// The step a form sends, or the problems of its fields as typed.
fn step_of(name: &str, form: &FormFields) -> Option<Result<Step, Vec<FieldError>>> {
    let text = |field: &str| form.get(field).trim().to_owned();
    Some(Ok(match name {
        "quote" => {
            let amount = match Fen::parse_yuan(&text("amount")) {
                Ok(amount) => amount,
                Err(_) => {
                    let typed = text("amount");
                    return Some(Err(vec![FieldError::new(
                        "amount_fen",
                        both_with(|t| t.field_not_number(t.contract_amount_yuan_label(), &typed)),
                    )]));
                }
            };
            Step::Quote(Terms {
                amount,
                scope: text("scope"),
                starts_on: text("starts_on"),
                due_on: text("due_on"),
            })
        }
        "decline" => Step::Decline(text("reason")),
        "cancel" => Step::Cancel(text("reason")),
        "confirm" => Step::Confirm,
        "deliver" => Step::Deliver(text("report")),
        "accept" => Step::Accept,
        "dispute" => Step::Dispute(text("reason")),
        "rate" => Step::Rate {
            rating: text("rating").parse().unwrap_or(0),
            comment: text("comment"),
        },
        _ => return None,
    }))
}

async fn take_step(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((number, name)): Path<(String, String)>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let Some(step) = step_of(&name, &form) else {
        return Err(PageError::NotFound.render(&context));
    };
    let errors = match step {
        Err(errors) => errors,
        Ok(step) => {
            let expected = form.get("row_version").trim().parse::<i64>().unwrap_or(0);
            match state
                .services()
                .step_request(&principal, &number, &step, expected)
                .await
            {
                Ok(done) => {
                    return Ok(Redirect::to(&format!(
                        "/requests/{}?notice={}",
                        done.number,
                        notice_query(&t.request_step_done(t.text(&done.status.label())))
                    ))
                    .into_response());
                }
                Err(error) if !error.field_errors().is_empty() => error.field_errors(),
                Err(zhizao_services::Error::StaleVersion { .. }) => vec![FieldError::new(
                    "row_version",
                    both_with(|t| t.request_stale().to_owned()),
                )],
                Err(error) => return Err(PageError::from(error).render(&context)),
            }
        }
    };
    page(&state, &context, &principal, &number, errors, form).await
}

async fn attach_file(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
    PageUpload(upload): PageUpload,
) -> Result<Response, Response> {
    let t = context.t();
    let max = zhizao_services::request_files::MAX_FILE_BYTES;
    let (_, file) = match super::purpose_and_file(&upload, t, max) {
        Ok(received) => received,
        Err(message) => {
            let problem = FieldError::new("file", Text::owned(message.clone(), message));
            return page(
                &state,
                &context,
                &principal,
                &number,
                vec![problem],
                FormFields::default(),
            )
            .await;
        }
    };
    match state
        .services()
        .add_request_file(&principal, &number, &file.file_name, file.bytes)
        .await
    {
        Ok(added) => Ok(Redirect::to(&format!(
            "/requests/{number}?notice={}#files",
            notice_query(
                &t.attachment_added(
                    &added
                        .purpose
                        .parse::<zhizao_services::RequestFilePurpose>()
                        .map_or(added.purpose.clone(), |p| t.text(&p.label()).to_owned()),
                    &added.file_name
                )
            )
        ))
        .into_response()),
        Err(error) if !error.field_errors().is_empty() => {
            page(
                &state,
                &context,
                &principal,
                &number,
                error.field_errors(),
                FormFields::default(),
            )
            .await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

/// An enterprise requests service version `id` with its need and, optionally, a file; the
/// file is checked before the request is made, so a bad file makes nothing.
async fn create_request(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    PageUpload(upload): PageUpload,
) -> Result<Response, Response> {
    let t = context.t();
    let services = state.services();
    let need = upload
        .as_ref()
        .map(|u| u.text("need").to_owned())
        .unwrap_or_default();
    let file = match &upload {
        Ok(upload) => upload.file("file").cloned(),
        Err(error) if error.status == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
            let message = t.file_too_large(zhizao_services::request_files::MAX_FILE_BYTES >> 20);
            let problem = FieldError::new("file", Text::owned(message.clone(), message));
            return super::service_catalogue::service_with_request_errors(
                &state,
                &context,
                id,
                vec![problem],
                need,
            )
            .await;
        }
        Err(_) => None,
    };
    if let Some(file) = &file
        && let Err(problem) = zhizao_core::files::check_upload(
            &file.file_name,
            &file.bytes,
            zhizao_services::request_files::ACCEPTED,
            zhizao_services::request_files::MAX_FILE_BYTES,
        )
    {
        return super::service_catalogue::service_with_request_errors(
            &state,
            &context,
            id,
            vec![FieldError::new("file", problem)],
            need,
        )
        .await;
    }
    let created = match services.create_request(&principal, id, &need).await {
        Ok(created) => created,
        Err(error) if !error.field_errors().is_empty() => {
            return super::service_catalogue::service_with_request_errors(
                &state,
                &context,
                id,
                error.field_errors(),
                need,
            )
            .await;
        }
        Err(error) => return Err(PageError::from(error).render(&context)),
    };
    if let Some(file) = file {
        services
            .add_request_file(&principal, &created.number, &file.file_name, file.bytes)
            .await
            .or_page(&context)?;
    }
    Ok(Redirect::to(&format!(
        "/requests/{}?notice={}",
        created.number,
        notice_query(&t.request_created(&created.number))
    ))
    .into_response())
}
