//! Talent, innovation teams and IP on pages: `/talent` with the figures of the viewer's scope and
//! one tab per register (talents, teams, IP) with a search, and the forms that record each (the
//! city's talent office for talents and teams; an enterprise for its own IP, and the city).

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use zhizao_core::Classified;
use zhizao_identity::{Principal, policy};
use zhizao_talent::ip::IpFilter;
use zhizao_talent::talents::{Degree, TalentFilter};
use zhizao_talent::teams::TeamLevel;
use zhizao_talent::{Field, IpInput, IpKind, IpStatus, TalentInput, TeamInput};

use super::{
    FormErrors, FormFields, Layout, OrPage, PageContext, PageError, PageForm, SignedIn, render,
};
use crate::AppState;
use crate::i18n::Tr;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/talent", get(list))
        .route("/talent/talents", get(new_talent).post(create_talent))
        .route("/talent/teams", get(new_team).post(create_team))
        .route("/talent/ip", get(new_ip).post(create_ip))
        .route("/talent/talents/{id}", get(edit_talent).post(update_talent))
        .route("/talent/teams/{id}", get(edit_team).post(update_team))
        .route("/talent/ip/{id}", get(edit_ip).post(update_ip))
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    tab: String,
    #[serde(default)]
    q: String,
}

/// A row of any of the three registers: its cells, and its edit form when the viewer may
/// change it.
struct Row {
    cells: Vec<String>,
    edit: Option<String>,
}

#[derive(Template)]
#[template(path = "talent/list.html")]
struct ListPage {
    layout: Layout,
    tab: &'static str,
    q: String,
    figures: Vec<(String, String)>,
    headers: Vec<&'static str>,
    rows: Vec<Row>,
    may_record_talent: bool,
    may_record_ip: bool,
}

fn project_cell(project: &Option<(String, String)>) -> String {
    project
        .as_ref()
        .map(|(number, name)| format!("{number} {name}"))
        .unwrap_or_default()
}

async fn list(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, Response> {
    if policy::talent_scope(&principal) == policy::EnterpriseScope::Nothing {
        return Err(PageError::NotFound.render(&context));
    }
    let t = context.t();
    let talents = state.talents();
    let text = Some(query.q.clone()).filter(|q| !q.trim().is_empty());
    let may_record_talent = policy::may_record_talent(&principal);
    let may_record_ip = policy::may_record_ip(&principal);
    let f = talents.figures(&principal).await.or_page(&context)?;
    let figures = vec![
        (t.talent_count().to_owned(), f.talents.to_string()),
        (t.talent_doctorates().to_owned(), f.doctorates.to_string()),
        (
            t.talent_patents_by_talents().to_owned(),
            f.invention_patents_by_talents.to_string(),
        ),
        (t.talent_teams().to_owned(), f.teams.to_string()),
        (
            t.talent_teams_manufacturing_it().to_owned(),
            match f.manufacturing_and_it_percent() {
                Some(percent) => format!("{}（{percent}%）", f.teams_in_manufacturing_and_it),
                None => "—".into(),
            },
        ),
    ];
    let (tab, headers, rows): (&'static str, Vec<&'static str>, Vec<Row>) = match query.tab.as_str()
    {
        "teams" => {
            let teams = talents
                .teams(&principal, None, text.as_deref())
                .await
                .or_page(&context)?;
            (
                "teams",
                vec![
                    t.talent_team_name(),
                    t.talent_field(),
                    t.talent_level(),
                    t.talent_leader(),
                    t.class_enterprise(),
                    t.talent_year(),
                ],
                teams
                    .iter()
                    .map(|m| Row {
                        edit: may_record_talent.then(|| format!("/talent/teams/{}", m.id)),
                        cells: vec![
                            m.name.clone(),
                            t.text(&m.field.label()).to_owned(),
                            t.text(&m.level.label()).to_owned(),
                            format!("{} · {}", m.leader, t.talent_members(m.members)),
                            m.enterprise_name.clone(),
                            m.year.to_string(),
                        ],
                    })
                    .collect(),
            )
        }
        "ip" => {
            let filter = IpFilter {
                text,
                ..IpFilter::default()
            };
            let assets = talents
                .ip_assets(&principal, &filter)
                .await
                .or_page(&context)?;
            (
                "ip",
                vec![
                    t.talent_ip_number(),
                    t.talent_ip_title(),
                    t.talent_ip_kind(),
                    t.talent_ip_status(),
                    t.class_enterprise(),
                    t.talent_inventors(),
                ],
                assets
                    .iter()
                    .map(|a| Row {
                        edit: may_record_ip.then(|| format!("/talent/ip/{}", a.id)),
                        cells: vec![
                            a.number.clone(),
                            a.title.clone(),
                            t.text(&a.kind.label()).to_owned(),
                            format!(
                                "{} {}",
                                t.text(&a.status.label()),
                                a.granted_on.clone().unwrap_or_else(|| a.filed_on.clone())
                            ),
                            a.enterprise_name.clone(),
                            a.inventors
                                .iter()
                                .map(|(_, n)| n.as_str())
                                .collect::<Vec<_>>()
                                .join("、"),
                        ],
                    })
                    .collect(),
            )
        }
        _ => {
            let filter = TalentFilter {
                text,
                ..TalentFilter::default()
            };
            let people = talents
                .talents(&principal, &filter)
                .await
                .or_page(&context)?;
            (
                "talents",
                vec![
                    t.class_person_name(),
                    t.talent_degree(),
                    t.talent_field(),
                    t.class_enterprise(),
                    t.talent_programme(),
                    t.talent_year(),
                    t.talent_project(),
                ],
                people
                    .iter()
                    .map(|p| Row {
                        edit: may_record_talent.then(|| format!("/talent/talents/{}", p.id)),
                        cells: vec![
                            p.name.clone(),
                            t.text(&p.degree.label()).to_owned(),
                            t.text(&p.field.label()).to_owned(),
                            p.enterprise_name.clone(),
                            p.programme.clone(),
                            p.year.to_string(),
                            project_cell(&p.project),
                        ],
                    })
                    .collect(),
            )
        }
    };
    Ok(render(&ListPage {
        layout: context.layout("talent"),
        tab,
        q: query.q,
        figures,
        headers,
        rows,
        may_record_talent,
        may_record_ip,
    }))
}

/// Which form: talents, teams or IP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Register {
    Talent,
    Team,
    Ip,
}

