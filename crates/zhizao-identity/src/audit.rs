//! The audit log: who did what, when, from where, and what each changed field was before and
//! after.
//!
//! Every function that changes data records its entry with [`record`] on the same transaction
//! as the change, so an entry exists exactly when the change committed.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use sqlx::AnyConnection;
use zhizao_core::{Page, PageRequest, Timestamp};
use zhizao_db::{SqlBuilder, allocate_ids, fetch_page};

use crate::{Actor, Error, Identity, Principal, Result, policy};

/// The before and after values of the fields an action changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Changes(BTreeMap<String, FieldChange>);

/// One field's value before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// The value before (`null` when the thing was created).
    pub before: Value,
    /// The value after (`null` when the thing was deleted).
    pub after: Value,
}

impl Changes {
    /// No changes yet.
    pub fn new() -> Self {
        Changes::default()
    }

    /// Records `field` if its value differs.
    pub fn field(
        &mut self,
        field: &str,
        before: impl Serialize,
        after: impl Serialize,
    ) -> &mut Self {
        let before = serde_json::to_value(before).unwrap_or(Value::Null);
        let after = serde_json::to_value(after).unwrap_or(Value::Null);
        if before != after {
            self.0
                .insert(field.to_owned(), FieldChange { before, after });
        }
        self
    }

    /// Records a newly created value.
    pub fn created(&mut self, field: &str, value: impl Serialize) -> &mut Self {
        self.field(field, Value::Null, value)
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The changed fields, by name.
    pub fn fields(&self) -> &BTreeMap<String, FieldChange> {
        &self.0
    }
}

/// What to record.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// What happened, as `entity.verb`, e.g. `enterprise.updated`, `user.role_changed`.
    pub action: &'static str,
    /// The kind of thing acted on, e.g. `enterprise`.
    pub entity_type: &'static str,
    /// Its key, e.g. the credit code.
    pub entity_key: String,
    /// The organisation the thing belongs to, if any.
    pub subject_organization_id: Option<i64>,
    /// Field changes.
    pub changes: Changes,
    /// Free text, e.g. the file an import came from.
    pub note: String,
}

impl AuditEntry {
    /// An entry without field changes or note.
    pub fn new(
        action: &'static str,
        entity_type: &'static str,
        entity_key: impl Into<String>,
    ) -> Self {
        AuditEntry {
            action,
            entity_type,
            entity_key: entity_key.into(),
            subject_organization_id: None,
            changes: Changes::new(),
            note: String::new(),
        }
    }

    /// Sets the organisation the thing belongs to.
    pub fn subject(mut self, organization_id: i64) -> Self {
        self.subject_organization_id = Some(organization_id);
        self
    }

    /// Sets the field changes.
    pub fn changes(mut self, changes: Changes) -> Self {
        self.changes = changes;
        self
    }

    /// Sets the note.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = note.into();
        self
    }
}

/// Writes `entry` on `connection` (normally the transaction that made the change).
pub async fn record(
    connection: &mut AnyConnection,
    actor: &Actor,
    now: Timestamp,
    entry: AuditEntry,
) -> Result<()> {
    record_many(connection, actor, now, vec![entry]).await
}

