//! Technology-upgrade project pages: each role's work queue and list, an application with its
//! actions, the application form, batches and rule sets, reports, and the public notice (公示),
//! which needs no sign-in.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use zhizao_core::{Classified, Fen, PageRequest, Text, Timestamp};
use zhizao_identity::{Principal, policy};
use zhizao_projects::reports::{Dimension, ReportFilter};
use zhizao_projects::rules::{Category, RuleParameters};
use zhizao_projects::workflow::{Action, Status};
use zhizao_projects::{
    ActionRequest, ApplicationDetail, ApplicationFilter, ApplicationInput, ApplicationSort,
    BatchStatus, ItemInput, Programme, UpgradeType,
};

use super::{
    FormErrors, Layout, OrPage, PageContext, PageError, PageForm, Pager, SignedIn, render,
    verify_csrf,
};
use crate::AppState;
use crate::i18n::Tr;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/projects", get(list))
        .route("/projects/new", get(new_form).post(create))
        .route("/projects/batches", get(batches))
        .route("/projects/batches/new", get(batch_form).post(create_batch))
        .route("/projects/batches/{code}/status", post(batch_status))
        .route(
            "/projects/batches/import",
            post(import_history).layer(axum::extract::DefaultBodyLimit::max(
                zhizao_projects::import::MAX_HISTORY_BYTES + 256 * 1024,
            )),
        )
        .route(
            "/projects/rule-sets/{code}/edit",
            get(rule_set_form).post(save_rule_set),
        )
        .route("/projects/reports", get(reports))
        .route("/projects/applications/{number}", get(detail))
        .route(
            "/projects/applications/{number}/edit",
            get(edit_form).post(update),
        )
        .route("/projects/applications/{number}/act", post(act))
        .route("/projects/applications/{number}/evaluate", post(evaluate))
        .route(
            "/projects/applications/{number}/attachments",
            post(attach).layer(axum::extract::DefaultBodyLimit::max(
                zhizao_projects::attachments::MAX_ATTACHMENT_BYTES + 256 * 1024,
            )),
        )
        .route(
            "/projects/applications/{number}/attachments/{attachment_id}/delete",
            post(detach),
        )
        .route("/projects/applications/{number}/objections", post(object))
        .route(
            "/projects/applications/{number}/objections/{objection_id}/resolve",
            post(resolve),
        )
        .route("/notices", get(notices))
}

fn yuan(fen: Fen) -> String {
    fen.to_yuan_string()
}

fn optional_yuan(fen: Option<Fen>) -> String {
    fen.map(yuan).unwrap_or_else(|| "—".to_owned())
}

fn shanghai(at: Timestamp) -> String {
    at.to_shanghai_string()
}

fn status_class(status: Status) -> &'static str {
    match status {
        Status::Rejected | Status::Withdrawn => "muted",
        Status::Returned => "warn",
        Status::Approved | Status::Accepted | Status::Disbursed => "ok",
        _ => "",
    }
}

/// Whether `principal` has a projects page at all.
pub(crate) fn sees_projects(principal: &Principal) -> bool {
    policy::application_scope(principal) != policy::EnterpriseScope::Nothing
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    batch: String,
    page: Option<u32>,
}

struct Row {
    number: String,
    enterprise: String,
    project: String,
    town: String,
    investment: String,
    granted: String,
    status: String,
    status_class: &'static str,
    waiting_days: String,
}

