//! The start page, by what the reader does: an enterprise sees its to-dos (returned
//! applications, drafts, offline devices) and its applications and devices; a town its queue and
//! its figures; an expert the reviews due; the city the work waiting on it and the city's figures.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use zhizao_core::PageRequest;
use zhizao_identity::policy::{self, EnterpriseScope};
use zhizao_projects::workflow::{Party, Status, party_of};
use zhizao_projects::{ApplicationFilter, ApplicationSort};
use zhizao_registry::{RecognitionKind, RecognitionLevel};

use super::projects::{sees_projects, status_class};
use super::{Layout, OrPage, SignedIn, render, role_label};
use crate::AppState;
use crate::dashboard::grouped;
use crate::i18n::Tr;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

struct RecognitionRow {
    kind: &'static str,
    label: String,
    national: i64,
    provincial: i64,
    city: i64,
}

struct CountRow {
    code: String,
    name: String,
    count: i64,
}

/// Something waiting on the reader, with where to do it.
struct Todo {
    text: String,
    href: String,
    /// `warn` when it has waited a week or more.
    tone: &'static str,
}

/// An application in a short list.
struct ApplicationLine {
    href: String,
    number: String,
    title: String,
    status: String,
    status_class: &'static str,
}

/// The registry's figures over the reader's scope (towns and the city).
struct RegistryFigures {
    enterprises: String,
    above_designated_size: String,
    employees: String,
    revenue_yi: String,
    recognition_rows: Vec<RecognitionRow>,
    towns: Vec<CountRow>,
    divisions: Vec<CountRow>,
}

/// The reader's devices: how many, how many connected.
struct DeviceFigures {
    total: i64,
    online: i64,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    organization_name: String,
    role_label: String,
    /// What waits on the reader, most urgent first.
    todos: Vec<Todo>,
    /// The reader's enterprise's applications, latest first (enterprises).
    applications: Vec<ApplicationLine>,
    /// Its major-project applications (enterprises).
    major: Vec<ApplicationLine>,
    devices: Option<DeviceFigures>,
    /// Reviews assigned to the reader (experts): done and due.
    reviews: Vec<ApplicationLine>,
    registry: Option<RegistryFigures>,
}

