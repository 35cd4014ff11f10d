//! Applications: drafts, the review flow as explicit actions, evaluations, objections.
//!
//! Every read goes through the caller's application scope (an enterprise its own, a town its
//! enterprises', the city all), so an application outside it does not exist for the caller.
//! Every change checks the version the caller read, writes its trail entry and its audit entry
//! in the same transaction, and changes nothing when any check fails.

mod drafts;
mod evaluation;
mod flow;
mod objections;

use evaluation::{EVALUATION_COLUMNS, EvaluationRow};
pub use flow::ActionRequest;

use sqlx::AnyConnection;
use zhizao_core::{Page, PageRequest, Timestamp};
use zhizao_db::{SqlBuilder, allocate_ids, fetch_page, like_contains};
use zhizao_identity::Principal;
use zhizao_identity::policy::{self, EnterpriseScope};
use zhizao_registry::restrict_to_scope;

use crate::model::{
    Application, ApplicationDetail, ApplicationEvent, ApplicationEventRow, Batch, InvestmentItem,
    Objection, Programme,
};
use crate::workflow::{Status, actions_for};
use crate::{Error, Projects, Result};

const DAY_MS: i64 = 86_400_000;

pub(crate) const APPLICATION_COLUMNS: &str = "SELECT a.id, a.number, a.batch_id, b.code AS batch_code, b.programme, b.year, \
     a.enterprise_id, e.credit_code, e.name AS enterprise_name, e.town_code, t.name_zh AS town_name_zh, a.project_name, \
     a.upgrade_type, a.starts_on, a.ends_on, a.description, a.expected_output_value_fen, a.expected_efficiency_gain_percent, \
     a.expected_energy_saving_tce, a.total_investment_fen, a.status, a.status_changed_at, a.submitted_at, a.notice_ends_at, \
     a.eligible_investment_fen, a.granted_fen, a.granted_evaluation_id, a.disbursed_fen, a.disbursed_at, a.created_by, \
     a.created_at, a.updated_at, a.version \
     FROM project_applications a JOIN project_batches b ON b.id = a.batch_id \
     JOIN enterprises e ON e.id = a.enterprise_id JOIN towns t ON t.code = e.town_code";

/// The condition of applications still moving (see [`ApplicationFilter::open_only`]).
pub(crate) const OPEN_ONLY: &str = " AND a.status NOT IN ('rejected', 'withdrawn', 'disbursed') \
     AND NOT (a.status = 'approved' AND b.rule_set_id IS NULL)";

const APPLICATION_COUNT: &str = "SELECT COUNT(*) FROM project_applications a JOIN project_batches b ON b.id = a.batch_id \
     JOIN enterprises e ON e.id = a.enterprise_id";

/// How to order a list of applications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApplicationSort {
    /// Longest waiting first (the work-queue order).
    #[default]
    OldestWaiting,
    /// Most recently changed first.
    RecentlyChanged,
    /// By number.
    Number,
    /// Largest investment first.
    InvestmentDescending,
}

impl ApplicationSort {
    /// The sort named in a query string (`waiting`, `-changed`, `number`, `-investment`).
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "waiting" => Some(ApplicationSort::OldestWaiting),
            "-changed" => Some(ApplicationSort::RecentlyChanged),
            "number" => Some(ApplicationSort::Number),
            "-investment" => Some(ApplicationSort::InvestmentDescending),
            _ => None,
        }
    }

    fn order_by(self) -> &'static str {
        match self {
            ApplicationSort::OldestWaiting => " ORDER BY a.status_changed_at, a.number",
            ApplicationSort::RecentlyChanged => " ORDER BY a.updated_at DESC, a.number",
            ApplicationSort::Number => " ORDER BY a.number",
            ApplicationSort::InvestmentDescending => {
                " ORDER BY a.total_investment_fen DESC, a.number"
            }
        }
    }
}