/// Writes several entries with one id allocation (imports write one per row).
pub async fn record_many(
    connection: &mut AnyConnection,
    actor: &Actor,
    now: Timestamp,
    entries: Vec<AuditEntry>,
) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let first_id = allocate_ids(connection, "audit_log", entries.len() as i64).await?;
    for (offset, entry) in entries.into_iter().enumerate() {
        let changes = serde_json::to_string(&entry.changes).unwrap_or_else(|_| "{}".to_owned());
        sqlx::query(
            "INSERT INTO audit_log (id, occurred_at, actor_user_id, actor_username, actor_org_id, channel, ip, \
             action, entity_type, entity_key, subject_org_id, changes, note) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(first_id + offset as i64)
        .bind(now.as_millis())
        .bind(actor.user_id)
        .bind(&actor.username)
        .bind(actor.organization_id)
        .bind(actor.channel.as_str())
        .bind(&actor.ip)
        .bind(entry.action)
        .bind(entry.entity_type)
        .bind(&entry.entity_key)
        .bind(entry.subject_organization_id)
        .bind(changes)
        .bind(&entry.note)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

/// A recorded entry.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditRecord {
    /// The entry's id.
    pub id: i64,
    /// When.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub occurred_at: Timestamp,
    /// The acting user's id, if a user acted.
    pub actor_user_id: Option<i64>,
    /// The acting user's name or the system component.
    pub actor_username: String,
    /// `web`, `api`, `cli` or `system`.
    pub channel: String,
    /// The client address.
    pub ip: String,
    /// What happened.
    pub action: String,
    /// The kind of thing acted on.
    pub entity_type: String,
    /// Its key.
    pub entity_key: String,
    /// Field changes as JSON: `{"field": {"before": …, "after": …}}`.
    pub changes: String,
    /// Free text.
    pub note: String,
}

impl AuditRecord {
    /// When, as a timestamp.
    pub fn occurred(&self) -> Timestamp {
        self.occurred_at
    }

    /// The field changes, parsed.
    pub fn parsed_changes(&self) -> BTreeMap<String, FieldChange> {
        let value: Value = serde_json::from_str(&self.changes).unwrap_or(Value::Null);
        let mut result = BTreeMap::new();
        if let Value::Object(fields) = value {
            for (name, change) in fields {
                let before = change.get("before").cloned().unwrap_or(Value::Null);
                let after = change.get("after").cloned().unwrap_or(Value::Null);
                result.insert(name, FieldChange { before, after });
            }
        }
        result
    }
}

/// Which entries to list; every filter is optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// The acting user name, exactly.
    pub actor: Option<String>,
    /// The action, exactly, or a prefix ending in `.` (e.g. `user.`).
    pub action: Option<String>,
    /// The kind of thing.
    pub entity_type: Option<String>,
    /// Its key, exactly.
    pub entity_key: Option<String>,
    /// From this instant (inclusive).
    pub from: Option<Timestamp>,
    /// Until this instant (exclusive).
    pub until: Option<Timestamp>,
}

const AUDIT_COLUMNS: &str = "SELECT id, occurred_at, actor_user_id, actor_username, channel, ip, action, entity_type, entity_key, changes, note FROM audit_log";

impl Identity {
    /// Lists audit entries, newest first. City administrators only.
    pub async fn audit_log(
        &self,
        principal: &Principal,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditRecord>> {
        if !policy::may_administer(principal) {
            return Err(Error::Forbidden(
                "only city administrators may browse the audit log",
            ));
        }
        list_entries(&self.db, filter, page).await
    }
}

/// Lists entries without a permission check: callers decide who may see them (the registry shows
/// an enterprise's own history to whoever may see that enterprise).
pub async fn list_entries(
    db: &zhizao_db::Database,
    filter: &AuditFilter,
    page: PageRequest,
) -> Result<Page<AuditRecord>> {
    let mut conditions = SqlBuilder::new(" WHERE 1 = 1");
    if let Some(actor) = &filter.actor {
        conditions
            .push(" AND actor_username = ")
            .push_bind(actor.as_str());
    }
    if let Some(action) = &filter.action {
        if action.ends_with('.') {
            conditions
                .push(" AND substr(action, 1, ")
                .push_bind(action.chars().count() as i64)
                .push(") = ")
                .push_bind(action.as_str());
        } else {
            conditions.push(" AND action = ").push_bind(action.as_str());
        }
    }
    if let Some(entity_type) = &filter.entity_type {
        conditions
            .push(" AND entity_type = ")
            .push_bind(entity_type.as_str());
    }
    if let Some(entity_key) = &filter.entity_key {
        conditions
            .push(" AND entity_key = ")
            .push_bind(entity_key.as_str());
    }
    if let Some(from) = filter.from {
        conditions
            .push(" AND occurred_at >= ")
            .push_bind(from.as_millis());
    }
    if let Some(until) = filter.until {
        conditions
            .push(" AND occurred_at < ")
            .push_bind(until.as_millis());
    }
    Ok(fetch_page(
        db.pool(),
        AUDIT_COLUMNS,
        "SELECT COUNT(*) FROM audit_log",
        &conditions,
        " ORDER BY occurred_at DESC, id DESC",
        page,
    )
    .await?)
}
