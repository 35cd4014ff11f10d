//! Applications: drafts, the review flow as explicit actions, evaluations, objections.
//!
//! Every read goes through the caller's application scope (an enterprise its own, a town its
//! enterprises', the city all), so an application outside it does not exist for the caller.
//! Every change checks the version the caller read, writes its trail entry and its audit entry
//! in the same transaction, and changes nothing when any check fails.

use sqlx::AnyConnection;
use zhizao_core::{Fen, FieldError, Page, PageRequest, Text, Timestamp};
use zhizao_db::{Flag, SqlBuilder, allocate_ids, fetch_page, like_contains, unique_violation};
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy::{self, EnterpriseScope};
use zhizao_registry::restrict_to_scope;

use crate::model::{
    Application, ApplicationDetail, ApplicationEvent, ApplicationInput, Batch, BatchStatus,
    EvaluationRecord, InvestmentItem, Objection, Programme,
};
use crate::programmes::{batch_by_code, rule_set_by_id};
use crate::rules::{ExplanationLine, RuleItem, evaluate};
use crate::validate::{ApplicationRecord, validate_complete, validate_draft};
use crate::workflow::{Action, Status, actions_for, next_status};
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

#[derive(sqlx::FromRow)]
struct EvaluationRow {
    id: i64,
    rule_set_code: String,
    rule_set_version: i64,
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    evaluated_at: Timestamp,
    evaluated_by: String,
    #[sqlx(try_from = "zhizao_db::FenColumn")]
    eligible_investment_fen: Fen,
    #[sqlx(try_from = "zhizao_db::FenColumn")]
    amount_fen: Fen,
    explanation: String,
}

impl From<EvaluationRow> for EvaluationRecord {
    fn from(row: EvaluationRow) -> Self {
        EvaluationRecord {
            id: row.id,
            rule_set_code: row.rule_set_code,
            rule_set_version: row.rule_set_version,
            evaluated_at: row.evaluated_at,
            evaluated_by: row.evaluated_by,
            eligible_investment_fen: row.eligible_investment_fen,
            amount_fen: row.amount_fen,
            lines: serde_json::from_str::<Vec<ExplanationLine>>(&row.explanation)
                .unwrap_or_default(),
        }
    }
}

const EVALUATION_COLUMNS: &str = "SELECT v.id, r.code AS rule_set_code, r.version AS rule_set_version, v.evaluated_at, v.evaluated_by, \
     v.eligible_investment_fen, v.amount_fen, v.explanation FROM subsidy_evaluations v JOIN subsidy_rule_sets r ON r.id = v.rule_set_id";

async fn detail(
    connection: &mut AnyConnection,
    principal: &Principal,
    application: Application,
) -> Result<ApplicationDetail> {
    let items = items_of(connection, application.id).await?;
    let events: Vec<ApplicationEvent> = sqlx::query_as(
        "SELECT occurred_at, actor_username, actor_role, action, from_status, to_status, comment \
         FROM project_application_events WHERE application_id = $1 ORDER BY occurred_at, id",
    )
    .bind(application.id)
    .fetch_all(&mut *connection)
    .await?;
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
    let batch_title: String = sqlx::query_scalar("SELECT title FROM project_batches WHERE id = $1")
        .bind(application.batch_id)
        .fetch_one(&mut *connection)
        .await?;
    let attachments = crate::attachments::attachments_of(connection, application.id).await?;
    Ok(ApplicationDetail {
        attachments,
        actions: actions_for(application.status, principal.role),
        application,
        batch_title,
        items,
        events,
        evaluations: evaluations.into_iter().map(Into::into).collect(),
        objections,
    })
}