/// Which applications to list; criteria combine with AND.
#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    /// Batch code.
    pub batch: Option<String>,
    /// Status.
    pub status: Option<Status>,
    /// Programme year.
    pub year: Option<i64>,
    /// Programme.
    pub programme: Option<Programme>,
    /// The applicant's town (towns merged into it included).
    pub town: Option<String>,
    /// The applicant's unified social credit code.
    pub enterprise: Option<String>,
    /// Part of the project name, the enterprise name, or the number.
    pub search: Option<String>,
    /// Only applications still moving: not rejected, withdrawn or paid, and not a project
    /// approved into the library by a batch that grants no money.
    pub open_only: bool,
    /// Order.
    pub sort: ApplicationSort,
}

/// The scope as SQL conditions over `e`, hiding other enterprises' drafts from reviewers too:
/// a draft is the enterprise's own until it is submitted.
fn scope_conditions(principal: &Principal) -> SqlBuilder {
    let scope = policy::application_scope(principal);
    let mut conditions = SqlBuilder::new(" WHERE 1 = 1");
    restrict_to_scope(&scope, &mut conditions);
    if !matches!(scope, EnterpriseScope::Single(_)) {
        conditions.push(" AND a.status <> 'draft'");
    }
    conditions
}

fn filter_conditions(principal: &Principal, filter: &ApplicationFilter) -> SqlBuilder {
    let mut conditions = scope_conditions(principal);
    if let Some(batch) = filter.batch.as_deref().filter(|b| !b.is_empty()) {
        conditions.push(" AND b.code = ").push_bind(batch);
    }
    if let Some(status) = filter.status {
        conditions
            .push(" AND a.status = ")
            .push_bind(status.as_str());
    }
    if let Some(year) = filter.year {
        conditions.push(" AND b.year = ").push_bind(year);
    }
    if filter.open_only {
        conditions.push(OPEN_ONLY);
    }
    if let Some(programme) = filter.programme {
        conditions
            .push(" AND b.programme = ")
            .push_bind(programme.as_str());
    }
    if let Some(town) = filter.town.as_deref().filter(|t| !t.is_empty()) {
        restrict_to_scope(&EnterpriseScope::Town(town.to_owned()), &mut conditions);
    }
    if let Some(code) = filter
        .enterprise
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        conditions
            .push(" AND e.credit_code = ")
            .push_bind(code.to_owned());
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let pattern = like_contains(search);
        conditions
            .push(" AND (a.project_name LIKE ")
            .push_bind(pattern.clone())
            .push(" ESCAPE '\\' OR e.name LIKE ")
            .push_bind(pattern.clone())
            .push(" ESCAPE '\\' OR a.number LIKE ")
            .push_bind(pattern)
            .push(" ESCAPE '\\')");
    }
    conditions
}

pub(crate) async fn fetch_in_scope(
    connection: &mut AnyConnection,
    principal: &Principal,
    number: &str,
) -> Result<Application> {
    let mut select = SqlBuilder::new(APPLICATION_COLUMNS);
    select.push_builder(&scope_conditions(principal));
    select.push(" AND a.number = ").push_bind(number.trim());
    select
        .query_as::<Application>()
        .fetch_optional(&mut *connection)
        .await?
        .ok_or_else(|| Error::not_found("application", number))
}

async fn fetch_by_id(connection: &mut AnyConnection, id: i64) -> Result<Application> {
    let mut select = SqlBuilder::new(APPLICATION_COLUMNS);
    select.push(" WHERE a.id = ").push_bind(id);
    Ok(select.query_as().fetch_one(&mut *connection).await?)
}

