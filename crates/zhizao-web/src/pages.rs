//! Server-rendered pages in Simplified Chinese (default) or English.
//!
//! Every page gets a [`Layout`] (translator, signed-in user, CSRF token, navigation); every form
//! repeats the CSRF token, which the form extractors of `forms` check against the browser's
//! cookie before any handler runs; failures become pages through [`PageError`], never raw
//! errors.

// Page handlers answer failures with the error page itself, so their `Err` is an axum
// `Response`: large, but built and moved once per failed request.
#![allow(clippy::result_large_err)]

mod account;
mod admin;
mod assessments;
mod audit;
mod auth;
mod dashboard;
mod device_profiles;
mod devices;
mod enterprises;
mod factories;
mod factory_figures;
mod factory_floor;
mod factory_markers;
mod factory_oee;
mod factory_orders;
mod factory_plan;
mod factory_setup;
mod factory_setup_edit;
mod forms;
mod home;
mod join;
mod major;
mod open_data;
mod projects;
mod service_catalogue;
mod service_figures;
mod service_platforms;
mod service_requests;
pub(crate) mod solutions;
mod talent;
mod training;
mod training_sessions;
mod vouchers;

use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use zhizao_core::{Classified, ErrorKind, Language, Role, Text};
use zhizao_identity::{Principal, policy};

pub(crate) use forms::{
    FormFields, PageForm, PageUpload, Submit, Upload, UploadedFile, purpose_and_file,
};

use crate::AppState;
use crate::auth::{Authentication, ClientIp, CsrfToken};
use crate::i18n::Tr;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .merge(auth::router())
        .merge(home::router())
        .merge(dashboard::router())
        .merge(open_data::router())
        .merge(enterprises::router())
        .merge(admin::router())
        .merge(account::router())
        .merge(audit::router())
        .merge(devices::router())
        .merge(device_profiles::router())
        .merge(projects::router())
        .merge(major::router())
        .merge(join::router())
        .merge(factories::router())
        .merge(factory_orders::router())
        .merge(factory_plan::router())
        .merge(factory_oee::router())
        .merge(factory_floor::router())
        .merge(factory_markers::router())
        .merge(factory_figures::router())
        .merge(factory_setup::router())
        .merge(factory_setup_edit::router())
        .merge(service_platforms::router())
        .merge(service_catalogue::router())
        .merge(service_requests::router())
        .merge(service_figures::router())
        .merge(vouchers::router())
        .merge(assessments::router())
        .merge(solutions::router())
        .merge(training::router())
        .merge(training_sessions::router())
        .merge(talent::router())
}

/// The signed-in user as the page header shows them.
#[derive(Debug, Clone)]
pub(crate) struct LayoutUser {
    pub(crate) username: String,
    pub(crate) display_name: String,
    pub(crate) organization_name: String,
    pub(crate) role_label: String,
}

/// What every page's frame needs.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub(crate) t: Tr,
    pub(crate) user: Option<LayoutUser>,
    pub(crate) csrf: String,
    /// Which navigation entry is current.
    pub(crate) nav: &'static str,
    pub(crate) can_administer: bool,
    /// Manages users: a city administrator, or an organisation's administrator.
    pub(crate) manages_users: bool,
    /// Verifies enterprises' sign-ups (city and town staff).
    pub(crate) verifies_signups: bool,
    pub(crate) sees_registry: bool,
    /// Enterprise users have devices and telemetry.
    pub(crate) has_devices: bool,
    /// Enterprises, towns and the city have technology-upgrade projects.
    pub(crate) sees_projects: bool,
    /// Enterprises and the city have major S&T projects.
    pub(crate) sees_major: bool,
    /// Experts have their review queue.
    pub(crate) is_expert: bool,
    /// Enterprises, platforms and the city see the shared factories.
    pub(crate) sees_factories: bool,
    /// Enterprises, platforms and the city see service requests (their own, those made to
    /// them, all).
    pub(crate) sees_requests: bool,
    /// Enterprises assess themselves; towns, platforms and the city read the results.
    pub(crate) sees_assessments: bool,
    /// Enterprises, towns and the city read talent, teams and IP in their scope.
    pub(crate) sees_talent: bool,
    /// The city's and the towns' staff read the dashboard.
    pub(crate) sees_dashboard: bool,
    /// The current path with its query, to come back to after switching language.
    pub(crate) here: String,
    /// A message to show at the top, e.g. "saved".
    pub(crate) notice: Option<String>,
}