/// Invoice numbers of `record` that another live application in the batch already claims.
async fn claimed_invoices(
    connection: &mut AnyConnection,
    enterprise_id: i64,
    batch_id: i64,
    application_id: i64,
    record: &ApplicationRecord,
) -> Result<Vec<FieldError>> {
    let numbers: Vec<&str> = record
        .items
        .iter()
        .map(|i| i.invoice_number.as_str())
        .filter(|n| !n.is_empty())
        .collect();
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    // Another enterprise's draft is its own business until submitted (and cannot be probed);
    // the check runs again at submission.
    let mut select = SqlBuilder::new(
        "SELECT DISTINCT i.invoice_number FROM project_investment_items i JOIN project_applications a ON a.id = i.application_id \
         WHERE a.status NOT IN ('withdrawn', 'rejected') AND (a.status <> 'draft' OR a.enterprise_id = ",
    );
    select
        .push_bind(enterprise_id)
        .push(") AND i.batch_id = ")
        .push_bind(batch_id)
        .push(" AND i.application_id <> ")
        .push_bind(application_id)
        .push(" AND i.invoice_number IN (");
    for (index, number) in numbers.iter().enumerate() {
        if index > 0 {
            select.push(", ");
        }
        select.push_bind(*number);
    }
    select.push(")");
    let claimed: Vec<String> = select.query_scalar().fetch_all(&mut *connection).await?;
    // The other application may be another enterprise's: say only that the invoice is taken.
    Ok(record
        .items
        .iter()
        .enumerate()
        .filter(|(_, item)| claimed.contains(&item.invoice_number))
        .map(|(index, item)| {
            FieldError::new(
                format!("items[{index}].invoice_number"),
                Text::owned(
                    format!("发票号 {} 已在本批次的其他申报中使用", item.invoice_number),
                    format!(
                        "invoice {} is already claimed by another application in this batch",
                        item.invoice_number
                    ),
                ),
            )
        })
        .collect())
}

