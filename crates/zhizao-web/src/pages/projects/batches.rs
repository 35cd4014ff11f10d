//! Intake batches and their rule sets for the city: the list, a new batch, publishing and closing,
//! and the import of past batches from spreadsheets.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhizao_core::{Classified, Language, Timestamp};
use zhizao_identity::{Principal, policy};
use zhizao_projects::rules::RuleParameters;
use zhizao_projects::{BatchStatus, Programme};

use super::{form_errors, refusal_message, yuan};
use crate::AppState;
use crate::i18n::{Tr, both};
use crate::pages::{
    FormErrors, Layout, OrPage, PageContext, PageError, PageForm, SignedIn, render,
};
use crate::pages::{FormFields, PageUpload, UploadedFile};

pub(super) struct BatchRow {
    code: String,
    title: String,
    programme: String,
    year: i64,
    window: String,
    projects: String,
    rule_set: String,
    status: String,
    /// The next status the city may give it (`published`, `closed`), if any.
    next_status: Option<(&'static str, String)>,
    version: i64,
    applications: i64,
}

pub(super) struct RuleSetRow {
    code: String,
    version: i64,
    name: String,
    summary: String,
    batches: i64,
    evaluations: i64,
}

#[derive(Template)]
#[template(path = "projects/batches.html")]
pub(super) struct BatchesPage {
    layout: Layout,
    batches: Vec<BatchRow>,
    rule_sets: Vec<RuleSetRow>,
    manages: bool,
    /// The outcome of an import just made: a summary and the problems by row and column.
    import: Option<(String, Vec<String>)>,
}

pub(super) fn rules_summary(p: &RuleParameters, t: Tr) -> String {
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
            t.yuan_unit()
        ),
        percent,
    ];
    if let Some(cap) = p.cap_per_project_fen {
        parts.push(format!("{} {}", t.cap_per_project(), yuan(cap)));
    }
    if let Some(cap) = p.cap_per_enterprise_year_fen {
        parts.push(format!("{} {}", t.cap_per_enterprise_year(), yuan(cap)));
    }
    if p.exclude_related_party_suppliers {
        parts.push(t.related_parties_excluded().to_owned());
    }
    if let Some(date) = &p.earliest_invoice_date {
        parts.push(format!("{} {date}", t.invoiced_from()));
    }
    parts.join("；")
}

pub(super) async fn batches(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
) -> Result<Response, Response> {
    batches_page(&state, &context, &principal, None).await
}

pub(super) async fn batches_page(
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
                projects: format!("{} — {}", b.projects_from, b.projects_until),
                rule_set: b
                    .rule_set_code
                    .as_ref()
                    .map(|code| {
                        let name = rule_sets
                            .iter()
                            .find(|r| &r.code == code)
                            .map_or(code.as_str(), |r| r.name.as_str());
                        t.rule_set_version(name, b.rule_set_version.unwrap_or(0))
                    })
                    .unwrap_or_else(|| "—".into()),
                status: t.text(&b.status.label()).to_owned(),
                next_status: match b.status {
                    BatchStatus::Draft => Some(("published", t.publish_batch().to_owned())),
                    BatchStatus::Published => Some(("closed", t.close_batch().to_owned())),
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

pub(super) async fn import_history(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageUpload(upload): PageUpload,
) -> Result<Response, Response> {
    let t = context.t();
    let upload = upload.map_err(|error| {
        (
            error.status,
            PageError::bad_request(error.reason).render(&context),
        )
            .into_response()
    })?;
    let dry_run = upload.has("dry_run");
    let Some(UploadedFile { file_name, bytes }) = upload.file("file") else {
        return Err(PageError::bad_request("the form has no file").render(&context));
    };
    let outcome = match state
        .projects()
        .import_history(&principal, file_name, bytes, dry_run)
        .await
    {
        Ok(report) => {
            let summary = format!(
                "{}: {} {} · {} {} · {} {}{}",
                file_name,
                report.rows,
                t.rows_unit(),
                report.batches,
                t.batch(),
                report.applications,
                t.applications_count(),
                if report.applied {
                    t.history_imported().to_owned()
                } else if report.errors.is_empty() {
                    t.history_checked().to_owned()
                } else {
                    t.history_refused().to_owned()
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
            file_name.clone(),
            vec![refusal_message(&error, t).unwrap_or_default()],
        ),
        Err(error) => return Err(PageError::from(error).render(&context)),
    };
    batches_page(&state, &context, &principal, Some(outcome)).await
}

/// The batch form's values as typed.
#[derive(Debug, Clone, Default)]
pub(super) struct BatchFields {
    code: String,
    programme: String,
    year: String,
    title: String,
    opens_on: String,
    closes_on: String,
    projects_from: String,
    projects_until: String,
    eligibility: String,
    required_attachments: String,
    rule_set: String,
    notice_days: String,
}

#[derive(Template)]
#[template(path = "projects/batch_form.html")]
pub(super) struct BatchFormPage {
    layout: Layout,
    v: BatchFields,
    programmes: Vec<(&'static str, String)>,
    rule_sets: Vec<(String, String)>,
    errors: FormErrors,
    general_errors: Vec<String>,
}

pub(super) async fn batch_form_page(
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
        .map(|r| (r.code.clone(), t.rule_set_version(&r.name, r.version)))
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
        "projects_from",
        "projects_until",
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

pub(super) async fn batch_form(
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
            // Stored with the batch, so in the language of the programme's documents whatever the
            // page's.
            required_attachments: Tr(Language::ZhCn).default_required_attachment().into(),
            ..BatchFields::default()
        },
        FormErrors::default(),
    )
    .await
}

pub(super) async fn create_batch(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let get = |name: &str| fields.get(name).to_owned();
    let v = BatchFields {
        code: get("code"),
        programme: get("programme"),
        year: get("year"),
        title: get("title"),
        opens_on: get("opens_on"),
        closes_on: get("closes_on"),
        projects_from: get("projects_from"),
        projects_until: get("projects_until"),
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
                both(Tr::must_be_whole_number),
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
        projects_from: text(&v.projects_from),
        projects_until: text(&v.projects_until),
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
pub(super) struct BatchStatusForm {
    status: String,
    version: i64,
}

pub(super) async fn batch_status(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    PageForm(form): PageForm<BatchStatusForm>,
) -> Result<Response, Response> {
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