impl Layout {
    pub(crate) fn nav_class(&self, entry: &str) -> &'static str {
        if self.nav == entry { "current" } else { "" }
    }
}

/// The request as pages see it: language, CSRF token, signed-in principal (if any), address.
#[derive(Debug, Clone)]
pub(crate) struct PageContext {
    pub(crate) language: Language,
    pub(crate) csrf: String,
    pub(crate) principal: Option<Principal>,
    pub(crate) ip: String,
    pub(crate) uri: Uri,
    pub(crate) user_agent: String,
}

impl PageContext {
    fn from_parts(parts: &Parts) -> Self {
        let principal = match parts.extensions.get::<Authentication>() {
            Some(Authentication::Principal(principal)) => Some((**principal).clone()),
            _ => None,
        };
        PageContext {
            language: parts
                .extensions
                .get::<Language>()
                .copied()
                .unwrap_or_default(),
            csrf: parts
                .extensions
                .get::<CsrfToken>()
                .map(|t| t.0.clone())
                .unwrap_or_default(),
            principal,
            ip: parts
                .extensions
                .get::<ClientIp>()
                .map(|ip| ip.0.clone())
                .unwrap_or_default(),
            uri: parts.uri.clone(),
            user_agent: parts
                .headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned(),
        }
    }

    pub(crate) fn t(&self) -> Tr {
        Tr(self.language)
    }

    /// The frame for a page under navigation entry `nav`.
    pub(crate) fn layout(&self, nav: &'static str) -> Layout {
        let user = self.principal.as_ref().map(|p| LayoutUser {
            username: p.username.clone(),
            display_name: p.display_name.clone(),
            organization_name: p.organization_name.clone(),
            role_label: p.role.label().get(self.language).to_owned(),
        });
        let notice = self.uri.query().and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "notice")
                .map(|(_, v)| match v.as_ref() {
                    "saved" => self.t().saved().to_owned(),
                    "password" => self.t().password_changed().to_owned(),
                    other => other.chars().take(200).collect(),
                })
        });
        Layout {
            t: self.t(),
            can_administer: self.principal.as_ref().is_some_and(policy::may_administer),
            manages_users: self.principal.as_ref().is_some_and(admin::manages_users),
            verifies_signups: self
                .principal
                .as_ref()
                .is_some_and(|p| policy::signup_scope(p) != policy::EnterpriseScope::Nothing),
            sees_registry: self
                .principal
                .as_ref()
                .is_some_and(|p| policy::enterprise_scope(p) != policy::EnterpriseScope::Nothing),
            has_devices: self
                .principal
                .as_ref()
                .is_some_and(|p| policy::telemetry_tenant(p).is_some()),
            sees_projects: self.principal.as_ref().is_some_and(projects::sees_projects),
            sees_major: self
                .principal
                .as_ref()
                .is_some_and(policy::sees_major_projects),
            is_expert: self
                .principal
                .as_ref()
                .is_some_and(policy::reviews_as_expert),
            sees_factories: self
                .principal
                .as_ref()
                .is_some_and(|p| policy::request_scope(p) != policy::RequestScope::Nothing),
            sees_assessments: self
                .principal
                .as_ref()
                .is_some_and(|p| policy::assessment_scope(p) != policy::EnterpriseScope::Nothing),
            sees_talent: self
                .principal
                .as_ref()
                .is_some_and(|p| policy::talent_scope(p) != policy::EnterpriseScope::Nothing),
            sees_requests: self
                .principal
                .as_ref()
                .is_some_and(|p| policy::request_scope(p) != policy::RequestScope::Nothing),
            sees_dashboard: self
                .principal
                .as_ref()
                .is_some_and(|p| policy::dashboard_scope(p, None).is_some()),
            user,
            csrf: self.csrf.clone(),
            nav,
            here: self
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "/".to_owned()),
            notice,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageContext {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(PageContext::from_parts(parts))
    }
}