#[derive(Template)]
#[template(path = "projects/list.html")]
struct ListPage {
    layout: Layout,
    query: ListQuery,
    queue: Vec<(String, &'static str)>,
    statuses: Vec<(&'static str, String)>,
    batches: Vec<(String, String)>,
    open_batches: Vec<(String, String, String)>,
    rows: Vec<Row>,
    total: i64,
    pager: Pager,
    is_enterprise: bool,
}

async fn list(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, Response> {
    if !sees_projects(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    let t = context.t();
    let now = state.identity().clock().now();
    let status = query.status.parse::<Status>().ok();
    // By default the list is the work still moving; "all" shows history too.
    let open_only = status.is_none() && query.status != "all";
    let filter = ApplicationFilter {
        batch: Some(query.batch.clone()).filter(|b| !b.is_empty()),
        status,
        open_only,
        search: Some(query.q.clone()).filter(|q| !q.trim().is_empty()),
        sort: ApplicationSort::OldestWaiting,
        ..ApplicationFilter::default()
    };
    let page = state
        .projects()
        .list_applications(
            &principal,
            &filter,
            PageRequest::new(query.page.unwrap_or(1), 50),
        )
        .await
        .or_page(&context)?;
    let queue = state
        .projects()
        .queue(&principal)
        .await
        .or_page(&context)?
        .into_iter()
        .take(12)
        .map(|line| {
            let urgent = if line.oldest_days(now) >= 7 {
                "warn"
            } else {
                ""
            };
            (t.text(&line.sentence(now)).to_owned(), urgent)
        })
        .collect();
    let all_batches = state
        .projects()
        .batches(&principal)
        .await
        .or_page(&context)?;
    let today = now.to_shanghai_date_string();
    let open_batches = all_batches
        .iter()
        .filter(|b| {
            b.status == BatchStatus::Published
                && b.opens_on.as_str() <= today.as_str()
                && today.as_str() <= b.closes_on.as_str()
        })
        .map(|b| (b.code.clone(), b.title.clone(), b.closes_on.clone()))
        .collect();
    let rows = page
        .items
        .iter()
        .map(|a| Row {
            number: a.number.clone(),
            enterprise: a.enterprise_name.clone(),
            project: a.project_name.clone(),
            town: a.town_name_zh.clone(),
            investment: yuan(a.total_investment_fen),
            granted: optional_yuan(a.granted_fen),
            status: t.text(&a.status.label()).to_owned(),
            status_class: status_class(a.status),
            waiting_days: a
                .status
                .waiting_on()
                .map(|_| {
                    ((now.as_millis() - a.status_changed_at.as_millis()).max(0) / 86_400_000)
                        .to_string()
                })
                .unwrap_or_default(),
        })
        .collect();
    let pager = Pager::new(&context.uri, &page);
    let page = ListPage {
        layout: context.layout("projects"),
        statuses: Status::ALL
            .iter()
            .map(|s| (s.as_str(), t.text(&s.label()).to_owned()))
            .collect(),
        batches: all_batches
            .iter()
            .map(|b| (b.code.clone(), format!("{} {}", b.code, b.title)))
            .collect(),
        open_batches,
        queue,
        rows,
        total: page.total,
        pager,
        is_enterprise: policy::may_write_applications(&principal),
        query,
    };
    Ok(render(&page))
}

struct ItemRow {
    position: i64,
    category: String,
    name: String,
    model: String,
    quantity: i64,
    unit_price: String,
    amount: String,
    supplier: String,
    related_party: bool,
    invoice: String,
}

struct EvaluationView {
    rule_set: String,
    when: String,
    by: String,
    amount: String,
    lines: Vec<(String, String)>,
}

struct EventView {
    when: String,
    by: String,
    action: String,
    to: String,
    comment: String,
}

struct AttachmentView {
    id: i64,
    purpose: String,
    file_name: String,
    size: String,
    when: String,
}

struct ObjectionView {
    id: i64,
    when: String,
    objector: String,
    content: String,
    resolution: Option<String>,
}

#[derive(Template)]
#[template(path = "projects/detail.html")]
struct DetailPage {
    layout: Layout,
    number: String,
    version: i64,
    title: String,
    batch: String,
    enterprise: String,
    credit_code: String,
    town: String,
    upgrade_type: String,
    period: String,
    description: String,
    expected_output: String,
    status: String,
    status_class: &'static str,
    waiting_on: String,
    notice_ends: String,
    total: String,
    granted: String,
    disbursed: String,
    items: Vec<ItemRow>,
    evaluations: Vec<EvaluationView>,
    events: Vec<EventView>,
    objections: Vec<ObjectionView>,
    attachments: Vec<AttachmentView>,
    required_attachments: Vec<String>,
    actions: Vec<(&'static str, String, bool)>,
    can_edit: bool,
    can_evaluate: bool,
    can_object: bool,
    error: Option<String>,
}

fn action_label(action: &str, t: Tr) -> String {
    match action {
        "created" => t.text(&Text::new("创建", "created")).to_owned(),
        "updated" => t.text(&Text::new("修改", "changed")).to_owned(),
        "recorded" => t.text(&Text::new("按档案登记", "recorded")).to_owned(),
        other => other
            .parse::<Action>()
            .map(|a| t.text(&a.label()).to_owned())
            .unwrap_or_else(|_| other.to_owned()),
    }
}

fn detail_page(
    context: &PageContext,
    principal: &Principal,
    detail: ApplicationDetail,
    required_attachments: Vec<String>,
    error: Option<String>,
) -> DetailPage {
    let t = context.t();
    let a = &detail.application;
    DetailPage {
        layout: context.layout("projects"),
        number: a.number.clone(),
        version: a.version,
        title: a.project_name.clone(),
        batch: format!("{} {}", a.batch_code, detail.batch_title),
        enterprise: a.enterprise_name.clone(),
        credit_code: a.credit_code.clone(),
        town: a.town_name_zh.clone(),
        upgrade_type: t.text(&a.upgrade_type.label()).to_owned(),
        period: format!(
            "{} — {}",
            a.starts_on.clone().unwrap_or_else(|| "?".into()),
            a.ends_on.clone().unwrap_or_else(|| "?".into())
        ),
        description: a.description.clone(),
        expected_output: optional_yuan(a.expected_output_value_fen),
        status: t.text(&a.status.label()).to_owned(),
        status_class: status_class(a.status),
        waiting_on: a
            .status
            .waiting_on()
            .map(|p| t.text(&p.label()).to_owned())
            .unwrap_or_default(),
        notice_ends: a.notice_ends_at.map(shanghai).unwrap_or_default(),
        total: yuan(a.total_investment_fen),
        granted: optional_yuan(a.granted_fen),
        disbursed: optional_yuan(a.disbursed_fen),
        items: detail
            .items
            .iter()
            .map(|i| ItemRow {
                position: i.position,
                category: t.text(&i.category.label()).to_owned(),
                name: i.name.clone(),
                model: i.model.clone(),
                quantity: i.quantity,
                unit_price: yuan(i.unit_price_fen),
                amount: yuan(i.amount_fen),
                supplier: i.supplier.clone(),
                related_party: i.related_party,
                invoice: format!(
                    "{} {}",
                    i.invoice_number,
                    i.invoice_date.clone().unwrap_or_default()
                ),
            })
            .collect(),
        evaluations: detail
            .evaluations
            .iter()
            .map(|e| EvaluationView {
                rule_set: format!("{} v{}", e.rule_set_code, e.rule_set_version),
                when: shanghai(e.evaluated_at),
                by: e.evaluated_by.clone(),
                amount: yuan(e.amount_fen),
                lines: e
                    .lines
                    .iter()
                    .map(|l| {
                        (
                            t.pick(&l.zh, &l.en).to_owned(),
                            l.amount_fen.map(yuan).unwrap_or_default(),
                        )
                    })
                    .collect(),
            })
            .collect(),
        events: detail
            .events
            .iter()
            .map(|e| EventView {
                when: shanghai(e.occurred_at),
                by: e.actor_username.clone(),
                action: action_label(&e.action, t),
                to: e
                    .to_status
                    .parse::<Status>()
                    .map(|s| t.text(&s.label()).to_owned())
                    .unwrap_or_default(),
                comment: e.comment.clone(),
            })
            .collect(),
        objections: detail
            .objections
            .iter()
            .map(|o| ObjectionView {
                id: o.id,
                when: shanghai(o.received_at),
                objector: o.objector.clone(),
                content: o.content.clone(),
                resolution: o.resolution.clone(),
            })
            .collect(),
        attachments: detail
            .attachments
            .iter()
            .map(|a| AttachmentView {
                id: a.id,
                purpose: a.purpose.clone(),
                file_name: a.file_name.clone(),
                size: format!("{:.1} KB", a.size_bytes as f64 / 1024.0),
                when: shanghai(a.uploaded_at),
            })
            .collect(),
        required_attachments,
        actions: detail
            .actions
            .iter()
            .map(|a| (a.as_str(), t.text(&a.label()).to_owned(), a.needs_comment()))
            .collect(),
        can_edit: a.status.editable() && policy::may_write_applications(principal),
        can_evaluate: a.programme != Programme::TechUpgrade,
        can_object: a.status == Status::PublicNotice && policy::may_manage_programmes(principal),
        error,
    }
}

/// The end of every step taken on an application's page: back to the application (saying
/// "saved" when `notice`), or the page again with the refusal, or the error page when the
/// application is not there.
async fn back_to_application<T>(
    state: &AppState,
    context: &PageContext,
    principal: &Principal,
    number: &str,
    outcome: zhizao_projects::Result<T>,
    notice: bool,
) -> Result<Response, Response> {
    match outcome {
        Ok(_) if notice => Ok(Redirect::to(&format!(
            "/projects/applications/{number}?notice={}",
            form_urlencoded::byte_serialize(context.t().saved().as_bytes()).collect::<String>()
        ))
        .into_response()),
        Ok(_) => Ok(Redirect::to(&format!("/projects/applications/{number}")).into_response()),
        // `refusal_message` is None for "not found", which stays the error page.
        Err(error) => match refusal_message(&error, context.t()) {
            Some(message) => show_detail(state, context, principal, number, Some(message)).await,
            None => Err(PageError::from(error).render(context)),
        },
    }
}

async fn show_detail(
    state: &AppState,
    context: &PageContext,
    principal: &Principal,
    number: &str,
    error: Option<String>,
) -> Result<Response, Response> {
    let detail = state
        .projects()
        .application(principal, number)
        .await
        .or_page(context)?;
    let status = if error.is_some() {
        axum::http::StatusCode::CONFLICT
    } else {
        axum::http::StatusCode::OK
    };
    let required = state
        .projects()
        .batch(principal, &detail.application.batch_code)
        .await
        .map(|b| b.required_attachment_names())
        .unwrap_or_default();
    Ok((
        status,
        render(&detail_page(context, principal, detail, required, error)),
    )
        .into_response())
}

async fn detail(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
) -> Result<Response, Response> {
    show_detail(&state, &context, &principal, &number, None).await
}

/// A domain refusal as the message a page shows, in the page's language.
fn refusal_message(error: &zhizao_projects::Error, t: Tr) -> Option<String> {
    use zhizao_core::ErrorKind;
    matches!(
        error.kind(),
        ErrorKind::Conflict | ErrorKind::Forbidden | ErrorKind::InvalidInput
    )
    .then(|| super::error_message(error, t))
}

#[derive(Deserialize)]
struct ActForm {
    csrf_token: String,
    action: String,
    version: i64,
    #[serde(default)]
    comment: String,
}

async fn act(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
    PageForm(form): PageForm<ActForm>,
) -> Result<Response, Response> {
    verify_csrf(&context, &form.csrf_token).map_err(|e| e.render(&context))?;
    let action = form
        .action
        .parse::<Action>()
        .map_err(|e| PageError::bad_request(e.to_string()).render(&context))?;
    let request = ActionRequest {
        action,
        version: form.version,
        comment: form.comment,
    };
    let outcome = state.projects().act(&principal, &number, &request).await;
    back_to_application(&state, &context, &principal, &number, outcome, true).await
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf_token: String,
}

async fn evaluate(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
    PageForm(form): PageForm<CsrfForm>,
) -> Result<Response, Response> {
    verify_csrf(&context, &form.csrf_token).map_err(|e| e.render(&context))?;
    let outcome = state.projects().evaluate(&principal, &number).await;
    back_to_application(&state, &context, &principal, &number, outcome, false).await
}

#[derive(Deserialize)]
struct ObjectionForm {
    csrf_token: String,
    #[serde(default)]
    objector: String,
    #[serde(default)]
    content: String,
}

async fn object(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
    PageForm(form): PageForm<ObjectionForm>,
) -> Result<Response, Response> {
    verify_csrf(&context, &form.csrf_token).map_err(|e| e.render(&context))?;
    let outcome = state
        .projects()
        .add_objection(&principal, &number, &form.objector, &form.content)
        .await;
    back_to_application(&state, &context, &principal, &number, outcome, false).await
}

#[derive(Deserialize)]
struct ResolutionForm {
    csrf_token: String,
    #[serde(default)]
    resolution: String,
}

async fn resolve(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((number, objection_id)): Path<(String, i64)>,
    PageForm(form): PageForm<ResolutionForm>,
) -> Result<Response, Response> {
    verify_csrf(&context, &form.csrf_token).map_err(|e| e.render(&context))?;
    let outcome = state
        .projects()
        .resolve_objection(&principal, &number, objection_id, &form.resolution)
        .await;
    back_to_application(&state, &context, &principal, &number, outcome, false).await
}

async fn attach(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
    multipart: axum::extract::Multipart,
) -> Result<Response, Response> {
    let (csrf, purpose, file_name, bytes) =
        match crate::api::projects::read_attachment_upload(multipart).await {
            Ok(upload) => upload,
            Err(_) => {
                return show_detail(
                    &state,
                    &context,
                    &principal,
                    &number,
                    Some(
                        context
                            .t()
                            .text(&Text::new("请选择要上传的文件", "choose a file to upload"))
                            .to_owned(),
                    ),
                )
                .await;
            }
        };
    verify_csrf(&context, csrf.as_deref().unwrap_or("")).map_err(|e| e.render(&context))?;
    let outcome = state
        .projects()
        .add_attachment(&principal, &number, &purpose, &file_name, bytes)
        .await;
    back_to_application(&state, &context, &principal, &number, outcome, false).await
}

async fn detach(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((number, attachment_id)): Path<(String, i64)>,
    PageForm(form): PageForm<CsrfForm>,
) -> Result<Response, Response> {
    verify_csrf(&context, &form.csrf_token).map_err(|e| e.render(&context))?;
    let outcome = state
        .projects()
        .delete_attachment(&principal, &number, attachment_id)
        .await;
    back_to_application(&state, &context, &principal, &number, outcome, false).await
}

/// An amount typed in yuan as fen; a wrongly written one is named by its field.
fn parse_money(
    errors: &mut Vec<zhizao_core::FieldError>,
    field: String,
    text: &str,
) -> Option<Fen> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match Fen::parse_yuan(text) {
        Ok(fen) => Some(fen),
        Err(error) => {
            errors.push(zhizao_core::FieldError::new(field, error.text()));
            None
        }
    }
}

/// Blank item rows the form offers beyond those already filled.
const SPARE_ITEM_ROWS: usize = 3;

/// One item row as the form shows it.
#[derive(Debug, Clone, Default)]
struct ItemFields {
    category: String,
    name: String,
    model: String,
    quantity: String,
    unit_price: String,
    supplier: String,
    related_party: bool,
    invoice_number: String,
    invoice_date: String,
    /// This row's problems, in the page's language (filled when the page is shown).
    error: String,
}

/// The application form's values as typed.
#[derive(Debug, Clone, Default)]
struct ApplicationFields {
    batch: String,
    version: String,
    project_name: String,
    upgrade_type: String,
    starts_on: String,
    ends_on: String,
    description: String,
    expected_output: String,
    efficiency: String,
    energy: String,
    items: Vec<ItemFields>,
    /// For each line item the service receives, the form row it came from (blank rows are
    /// skipped), so the service's `items[n]` errors land on the row the user typed.
    row_of_item: Vec<usize>,
}

impl ApplicationFields {
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let mut items = Vec::new();
        for index in 0..zhizao_projects::MAX_ITEMS {
            let field = |name: &str| get(&format!("i{index}_{name}"));
            if !pairs
                .iter()
                .any(|(k, _)| k.starts_with(&format!("i{index}_")))
            {
                break;
            }
            items.push(ItemFields {
                category: field("category"),
                name: field("name"),
                model: field("model"),
                quantity: field("quantity"),
                unit_price: field("unit_price"),
                supplier: field("supplier"),
                related_party: !field("related_party").is_empty(),
                invoice_number: field("invoice_number"),
                invoice_date: field("invoice_date"),
                error: String::new(),
            });
        }
        ApplicationFields {
            batch: get("batch"),
            version: get("version"),
            project_name: get("project_name"),
            upgrade_type: get("upgrade_type"),
            starts_on: get("starts_on"),
            ends_on: get("ends_on"),
            description: get("description"),
            expected_output: get("expected_output"),
            efficiency: get("efficiency"),
            energy: get("energy"),
            items,
            row_of_item: Vec::new(),
        }
    }

    fn from_detail(detail: &ApplicationDetail) -> Self {
        let a = &detail.application;
        ApplicationFields {
            batch: a.batch_code.clone(),
            version: a.version.to_string(),
            project_name: a.project_name.clone(),
            upgrade_type: a.upgrade_type.as_str().to_owned(),
            starts_on: a.starts_on.clone().unwrap_or_default(),
            ends_on: a.ends_on.clone().unwrap_or_default(),
            description: a.description.clone(),
            expected_output: a
                .expected_output_value_fen
                .map(|f| f.to_plain_yuan_string())
                .unwrap_or_default(),
            efficiency: a
                .expected_efficiency_gain_percent
                .map(|v| v.to_string())
                .unwrap_or_default(),
            energy: a
                .expected_energy_saving_tce
                .map(|v| v.to_string())
                .unwrap_or_default(),
            row_of_item: Vec::new(),
            items: detail
                .items
                .iter()
                .map(|i| ItemFields {
                    category: i.category.as_str().to_owned(),
                    name: i.name.clone(),
                    model: i.model.clone(),
                    quantity: i.quantity.to_string(),
                    unit_price: i.unit_price_fen.to_plain_yuan_string(),
                    supplier: i.supplier.clone(),
                    related_party: i.related_party,
                    invoice_number: i.invoice_number.clone(),
                    invoice_date: i.invoice_date.clone().unwrap_or_default(),
                    error: String::new(),
                })
                .collect(),
        }
    }

    /// The input for the service; amounts typed in yuan are turned into fen here, and a
    /// wrongly written amount is named by its field.
    fn take_input(&mut self) -> Result<ApplicationInput, Vec<zhizao_core::FieldError>> {
        let mut errors = Vec::new();
        let expected_output_value_fen = parse_money(
            &mut errors,
            "expected_output_value_fen".into(),
            &self.expected_output,
        );
        let mut items = Vec::new();
        for (index, item) in self.items.iter().enumerate() {
            let blank = item.name.trim().is_empty()
                && item.quantity.trim().is_empty()
                && item.unit_price.trim().is_empty()
                && item.category.trim().is_empty();
            if blank {
                continue;
            }
            let position = index;
            self.row_of_item.push(index);
            let unit_price_fen = parse_money(
                &mut errors,
                format!("items[{position}].unit_price_fen"),
                &item.unit_price,
            );
            let quantity = if item.quantity.trim().is_empty() {
                None
            } else {
                match item.quantity.trim().parse::<i64>() {
                    Ok(q) => Some(q),
                    Err(_) => {
                        errors.push(zhizao_core::FieldError::new(
                            format!("items[{position}].quantity"),
                            Text::new("数量须为整数", "the quantity must be a whole number"),
                        ));
                        None
                    }
                }
            };
            let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
            items.push(ItemInput {
                category: text(&item.category),
                name: text(&item.name),
                model: text(&item.model),
                quantity,
                unit_price_fen,
                supplier: text(&item.supplier),
                related_party: Some(item.related_party),
                invoice_number: text(&item.invoice_number),
                invoice_date: text(&item.invoice_date),
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let whole = |errors: &mut Vec<zhizao_core::FieldError>, field: &str, value: &str| {
            let value = value.trim();
            if value.is_empty() {
                return None;
            }
            value.parse::<i64>().ok().or_else(|| {
                errors.push(zhizao_core::FieldError::new(
                    field,
                    Text::new("应为整数", "must be a whole number"),
                ));
                None
            })
        };
        let efficiency = whole(
            &mut errors,
            "expected_efficiency_gain_percent",
            &self.efficiency,
        );
        let energy = whole(&mut errors, "expected_energy_saving_tce", &self.energy);
        if !errors.is_empty() {
            return Err(errors);
        }
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(ApplicationInput {
            batch: text(&self.batch),
            project_name: text(&self.project_name),
            upgrade_type: text(&self.upgrade_type),
            starts_on: text(&self.starts_on),
            ends_on: text(&self.ends_on),
            description: text(&self.description),
            expected_output_value_fen,
            expected_efficiency_gain_percent: efficiency,
            expected_energy_saving_tce: energy,
            items,
        })
    }
}

#[derive(Template)]
#[template(path = "projects/form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action: String,
    v: ApplicationFields,
    batch_title: String,
    upgrade_types: Vec<(&'static str, String)>,
    categories: Vec<(&'static str, String)>,
    errors: FormErrors,
    general_errors: Vec<String>,
}

/// [`form_page`] with the errors computed from the values before these move in.
fn form_page_with(
    context: &PageContext,
    heading: String,
    action: String,
    batch_title: String,
    errors: FormErrors,
    v: ApplicationFields,
) -> Response {
    form_page(context, heading, action, v, batch_title, errors)
}

fn form_page(
    context: &PageContext,
    heading: String,
    action: String,
    mut v: ApplicationFields,
    batch_title: String,
    errors: FormErrors,
) -> Response {
    let t = context.t();
    v.items
        .extend(std::iter::repeat_n(ItemFields::default(), SPARE_ITEM_ROWS));
    let general_errors = errors.general(&[
        "project_name",
        "upgrade_type",
        "starts_on",
        "ends_on",
        "description",
        "expected_output_value_fen",
        "expected_efficiency_gain_percent",
        "expected_energy_saving_tce",
        "items",
    ]);
    for (row, item) in v.items.iter_mut().enumerate() {
        item.error = errors.get(&format!("items[{row}]"));
    }
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = FormPage {
        layout: context.layout("projects"),
        heading,
        action,
        v,
        batch_title,
        upgrade_types: UpgradeType::ALL
            .iter()
            .map(|u| (u.as_str(), t.text(&u.label()).to_owned()))
            .collect(),
        categories: Category::ALL
            .iter()
            .map(|c| (c.as_str(), t.text(&c.label()).to_owned()))
            .collect(),
        errors,
        general_errors,
    };
    (status, render(&page)).into_response()
}

#[derive(Deserialize)]
struct NewQuery {
    #[serde(default)]
    batch: String,
}

async fn new_form(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<NewQuery>,
) -> Result<Response, Response> {
    if !policy::may_write_applications(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    let batch = state
        .projects()
        .batch(&principal, &query.batch)
        .await
        .or_page(&context)?;
    let t = context.t();
    Ok(form_page(
        &context,
        t.text(&Text::new("新建项目申报", "New application"))
            .to_owned(),
        "/projects/new".into(),
        ApplicationFields {
            batch: batch.code.clone(),
            ..ApplicationFields::default()
        },
        batch.title,
        FormErrors::default(),
    ))
}

fn csrf_of(pairs: &[(String, String)]) -> &str {
    pairs
        .iter()
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn form_errors(error: &zhizao_projects::Error, t: Tr) -> FormErrors {
    if error.field_errors().is_empty() {
        FormErrors(vec![("general".into(), t.text(&error.text()).to_owned())])
    } else {
        FormErrors::from_fields(&error.field_errors(), t)
    }
}

/// The service's errors with `items[n]` renamed to the form row the item came from.
fn on_form_rows(mut errors: FormErrors, rows: &[usize]) -> FormErrors {
    for (field, _) in errors.0.iter_mut() {
        if let Some(rest) = field.strip_prefix("items[")
            && let Some((index, tail)) = rest.split_once(']')
            && let Ok(index) = index.parse::<usize>()
            && let Some(row) = rows.get(index)
        {
            *field = format!("items[{row}]{tail}");
        }
    }
    errors
}

async fn create(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, Response> {
    verify_csrf(&context, csrf_of(&pairs)).map_err(|e| e.render(&context))?;
    let t = context.t();
    let mut values = ApplicationFields::from_pairs(&pairs);
    let heading = t
        .text(&Text::new("新建项目申报", "New application"))
        .to_owned();
    let batch_title = values.batch.clone();
    let input = match values.take_input() {
        Ok(input) => input,
        Err(errors) => {
            return Ok(form_page(
                &context,
                heading,
                "/projects/new".into(),
                values,
                batch_title,
                FormErrors::from_fields(&errors, t),
            ));
        }
    };
    match state
        .projects()
        .create_application(&principal, &input)
        .await
    {
        Ok(detail) => Ok(Redirect::to(&format!(
            "/projects/applications/{}",
            detail.application.number
        ))
        .into_response()),
        Err(error) if refusal_message(&error, t).is_some() => Ok(form_page_with(
            &context,
            heading,
            "/projects/new".into(),
            batch_title,
            on_form_rows(form_errors(&error, t), &values.row_of_item),
            values,
        )),
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

async fn edit_form(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
) -> Result<Response, Response> {
    let detail = state
        .projects()
        .application(&principal, &number)
        .await
        .or_page(&context)?;
    if !policy::may_write_applications(&principal) || !detail.application.status.editable() {
        return Err(PageError::Forbidden.render(&context));
    }
    Ok(form_page(
        &context,
        format!(
            "{} {}",
            context.t().text(&Text::new("修改申报", "Edit application")),
            number
        ),
        format!("/projects/applications/{number}/edit"),
        ApplicationFields::from_detail(&detail),
        detail.batch_title.clone(),
        FormErrors::default(),
    ))
}

async fn update(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, Response> {
    verify_csrf(&context, csrf_of(&pairs)).map_err(|e| e.render(&context))?;
    let t = context.t();
    let mut values = ApplicationFields::from_pairs(&pairs);
    let heading = format!(
        "{} {}",
        t.text(&Text::new("修改申报", "Edit application")),
        number
    );
    let action = format!("/projects/applications/{number}/edit");
    let batch_title = values.batch.clone();
    let input = match values.take_input() {
        Ok(input) => input,
        Err(errors) => {
            return Ok(form_page(
                &context,
                heading,
                action,
                values,
                batch_title,
                FormErrors::from_fields(&errors, t),
            ));
        }
    };
    let version = values.version.parse::<i64>().unwrap_or(-1);
    match state
        .projects()
        .update_application(&principal, &number, &input, version)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/projects/applications/{number}?notice={}",
            form_urlencoded::byte_serialize(t.saved().as_bytes()).collect::<String>()
        ))
        .into_response()),
        Err(error)
            if error.kind() != zhizao_core::ErrorKind::NotFound
                && refusal_message(&error, t).is_some() =>
        {
            Ok(form_page_with(
                &context,
                heading,
                action,
                batch_title,
                on_form_rows(form_errors(&error, t), &values.row_of_item),
                values,
            ))
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

struct BatchRow {
    code: String,
    title: String,
    programme: String,
    year: i64,
    window: String,
    rule_set: String,
    status: String,
    /// The next status the city may give it (`published`, `closed`), if any.
    next_status: Option<(&'static str, String)>,
    version: i64,
    applications: i64,
}

struct RuleSetRow {
    code: String,
    version: i64,
    name: String,
    summary: String,
    batches: i64,
    evaluations: i64,
}

#[derive(Template)]
#[template(path = "projects/batches.html")]
struct BatchesPage {
    layout: Layout,
    batches: Vec<BatchRow>,
    rule_sets: Vec<RuleSetRow>,
    manages: bool,
    /// The outcome of an import just made: a summary and the problems by row and column.
    import: Option<(String, Vec<String>)>,
}

fn rules_summary(p: &RuleParameters, t: Tr) -> String {
    let categories: Vec<String> = p
        .eligible_categories
        .iter()
        .map(|c| t.text(&c.label()).to_owned())
        .collect();
    let percent = format!(
        "{}.{:02}%",
        p.rate_basis_points / 100,
        p.rate_basis_points % 100
    );
    let mut parts = vec![
        categories.join("、"),
        format!(
            "≥ {} {}",
            yuan(p.min_eligible_investment_fen),
            t.text(&Text::new("元", "yuan"))
        ),
        percent,
    ];
    if let Some(cap) = p.cap_per_project_fen {
        parts.push(format!(
            "{} {}",
            t.text(&Text::new("单项目上限", "cap per project")),
            yuan(cap)
        ));
    }
    if let Some(cap) = p.cap_per_enterprise_year_fen {
        parts.push(format!(
            "{} {}",
            t.text(&Text::new("企业年度上限", "cap per enterprise-year")),
            yuan(cap)
        ));
    }
    if p.exclude_related_party_suppliers {
        parts.push(
            t.text(&Text::new("排除关联方采购", "related parties excluded"))
                .to_owned(),
        );
    }
    if let Some(date) = &p.earliest_invoice_date {
        parts.push(format!(
            "{} {date}",
            t.text(&Text::new("发票不早于", "invoiced from"))
        ));
    }
    parts.join("；")
}

async fn batches(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
) -> Result<Response, Response> {
    batches_page(&state, &context, &principal, None).await
}

async fn batches_page(
    state: &AppState,
    context: &PageContext,
    principal: &Principal,
    import: Option<(String, Vec<String>)>,
) -> Result<Response, Response> {
    let context = context.clone();
    let t = context.t();
    let batches = state
        .projects()
        .batches(principal)
        .await
        .or_page(&context)?;
    let rule_sets = state.projects().rule_sets().await.or_page(&context)?;
    let page = BatchesPage {
        layout: context.layout("projects"),
        batches: batches
            .into_iter()
            .map(|b| BatchRow {
                window: format!("{} — {}", b.opens_on, b.closes_on),
                rule_set: b
                    .rule_set_code
                    .as_ref()
                    .map(|c| format!("{c} v{}", b.rule_set_version.unwrap_or(0)))
                    .unwrap_or_else(|| "—".into()),
                status: t.text(&b.status.label()).to_owned(),
                next_status: match b.status {
                    BatchStatus::Draft => Some((
                        "published",
                        t.text(&Text::new("发布", "Publish")).to_owned(),
                    )),
                    BatchStatus::Published => {
                        Some(("closed", t.text(&Text::new("结束受理", "Close")).to_owned()))
                    }
                    BatchStatus::Closed => None,
                },
                version: b.version,
                programme: t.text(&b.programme.label()).to_owned(),
                code: b.code,
                title: b.title,
                year: b.year,
                applications: b.applications,
            })
            .collect(),
        rule_sets: rule_sets
            .into_iter()
            .map(|r| RuleSetRow {
                summary: rules_summary(&r.parameters, t),
                code: r.code,
                version: r.version,
                name: r.name,
                batches: r.batches,
                evaluations: r.evaluations,
            })
            .collect(),
        manages: policy::may_manage_programmes(principal),
        import,
    };
    Ok(render(&page))
}

async fn import_history(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    mut multipart: axum::extract::Multipart,
) -> Result<Response, Response> {
    let t = context.t();
    let mut csrf = String::new();
    let mut dry_run = false;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("csrf_token") => csrf = field.text().await.unwrap_or_default(),
            Some("dry_run") => dry_run = true,
            Some("file") => {
                let name = field.file_name().unwrap_or("upload").to_owned();
                match field.bytes().await {
                    Ok(bytes) => file = Some((name, bytes.to_vec())),
                    Err(error) => {
                        return Err(PageError::bad_request(error.body_text()).render(&context));
                    }
                }
            }
            _ => {}
        }
    }
    verify_csrf(&context, &csrf).map_err(|e| e.render(&context))?;
    let Some((file_name, bytes)) = file else {
        return Err(PageError::bad_request("the form has no file").render(&context));
    };
    let outcome = match state
        .projects()
        .import_history(&principal, &file_name, &bytes, dry_run)
        .await
    {
        Ok(report) => {
            let summary = format!(
                "{}: {} {} · {} {} · {} {}{}",
                file_name,
                report.rows,
                t.text(&Text::new("行", "rows")),
                report.batches,
                t.batch(),
                report.applications,
                t.applications_count(),
                if report.applied {
                    t.text(&Text::new("，已导入", ", imported")).to_owned()
                } else if report.errors.is_empty() {
                    t.text(&Text::new(
                        "，检查通过（未写入）",
                        ", checked (nothing written)",
                    ))
                    .to_owned()
                } else {
                    t.text(&Text::new(
                        "，有错误，未导入任何数据",
                        ", with problems: nothing imported",
                    ))
                    .to_owned()
                }
            );
            let problems = report
                .errors
                .iter()
                .map(|e| {
                    format!(
                        "{} {} {}：{}",
                        e.row.map(|r| format!("#{r}")).unwrap_or_default(),
                        e.column.clone().unwrap_or_default(),
                        e.field,
                        t.text(&e.message)
                    )
                })
                .collect();
            (summary, problems)
        }
        Err(error) if refusal_message(&error, t).is_some() => (
            file_name,
            vec![refusal_message(&error, t).unwrap_or_default()],
        ),
        Err(error) => return Err(PageError::from(error).render(&context)),
    };
    batches_page(&state, &context, &principal, Some(outcome)).await
}

/// The batch form's values as typed.
#[derive(Debug, Clone, Default)]
struct BatchFields {
    code: String,
    programme: String,
    year: String,
    title: String,
    opens_on: String,
    closes_on: String,
    eligibility: String,
    required_attachments: String,
    rule_set: String,
    notice_days: String,
}

#[derive(Template)]
#[template(path = "projects/batch_form.html")]
struct BatchFormPage {
    layout: Layout,
    v: BatchFields,
    programmes: Vec<(&'static str, String)>,
    rule_sets: Vec<(String, String)>,
    errors: FormErrors,
    general_errors: Vec<String>,
}

async fn batch_form_page(
    state: &AppState,
    context: &PageContext,
    v: BatchFields,
    errors: FormErrors,
) -> Result<Response, Response> {
    let t = context.t();
    let rule_sets = state
        .projects()
        .rule_sets()
        .await
        .or_page(context)?
        .into_iter()
        .map(|r| {
            (
                r.code.clone(),
                format!("{} v{} {}", r.code, r.version, r.name),
            )
        })
        .collect();
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let general_errors = errors.general(&[
        "code",
        "programme",
        "year",
        "title",
        "opens_on",
        "closes_on",
        "eligibility",
        "required_attachments",
        "rule_set",
        "notice_days",
    ]);
    let page = BatchFormPage {
        layout: context.layout("projects"),
        v,
        programmes: Programme::ALL
            .iter()
            .map(|p| (p.as_str(), t.text(&p.label()).to_owned()))
            .collect(),
        rule_sets,
        errors,
        general_errors,
    };
    Ok((status, render(&page)).into_response())
}

async fn batch_form(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
) -> Result<Response, Response> {
    if !policy::may_manage_programmes(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    let year = Timestamp::from_millis(state.identity().clock().now().as_millis())
        .to_shanghai_date_string()
        .chars()
        .take(4)
        .collect();
    batch_form_page(
        &state,
        &context,
        BatchFields {
            year,
            notice_days: "7".into(),
            required_attachments: "营业执照".into(),
            ..BatchFields::default()
        },
        FormErrors::default(),
    )
    .await
}

async fn create_batch(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, Response> {
    verify_csrf(&context, csrf_of(&pairs)).map_err(|e| e.render(&context))?;
    let t = context.t();
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let v = BatchFields {
        code: get("code"),
        programme: get("programme"),
        year: get("year"),
        title: get("title"),
        opens_on: get("opens_on"),
        closes_on: get("closes_on"),
        eligibility: get("eligibility"),
        required_attachments: get("required_attachments"),
        rule_set: get("rule_set"),
        notice_days: get("notice_days"),
    };
    let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let mut errors = Vec::new();
    let number = |errors: &mut Vec<zhizao_core::FieldError>, field: &str, value: &str| {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        value.parse::<i64>().ok().or_else(|| {
            errors.push(zhizao_core::FieldError::new(
                field,
                Text::new("应为整数", "must be a whole number"),
            ));
            None
        })
    };
    let year = number(&mut errors, "year", &v.year);
    let notice_days = number(&mut errors, "notice_days", &v.notice_days);
    if !errors.is_empty() {
        return batch_form_page(&state, &context, v, FormErrors::from_fields(&errors, t)).await;
    }
    let input = zhizao_projects::BatchInput {
        code: text(&v.code),
        programme: text(&v.programme),
        year,
        title: text(&v.title),
        opens_on: text(&v.opens_on),
        closes_on: text(&v.closes_on),
        eligibility: text(&v.eligibility),
        required_attachments: Some(
            v.required_attachments
                .split(['，', ',', '、', '\n'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        rule_set: text(&v.rule_set),
        notice_days,
    };
    match state.projects().create_batch(&principal, &input).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/projects/batches?notice={}",
            form_urlencoded::byte_serialize(t.saved().as_bytes()).collect::<String>()
        ))
        .into_response()),
        Err(error) if refusal_message(&error, t).is_some() => {
            batch_form_page(&state, &context, v, form_errors(&error, t)).await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

#[derive(Deserialize)]
struct BatchStatusForm {
    csrf_token: String,
    status: String,
    version: i64,
}

async fn batch_status(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    PageForm(form): PageForm<BatchStatusForm>,
) -> Result<Response, Response> {
    verify_csrf(&context, &form.csrf_token).map_err(|e| e.render(&context))?;
    let status: BatchStatus =
        form.status
            .parse()
            .map_err(|e: zhizao_projects::workflow::UnknownValue| {
                PageError::bad_request(e.to_string()).render(&context)
            })?;
    match state
        .projects()
        .set_batch_status(&principal, &code, status, Some(form.version))
        .await
    {
        Ok(_) => Ok(Redirect::to("/projects/batches").into_response()),
        Err(error)
            if refusal_message(&error, context.t()).is_some()
                && error.kind() != zhizao_core::ErrorKind::NotFound =>
        {
            let message = refusal_message(&error, context.t()).unwrap_or_default();
            batches_page(&state, &context, &principal, Some((code, vec![message]))).await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

/// The rule set form's values as typed (amounts in yuan, the rate in percent).
#[derive(Debug, Clone, Default)]
struct RuleFields {
    latest_version: String,
    name: String,
    categories: Vec<String>,
    min_eligible: String,
    rate_percent: String,
    cap_project: String,
    cap_enterprise_year: String,
    exclude_related: bool,
    earliest_invoice_date: String,
}

#[derive(Template)]
#[template(path = "projects/rule_set.html")]
struct RuleSetPage {
    layout: Layout,
    code: String,
    v: RuleFields,
    categories: Vec<(&'static str, String)>,
    errors: FormErrors,
    general_errors: Vec<String>,
}

fn rule_set_page(
    context: &PageContext,
    code: String,
    v: RuleFields,
    errors: FormErrors,
) -> Response {
    let t = context.t();
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let general_errors = errors.general(&[
        "name",
        "eligible_categories",
        "min_eligible_investment_fen",
        "rate_basis_points",
        "cap_per_project_fen",
        "cap_per_enterprise_year_fen",
        "earliest_invoice_date",
    ]);
    let page = RuleSetPage {
        layout: context.layout("projects"),
        code,
        v,
        categories: Category::ALL
            .iter()
            .map(|c| (c.as_str(), t.text(&c.label()).to_owned()))
            .collect(),
        errors,
        general_errors,
    };
    (status, render(&page)).into_response()
}

async fn rule_set_form(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, Response> {
    if !policy::may_manage_programmes(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    let v = match state.projects().rule_set_versions(&code).await {
        Ok(versions) => {
            let latest = &versions[0];
            let p = &latest.parameters;
            let plain = |fen: Fen| fen.to_plain_yuan_string();
            RuleFields {
                latest_version: latest.version.to_string(),
                name: latest.name.clone(),
                categories: p
                    .eligible_categories
                    .iter()
                    .map(|c| c.as_str().to_owned())
                    .collect(),
                min_eligible: plain(p.min_eligible_investment_fen),
                rate_percent: format!(
                    "{}.{:02}",
                    p.rate_basis_points / 100,
                    p.rate_basis_points % 100
                ),
                cap_project: p.cap_per_project_fen.map(plain).unwrap_or_default(),
                cap_enterprise_year: p.cap_per_enterprise_year_fen.map(plain).unwrap_or_default(),
                exclude_related: p.exclude_related_party_suppliers,
                earliest_invoice_date: p.earliest_invoice_date.clone().unwrap_or_default(),
            }
        }
        Err(zhizao_projects::Error::NotFound { .. }) => RuleFields::default(),
        Err(error) => return Err(PageError::from(error).render(&context)),
    };
    Ok(rule_set_page(&context, code, v, FormErrors::default()))
}

/// A percentage with at most two decimals as basis points.
fn basis_points(text: &str) -> Option<i64> {
    let text = text.trim().trim_end_matches('%');
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 2 || whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let fraction: i64 = format!("{fraction:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(fraction)
}

async fn save_rule_set(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, Response> {
    verify_csrf(&context, csrf_of(&pairs)).map_err(|e| e.render(&context))?;
    let t = context.t();
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let v = RuleFields {
        latest_version: get("latest_version"),
        name: get("name"),
        categories: pairs
            .iter()
            .filter(|(k, _)| k == "category")
            .map(|(_, v)| v.clone())
            .collect(),
        min_eligible: get("min_eligible"),
        rate_percent: get("rate_percent"),
        cap_project: get("cap_project"),
        cap_enterprise_year: get("cap_enterprise_year"),
        exclude_related: !get("exclude_related").is_empty(),
        earliest_invoice_date: get("earliest_invoice_date"),
    };
    let mut errors = Vec::new();
    let mut money = |field: &str, text: &str| -> Option<Fen> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        match Fen::parse_yuan(text) {
            Ok(fen) => Some(fen),
            Err(error) => {
                errors.push(zhizao_core::FieldError::new(field, error.text()));
                None
            }
        }
    };
    let min = money("min_eligible_investment_fen", &v.min_eligible).unwrap_or_default();
    let cap_project = money("cap_per_project_fen", &v.cap_project);
    let cap_year = money("cap_per_enterprise_year_fen", &v.cap_enterprise_year);
    let rate = basis_points(&v.rate_percent);
    if rate.is_none() {
        errors.push(zhizao_core::FieldError::new(
            "rate_basis_points",
            Text::new(
                "补助比例应写成百分数，如 10 或 12.5",
                "write the rate as a percentage, e.g. 10 or 12.5",
            ),
        ));
    }
    let categories: Vec<Category> = v.categories.iter().filter_map(|c| c.parse().ok()).collect();
    if !errors.is_empty() {
        return Ok(rule_set_page(
            &context,
            code,
            v,
            FormErrors::from_fields(&errors, t),
        ));
    }
    let parameters = RuleParameters {
        eligible_categories: categories,
        min_eligible_investment_fen: min,
        rate_basis_points: rate.unwrap_or(0),
        cap_per_project_fen: cap_project,
        cap_per_enterprise_year_fen: cap_year,
        exclude_related_party_suppliers: v.exclude_related,
        earliest_invoice_date: Some(v.earliest_invoice_date.trim().to_owned())
            .filter(|d| !d.is_empty()),
    };
    let expected = v.latest_version.parse::<i64>().ok();
    match state
        .projects()
        .save_rule_set(&principal, &code, &v.name, &parameters, expected)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/projects/batches?notice={}",
            form_urlencoded::byte_serialize(t.saved().as_bytes()).collect::<String>()
        ))
        .into_response()),
        Err(error) if refusal_message(&error, t).is_some() => {
            Ok(rule_set_page(&context, code, v, form_errors(&error, t)))
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

#[derive(Debug, Default, Deserialize)]
struct ReportQuery {
    #[serde(default)]
    by: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    programme: String,
}

struct ReportRowView {
    label: String,
    applications: i64,
    projects: i64,
    enterprises: i64,
    investment: String,
    granted: String,
    disbursed: String,
    enterprises_growth: String,
    granted_growth: String,
}

#[derive(Template)]
#[template(path = "projects/report.html")]
struct ReportPage {
    layout: Layout,
    query: ReportQuery,
    dimensions: Vec<(&'static str, String)>,
    programmes: Vec<(&'static str, String)>,
    dimension_label: String,
    rows: Vec<ReportRowView>,
    total: ReportRowView,
    export_query: String,
}

fn growth(value: Option<f64>) -> String {
    value
        .map(|g| format!("{}{g:.1}%", if g > 0.0 { "+" } else { "" }))
        .unwrap_or_default()
}

async fn reports(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<ReportQuery>,
) -> Result<Response, Response> {
    if !sees_projects(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    let t = context.t();
    let dimension = Dimension::parse(&query.by).unwrap_or(Dimension::Year);
    let filter = ReportFilter {
        year: query
            .year
            .trim()
            .parse()
            .ok()
            .filter(|y: &i64| (2000..=2100).contains(y)),
        programme: query.programme.parse().ok(),
        ..ReportFilter::default()
    };
    let report = state
        .projects()
        .report(&principal, dimension, &filter)
        .await
        .or_page(&context)?;
    let view = |label: String,
                totals: &zhizao_projects::reports::Totals,
                e: Option<f64>,
                g: Option<f64>| ReportRowView {
        label,
        applications: totals.applications,
        projects: totals.projects,
        enterprises: totals.enterprises,
        investment: yuan(totals.investment_fen),
        granted: yuan(totals.granted_fen),
        disbursed: yuan(totals.disbursed_fen),
        enterprises_growth: growth(e),
        granted_growth: growth(g),
    };
    let rows = report
        .rows
        .iter()
        .map(|r| {
            let label = match dimension {
                Dimension::Programme => r
                    .key
                    .parse::<Programme>()
                    .map(|p| t.text(&p.label()).to_owned())
                    .unwrap_or_else(|_| r.label.clone()),
                Dimension::Size if !t.is_zh() => r.key.clone(),
                Dimension::Batch => format!("{} {}", r.key, r.label),
                _ => r.label.clone(),
            };
            view(
                label,
                &r.totals,
                r.enterprises_growth_percent,
                r.granted_growth_percent,
            )
        })
        .collect();
    let total = view(
        t.text(&Text::new("合计", "Total")).to_owned(),
        &report.total,
        None,
        None,
    );
    let export_query = form_urlencoded::Serializer::new(String::new())
        .append_pair("by", dimension.as_str())
        .append_pair("year", query.year.trim())
        .append_pair("programme", &query.programme)
        .finish();
    let page = ReportPage {
        layout: context.layout("projects"),
        dimensions: Dimension::ALL
            .iter()
            .map(|d| (d.as_str(), t.text(&d.label()).to_owned()))
            .collect(),
        programmes: Programme::ALL
            .iter()
            .map(|p| (p.as_str(), t.text(&p.label()).to_owned()))
            .collect(),
        dimension_label: t.text(&dimension.label()).to_owned(),
        rows,
        total,
        export_query,
        query,
    };
    Ok(render(&page))
}

struct NoticeRow {
    number: String,
    batch: String,
    enterprise: String,
    town: String,
    project: String,
    upgrade_type: String,
    investment: String,
    subsidy: String,
    period: String,
}

#[derive(Template)]
#[template(path = "projects/notices.html")]
struct NoticesPage {
    layout: Layout,
    rows: Vec<NoticeRow>,
}

/// The public notice: no sign-in, only what a notice must show.
async fn notices(
    State(state): State<AppState>,
    context: PageContext,
) -> Result<Response, Response> {
    let t = context.t();
    let rows = state
        .projects()
        .public_notices()
        .await
        .or_page(&context)?
        .into_iter()
        .map(|n| NoticeRow {
            number: n.number,
            batch: n.batch_title,
            enterprise: n.enterprise_name,
            town: n.town_name_zh,
            project: n.project_name,
            upgrade_type: n
                .upgrade_type
                .parse::<UpgradeType>()
                .map(|u| t.text(&u.label()).to_owned())
                .unwrap_or_default(),
            investment: yuan(n.total_investment_fen),
            subsidy: optional_yuan(n.proposed_subsidy_fen),
            period: format!(
                "{} — {}",
                n.notice_starts_at.to_shanghai_date_string(),
                n.notice_ends_at
                    .map(|e| e.to_shanghai_date_string())
                    .unwrap_or_default()
            ),
        })
        .collect();
    let page = NoticesPage {
        layout: context.layout("notices"),
        rows,
    };
    Ok(render(&page))
}
