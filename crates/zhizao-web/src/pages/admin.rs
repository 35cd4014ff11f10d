//! Organisation and user administration pages.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use zhizao_core::{Classified, OrgKind, PageRequest, Timestamp};
use zhizao_identity::{
    NewOrganization, NewUser, OrganizationFilter, OrganizationUpdate, UserFilter, UserUpdate,
    UserView, policy,
};

use super::{
    FormErrors, Layout, OrPage, PageContext, PageError, PageForm, Pager, SignedIn, render,
    role_label,
};
use crate::AppState;
use crate::i18n::Tr;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/organizations", get(organizations))
        .route(
            "/organizations/new",
            get(new_organization_form).post(create_organization),
        )
        .route(
            "/organizations/{code}",
            get(organization).post(update_organization),
        )
        .route("/users", get(users))
        .route("/users/new", get(new_user_form).post(create_user))
        .route("/users/{username}", get(user).post(update_user))
        .route("/users/{username}/password", post(reset_password))
}

/// Whether `principal` manages users: a city administrator, or an organisation's administrator
/// (who manages their own organisation's).
pub(crate) fn manages_users(principal: &zhizao_identity::Principal) -> bool {
    policy::may_administer(principal) || policy::manages_users_of(principal).is_some()
}

fn kind_options(t: Tr, include_enterprise: bool) -> Vec<(&'static str, String)> {
    OrgKind::ALL
        .iter()
        .filter(|k| include_enterprise || **k != OrgKind::Enterprise)
        .map(|k| (k.as_str(), t.text(&k.label()).to_owned()))
        .collect()
}

fn role_options(principal: &zhizao_identity::Principal, t: Tr) -> Vec<(&'static str, String)> {
    policy::assignable_roles(principal)
        .iter()
        .map(|r| (r.as_str(), t.text(&r.label()).to_owned()))
        .collect()
}

fn kind_label(kind: OrgKind, t: Tr) -> String {
    t.text(&kind.label()).to_owned()
}

fn status(user: &UserView, t: Tr, now: Timestamp) -> String {
    if user.disabled {
        t.disabled().to_owned()
    } else if user.locked_until.is_some_and(|l| l > now) {
        t.locked().to_owned()
    } else {
        t.active().to_owned()
    }
}

fn when(at: Option<Timestamp>, t: Tr) -> String {
    at.map(Timestamp::to_shanghai_string)
        .unwrap_or_else(|| t.never().to_owned())
}

struct OrganizationRow {
    code: String,
    name: String,
    kind: String,
    sector: String,
    users: i64,
}