/// A page that needs a signed-in user: the context and the principal; visitors are sent to the
/// sign-in page and brought back afterwards.
#[derive(Debug, Clone)]
pub(crate) struct SignedIn(pub(crate) PageContext, pub(crate) Principal);

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let context = PageContext::from_parts(parts);
        match context.principal.clone() {
            Some(principal) => Ok(SignedIn(context, principal)),
            None => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let target = format!(
                    "/login?next={}",
                    form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                );
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

/// Why a page could not be shown.
#[derive(Debug)]
pub(crate) enum PageError {
    NotFound,
    Forbidden,
    CsrfFailed,
    BadRequest(Text),
    /// A dependency (the database, the disk) cannot serve just now: 503, worth a retry.
    Unavailable(String),
    Internal(String),
}

impl PageError {
    /// A request the page cannot take, with a detail that has no translation.
    pub(crate) fn bad_request(detail: impl Into<String>) -> Self {
        let detail = detail.into();
        PageError::BadRequest(Text::owned(detail.clone(), detail))
    }

    pub(crate) fn render(&self, context: &PageContext) -> Response {
        let t = context.t();
        let (status, title, text) = match self {
            PageError::NotFound => (
                StatusCode::NOT_FOUND,
                t.not_found_title(),
                t.not_found_text().to_owned(),
            ),
            PageError::Forbidden => (
                StatusCode::FORBIDDEN,
                t.forbidden_title(),
                t.forbidden_text().to_owned(),
            ),
            PageError::CsrfFailed => (
                StatusCode::FORBIDDEN,
                t.forbidden_title(),
                t.csrf_failed().to_owned(),
            ),
            PageError::BadRequest(detail) => (
                StatusCode::BAD_REQUEST,
                t.error_title(),
                t.text(detail).to_owned(),
            ),
            PageError::Unavailable(detail) => {
                tracing::warn!(%detail, "page unavailable");
                let page = ErrorPage {
                    layout: context.layout(""),
                    title: t.unavailable_title(),
                    text: t.unavailable_text().to_owned(),
                };
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::RETRY_AFTER, "5")],
                    render(&page),
                )
                    .into_response();
            }
            PageError::Internal(detail) => {
                tracing::error!(%detail, "page failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    t.error_title(),
                    t.error_text().to_owned(),
                )
            }
        };
        let page = ErrorPage {
            layout: context.layout(""),
            title,
            text,
        };
        (status, render(&page)).into_response()
    }
}

impl<E: Classified> From<E> for PageError {
    /// The one conversion of a library crate's error into an error page.
    fn from(error: E) -> Self {
        let message = error_text(&error);
        match error.kind() {
            ErrorKind::NotFound => PageError::NotFound,
            ErrorKind::Forbidden | ErrorKind::Unauthenticated => PageError::Forbidden,
            ErrorKind::InvalidInput
            | ErrorKind::Conflict
            | ErrorKind::TooLarge
            | ErrorKind::RateLimited
            | ErrorKind::Timeout => PageError::BadRequest(message),
            ErrorKind::Unavailable => PageError::Unavailable(error.to_string()),
            ErrorKind::Internal => PageError::Internal(error.to_string()),
        }
    }
}