impl Register {
    /// Its path under `/talent/` and its tab.
    fn path(self) -> &'static str {
        match self {
            Register::Talent => "talents",
            Register::Team => "teams",
            Register::Ip => "ip",
        }
    }
}

#[derive(Template)]
#[template(path = "talent/form.html")]
struct FormPage {
    layout: Layout,
    register: &'static str,
    /// Where the form posts: the register for a new record, the record for a change.
    action: String,
    title: String,
    degrees: Vec<(&'static str, String)>,
    fields: Vec<(&'static str, String)>,
    levels: Vec<(&'static str, String)>,
    kinds: Vec<(&'static str, String)>,
    statuses: Vec<(&'static str, String)>,
    form: FormFields,
    errors: FormErrors,
}

fn form_page(
    context: &PageContext,
    register: Register,
    id: Option<i64>,
    form: FormFields,
    errors: &[zhizao_core::FieldError],
) -> Response {
    let t = context.t();
    let options = |labels: Vec<(&'static str, zhizao_core::Text)>| {
        labels
            .into_iter()
            .map(|(code, label)| (code, t.text(&label).to_owned()))
            .collect::<Vec<_>>()
    };
    let path = register.path();
    render(&FormPage {
        layout: context.layout("talent"),
        register: path,
        action: match id {
            Some(id) => format!("/talent/{path}/{id}"),
            None => format!("/talent/{path}"),
        },
        title: match (register, id) {
            (Register::Talent, None) => t.talent_new(),
            (Register::Team, None) => t.talent_team_new(),
            (Register::Ip, None) => t.talent_ip_new(),
            (Register::Talent, Some(_)) => t.talent_edit(),
            (Register::Team, Some(_)) => t.talent_team_edit(),
            (Register::Ip, Some(_)) => t.talent_ip_edit(),
        }
        .to_owned(),
        degrees: options(
            Degree::ALL
                .iter()
                .map(|d| (d.as_str(), d.label()))
                .collect(),
        ),
        fields: options(Field::ALL.iter().map(|d| (d.as_str(), d.label())).collect()),
        levels: options(
            TeamLevel::ALL
                .iter()
                .map(|d| (d.as_str(), d.label()))
                .collect(),
        ),
        kinds: options(
            IpKind::ALL
                .iter()
                .map(|d| (d.as_str(), d.label()))
                .collect(),
        ),
        statuses: options(
            IpStatus::ALL
                .iter()
                .map(|d| (d.as_str(), d.label()))
                .collect(),
        ),
        form,
        errors: FormErrors::from_fields(errors, t),
    })
}

fn own_code(principal: &Principal) -> FormFields {
    if policy::may_record_talent(principal) {
        FormFields::default()
    } else {
        FormFields::from_pairs(&[("enterprise", principal.organization_code.as_str())])
    }
}

async fn new_talent(SignedIn(context, principal): SignedIn) -> Result<Response, Response> {
    if !policy::may_record_talent(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    Ok(form_page(
        &context,
        Register::Talent,
        None,
        FormFields::default(),
        &[],
    ))
}

async fn new_team(SignedIn(context, principal): SignedIn) -> Result<Response, Response> {
    if !policy::may_record_talent(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    Ok(form_page(
        &context,
        Register::Team,
        None,
        FormFields::default(),
        &[],
    ))
}

async fn new_ip(SignedIn(context, principal): SignedIn) -> Result<Response, Response> {
    if !policy::may_record_ip(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    Ok(form_page(
        &context,
        Register::Ip,
        None,
        own_code(&principal),
        &[],
    ))
}

fn number(form: &FormFields, name: &str) -> i64 {
    form.get(name).trim().parse().unwrap_or(-1)
}

fn invalid_choice(field: &str) -> zhizao_core::FieldError {
    zhizao_core::FieldError::new(field, crate::i18n::both(Tr::talent_choose))
}

/// The outcome of a form: back to its tab, or the form again with what is wrong (a record
/// changed meanwhile is named on its first field).
fn saved_or_form(
    context: &PageContext,
    register: Register,
    id: Option<i64>,
    form: FormFields,
    result: Result<(), zhizao_talent::Error>,
) -> Result<Response, Response> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "/talent?tab={}&notice={}",
            register.path(),
            super::notice_query(context.t().talent_saved())
        ))
        .into_response()),
        Err(error)
            if !error.field_errors().is_empty()
                || matches!(error.code(), Some("duplicate" | "stale-version")) =>
        {
            let mut errors = error.field_errors();
            if errors.is_empty() {
                let first = match register {
                    Register::Ip => "number",
                    _ => "name",
                };
                errors.push(zhizao_core::FieldError::new(
                    first,
                    super::error_text(&error),
                ));
            }
            Ok(form_page(context, register, id, form, &errors))
        }
        Err(error) => Err(PageError::from(error).render(context)),
    }
}

/// The version a change was made from (0, which is never current, when missing).
fn version(form: &FormFields) -> i64 {
    form.get("version").trim().parse().unwrap_or(0)
}

fn talent_input(form: &FormFields) -> Result<TalentInput, zhizao_core::FieldError> {
    let (Ok(degree), Ok(field)) = (
        form.get("degree").parse::<Degree>(),
        form.get("field").parse::<Field>(),
    ) else {
        return Err(invalid_choice("degree"));
    };
    Ok(TalentInput {
        name: form.get("name").to_owned(),
        degree,
        field,
        enterprise: form.get("enterprise").to_owned(),
        programme: form.get("programme").to_owned(),
        year: number(form, "year"),
    })
}

fn team_input(form: &FormFields) -> Result<TeamInput, zhizao_core::FieldError> {
    let (Ok(field), Ok(level)) = (
        form.get("field").parse::<Field>(),
        form.get("level").parse::<TeamLevel>(),
    ) else {
        return Err(invalid_choice("field"));
    };
    Ok(TeamInput {
        name: form.get("name").to_owned(),
        field,
        level,
        leader: form.get("leader").to_owned(),
        members: number(form, "members"),
        enterprise: form.get("enterprise").to_owned(),
        year: number(form, "year"),
    })
}

/// The IP a form describes; the inventors are kept as they are (`inventors`), the API names
/// them.
fn ip_input(form: &FormFields, inventors: Vec<i64>) -> Result<IpInput, zhizao_core::FieldError> {
    let (Ok(kind), Ok(status)) = (
        form.get("kind").parse::<IpKind>(),
        form.get("status").parse::<IpStatus>(),
    ) else {
        return Err(invalid_choice("kind"));
    };
    Ok(IpInput {
        kind,
        number: form.get("number").to_owned(),
        title: form.get("title").to_owned(),
        status,
        enterprise: form.get("enterprise").to_owned(),
        filed_on: form.get("filed_on").trim().to_owned(),
        granted_on: Some(form.get("granted_on").trim().to_owned()).filter(|d| !d.is_empty()),
        inventors,
    })
}

/// Saves what a form describes: a new record (`id` none) or a change to one.
async fn save(
    state: &AppState,
    context: &PageContext,
    principal: &Principal,
    register: Register,
    id: Option<i64>,
    form: FormFields,
) -> Result<Response, Response> {
    let talents = state.talents();
    let inventors = match (register, id) {
        (Register::Ip, Some(id)) => talents
            .ip_asset(principal, id)
            .await
            .or_page(context)?
            .inventors
            .iter()
            .map(|(talent, _)| *talent)
            .collect(),
        _ => Vec::new(),
    };
    let result = async {
        let project = crate::api::project_ref(state, principal, Some(form.get("project"))).await?;
        let project = project.as_ref();
        let stale = version(&form);
        match register {
            Register::Talent => {
                let input = match talent_input(&form) {
                    Ok(input) => input,
                    Err(field) => return Err(zhizao_talent::Error::Invalid(vec![field])),
                };
                match id {
                    None => talents.create_talent(principal, &input, project).await,
                    Some(id) => {
                        talents
                            .update_talent(principal, id, stale, &input, project)
                            .await
                    }
                }
                .map(|_| ())
            }
            Register::Team => {
                let input = match team_input(&form) {
                    Ok(input) => input,
                    Err(field) => return Err(zhizao_talent::Error::Invalid(vec![field])),
                };
                match id {
                    None => talents.create_team(principal, &input, project).await,
                    Some(id) => {
                        talents
                            .update_team(principal, id, stale, &input, project)
                            .await
                    }
                }
                .map(|_| ())
            }
            Register::Ip => {
                let input = match ip_input(&form, inventors) {
                    Ok(input) => input,
                    Err(field) => return Err(zhizao_talent::Error::Invalid(vec![field])),
                };
                match id {
                    None => talents.create_ip(principal, &input, project).await,
                    Some(id) => {
                        talents
                            .update_ip(principal, id, stale, &input, project)
                            .await
                    }
                }
                .map(|_| ())
            }
        }
    }
    .await;
    saved_or_form(context, register, id, form, result)
}

async fn create_talent(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    save(&state, &context, &principal, Register::Talent, None, form).await
}

async fn create_team(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    save(&state, &context, &principal, Register::Team, None, form).await
}

async fn create_ip(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    save(&state, &context, &principal, Register::Ip, None, form).await
}

async fn update_talent(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    save(
        &state,
        &context,
        &principal,
        Register::Talent,
        Some(id),
        form,
    )
    .await
}

async fn update_team(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    save(&state, &context, &principal, Register::Team, Some(id), form).await
}

async fn update_ip(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    save(&state, &context, &principal, Register::Ip, Some(id), form).await
}

fn project_number(project: &Option<(String, String)>) -> &str {
    project.as_ref().map_or("", |(number, _)| number.as_str())
}

async fn edit_talent(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    if !policy::may_record_talent(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    let p = state
        .talents()
        .talent(&principal, id)
        .await
        .or_page(&context)?;
    let form = FormFields::from_pairs(&[
        ("name", &p.name),
        ("degree", p.degree.as_str()),
        ("field", p.field.as_str()),
        ("enterprise", &p.credit_code),
        ("programme", &p.programme),
        ("year", &p.year.to_string()),
        ("project", project_number(&p.project)),
        ("version", &p.version.to_string()),
    ]);
    Ok(form_page(&context, Register::Talent, Some(id), form, &[]))
}

async fn edit_team(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    if !policy::may_record_talent(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    let m = state
        .talents()
        .team(&principal, id)
        .await
        .or_page(&context)?;
    let form = FormFields::from_pairs(&[
        ("name", &m.name),
        ("field", m.field.as_str()),
        ("level", m.level.as_str()),
        ("leader", &m.leader),
        ("members", &m.members.to_string()),
        ("enterprise", &m.credit_code),
        ("year", &m.year.to_string()),
        ("project", project_number(&m.project)),
        ("version", &m.version.to_string()),
    ]);
    Ok(form_page(&context, Register::Team, Some(id), form, &[]))
}

async fn edit_ip(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    if !policy::may_record_ip(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    let a = state
        .talents()
        .ip_asset(&principal, id)
        .await
        .or_page(&context)?;
    let form = FormFields::from_pairs(&[
        ("kind", a.kind.as_str()),
        ("number", &a.number),
        ("title", &a.title),
        ("status", a.status.as_str()),
        ("enterprise", &a.credit_code),
        ("filed_on", &a.filed_on),
        ("granted_on", a.granted_on.as_deref().unwrap_or("")),
        ("project", project_number(&a.project)),
        ("version", &a.version.to_string()),
    ]);
    Ok(form_page(&context, Register::Ip, Some(id), form, &[]))
}