async fn write_items(
    connection: &mut AnyConnection,
    application_id: i64,
    batch_id: i64,
    record: &ApplicationRecord,
) -> Result<()> {
    sqlx::query("DELETE FROM project_investment_items WHERE application_id = $1")
        .bind(application_id)
        .execute(&mut *connection)
        .await?;
    if record.items.is_empty() {
        return Ok(());
    }
    let first = allocate_ids(
        connection,
        "project_investment_items",
        record.items.len() as i64,
    )
    .await?;
    for (index, item) in record.items.iter().enumerate() {
        sqlx::query(
            "INSERT INTO project_investment_items (id, application_id, batch_id, position, category, name, model, quantity, \
             unit_price_fen, amount_fen, supplier, related_party, invoice_number, invoice_date) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(first + index as i64)
        .bind(application_id)
        .bind(batch_id)
        .bind(index as i64 + 1)
        .bind(item.category.as_str())
        .bind(&item.name)
        .bind(&item.model)
        .bind(item.quantity)
        .bind(item.unit_price_fen.get())
        .bind(item.amount_fen.get())
        .bind(&item.supplier)
        .bind(Flag(item.related_party))
        .bind(&item.invoice_number)
        .bind(item.invoice_date.clone())
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
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

fn record_of(application: &Application, items: &[InvestmentItem]) -> ApplicationRecord {
    ApplicationRecord {
        project_name: application.project_name.clone(),
        project_key: crate::validate::project_key(&application.project_name),
        upgrade_type: application.upgrade_type,
        starts_on: application.starts_on.clone(),
        ends_on: application.ends_on.clone(),
        description: application.description.clone(),
        expected_output_value_fen: application.expected_output_value_fen,
        expected_efficiency_gain_percent: application.expected_efficiency_gain_percent,
        expected_energy_saving_tce: application.expected_energy_saving_tce,
        total_investment_fen: application.total_investment_fen,
        items: items
            .iter()
            .map(|i| crate::validate::ItemRecord {
                category: i.category,
                name: i.name.clone(),
                model: i.model.clone(),
                quantity: i.quantity,
                unit_price_fen: i.unit_price_fen,
                amount_fen: i.amount_fen,
                supplier: i.supplier.clone(),
                related_party: i.related_party,
                invoice_number: i.invoice_number.clone(),
                invoice_date: i.invoice_date.clone(),
            })
            .collect(),
    }
}

fn content_changes(before: Option<&ApplicationRecord>, after: &ApplicationRecord) -> Changes {
    let mut changes = Changes::new();
    let get = |f: fn(&ApplicationRecord) -> serde_json::Value| {
        before.map(f).unwrap_or(serde_json::Value::Null)
    };
    changes
        .field(
            "project_name",
            get(|r| r.project_name.clone().into()),
            &after.project_name,
        )
        .field(
            "upgrade_type",
            get(|r| r.upgrade_type.as_str().into()),
            after.upgrade_type.as_str(),
        )
        .field(
            "starts_on",
            get(|r| r.starts_on.clone().into()),
            &after.starts_on,
        )
        .field("ends_on", get(|r| r.ends_on.clone().into()), &after.ends_on)
        .field(
            "total_investment_fen",
            get(|r| r.total_investment_fen.get().into()),
            after.total_investment_fen.get(),
        )
        .field(
            "items",
            get(|r| (r.items.len() as i64).into()),
            after.items.len() as i64,
        )
        .field(
            "expected_output_value_fen",
            get(|r| r.expected_output_value_fen.map(Fen::get).into()),
            after.expected_output_value_fen.map(Fen::get),
        )
        .field(
            "expected_efficiency_gain_percent",
            get(|r| r.expected_efficiency_gain_percent.into()),
            after.expected_efficiency_gain_percent,
        )
        .field(
            "expected_energy_saving_tce",
            get(|r| r.expected_energy_saving_tce.into()),
            after.expected_energy_saving_tce,
        );
    changes
}

/// What a reviewer or applicant sends to move an application.
#[derive(Debug, Clone)]
pub struct ActionRequest {
    /// The step.
    pub action: Action,
    /// The version the caller read.
    pub version: i64,
    /// Why (required to return or reject).
    pub comment: String,
}

/// Whether `today` (`YYYY-MM-DD`) is inside the batch's window.
fn in_window(batch: &Batch, today: &str) -> bool {
    batch.opens_on.as_str() <= today && today <= batch.closes_on.as_str()
}

fn window_error(batch: &Batch, today: &str) -> Error {
    Error::NotYet(Text::owned(
        format!(
            "批次 {} 的申报时间为 {} 至 {}，今天（{today}）不在申报期内",
            batch.code, batch.opens_on, batch.closes_on
        ),
        format!(
            "batch {} accepts applications from {} to {}; today ({today}) is outside that window",
            batch.code, batch.opens_on, batch.closes_on
        ),
    ))
}

impl Projects {
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
        detail(&mut connection, principal, application).await
    }

    /// Starts a draft in a published batch whose window is open (enterprise users, for their own
    /// enterprise).
    pub async fn create_application(
        &self,
        principal: &Principal,
        input: &ApplicationInput,
    ) -> Result<ApplicationDetail> {
        if !policy::may_write_applications(principal) {
            return Err(Error::Forbidden(
                "applications are written by the enterprise's own users",
            ));
        }
        let batch_code = input.batch.as_deref().map(str::trim).unwrap_or("");
        if batch_code.is_empty() {
            return Err(Error::invalid("batch", Text::new("必填", "is required")));
        }
        let today = self.today();
        let record = validate_draft(input, &today).map_err(Error::Invalid)?;
        let mut transaction = self.db.begin().await?;
        let batch = match batch_by_code(&mut transaction, batch_code).await? {
            Some(batch) if batch.status == BatchStatus::Published => batch,
            _ => {
                return Err(Error::invalid(
                    "batch",
                    Text::owned(
                        format!("没有正在受理的批次“{batch_code}”"),
                        format!("there is no open batch {batch_code:?}"),
                    ),
                ));
            }
        };
        if !in_window(&batch, &today) {
            return Err(window_error(&batch, &today));
        }
        let claimed = claimed_invoices(
            &mut transaction,
            principal.organization_id,
            batch.id,
            0,
            &record,
        )
        .await?;
        if !claimed.is_empty() {
            return Err(Error::Invalid(claimed));
        }
        let id = allocate_ids(&mut transaction, "project_applications", 1).await?;
        let sequence: i64 = sqlx::query_scalar(
            "UPDATE project_batches SET next_sequence = next_sequence + 1 WHERE id = $1 RETURNING next_sequence - 1",
        )
        .bind(batch.id)
        .fetch_one(&mut *transaction)
        .await?;
        let number = format!("{}-{sequence:04}", batch.code);
        let now = self.clock.now();
        let inserted = sqlx::query(
            "INSERT INTO project_applications (id, number, batch_id, enterprise_id, project_name, project_key, upgrade_type, starts_on, ends_on, \
             description, expected_output_value_fen, expected_efficiency_gain_percent, expected_energy_saving_tce, total_investment_fen, \
             status, status_changed_at, created_by, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'draft', $15, $16, $15, $15, 1)",
        )
        .bind(id)
        .bind(&number)
        .bind(batch.id)
        .bind(principal.organization_id)
        .bind(&record.project_name)
        .bind(&record.project_key)
        .bind(record.upgrade_type.as_str())
        .bind(record.starts_on.clone())
        .bind(record.ends_on.clone())
        .bind(&record.description)
        .bind(record.expected_output_value_fen.map(Fen::get))
        .bind(record.expected_efficiency_gain_percent)
        .bind(record.expected_energy_saving_tce)
        .bind(record.total_investment_fen.get())
        .bind(now.as_millis())
        .bind(&principal.username)
        .execute(&mut *transaction)
        .await;
        if let Err(error) = inserted {
            if unique_violation(&error).as_deref()
                == Some("project_applications_batch_id_enterprise_id_project_key_key")
            {
                drop(transaction);
                return Err(self
                    .duplicate_project(batch.id, principal.organization_id, &record)
                    .await);
            }
            return Err(error.into());
        }
        write_items(&mut transaction, id, batch.id, &record).await?;
        record_event(
            &mut transaction,
            id,
            now,
            &principal.username,
            principal.role.as_str(),
            "created",
            "",
            Status::Draft.as_str(),
            "",
        )
        .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "project_application.created",
                "project_application",
                &number,
            )
            .subject(principal.organization_id)
            .changes(content_changes(None, &record)),
        )
        .await?;
        let application = fetch_by_id(&mut transaction, id).await?;
        let detail = detail(&mut transaction, principal, application).await?;
        transaction.commit().await?;
        Ok(detail)
    }

    async fn duplicate_project(
        &self,
        batch_id: i64,
        enterprise_id: i64,
        record: &ApplicationRecord,
    ) -> Error {
        let existing: Option<String> = sqlx::query_scalar(
            "SELECT number FROM project_applications WHERE batch_id = $1 AND enterprise_id = $2 AND project_key = $3",
        )
        .bind(batch_id)
        .bind(enterprise_id)
        .bind(&record.project_key)
        .fetch_optional(self.db.pool())
        .await
        .ok()
        .flatten();
        Error::DuplicateProject {
            project_name: record.project_name.clone(),
            existing: existing.unwrap_or_default(),
        }
    }

    /// Replaces the content of a draft or returned application (its enterprise's users only).
    pub async fn update_application(
        &self,
        principal: &Principal,
        number: &str,
        input: &ApplicationInput,
        expected_version: i64,
    ) -> Result<ApplicationDetail> {
        let mut transaction = self.db.begin().await?;
        let current = fetch_in_scope(&mut transaction, principal, number).await?;
        if !policy::may_write_applications(principal) {
            return Err(Error::Forbidden(
                "only the applicant changes an application; reviewers return it with comments",
            ));
        }
        if current.version != expected_version {
            return Err(Error::StaleVersion {
                what: "application",
                key: current.number,
                current: current.version,
            });
        }
        if !current.status.editable() {
            return Err(Error::NotYet(Text::owned(
                format!(
                    "申报处于“{}”状态，不能修改；退回后方可修改",
                    current.status.label().zh
                ),
                format!(
                    "the application is {} and cannot be changed; it can be changed after it is returned",
                    current.status
                ),
            )));
        }
        if let Some(batch) = input.batch.as_deref().map(str::trim)
            && !batch.is_empty()
            && batch != current.batch_code
        {
            return Err(Error::invalid(
                "batch",
                Text::new(
                    "申报所属批次不能更改",
                    "an application cannot move to another batch",
                ),
            ));
        }
        let record = validate_draft(input, &self.today()).map_err(Error::Invalid)?;
        let claimed = claimed_invoices(
            &mut transaction,
            current.enterprise_id,
            current.batch_id,
            current.id,
            &record,
        )
        .await?;
        if !claimed.is_empty() {
            return Err(Error::Invalid(claimed));
        }
        let before = record_of(&current, &items_of(&mut transaction, current.id).await?);
        let now = self.clock.now();
        let updated = sqlx::query(
            "UPDATE project_applications SET project_name = $1, project_key = $2, upgrade_type = $3, starts_on = $4, ends_on = $5, \
             description = $6, expected_output_value_fen = $7, expected_efficiency_gain_percent = $8, expected_energy_saving_tce = $9, \
             total_investment_fen = $10, updated_at = $11, version = version + 1 WHERE id = $12 AND version = $13",
        )
        .bind(&record.project_name)
        .bind(&record.project_key)
        .bind(record.upgrade_type.as_str())
        .bind(record.starts_on.clone())
        .bind(record.ends_on.clone())
        .bind(&record.description)
        .bind(record.expected_output_value_fen.map(Fen::get))
        .bind(record.expected_efficiency_gain_percent)
        .bind(record.expected_energy_saving_tce)
        .bind(record.total_investment_fen.get())
        .bind(now.as_millis())
        .bind(current.id)
        .bind(current.version)
        .execute(&mut *transaction)
        .await;
        match updated {
            Err(error)
                if unique_violation(&error).as_deref()
                    == Some("project_applications_batch_id_enterprise_id_project_key_key") =>
            {
                drop(transaction);
                return Err(self
                    .duplicate_project(current.batch_id, current.enterprise_id, &record)
                    .await);
            }
            Err(error) => return Err(error.into()),
            Ok(done) if done.rows_affected() == 0 => {
                return Err(Error::StaleVersion {
                    what: "application",
                    key: current.number,
                    current: current.version + 1,
                });
            }
            Ok(_) => {}
        }
        write_items(&mut transaction, current.id, current.batch_id, &record).await?;
        record_event(
            &mut transaction,
            current.id,
            now,
            &principal.username,
            principal.role.as_str(),
            "updated",
            current.status.as_str(),
            current.status.as_str(),
            "",
        )
        .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "project_application.updated",
                "project_application",
                &current.number,
            )
            .subject(current.enterprise_id)
            .changes(content_changes(Some(&before), &record)),
        )
        .await?;
        let application = fetch_by_id(&mut transaction, current.id).await?;
        let detail = detail(&mut transaction, principal, application).await?;
        transaction.commit().await?;
        Ok(detail)
    }

    /// Takes one step of the review flow.
    pub async fn act(
        &self,
        principal: &Principal,
        number: &str,
        request: &ActionRequest,
    ) -> Result<ApplicationDetail> {
        let mut transaction = self.db.begin().await?;
        let current = fetch_in_scope(&mut transaction, principal, number).await?;
        // A stale version first: whoever acted on an older reading learns that someone acted
        // first, whatever they asked for.
        if current.version != request.version {
            return Err(Error::StaleVersion {
                what: "application",
                key: current.number,
                current: current.version,
            });
        }
        let to =
            next_status(current.status, request.action, principal.role).map_err(Error::Refused)?;
        let comment = request.comment.trim();
        if request.action.needs_comment() && comment.is_empty() {
            return Err(Error::invalid(
                "comment",
                Text::new(
                    "退回或不予通过时须写明理由",
                    "say why when returning or rejecting",
                ),
            ));
        }
        if comment.chars().count() > 4000 {
            return Err(Error::invalid(
                "comment",
                Text::new("意见不能超过 4000 字", "at most 4000 characters"),
            ));
        }
        let now = self.clock.now();
        let mut batch_select = SqlBuilder::new(crate::programmes::BATCH_COLUMNS);
        batch_select
            .push(" WHERE b.id = ")
            .push_bind(current.batch_id);
        let batch: Batch = batch_select.query_as().fetch_one(&mut *transaction).await?;
        let mut notice_ends_at = current.notice_ends_at;
        let mut grant: Option<(i64, Fen, Fen)> = None; // evaluation id, eligible, amount
        let mut disbursed = None;
        let mut project_key = None;
        match request.action {
            Action::Submit => {
                let today = self.today();
                if batch.status != BatchStatus::Published || !in_window(&batch, &today) {
                    return Err(window_error(&batch, &today));
                }
                let record = record_of(&current, &items_of(&mut transaction, current.id).await?);
                let mut problems = validate_complete(&record, batch.programme);
                let attached =
                    crate::attachments::attachments_of(&mut transaction, current.id).await?;
                for required in batch.required_attachment_names() {
                    if !attached.iter().any(|a| a.purpose == required) {
                        problems.push(FieldError::new(
                            "attachments",
                            Text::owned(
                                format!("缺少附件“{required}”"),
                                format!("the batch requires an attachment \"{required}\""),
                            ),
                        ));
                    }
                }
                problems.extend(
                    claimed_invoices(
                        &mut transaction,
                        current.enterprise_id,
                        batch.id,
                        current.id,
                        &record,
                    )
                    .await?,
                );
                if !problems.is_empty() {
                    return Err(Error::Invalid(problems));
                }
            }
            Action::StartNotice => {
                notice_ends_at = Some(now.plus_millis(batch.notice_days * DAY_MS));
            }
            Action::Approve => {
                if let Some(ends) = current.notice_ends_at
                    && now < ends
                {
                    let ends = ends.to_shanghai_string();
                    return Err(Error::NotYet(Text::owned(
                        format!("公示期至 {ends} 结束，届时方可批准"),
                        format!("the public notice runs until {ends}; approve after it ends"),
                    )));
                }
                let open: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM project_objections WHERE application_id = $1 AND resolved_at IS NULL",
                )
                .bind(current.id)
                .fetch_one(&mut *transaction)
                .await?;
                if open > 0 {
                    return Err(Error::NotYet(Text::owned(
                        format!("还有 {open} 条异议未处理"),
                        format!("{open} objection(s) raised during the notice are not resolved"),
                    )));
                }
                if batch.rule_set_id.is_some() {
                    // Serialises approvals of the same enterprise, so two at once cannot both
                    // fit under its yearly cap.
                    sqlx::query("UPDATE enterprises SET version = version WHERE id = $1")
                        .bind(current.enterprise_id)
                        .execute(&mut *transaction)
                        .await?;
                    let evaluation = self
                        .evaluate_in(&mut transaction, principal, &current, &batch)
                        .await?;
                    grant = Some((
                        evaluation.id,
                        evaluation.eligible_investment_fen,
                        evaluation.amount_fen,
                    ));
                }
            }
            Action::ReportCompletion if current.granted_fen.unwrap_or_default() <= Fen::new(0) => {
                return Err(Error::NotYet(Text::new(
                    "该项目没有核定补助，立项即为办结，无需申请验收",
                    "nothing was granted to this project: approval is its last step, there is no completion acceptance",
                )));
            }
            Action::Disburse => match current.granted_fen {
                Some(amount) if amount > Fen::new(0) => disbursed = Some(amount),
                _ => {
                    return Err(Error::NotYet(Text::new(
                        "该项目没有核定补助金额，无需拨付",
                        "nothing was granted to this project, so there is nothing to pay",
                    )));
                }
            },
            Action::Withdraw => {
                // Frees the project name for a new application in the same batch.
                project_key = Some(format!(
                    "{}~withdrawn-{}",
                    crate::validate::project_key(&current.project_name),
                    current.id
                ));
            }
            _ => {}
        }
        let mut update = SqlBuilder::new("UPDATE project_applications SET status = ");
        update
            .push_bind(to.as_str())
            .push(", status_changed_at = ")
            .push_bind(now.as_millis())
            .push(", updated_at = ")
            .push_bind(now.as_millis())
            .push(", version = version + 1");
        if request.action == Action::Submit && current.submitted_at.is_none() {
            update.push(", submitted_at = ").push_bind(now.as_millis());
        }
        if let Some(ends) = notice_ends_at {
            update
                .push(", notice_ends_at = ")
                .push_bind(ends.as_millis());
        }
        if let Some((evaluation, eligible, amount)) = grant {
            update
                .push(", granted_evaluation_id = ")
                .push_bind(evaluation)
                .push(", eligible_investment_fen = ")
                .push_bind(eligible.get())
                .push(", granted_fen = ")
                .push_bind(amount.get());
        }
        if let Some(amount) = disbursed {
            update
                .push(", disbursed_fen = ")
                .push_bind(amount.get())
                .push(", disbursed_at = ")
                .push_bind(now.as_millis());
        }
        if let Some(key) = project_key {
            update.push(", project_key = ").push_bind(key);
        }
        update
            .push(" WHERE id = ")
            .push_bind(current.id)
            .push(" AND version = ")
            .push_bind(current.version);
        if update
            .query()
            .execute(&mut *transaction)
            .await?
            .rows_affected()
            == 0
        {
            return Err(Error::StaleVersion {
                what: "application",
                key: current.number,
                current: current.version + 1,
            });
        }
        record_event(
            &mut transaction,
            current.id,
            now,
            &principal.username,
            principal.role.as_str(),
            request.action.as_str(),
            current.status.as_str(),
            to.as_str(),
            comment,
        )
        .await?;
        let mut changes = Changes::new();
        changes.field("status", current.status.as_str(), to.as_str());
        if let Some((_, _, amount)) = grant {
            changes.field("granted_fen", current.granted_fen, amount);
        }
        if let Some(amount) = disbursed {
            changes.field("disbursed_fen", current.disbursed_fen, amount);
        }
        let action_name = match request.action {
            Action::Submit => "project_application.submit",
            Action::Withdraw => "project_application.withdraw",
            Action::TownApprove => "project_application.town_approve",
            Action::Return => "project_application.return",
            Action::Reject => "project_application.reject",
            Action::SendToExperts => "project_application.send_to_experts",
            Action::StartNotice => "project_application.start_notice",
            Action::Approve => "project_application.approve",
            Action::ReportCompletion => "project_application.report_completion",
            Action::Accept => "project_application.accept",
            Action::Disburse => "project_application.disburse",
        };
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(action_name, "project_application", &current.number)
                .subject(current.enterprise_id)
                .changes(changes)
                .note(comment),
        )
        .await?;
        let application = fetch_by_id(&mut transaction, current.id).await?;
        let detail = detail(&mut transaction, principal, application).await?;
        transaction.commit().await?;
        tracing::info!(number = %current.number, action = %request.action, from = %current.status, to = %to, "application moved");
        Ok(detail)
    }

    /// Evaluates an application against its batch's rule set version and records the result
    /// (reviewers who can see it; the applicant sees the recorded results).
    pub async fn evaluate(&self, principal: &Principal, number: &str) -> Result<EvaluationRecord> {
        let mut transaction = self.db.begin().await?;
        let current = fetch_in_scope(&mut transaction, principal, number).await?;
        if !policy::may_evaluate_applications(principal) {
            return Err(Error::Forbidden(
                "amounts are computed by the reviewers; the applicant sees them on the application",
            ));
        }
        let mut batch_select = SqlBuilder::new(crate::programmes::BATCH_COLUMNS);
        batch_select
            .push(" WHERE b.id = ")
            .push_bind(current.batch_id);
        let batch: Batch = batch_select.query_as().fetch_one(&mut *transaction).await?;
        let record = self
            .evaluate_in(&mut transaction, principal, &current, &batch)
            .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            self.clock.now(),
            AuditEntry::new(
                "project_application.evaluated",
                "project_application",
                &current.number,
            )
            .subject(current.enterprise_id)
            .note(format!(
                "{}@{}: {} fen",
                record.rule_set_code, record.rule_set_version, record.amount_fen
            )),
        )
        .await?;
        transaction.commit().await?;
        Ok(record)
    }

    async fn evaluate_in(
        &self,
        connection: &mut AnyConnection,
        principal: &Principal,
        application: &Application,
        batch: &Batch,
    ) -> Result<EvaluationRecord> {
        let Some(rule_set_id) = batch.rule_set_id else {
            return Err(Error::NotYet(Text::new(
                "该批次属于项目入库，不计算补助金额",
                "this batch enters projects into the library and grants no money",
            )));
        };
        let rule_set = rule_set_by_id(connection, rule_set_id).await?;
        let items = items_of(connection, application.id).await?;
        let rule_items: Vec<RuleItem> = items
            .iter()
            .map(|i| RuleItem {
                position: i.position as usize,
                name: i.name.clone(),
                category: i.category,
                amount_fen: i.amount_fen,
                related_party: i.related_party,
                invoice_date: i.invoice_date.clone(),
            })
            .collect();
        let granted_this_year: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(a.granted_fen), 0) AS BIGINT) FROM project_applications a JOIN project_batches b ON b.id = a.batch_id \
             JOIN subsidy_rule_sets r ON r.id = b.rule_set_id \
             WHERE a.enterprise_id = $1 AND b.year = $2 AND r.code = $3 AND a.id <> $4 \
             AND a.status IN ('approved', 'acceptance_review', 'accepted', 'disbursed')",
        )
        .bind(application.enterprise_id)
        .bind(batch.year)
        .bind(&rule_set.code)
        .bind(application.id)
        .fetch_one(&mut *connection)
        .await?;
        let evaluation = evaluate(
            &rule_set.parameters,
            &rule_items,
            Fen::new(granted_this_year),
        );
        let id = allocate_ids(connection, "subsidy_evaluations", 1).await?;
        let now = self.clock.now();
        sqlx::query(
            "INSERT INTO subsidy_evaluations (id, application_id, rule_set_id, evaluated_at, evaluated_by, eligible_investment_fen, amount_fen, explanation) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(application.id)
        .bind(rule_set.id)
        .bind(now.as_millis())
        .bind(&principal.username)
        .bind(evaluation.eligible_investment_fen.get())
        .bind(evaluation.amount_fen.get())
        .bind(serde_json::to_string(&evaluation.lines).unwrap_or_default())
        .execute(&mut *connection)
        .await?;
        Ok(EvaluationRecord {
            id,
            rule_set_code: rule_set.code,
            rule_set_version: rule_set.version,
            evaluated_at: now,
            evaluated_by: principal.username.clone(),
            eligible_investment_fen: evaluation.eligible_investment_fen,
            amount_fen: evaluation.amount_fen,
            lines: evaluation.lines,
        })
    }

    /// Records an objection received while the application is on public notice (city staff).
    pub async fn add_objection(
        &self,
        principal: &Principal,
        number: &str,
        objector: &str,
        content: &str,
    ) -> Result<Objection> {
        let mut transaction = self.db.begin().await?;
        let current = fetch_in_scope(&mut transaction, principal, number).await?;
        if !policy::may_manage_programmes(principal) {
            return Err(Error::Forbidden("objections are recorded by city staff"));
        }
        if current.status != Status::PublicNotice {
            return Err(Error::NotYet(Text::new(
                "只有公示中的申报可以登记异议",
                "objections are recorded only while the application is on public notice",
            )));
        }
        let content = content.trim();
        if content.is_empty() || content.chars().count() > 4000 {
            return Err(Error::invalid(
                "content",
                Text::new(
                    "异议内容必填，最长 4000 字",
                    "required, at most 4000 characters",
                ),
            ));
        }
        let objector = objector.trim();
        if objector.chars().count() > 200 {
            return Err(Error::invalid(
                "objector",
                Text::new("最长 200 字", "at most 200 characters"),
            ));
        }
        let id = allocate_ids(&mut transaction, "project_objections", 1).await?;
        let now = self.clock.now();
        sqlx::query(
            "INSERT INTO project_objections (id, application_id, received_at, recorded_by, objector, content) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(current.id)
        .bind(now.as_millis())
        .bind(&principal.username)
        .bind(objector)
        .bind(content)
        .execute(&mut *transaction)
        .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "project_application.objection_recorded",
                "project_application",
                &current.number,
            )
            .subject(current.enterprise_id)
            .note(content),
        )
        .await?;
        transaction.commit().await?;
        Ok(Objection {
            id,
            received_at: now,
            recorded_by: principal.username.clone(),
            objector: objector.to_owned(),
            content: content.to_owned(),
            resolved_at: None,
            resolved_by: None,
            resolution: None,
        })
    }

    /// Records how an objection was resolved (city staff).
    pub async fn resolve_objection(
        &self,
        principal: &Principal,
        number: &str,
        objection_id: i64,
        resolution: &str,
    ) -> Result<()> {
        let mut transaction = self.db.begin().await?;
        let current = fetch_in_scope(&mut transaction, principal, number).await?;
        if !policy::may_manage_programmes(principal) {
            return Err(Error::Forbidden("objections are resolved by city staff"));
        }
        let resolution = resolution.trim();
        if resolution.is_empty() || resolution.chars().count() > 4000 {
            return Err(Error::invalid(
                "resolution",
                Text::new(
                    "处理意见必填，最长 4000 字",
                    "required, at most 4000 characters",
                ),
            ));
        }
        let now = self.clock.now();
        let updated = sqlx::query(
            "UPDATE project_objections SET resolved_at = $1, resolved_by = $2, resolution = $3 \
             WHERE id = $4 AND application_id = $5 AND resolved_at IS NULL",
        )
        .bind(now.as_millis())
        .bind(&principal.username)
        .bind(resolution)
        .bind(objection_id)
        .bind(current.id)
        .execute(&mut *transaction)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(Error::not_found(
                "open objection",
                &objection_id.to_string(),
            ));
        }
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "project_application.objection_resolved",
                "project_application",
                &current.number,
            )
            .subject(current.enterprise_id)
            .note(resolution),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }
}
