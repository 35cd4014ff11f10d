//! The subsidy rule set form: every save writes the next version, checked against the version the
//! editor saw.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use zhizao_core::Fen;
use zhizao_identity::policy;
use zhizao_projects::rules::{Category, RuleParameters};

use super::{form_errors, refusal_message};
use crate::AppState;
use crate::i18n::{Tr, both};
use crate::pages::FormFields;
use crate::pages::{FormErrors, Layout, PageContext, PageError, PageForm, SignedIn, render};

/// The rule set form's values as typed (amounts in yuan, the rate in percent).
#[derive(Debug, Clone, Default)]
pub(super) struct RuleFields {
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
pub(super) struct RuleSetPage {
    layout: Layout,
    code: String,
    v: RuleFields,
    categories: Vec<(&'static str, String)>,
    errors: FormErrors,
    general_errors: Vec<String>,
}

pub(super) fn rule_set_page(
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

pub(super) async fn rule_set_form(
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
pub(super) fn basis_points(text: &str) -> Option<i64> {
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

pub(super) async fn save_rule_set(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let get = |name: &str| fields.get(name).to_owned();
    let v = RuleFields {
        latest_version: get("latest_version"),
        name: get("name"),
        categories: fields.all("category").map(str::to_owned).collect(),
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
            both(Tr::rate_as_percentage),
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