/// A message for the page a step leads to, as the value of its `notice` query parameter.
pub(crate) fn notice_query(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// An error's words for people in both languages, else its English detail.
pub(crate) fn error_text(error: &impl Classified) -> Text {
    error
        .message()
        .unwrap_or_else(|| Text::owned(error.to_string(), error.to_string()))
}

/// An error as the one message a page shows, in the page's language: its words, or when it
/// concerns fields, what it says of each, named as people name the field.
pub(crate) fn error_message(error: &impl Classified, t: Tr) -> String {
    let fields = error.field_errors();
    if fields.is_empty() {
        return t.text(&error_text(error)).to_owned();
    }
    fields
        .iter()
        .map(|field| {
            format!(
                "{}{}{}",
                t.field_label(&field.field),
                t.colon(),
                t.text(&field.message)
            )
        })
        .collect::<Vec<_>>()
        .join(t.separator())
}

/// Turns domain errors into error pages: `result.or_page(&context)?` in a handler returning
/// `Result<Response, Response>`.
pub(crate) trait OrPage<T> {
    fn or_page(self, context: &PageContext) -> Result<T, Response>;
}

impl<T, E: Into<PageError>> OrPage<T> for Result<T, E> {
    fn or_page(self, context: &PageContext) -> Result<T, Response> {
        self.map_err(|error| error.into().render(context))
    }
}

/// Renders a template, or a plain error if rendering itself fails.
pub(crate) fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!(%error, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    title: &'static str,
    text: String,
}

/// The page shown when a request cannot be served just now (its credentials could not be
/// checked because the database is down).
pub(crate) fn unavailable_page(request: &Request, detail: String) -> Response {
    let (mut parts, _) = Request::new(()).into_parts();
    parts.uri = request.uri().clone();
    parts.extensions = request.extensions().clone();
    PageError::Unavailable(detail).render(&PageContext::from_parts(&parts))
}

/// The page shown for unknown paths.
pub(crate) fn not_found_page(request: &Request) -> Response {
    let (parts, _) = Request::new(()).into_parts();
    let mut parts = parts;
    parts.uri = request.uri().clone();
    parts.extensions = request.extensions().clone();
    PageError::NotFound.render(&PageContext::from_parts(&parts))
}

/// A URL path given as `next` is followed only if it stays on this site.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.contains("://") =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// A role's label.
pub(crate) fn role_label(role: Role, t: Tr) -> String {
    role.label().get(t.0).to_owned()
}

/// A field's error on a form, for the template.
#[derive(Debug, Clone, Default)]
pub(crate) struct FormErrors(pub(crate) Vec<(String, String)>);

impl FormErrors {
    pub(crate) fn from_fields(errors: &[zhizao_core::FieldError], t: Tr) -> Self {
        FormErrors(
            errors
                .iter()
                .map(|e| (e.field.clone(), e.message.get(t.0).to_owned()))
                .collect(),
        )
    }

    /// The message for `field` (or its sub-fields), empty if none.
    pub(crate) fn get(&self, field: &str) -> String {
        self.0
            .iter()
            .filter(|(f, _)| {
                f == field
                    || f.starts_with(&format!("{field}["))
                    || f.starts_with(&format!("{field}."))
            })
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub(crate) fn has(&self, field: &str) -> bool {
        !self.get(field).is_empty()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Errors on fields the form does not show (e.g. from a stale version).
    pub(crate) fn general(&self, shown: &[&str]) -> Vec<String> {
        self.0
            .iter()
            .filter(|(f, _)| {
                !shown
                    .iter()
                    .any(|s| f == s || f.starts_with(&format!("{s}[")))
            })
            .map(|(f, m)| format!("{f}: {m}"))
            .collect()
    }
}

/// An audit entry as the history and audit-log tables show it: labels and values in the page's
/// language.
#[derive(Debug, Clone)]
pub(crate) struct AuditRow {
    pub(crate) when: String,
    pub(crate) who: String,
    pub(crate) channel: String,
    pub(crate) ip: String,
    pub(crate) action: String,
    pub(crate) entity: String,
    pub(crate) changes: Vec<(String, String, String)>,
    pub(crate) note: String,
}

impl AuditRow {
    /// The entry in the page's language; `towns` names the town codes it records.
    pub(crate) fn new(
        entry: &zhizao_identity::audit::AuditRecord,
        t: Tr,
        towns: &[zhizao_registry::Town],
    ) -> Self {
        AuditRow {
            when: entry.occurred().to_shanghai_string(),
            who: if entry.actor_username == "system" {
                t.system_actor().to_owned()
            } else {
                entry.actor_username.clone()
            },
            channel: t.channel_label(&entry.channel),
            ip: entry.ip.clone(),
            action: t.action_label(&entry.action),
            entity: format!("{} {}", entry.entity_type, entry.entity_key),
            changes: entry
                .parsed_changes()
                .into_iter()
                .map(|(field, change)| {
                    (
                        t.field_label(&field),
                        readable_value(&field, &change.before, t, towns),
                        readable_value(&field, &change.after, t, towns),
                    )
                })
                .collect(),
            note: entry.note.chars().take(200).collect(),
        }
    }
}

/// A value the audit log recorded, as people read it: town codes as town names, recognitions
/// (`city/technology_center/2018 title`) as their level, kind and year in the page's language,
/// the rest as [`Tr::audit_value`] shows it.
fn readable_value(
    field: &str,
    value: &serde_json::Value,
    t: Tr,
    towns: &[zhizao_registry::Town],
) -> String {
    use serde_json::Value;
    match (field, value) {
        ("town_code", Value::String(code)) => towns
            .iter()
            .find(|town| &town.code == code)
            .map(|town| t.pick(&town.name_zh, &town.name_en).to_owned())
            .unwrap_or_else(|| code.clone()),
        ("recognitions", Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(text) => recognition_text(text, t),
                other => t.audit_value(field, other),
            })
            .collect::<Vec<_>>()
            .join(t.separator()),
        ("status", Value::String(code)) => {
            vocabulary_label(code, t).unwrap_or_else(|| t.audit_value(field, value))
        }
        ("programme", Value::String(code)) => code
            .parse::<zhizao_projects::Programme>()
            .map(|p| t.text(&p.label()).to_owned())
            .unwrap_or_else(|_| code.clone()),
        ("upgrade_type", Value::String(code)) => code
            .parse::<zhizao_projects::UpgradeType>()
            .map(|u| t.text(&u.label()).to_owned())
            .unwrap_or_else(|_| code.clone()),
        _ => t.audit_value(field, value),
    }
}

/// A status the audit log recorded, in words: of an application, a batch, a major-project
/// application or a call.
fn vocabulary_label(code: &str, t: Tr) -> Option<String> {
    use zhizao_projects::major::{CallStatus, MajorStatus};
    let text = code
        .parse::<zhizao_projects::workflow::Status>()
        .map(|s| s.label())
        .or_else(|_| {
            code.parse::<zhizao_projects::BatchStatus>()
                .map(|s| s.label())
        })
        .or_else(|_| code.parse::<MajorStatus>().map(|s| s.label()))
        .or_else(|_| code.parse::<CallStatus>().map(|s| s.label()))
        .ok()?;
    Some(t.text(&text).to_owned())
}

/// `city/technology_center/2018 title` as "市级 企业技术中心（2018）title".
fn recognition_text(text: &str, t: Tr) -> String {
    let (head, title) = text.split_once(' ').unwrap_or((text, ""));
    let mut parts = head.splitn(3, '/');
    let (Some(level), Some(kind), Some(year)) = (parts.next(), parts.next(), parts.next()) else {
        return text.to_owned();
    };
    let level = level
        .parse::<zhizao_registry::RecognitionLevel>()
        .map(|l| t.text(&l.label()).to_owned())
        .unwrap_or_else(|_| level.to_owned());
    let kind = kind
        .parse::<zhizao_registry::RecognitionKind>()
        .map(|k| t.text(&k.label()).to_owned())
        .unwrap_or_else(|_| kind.to_owned());
    t.recognition_summary(&level, &kind, year, title)
}

/// Where a list page sits among its pages, with links that keep the current filters.
#[derive(Debug, Clone)]
pub(crate) struct Pager {
    pub(crate) page: u32,
    pub(crate) page_count: u32,
    pub(crate) previous: Option<String>,
    pub(crate) next: Option<String>,
}

impl Pager {
    pub(crate) fn new<T>(uri: &Uri, page: &zhizao_core::Page<T>) -> Self {
        let page_count = page.page_count();
        Pager {
            page: page.page,
            page_count,
            previous: (page.page > 1).then(|| page_link(uri, page.page - 1)),
            next: (page.page < page_count).then(|| page_link(uri, page.page + 1)),
        }
    }
}

/// Builds a pager's links from the current query with `page` replaced.
pub(crate) fn page_link(uri: &Uri, page: u32) -> String {
    let mut pairs: Vec<(String, String)> = uri
        .query()
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .filter(|(k, _)| k != "page" && k != "notice")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    pairs.push(("page".to_owned(), page.to_string()));
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{}?{query}", uri.path())
}

/// The current query without paging, for export links.
pub(crate) fn query_without_paging(uri: &Uri) -> String {
    let pairs: Vec<(String, String)> = uri
        .query()
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .filter(|(k, _)| k != "page" && k != "page_size" && k != "notice")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next(Some("/enterprises?q=1")), "/enterprises?q=1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn pager_links_keep_filters() {
        let uri: Uri = "/enterprises?q=%E7%94%B5%E5%99%A8&page=2&town=442000118"
            .parse()
            .unwrap();
        assert_eq!(
            page_link(&uri, 3),
            "/enterprises?q=%E7%94%B5%E5%99%A8&town=442000118&page=3"
        );
        assert_eq!(
            query_without_paging(&uri),
            "q=%E7%94%B5%E5%99%A8&town=442000118"
        );
    }
}
