//! The solution library's pages: the library (`/solutions`, a provider's form), a solution with
//! its actions (publish, withdraw, propose to a client, ask for it), and the adoptions each side
//! follows (`/solution-adoptions`: accept, decline, implemented, verify).

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use zhizao_assessment::model;
use zhizao_core::{Classified, ErrorKind, PageRequest};
use zhizao_identity::policy;
use zhizao_solutions::{
    Adoption, AdoptionFilter, AdoptionStatus, Figures, Solution, SolutionFilter, SolutionInput,
    SolutionStatus, Step, Tally, Target, Verification,
};

use super::{FormErrors, FormFields, Layout, OrPage, PageError, PageForm, Pager, SignedIn, render};
use crate::AppState;
use crate::i18n::Tr;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/solutions", get(list).post(create))
        .route("/solutions/new", get(new_form))
        .route("/solutions/{id}", get(detail))
        .route("/solutions/{id}/status", post(change_status))
        .route("/solutions/{id}/adopt", post(adopt))
        .route("/solution-adoptions", get(adoptions))
        .route("/solution-adoptions/{id}/step", post(step))
        .route("/solution-adoptions/{id}/verify", post(verify))
}

/// A solution as the pages show it.
pub(crate) struct SolutionView {
    pub(crate) id: i64,
    pub(crate) title: String,
    pub(crate) provider: String,
    pub(crate) summary: String,
    /// "计划与调度 → 规范级", …
    pub(crate) targets: Vec<String>,
    pub(crate) industries: String,
    pub(crate) investment: String,
    pub(crate) payback: String,
    pub(crate) references: String,
    pub(crate) status: String,
    pub(crate) published: bool,
}

pub(crate) fn solution_view(t: Tr, s: &Solution) -> SolutionView {
    let model = model::current();
    SolutionView {
        id: s.id,
        title: s.title.clone(),
        provider: s.provider_name.clone(),
        summary: s.summary.clone(),
        targets: s
            .targets
            .iter()
            .map(|target| {
                let name = model
                    .subdomain(&target.subdomain)
                    .map(|p| t.pick(&p.subdomain.zh, &p.subdomain.en).to_owned())
                    .unwrap_or_else(|| target.subdomain.clone());
                let level = model
                    .level(target.level)
                    .map(|l| t.pick(&l.zh, &l.en).to_owned())
                    .unwrap_or_default();
                format!("{name} → {level}")
            })
            .collect(),
        industries: if s.industries.is_empty() {
            t.solution_any_industry().to_owned()
        } else {
            s.industries.join("、")
        },
        investment: t.solution_investment(s.investment_min.get(), s.investment_max.get()),
        payback: s
            .payback_months
            .map(|m| t.solution_payback(m))
            .unwrap_or_else(|| "—".into()),
        references: s.references.clone(),
        status: t.text(&s.status.label()).to_owned(),
        published: s.status == SolutionStatus::Published,
    }
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    subdomain: String,
    #[serde(default)]
    industry: String,
    page: Option<u32>,
}

#[derive(Template)]
#[template(path = "solutions/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<SolutionView>,
    q: String,
    subdomain: String,
    subdomains: Vec<(String, String)>,
    /// The manufacturing division chosen ("" for any) and (code, name) of each.
    industry: String,
    industries: Vec<(String, String)>,
    total: i64,
    pager: Pager,
    may_write: bool,
    /// The library's figures in the caller's scope (the city, towns and providers), in the
    /// order of `figure_labels`: the total, and each provider's.
    figure_labels: [&'static str; 7],
    figures: Vec<i64>,
    providers: Vec<ProviderRow>,
}

/// Solutions per page of the library (cards in a grid of two to five columns).
const LIBRARY_PAGE: u32 = 30;

/// A provider's line of the figures.
struct ProviderRow {
    name: String,
    sector: String,
    cells: Vec<i64>,
}

fn figure_labels(t: Tr) -> [&'static str; 7] {
    [
        t.solution_figure_library(),
        t.solution_figure_provided(),
        t.solution_figure_served(),
        t.solution_figure_accepted(),
        t.solution_figure_implemented(),
        t.solution_figure_enterprises_implemented(),
        t.solution_figure_verified(),
    ]
}