async fn home(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
) -> Result<Response, Response> {
    let t = context.t();
    let now = state.identity().clock().now();
    let mut todos = Vec::new();
    let mut applications = Vec::new();
    let mut major = Vec::new();
    let mut reviews = Vec::new();

    // The review flow: what waits on the party the reader acts as.
    if let Some(party) = party_of(principal.role)
        && sees_projects(&principal)
    {
        let queue = state.projects().queue(&principal).await.or_page(&context)?;
        for line in queue.iter().filter(|l| l.waiting_on == party) {
            if party == Party::Enterprise {
                continue; // the enterprise's own applications are listed one by one below
            }
            todos.push(Todo {
                text: t.text(&line.sentence(now)).to_owned(),
                href: format!(
                    "/projects?status={}&town={}",
                    line.status.as_str(),
                    line.town_code
                ),
                tone: if line.oldest_days(now) >= 7 {
                    "warn"
                } else {
                    ""
                },
            });
        }
    }
    // Service requests waiting on the reader's side (an enterprise, a platform), and the
    // voucher claims waiting on the city's review.
    let side = match policy::request_scope(&principal) {
        policy::RequestScope::Client(_) => Some(zhizao_services::Party::Client),
        policy::RequestScope::Platform(_) => Some(zhizao_services::Party::Platform),
        _ => None,
    };
    if let Some(side) = side {
        let filter = zhizao_services::RequestFilter {
            waiting_on: Some(side),
            ..zhizao_services::RequestFilter::default()
        };
        let waiting = state
            .services()
            .requests(&principal, &filter)
            .await
            .or_page(&context)?;
        if let Some(oldest) = waiting.iter().map(|r| r.created_at).min() {
            todos.push(Todo {
                text: t.requests_waiting(waiting.len()),
                href: "/requests?waiting=me".into(),
                tone: if now.as_millis() - oldest.as_millis() >= 7 * 86_400_000 {
                    "warn"
                } else {
                    ""
                },
            });
        }
    }
    if policy::may_run_voucher_programmes(&principal) {
        for programme in state.services().programmes().await.or_page(&context)? {
            let claims = state
                .services()
                .voucher_uses(
                    &principal,
                    &programme.code,
                    Some(zhizao_services::UseStatus::Claimed),
                )
                .await
                .or_page(&context)?;
            if !claims.is_empty() {
                todos.push(Todo {
                    text: t.voucher_claims_waiting(&programme.title, claims.len()),
                    href: format!("/vouchers/{}#claims", programme.code),
                    tone: "",
                });
            }
        }
    }
    // Companies asking to join, for the city and their town.
    if policy::signup_scope(&principal) != policy::EnterpriseScope::Nothing {
        let waiting = state
            .registry()
            .signups(&principal, Some(zhizao_registry::SignupStatus::Pending))
            .await
            .or_page(&context)?;
        if let Some(oldest) = waiting.iter().map(|r| r.created_at).min() {
            todos.push(Todo {
                text: t.todo_signups(waiting.len()),
                href: "/signups".to_owned(),
                tone: if now.as_millis() - oldest.as_millis() >= 7 * 86_400_000 {
                    "warn"
                } else {
                    ""
                },
            });
        }
    }
    if policy::may_write_applications(&principal) {
        let filter = ApplicationFilter {
            sort: ApplicationSort::RecentlyChanged,
            ..ApplicationFilter::default()
        };
        let page = state
            .projects()
            .list_applications(&principal, &filter, PageRequest::new(1, 50))
            .await
            .or_page(&context)?;
        for a in &page.items {
            let href = format!("/projects/applications/{}", a.number);
            let todo = match a.status {
                Status::Returned => Some(t.todo_returned(&a.project_name)),
                Status::Draft => Some(t.todo_draft(&a.project_name)),
                Status::Approved if a.granted_fen.is_some_and(|g| g.get() > 0) => {
                    Some(t.todo_report_completion(&a.project_name))
                }
                _ => None,
            };
            if let Some(text) = todo {
                todos.push(Todo {
                    text,
                    href: href.clone(),
                    tone: if a.status == Status::Returned {
                        "warn"
                    } else {
                        ""
                    },
                });
            }
            if applications.len() < 8 {
                applications.push(ApplicationLine {
                    href,
                    number: a.number.clone(),
                    title: a.project_name.clone(),
                    status: t.text(&a.status.label()).to_owned(),
                    status_class: status_class(a.status),
                });
            }
        }
        for m in state
            .projects()
            .major_applications(&principal, None)
            .await
            .or_page(&context)?
            .into_iter()
            .take(8)
        {
            major.push(ApplicationLine {
                href: "/major".to_owned(),
                number: m.number,
                title: m.title,
                status: t.text(&m.status.label()).to_owned(),
                status_class: "",
            });
        }
    }
    let devices = match policy::telemetry_tenant(&principal) {
        Some(_) => {
            let page = state
                .devices()
                .list_devices(&principal, None, None, PageRequest::new(1, 500))
                .await
                .or_page(&context)?;
            let online = page
                .items
                .iter()
                .filter(|d| !d.disabled && state.commands().is_online(d.id))
                .count() as i64;
            let offline = page.items.iter().filter(|d| !d.disabled).count() as i64 - online;
            if offline > 0 {
                todos.push(Todo {
                    text: t.todo_offline_devices(offline),
                    href: "/devices".to_owned(),
                    tone: "",
                });
            }
            Some(DeviceFigures {
                total: page.total,
                online,
            })
        }
        None => None,
    };
    if policy::reviews_as_expert(&principal) {
        for review in state
            .projects()
            .my_reviews(&principal)
            .await
            .or_page(&context)?
        {
            let done = review.scores.is_some();
            if !done {
                todos.push(Todo {
                    text: t.todo_review(
                        &review.title,
                        &review.call_title,
                        review.review_due_on.as_deref(),
                    ),
                    href: format!("/reviews#review-{}", review.id),
                    tone: "",
                });
            }
            reviews.push(ApplicationLine {
                href: format!("/reviews#review-{}", review.id),
                number: review.topic,
                title: review.title,
                status: if done {
                    t.review_done()
                } else {
                    t.review_due()
                }
                .to_owned(),
                status_class: if done { "ok" } else { "warn" },
            });
        }
    }
    // Returned and overdue first.
    todos.sort_by_key(|todo| todo.tone != "warn");

    let registry = match policy::enterprise_scope(&principal) {
        EnterpriseScope::All | EnterpriseScope::Town(_) | EnterpriseScope::PlatformClients(_) => {
            Some(
                registry_figures(&state, &principal, t)
                    .await
                    .or_page(&context)?,
            )
        }
        _ => None,
    };
    let page = HomePage {
        layout: context.layout("home"),
        organization_name: principal.organization_name.clone(),
        role_label: role_label(principal.role, t),
        todos,
        applications,
        major,
        devices,
        reviews,
        registry,
    };
    Ok(render(&page))
}

/// The registry's figures over what `principal` may see.
async fn registry_figures(
    state: &AppState,
    principal: &zhizao_identity::Principal,
    t: Tr,
) -> zhizao_registry::Result<RegistryFigures> {
    let stats = state.registry().statistics(principal).await?;
    let count = |kind: RecognitionKind, level: RecognitionLevel| {
        stats
            .recognitions
            .iter()
            .find(|(k, l, _)| k == kind.as_str() && l == level.as_str())
            .map_or(0, |(_, _, n)| *n)
    };
    let recognition_rows = RecognitionKind::ALL
        .iter()
        .map(|&kind| RecognitionRow {
            kind: kind.as_str(),
            label: t.text(&kind.label()).to_owned(),
            national: count(kind, RecognitionLevel::National),
            provincial: count(kind, RecognitionLevel::Provincial),
            city: count(kind, RecognitionLevel::City),
        })
        .collect();
    // 亿元 (100 M yuan) with two decimals, from integer fen.
    let revenue_yi = format!("{:.2}", stats.revenue_fen.get() as f64 / 10_000_000_000.0);
    let towns = stats
        .by_town
        .iter()
        .map(|(code, zh, en, n)| CountRow {
            code: code.clone(),
            name: t.pick(zh, en).to_owned(),
            count: *n,
        })
        .collect();
    let divisions = stats
        .by_division
        .iter()
        .map(|(code, zh, en, n)| CountRow {
            code: code.clone(),
            name: t.pick(zh, en.as_deref().unwrap_or("")).to_owned(),
            count: *n,
        })
        .collect();
    Ok(RegistryFigures {
        enterprises: grouped(stats.enterprises),
        above_designated_size: grouped(stats.above_designated_size),
        employees: grouped(stats.employees),
        revenue_yi,
        recognition_rows,
        towns,
        divisions,
    })
}