#[derive(Template)]
#[template(path = "organizations/list.html")]
struct OrganizationsPage {
    layout: Layout,
    q: String,
    kind: String,
    kinds: Vec<(&'static str, String)>,
    rows: Vec<OrganizationRow>,
    total: i64,
    pager: Pager,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    organization: String,
    page: Option<u32>,
}

async fn organizations(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, Response> {
    let t = context.t();
    let filter = OrganizationFilter {
        kind: query.kind.parse().ok(),
        search: Some(query.q.clone()).filter(|q| !q.is_empty()),
    };
    let page = state
        .identity()
        .list_organizations(
            &principal,
            &filter,
            PageRequest::new(query.page.unwrap_or(1), 50),
        )
        .await
        .or_page(&context)?;
    let pager = Pager::new(&context.uri, &page);
    let rows = page
        .items
        .into_iter()
        .map(|o| OrganizationRow {
            kind: kind_label(o.kind, t),
            code: o.code,
            name: o.name,
            sector: o.sector.unwrap_or_default(),
            users: o.user_count,
        })
        .collect();
    Ok(render(&OrganizationsPage {
        layout: context.layout("organizations"),
        kinds: kind_options(t, true),
        q: query.q,
        kind: query.kind,
        rows,
        total: page.total,
        pager,
    }))
}

#[derive(Template)]
#[template(path = "organizations/form.html")]
struct OrganizationForm {
    layout: Layout,
    kinds: Vec<(&'static str, String)>,
    towns: Vec<(String, String)>,
    code: String,
    kind: String,
    name: String,
    town_code: String,
    sector: String,
    description: String,
    errors: FormErrors,
    general_errors: Vec<String>,
}

#[derive(Deserialize, Default)]
struct OrganizationFields {
    #[serde(default)]
    code: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    town_code: String,
    #[serde(default)]
    sector: String,
    #[serde(default)]
    description: String,
    version: Option<i64>,
}

async fn organization_form(
    state: &AppState,
    context: &PageContext,
    fields: OrganizationFields,
    errors: FormErrors,
) -> Result<Response, Response> {
    let t = context.t();
    let towns = state
        .registry()
        .towns()
        .await
        .or_page(context)?
        .into_iter()
        .filter(|town| town.is_current())
        .map(|town| {
            (
                town.code.clone(),
                format!("{} {}", town.code, t.pick(&town.name_zh, &town.name_en)),
            )
        })
        .collect();
    let general_errors =
        errors.general(&["code", "kind", "name", "town_code", "sector", "description"]);
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = OrganizationForm {
        layout: context.layout("organizations"),
        kinds: kind_options(t, false),
        towns,
        code: fields.code,
        kind: fields.kind,
        name: fields.name,
        town_code: fields.town_code,
        sector: fields.sector,
        description: fields.description,
        errors,
        general_errors,
    };
    Ok((status, render(&page)).into_response())
}

async fn new_organization_form(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
) -> Result<Response, Response> {
    if !policy::may_administer(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    organization_form(
        &state,
        &context,
        OrganizationFields {
            kind: "platform".into(),
            ..Default::default()
        },
        FormErrors::default(),
    )
    .await
}

async fn create_organization(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageForm(fields): PageForm<OrganizationFields>,
) -> Result<Response, Response> {
    let new = NewOrganization {
        code: fields.code.clone(),
        kind: fields.kind.clone(),
        name: fields.name.clone(),
        town_code: Some(fields.town_code.clone()).filter(|t| !t.is_empty()),
        sector: Some(fields.sector.clone()).filter(|s| !s.is_empty()),
        description: fields.description.clone(),
    };
    match state.identity().create_organization(&principal, &new).await {
        Ok(organization) => Ok(Redirect::to(&format!(
            "/organizations/{}?notice=saved",
            organization.code
        ))
        .into_response()),
        Err(error @ zhizao_identity::Error::Duplicate { .. }) => {
            let errors = error.field_errors();
            organization_form(
                &state,
                &context,
                fields,
                FormErrors::from_fields(&errors, context.t()),
            )
            .await
        }
        Err(error) if !error.field_errors().is_empty() => {
            let errors = FormErrors::from_fields(&error.field_errors(), context.t());
            organization_form(&state, &context, fields, errors).await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

#[derive(Template)]
#[template(path = "organizations/detail.html")]
struct OrganizationPage {
    layout: Layout,
    o: zhizao_identity::Organization,
    kind_label: String,
    users: Vec<(String, String, String, String)>,
    errors: FormErrors,
    general_errors: Vec<String>,
}

async fn organization_page(
    state: &AppState,
    context: &PageContext,
    principal: &zhizao_identity::Principal,
    code: &str,
    errors: FormErrors,
) -> Result<Response, Response> {
    let t = context.t();
    let organization = state
        .identity()
        .organization(principal, code)
        .await
        .or_page(context)?;
    let users = if policy::may_administer(principal) {
        let filter = UserFilter {
            organization_code: Some(code.to_owned()),
            ..Default::default()
        };
        let now = state.identity().clock().now();
        state
            .identity()
            .list_users(principal, &filter, PageRequest::new(1, 200))
            .await
            .or_page(context)?
            .items
            .iter()
            .map(|u| {
                (
                    u.username.clone(),
                    u.display_name.clone(),
                    role_label(u.role, t),
                    status(u, t, now),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let general_errors = errors.general(&["name", "sector", "description"]);
    let status_code = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = OrganizationPage {
        layout: context.layout("organizations"),
        kind_label: kind_label(organization.kind, t),
        o: organization,
        users,
        errors,
        general_errors,
    };
    Ok((status_code, render(&page)).into_response())
}

async fn organization(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, Response> {
    organization_page(&state, &context, &principal, &code, FormErrors::default()).await
}

async fn update_organization(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    PageForm(fields): PageForm<OrganizationFields>,
) -> Result<Response, Response> {
    let update = OrganizationUpdate {
        name: Some(fields.name),
        sector: Some(Some(fields.sector).filter(|s| !s.is_empty())),
        description: Some(fields.description),
    };
    match state
        .identity()
        .update_organization(&principal, &code, &update, fields.version)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/organizations/{code}?notice=saved")).into_response()),
        Err(zhizao_identity::Error::StaleVersion { .. }) => {
            let errors = FormErrors(vec![(
                "version".to_owned(),
                context.t().version_conflict().to_owned(),
            )]);
            organization_page(&state, &context, &principal, &code, errors).await
        }
        Err(error) if !error.field_errors().is_empty() => {
            let errors = FormErrors::from_fields(&error.field_errors(), context.t());
            organization_page(&state, &context, &principal, &code, errors).await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

struct UserRow {
    username: String,
    display_name: String,
    organization_code: String,
    organization_name: String,
    role: String,
    status: String,
    last_login: String,
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct UsersPage {
    layout: Layout,
    q: String,
    role: String,
    organization: String,
    roles: Vec<(&'static str, String)>,
    rows: Vec<UserRow>,
    total: i64,
    pager: Pager,
}

async fn users(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, Response> {
    if !manages_users(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    let t = context.t();
    let filter = UserFilter {
        organization_code: Some(query.organization.clone()).filter(|o| !o.is_empty()),
        role: query.role.parse().ok(),
        search: Some(query.q.clone()).filter(|q| !q.is_empty()),
    };
    let page = state
        .identity()
        .list_users(
            &principal,
            &filter,
            PageRequest::new(query.page.unwrap_or(1), 50),
        )
        .await
        .or_page(&context)?;
    let now = state.identity().clock().now();
    let pager = Pager::new(&context.uri, &page);
    let rows = page
        .items
        .iter()
        .map(|u| UserRow {
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            organization_code: u.organization_code.clone(),
            organization_name: u.organization_name.clone(),
            role: role_label(u.role, t),
            status: status(u, t, now),
            last_login: when(u.last_login_at, t),
        })
        .collect();
    Ok(render(&UsersPage {
        layout: context.layout("users"),
        roles: role_options(&principal, t),
        q: query.q,
        role: query.role,
        organization: query.organization,
        rows,
        total: page.total,
        pager,
    }))
}

#[derive(Template)]
#[template(path = "users/form.html")]
struct UserForm {
    layout: Layout,
    roles: Vec<(&'static str, String)>,
    organizations: Vec<(String, String)>,
    organization_code: String,
    username: String,
    display_name: String,
    role: String,
    email: String,
    phone: String,
    org_admin: bool,
    /// An organisation's administrator creates users in their own organisation only.
    fixed_organization: bool,
    errors: FormErrors,
    general_errors: Vec<String>,
}

#[derive(Deserialize, Default)]
struct UserFields {
    #[serde(default)]
    organization_code: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    disabled: Option<String>,
    #[serde(default)]
    unlock: Option<String>,
    #[serde(default)]
    org_admin: Option<String>,
    #[serde(default)]
    new_password: String,
    version: Option<i64>,
    #[serde(default)]
    organization: String,
}

async fn user_form(
    state: &AppState,
    context: &PageContext,
    principal: &zhizao_identity::Principal,
    fields: UserFields,
    errors: FormErrors,
) -> Result<Response, Response> {
    let t = context.t();
    let mut organizations = Vec::new();
    for kind in [
        OrgKind::City,
        OrgKind::Town,
        OrgKind::Platform,
        OrgKind::ExpertPanel,
    ] {
        let filter = OrganizationFilter {
            kind: Some(kind),
            search: None,
        };
        let page = state
            .identity()
            .list_organizations(principal, &filter, PageRequest::new(1, 500))
            .await
            .or_page(context)?;
        organizations.extend(page.items.into_iter().map(|o| (o.code, o.name)));
    }
    let general_errors = errors.general(&[
        "organization_code",
        "username",
        "display_name",
        "role",
        "password",
        "email",
        "phone",
    ]);
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = UserForm {
        layout: context.layout("users"),
        roles: role_options(principal, t),
        organizations,
        organization_code: fields.organization_code,
        username: fields.username,
        display_name: fields.display_name,
        role: fields.role,
        email: fields.email,
        phone: fields.phone,
        org_admin: fields.org_admin.as_deref() == Some("true"),
        fixed_organization: !policy::may_administer(principal),
        errors,
        general_errors,
    };
    Ok((status, render(&page)).into_response())
}

async fn new_user_form(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<UserFields>,
) -> Result<Response, Response> {
    if !manages_users(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    let organization_code = if policy::may_administer(&principal) {
        query.organization
    } else {
        principal.organization_code.clone()
    };
    let fields = UserFields {
        organization_code,
        ..Default::default()
    };
    user_form(&state, &context, &principal, fields, FormErrors::default()).await
}

async fn create_user(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageForm(fields): PageForm<UserFields>,
) -> Result<Response, Response> {
    let new = NewUser {
        organization_code: fields.organization_code.clone(),
        username: fields.username.clone(),
        display_name: fields.display_name.clone(),
        role: fields.role.clone(),
        password: fields.password.clone(),
        email: fields.email.clone(),
        phone: fields.phone.clone(),
        org_admin: fields.org_admin.as_deref() == Some("true"),
    };
    match state.identity().create_user(&principal, &new).await {
        Ok(user) => {
            Ok(Redirect::to(&format!("/users/{}?notice=saved", user.username)).into_response())
        }
        Err(error @ zhizao_identity::Error::Duplicate { .. }) => {
            let errors = error.field_errors();
            user_form(
                &state,
                &context,
                &principal,
                fields,
                FormErrors::from_fields(&errors, context.t()),
            )
            .await
        }
        Err(error) if !error.field_errors().is_empty() => {
            let errors = FormErrors::from_fields(&error.field_errors(), context.t());
            user_form(&state, &context, &principal, fields, errors).await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

pub(super) struct SessionRow {
    pub(super) id: i64,
    pub(super) created: String,
    pub(super) last_seen: String,
    pub(super) ip: String,
    pub(super) user_agent: String,
    pub(super) current: bool,
}

pub(super) fn session_rows(sessions: Vec<zhizao_identity::SessionView>) -> Vec<SessionRow> {
    sessions
        .into_iter()
        .map(|s| SessionRow {
            id: s.id,
            created: s.created_at.to_shanghai_string(),
            last_seen: s.last_seen_at.to_shanghai_string(),
            ip: s.ip,
            user_agent: s.user_agent.chars().take(80).collect(),
            current: s.current,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "users/detail.html")]
struct UserPage {
    layout: Layout,
    u: UserView,
    role_label: String,
    status: String,
    last_login: String,
    roles: Vec<(&'static str, String)>,
    sessions: Vec<SessionRow>,
    errors: FormErrors,
    general_errors: Vec<String>,
}

async fn user_page(
    state: &AppState,
    context: &PageContext,
    principal: &zhizao_identity::Principal,
    username: &str,
    errors: FormErrors,
) -> Result<Response, Response> {
    if !manages_users(principal) {
        return Err(PageError::NotFound.render(context));
    }
    let t = context.t();
    let user = state
        .identity()
        .user(principal, username)
        .await
        .or_page(context)?;
    let sessions = state
        .identity()
        .list_sessions(principal, username)
        .await
        .or_page(context)?;
    let now = state.identity().clock().now();
    let general_errors = errors.general(&["display_name", "role", "email", "phone", "password"]);
    let status_code = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = UserPage {
        layout: context.layout("users"),
        role_label: role_label(user.role, t),
        status: status(&user, t, now),
        last_login: when(user.last_login_at, t),
        roles: role_options(principal, t),
        sessions: session_rows(sessions),
        u: user,
        errors,
        general_errors,
    };
    Ok((status_code, render(&page)).into_response())
}

async fn user(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(username): Path<String>,
) -> Result<Response, Response> {
    user_page(
        &state,
        &context,
        &principal,
        &username,
        FormErrors::default(),
    )
    .await
}

async fn update_user(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(username): Path<String>,
    PageForm(fields): PageForm<UserFields>,
) -> Result<Response, Response> {
    if !manages_users(&principal) {
        return Err(PageError::NotFound.render(&context));
    }
    let update = UserUpdate {
        display_name: Some(fields.display_name),
        role: Some(fields.role),
        email: Some(fields.email),
        phone: Some(fields.phone),
        disabled: Some(fields.disabled.as_deref() == Some("true")),
        unlock: fields.unlock.as_deref() == Some("true"),
        org_admin: Some(fields.org_admin.as_deref() == Some("true")),
    };
    match state
        .identity()
        .update_user(&principal, &username, &update, fields.version)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/users/{username}?notice=saved")).into_response()),
        Err(zhizao_identity::Error::StaleVersion { .. }) => {
            let errors = FormErrors(vec![(
                "version".to_owned(),
                context.t().version_conflict().to_owned(),
            )]);
            user_page(&state, &context, &principal, &username, errors).await
        }
        Err(error) if !error.field_errors().is_empty() => {
            let errors = FormErrors::from_fields(&error.field_errors(), context.t());
            user_page(&state, &context, &principal, &username, errors).await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

async fn reset_password(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(username): Path<String>,
    PageForm(fields): PageForm<UserFields>,
) -> Result<Response, Response> {
    match state
        .identity()
        .change_password(&principal, &username, None, &fields.new_password)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/users/{username}?notice=password")).into_response()),
        Err(error) if !error.field_errors().is_empty() => {
            let errors = FormErrors::from_fields(&error.field_errors(), context.t());
            user_page(&state, &context, &principal, &username, errors).await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}