fn tally_cells(t: &Tally) -> Vec<i64> {
    vec![
        t.library,
        t.provided,
        t.enterprises_served,
        t.enterprises_accepted,
        t.implemented,
        t.enterprises_implemented,
        t.verified,
    ]
}

fn subdomain_options(t: Tr) -> Vec<(String, String)> {
    model::current()
        .subdomains()
        .map(|p| {
            (
                p.subdomain.code.clone(),
                format!(
                    "{} · {}",
                    t.pick(&p.factor.zh, &p.factor.en),
                    t.pick(&p.subdomain.zh, &p.subdomain.en)
                ),
            )
        })
        .collect()
}

async fn list(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, Response> {
    let t = context.t();
    let filter = SolutionFilter {
        text: Some(query.q.clone()).filter(|q| !q.trim().is_empty()),
        subdomain: Some(query.subdomain.clone()).filter(|s| !s.is_empty()),
        industry: Some(query.industry.trim().to_owned()).filter(|s| !s.is_empty()),
        ..SolutionFilter::default()
    };
    let found = state
        .solutions()
        .solutions(
            &principal,
            &filter,
            PageRequest::new(query.page.unwrap_or(1), LIBRARY_PAGE),
        )
        .await
        .or_page(&context)?;
    let industries = state
        .registry()
        .industries(Some("division"), Some("C"))
        .await
        .map_err(|e| PageError::from(e).render(&context))?
        .into_iter()
        .map(|d| {
            let name = t.pick(&d.name_zh, d.name_en.as_deref().unwrap_or(&d.name_zh));
            (d.code.clone(), format!("{} {name}", d.code))
        })
        .collect();
    let (figures, providers) = match state.solutions().figures(&principal).await {
        Ok(f) => (
            tally_cells(&f.total),
            f.providers
                .iter()
                .map(|p| ProviderRow {
                    name: p.provider_name.clone(),
                    sector: p
                        .sector
                        .as_ref()
                        .map(|s| t.text(s).to_owned())
                        .unwrap_or_default(),
                    cells: tally_cells(&p.tally),
                })
                .collect(),
        ),
        Err(error) if error.kind() == ErrorKind::Forbidden => (Vec::new(), Vec::new()),
        Err(error) => return Err(PageError::from(error).render(&context)),
    };
    let page = ListPage {
        figure_labels: figure_labels(t),
        figures,
        providers,
        layout: context.layout("solutions"),
        rows: found.items.iter().map(|s| solution_view(t, s)).collect(),
        total: found.total,
        pager: Pager::new(&context.uri, &found),
        industry: query.industry,
        industries,
        q: query.q,
        subdomain: query.subdomain,
        subdomains: subdomain_options(t),
        may_write: policy::may_offer_solutions(&principal, principal.organization_id),
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "solutions/form.html")]
struct FormPage {
    layout: Layout,
    /// (code, name, ticked, level chosen) of every sub-domain.
    targets: Vec<(String, String, bool, String)>,
    levels: Vec<(String, String)>,
    form: FormFields,
    errors: FormErrors,
}

fn form_page(
    context: &super::PageContext,
    form: FormFields,
    errors: &[zhizao_core::FieldError],
) -> Response {
    let t = context.t();
    let model = model::current();
    let page = FormPage {
        layout: context.layout("solutions"),
        targets: subdomain_options(t)
            .into_iter()
            .map(|(code, name)| {
                let ticked = form.all("target").any(|t| t == code);
                let level = form.get(&format!("level.{code}")).to_owned();
                (code, name, ticked, level)
            })
            .collect(),
        levels: model
            .levels
            .iter()
            .map(|l| {
                (
                    l.level.to_string(),
                    format!("{} · {}", l.level, t.pick(&l.zh, &l.en)),
                )
            })
            .collect(),
        form,
        errors: FormErrors::from_fields(errors, t),
    };
    render(&page)
}

async fn new_form(SignedIn(context, principal): SignedIn) -> Result<Response, Response> {
    if !policy::may_offer_solutions(&principal, principal.organization_id) {
        return Err(PageError::Forbidden.render(&context));
    }
    Ok(form_page(&context, FormFields::default(), &[]))
}

/// Yuan as typed, in fen; `None` when it is not an amount.
fn fen(text: &str) -> Option<i64> {
    zhizao_core::Fen::parse_yuan(text.trim())
        .ok()
        .map(zhizao_core::Fen::get)
}

async fn create(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let targets: Vec<Target> = form
        .all("target")
        .map(|code| Target {
            subdomain: code.to_owned(),
            level: form.get(&format!("level.{code}")).parse().unwrap_or(0),
        })
        .collect();
    let mut problems = Vec::new();
    let amount = |name: &str, field: &str| {
        let text = form.get(name);
        if text.trim().is_empty() {
            Ok(0)
        } else {
            fen(text).ok_or_else(|| {
                zhizao_core::FieldError::new(field, crate::i18n::both(Tr::solution_amount_invalid))
            })
        }
    };
    let min = amount("investment_min", "investment_min_fen").unwrap_or_else(|e| {
        problems.push(e);
        0
    });
    let max = amount("investment_max", "investment_max_fen").unwrap_or_else(|e| {
        problems.push(e);
        0
    });
    let payback = match form.get("payback_months").trim() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(months) => Some(months),
            Err(_) => {
                problems.push(zhizao_core::FieldError::new(
                    "payback_months",
                    crate::i18n::both(Tr::must_be_whole_number),
                ));
                None
            }
        },
    };
    let input = SolutionInput {
        title: form.get("title").to_owned(),
        summary: form.get("summary").to_owned(),
        targets,
        industries: form
            .get("industries")
            .split([',', '，', ' ', '、'])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        investment_min_fen: min,
        investment_max_fen: max,
        payback_months: payback,
        references: form.get("references").to_owned(),
    };
    if !problems.is_empty() {
        return Ok(form_page(&context, form, &problems));
    }
    match state.solutions().create_solution(&principal, &input).await {
        Ok(created) => Ok(Redirect::to(&format!("/solutions/{}", created.id)).into_response()),
        Err(error) if !error.field_errors().is_empty() => {
            Ok(form_page(&context, form, &error.field_errors()))
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

/// An adoption as the pages show it.
struct AdoptionView {
    id: i64,
    solution_id: i64,
    solution: String,
    provider: String,
    enterprise: String,
    status: String,
    note: String,
    proposed: String,
    verification: String,
    /// Steps the viewer may take now: (step code, label).
    steps: Vec<(&'static str, &'static str)>,
    may_verify: bool,
}

fn adoption_view(t: Tr, principal: &zhizao_identity::Principal, a: &Adoption) -> AdoptionView {
    let provider = policy::may_offer_solutions(principal, a.provider_id);
    let enterprise =
        policy::may_adopt_solutions(principal) && principal.organization_id == a.enterprise_id;
    let answering = (a.proposed_side == "provider" && enterprise)
        || (a.proposed_side == "enterprise" && provider);
    let mut steps = Vec::new();
    if a.status == AdoptionStatus::Proposed && answering {
        steps.push(("accept", t.adoption_accept()));
        steps.push(("decline", t.adoption_decline()));
    }
    if a.status == AdoptionStatus::Accepted && provider {
        steps.push(("implemented", t.adoption_implemented()));
    }
    AdoptionView {
        id: a.id,
        solution_id: a.solution_id,
        solution: a.solution_title.clone(),
        provider: a.provider_name.clone(),
        enterprise: a.enterprise_name.clone(),
        status: t.text(&a.status.label()).to_owned(),
        note: a.note.clone(),
        proposed: a.proposed_at.to_shanghai_date_string(),
        verification: match &a.verification {
            Some(Verification::Project { number, name }) => format!("{number} {name}"),
            Some(Verification::Figures(f)) => format!(
                "{}：{} {} → {} {}（{}）",
                f.metric, f.before, f.unit, f.after, f.unit, f.source
            ),
            None => String::new(),
        },
        steps,
        may_verify: a.status == AdoptionStatus::Implemented && enterprise,
    }
}

#[derive(Template)]
#[template(path = "solutions/detail.html")]
struct DetailPage {
    layout: Layout,
    s: SolutionView,
    own: bool,
    draft: bool,
    may_ask: bool,
    /// The first [`DETAIL_ADOPTIONS`] adoptions of the solution, and how many there are.
    adoptions: Vec<AdoptionView>,
    adoptions_total: i64,
    error: String,
}

/// How many of a solution's adoptions its page lists before linking to the whole list.
const DETAIL_ADOPTIONS: u32 = 20;

async fn detail_page(
    state: &AppState,
    context: &super::PageContext,
    principal: &zhizao_identity::Principal,
    id: i64,
    error: String,
) -> Result<Response, Response> {
    let t = context.t();
    let solution = state
        .solutions()
        .solution(principal, id)
        .await
        .or_page(context)?;
    let adoptions = state
        .solutions()
        .adoptions(
            principal,
            &AdoptionFilter {
                solution_id: Some(id),
                ..AdoptionFilter::default()
            },
            PageRequest::new(1, DETAIL_ADOPTIONS),
        )
        .await
        .or_page(context)?;
    let own = policy::may_offer_solutions(principal, solution.provider_id);
    let page = DetailPage {
        layout: context.layout("solutions"),
        own,
        draft: solution.status == SolutionStatus::Draft,
        may_ask: policy::may_adopt_solutions(principal)
            && solution.status == SolutionStatus::Published
            && !adoptions
                .items
                .iter()
                .any(|a| a.status != AdoptionStatus::Declined),
        adoptions_total: adoptions.total,
        adoptions: adoptions
            .items
            .iter()
            .map(|a| adoption_view(t, principal, a))
            .collect(),
        s: solution_view(t, &solution),
        error,
    };
    Ok(render(&page))
}

async fn detail(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    detail_page(&state, &context, &principal, id, String::new()).await
}

async fn change_status(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let status = match form.get("status") {
        "published" => SolutionStatus::Published,
        "withdrawn" => SolutionStatus::Withdrawn,
        _ => return Err(PageError::NotFound.render(&context)),
    };
    match state
        .solutions()
        .set_solution_status(&principal, id, status)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/solutions/{id}")).into_response()),
        Err(error) if error.kind() == ErrorKind::Conflict => {
            let text = context.t().text(&transition_text(&error)).to_owned();
            detail_page(&state, &context, &principal, id, text).await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

fn transition_text(error: &zhizao_solutions::Error) -> zhizao_core::Text {
    match error {
        zhizao_solutions::Error::Transition(text) => text.clone(),
        other => zhizao_core::Text::owned(other.to_string(), other.to_string()),
    }
}

/// Proposes the solution: the provider to a client (by credit code), an enterprise for itself.
async fn adopt(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let enterprise = Some(form.get("enterprise")).filter(|e| !e.trim().is_empty());
    match state
        .solutions()
        .propose(&principal, id, enterprise, form.get("note"))
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/solutions/{id}?notice=saved")).into_response()),
        Err(error)
            if error.kind() == ErrorKind::Conflict
                || error.kind() == ErrorKind::InvalidInput
                || matches!(
                    error,
                    zhizao_solutions::Error::NotFound {
                        what: "enterprise",
                        ..
                    }
                ) =>
        {
            let t = context.t();
            let text = match error.field_errors().first() {
                Some(field) => t.text(&field.message).to_owned(),
                None if error.kind() == ErrorKind::NotFound => {
                    t.solution_no_such_client().to_owned()
                }
                None => t.text(&transition_text(&error)).to_owned(),
            };
            detail_page(&state, &context, &principal, id, text).await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

#[derive(Template)]
#[template(path = "solutions/adoptions.html")]
struct AdoptionsPage {
    layout: Layout,
    rows: Vec<AdoptionView>,
    total: i64,
    pager: Pager,
    /// The status chosen ("" for any) and (code, name) of each.
    status: String,
    statuses: Vec<(&'static str, String)>,
    /// The solution the list is narrowed to, when it is.
    solution_id: Option<i64>,
    error: String,
}

#[derive(Debug, Default, Deserialize)]
struct AdoptionsQuery {
    #[serde(default)]
    status: String,
    solution_id: Option<i64>,
    page: Option<u32>,
}

async fn adoptions_page(
    state: &AppState,
    context: &super::PageContext,
    principal: &zhizao_identity::Principal,
    query: AdoptionsQuery,
    error: String,
) -> Result<Response, Response> {
    let t = context.t();
    let status = AdoptionStatus::parse(query.status.trim());
    let filter = AdoptionFilter {
        status,
        solution_id: query.solution_id,
        ..AdoptionFilter::default()
    };
    let found = state
        .solutions()
        .adoptions(
            principal,
            &filter,
            PageRequest::new(query.page.unwrap_or(1), 50),
        )
        .await
        .or_page(context)?;
    let page = AdoptionsPage {
        layout: context.layout("solutions"),
        rows: found
            .items
            .iter()
            .map(|a| adoption_view(t, principal, a))
            .collect(),
        total: found.total,
        pager: Pager::new(&context.uri, &found),
        status: status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        statuses: [
            AdoptionStatus::Proposed,
            AdoptionStatus::Accepted,
            AdoptionStatus::Declined,
            AdoptionStatus::Implemented,
            AdoptionStatus::Verified,
        ]
        .into_iter()
        .map(|s| (s.as_str(), t.text(&s.label()).to_owned()))
        .collect(),
        solution_id: query.solution_id,
        error,
    };
    Ok(render(&page))
}

async fn adoptions(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<AdoptionsQuery>,
) -> Result<Response, Response> {
    adoptions_page(&state, &context, &principal, query, String::new()).await
}

async fn step(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let step = match form.get("step") {
        "accept" => Step::Accept,
        "decline" => Step::Decline,
        "implemented" => Step::Implemented,
        _ => return Err(PageError::NotFound.render(&context)),
    };
    match state
        .solutions()
        .step(&principal, id, step, form.get("note"))
        .await
    {
        Ok(_) => Ok(Redirect::to("/solution-adoptions?notice=saved").into_response()),
        Err(error) if error.kind() == ErrorKind::Conflict => {
            let text = context.t().text(&transition_text(&error)).to_owned();
            adoptions_page(
                &state,
                &context,
                &principal,
                AdoptionsQuery::default(),
                text,
            )
            .await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

async fn verify(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let project = form.get("project").trim();
    let device = form.get("device").trim();
    let verification = if !project.is_empty() {
        Verification::Project {
            number: project.to_owned(),
            name: String::new(),
        }
    } else if !device.is_empty() {
        let measure = crate::api::MeasureBody {
            device: device.to_owned(),
            field: form.get("field").trim().to_owned(),
            aggregate: Some(form.get("aggregate").to_owned()),
            days: Some(form.get("days").trim().parse().unwrap_or(0)),
        };
        match crate::api::measured_figures(&state, &principal, id, &measure).await {
            Ok(figures) => Verification::Figures(figures),
            Err(error) => return verify_failed(&state, &context, &principal, error).await,
        }
    } else {
        let number = |name: &str| form.get(name).trim().parse::<f64>().ok();
        match (number("before"), number("after")) {
            (Some(before), Some(after)) => Verification::Figures(Figures {
                metric: form.get("metric").trim().to_owned(),
                unit: form.get("unit").trim().to_owned(),
                before,
                after,
                source: form.get("source").trim().to_owned(),
            }),
            _ => {
                let text = t.adoption_cite_something().to_owned();
                return adoptions_page(
                    &state,
                    &context,
                    &principal,
                    AdoptionsQuery::default(),
                    text,
                )
                .await;
            }
        }
    };
    let completed = state
        .projects()
        .completed_projects(&principal)
        .await
        .or_page(&context)?;
    match state
        .solutions()
        .verify(&principal, id, &verification, &completed)
        .await
    {
        Ok(_) => Ok(Redirect::to("/solution-adoptions?notice=saved").into_response()),
        Err(error) => verify_failed(&state, &context, &principal, error).await,
    }
}

/// A verification refused: the adoptions again with what is wrong, or the error's page.
async fn verify_failed(
    state: &AppState,
    context: &super::PageContext,
    principal: &zhizao_identity::Principal,
    error: zhizao_solutions::Error,
) -> Result<Response, Response> {
    let t = context.t();
    if error.kind() == ErrorKind::Conflict || error.kind() == ErrorKind::InvalidInput {
        let text = match error.field_errors().first() {
            Some(field) => t.text(&field.message).to_owned(),
            None => t.text(&transition_text(&error)).to_owned(),
        };
        return adoptions_page(state, context, principal, AdoptionsQuery::default(), text).await;
    }
    Err(PageError::from(error).render(context))
}