async fn items_of(connection: &mut AnyConnection, id: i64) -> Result<Vec<InvestmentItem>> {
    Ok(sqlx::query_as(
        "SELECT position, category, name, model, quantity, unit_price_fen, amount_fen, supplier, related_party, invoice_number, invoice_date \
         FROM project_investment_items WHERE application_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *connection)
    .await?)
}

/// One application as `principal` reads it at `now`: with the steps their role may take, and
/// those of them that cannot be taken yet with the reason.
async fn detail(
    connection: &mut AnyConnection,
    principal: &Principal,
    application: Application,
    now: Timestamp,
) -> Result<ApplicationDetail> {
    let items = items_of(connection, application.id).await?;
    let rows: Vec<ApplicationEventRow> = sqlx::query_as(
        "SELECT occurred_at, actor_username, actor_role, action, from_status, to_status, comment \
         FROM project_application_events WHERE application_id = $1 ORDER BY occurred_at, id",
    )
    .bind(application.id)
    .fetch_all(&mut *connection)
    .await?;
    let events = rows
        .into_iter()
        .map(ApplicationEvent::try_from)
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let mut select = SqlBuilder::new(EVALUATION_COLUMNS);
    select
        .push(" WHERE v.application_id = ")
        .push_bind(application.id)
        .push(" ORDER BY v.evaluated_at DESC, v.id DESC");
    let evaluations: Vec<EvaluationRow> = select.query_as().fetch_all(&mut *connection).await?;
    let objections: Vec<Objection> = sqlx::query_as(
        "SELECT id, received_at, recorded_by, objector, content, resolved_at, resolved_by, resolution \
         FROM project_objections WHERE application_id = $1 ORDER BY received_at, id",
    )
    .bind(application.id)
    .fetch_all(&mut *connection)
    .await?;
    let mut batch_select = SqlBuilder::new(crate::programmes::BATCH_COLUMNS);
    batch_select
        .push(" WHERE b.id = ")
        .push_bind(application.batch_id);
    let batch: Batch = batch_select.query_as().fetch_one(&mut *connection).await?;
    let actions = actions_for(application.status, principal.role);
    let open_objections = objections
        .iter()
        .filter(|o| o.resolved_at.is_none())
        .count() as i64;
    let not_yet = actions
        .iter()
        .filter_map(|action| {
            flow::not_yet(*action, &application, &batch, open_objections, now)
                .map(|why| (*action, why))
        })
        .collect();
    let batch_title = batch.title;
    let attachments = crate::attachments::attachments_of(connection, application.id).await?;
    Ok(ApplicationDetail {
        attachments,
        actions,
        not_yet,
        application,
        batch_title,
        items,
        events,
        evaluations: evaluations.into_iter().map(Into::into).collect(),
        objections,
    })
}

/// Appends a step to an application's trail.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record_event(
    connection: &mut AnyConnection,
    application_id: i64,
    at: Timestamp,
    username: &str,
    role: &str,
    action: &str,
    from: &str,
    to: &str,
    comment: &str,
) -> Result<()> {
    let id = allocate_ids(connection, "project_application_events", 1).await?;
    sqlx::query(
        "INSERT INTO project_application_events (id, application_id, occurred_at, actor_username, actor_role, action, from_status, to_status, comment) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(application_id)
    .bind(at.as_millis())
    .bind(username)
    .bind(role)
    .bind(action)
    .bind(from)
    .bind(to)
    .bind(comment)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

impl Projects {
    /// The technology-upgrade projects the caller may see that were completed (accepted at
    /// completion, paid or not), newest first, as (number, project name): what an enterprise's
    /// maturity self-assessment suggests answers from.
    pub async fn completed_projects(&self, principal: &Principal) -> Result<Vec<(String, String)>> {
        let mut select = SqlBuilder::new(
            "SELECT a.number, a.project_name FROM project_applications a JOIN enterprises e ON e.id = a.enterprise_id \
             WHERE a.status IN ('accepted', 'disbursed')",
        );
        restrict_to_scope(&policy::application_scope(principal), &mut select);
        select.push(" ORDER BY a.status_changed_at DESC, a.id DESC LIMIT 50");
        Ok(select.query_as().fetch_all(self.db.pool()).await?)
    }

    fn today(&self) -> String {
        self.clock.now().to_shanghai_date_string()
    }

    /// Lists the applications `principal` may see that match `filter`.
    pub async fn list_applications(
        &self,
        principal: &Principal,
        filter: &ApplicationFilter,
        page: PageRequest,
    ) -> Result<Page<Application>> {
        Ok(fetch_page(
            self.db.pool(),
            APPLICATION_COLUMNS,
            APPLICATION_COUNT,
            &filter_conditions(principal, filter),
            filter.sort.order_by(),
            page,
        )
        .await?)
    }

    /// One application with its items, trail, evaluations and objections, if in scope.
    pub async fn application(
        &self,
        principal: &Principal,
        number: &str,
    ) -> Result<ApplicationDetail> {
        let mut connection = self.db.pool().acquire().await?;
        let application = fetch_in_scope(&mut connection, principal, number).await?;
        detail(&mut connection, principal, application, self.clock.now()).await
    }
}
