//! The shop floor as the service sees it: the published plan, what operators recorded, and the
//! counts the resources' devices reported since the plan's work began, assigned by `progress`;
//! for the factory's staff and the city (the floor), and for a client (its own order's steps).

use std::collections::HashMap;

use zhizao_core::{Timestamp, closed_vocabulary};
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::{Principal, policy};

use crate::oee::MachineState;
use crate::planning::{PlanBody, PlanStatus};
use crate::progress::{
    FloorProgress, OperationAction, OperationEvent, OperationState, StepProgress, assign,
};
use crate::setup::Setup;
use crate::signals::{Count, DeviceKey};
use crate::store::latest_setup;
use crate::{Error, Factories, Result};

closed_vocabulary! {
    /// Whether an operation may take an operator's action now.
    Refusal, "refusal" {
        /// Already running.
        Running => "running", "该工序已开工", "the operation has already started";
        /// Already finished.
        Finished => "finished", "该工序已完工", "the operation is already finished";
        /// Another operation runs on the resource.
        Busy => "busy", "该资源上另有工序在加工，请先完工", "another operation runs on the resource; finish it first";
    }
}

/// The floor: the published plan's version and its progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Floor {
    /// The published plan's version (none published: no operations).
    pub plan_version: Option<i64>,
    /// When it was published.
    pub published_at: Option<Timestamp>,
    /// Its operations' progress and what no operation took.
    pub progress: FloorProgress,
    /// What each resource's machine last said, by resource code.
    pub machines: HashMap<String, MachineReport>,
    /// The latest plan version (a re-plan is made against it).
    pub latest_version: Option<i64>,
}

/// An operator's action on one operation of the published plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationRecord {
    /// The order's number.
    pub order: String,
    /// The lot, from 1.
    pub lot: usize,
    /// The step, from 1.
    pub step: usize,
    /// Start or finish.
    pub action: OperationAction,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    order_number: String,
    lot: i64,
    step: i64,
    resource: String,
    action: String,
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    at: Timestamp,
    recorded_by: String,
}

/// What a resource's machine last said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MachineReport {
    /// Its state (`None`: a word outside the vocabulary).
    pub state: Option<MachineState>,
    /// The alarm code, in fault.
    pub alarm: Option<i64>,
    /// When it said so.
    pub at: Timestamp,
    /// Whether that is longer ago than a state holds (the machine has gone silent).
    pub silent: bool,
}

impl Factories {
    /// The platform's registered devices by name, with where their telemetry is.
    pub(crate) async fn registered_devices(
        &self,
        platform: i64,
    ) -> Result<HashMap<String, DeviceKey>> {
        let registered =
            zhizao_devices::Devices::new(self.db.clone(), std::sync::Arc::clone(&self.clock))
                .devices_of(platform)
                .await
                .map_err(|e| Error::Corrupt(format!("reading the platform's devices: {e}")))?;
        Ok(registered
            .into_iter()
            .map(|d| {
                (
                    d.name.clone(),
                    DeviceKey {
                        tenant: platform,
                        database: d.database_name,
                        table: d.table_name,
                        device: d.name,
                    },
                )
            })
            .collect())
    }

    /// What each resource's first bound device that reported a state last said.
    fn machine_reports(
        &self,
        setup: &Setup,
        keys: &HashMap<String, DeviceKey>,
    ) -> HashMap<String, MachineReport> {
        let Some(store) = &self.telemetry else {
            return HashMap::new();
        };
        let now = self.clock.now().as_millis();
        let mut reports = HashMap::new();
        for resource in &setup.resources {
            for name in &resource.devices {
                let Some(key) = keys.get(name.trim()) else {
                    continue;
                };
                let latest = store.latest(key.tenant, &key.database, &key.table, &key.device);
                let value = |field: &str| latest.iter().find(|v| &*v.field == field);
                let Some(state) = value(crate::signals::STATE_FIELD) else {
                    continue;
                };
                let zhizao_telemetry::FieldValue::String(word) = &state.value else {
                    continue;
                };
                let at = state.time_ns / 1_000_000;
                let parsed: Option<MachineState> = word.parse().ok();
                let alarm = value(crate::signals::ALARM_FIELD)
                    .and_then(|v| match v.value {
                        zhizao_telemetry::FieldValue::Integer(code) => Some(code),
                        zhizao_telemetry::FieldValue::Float(code) => Some(code as i64),
                        _ => None,
                    })
                    .filter(|_| parsed == Some(MachineState::Fault));
                reports.insert(
                    resource.code.clone(),
                    MachineReport {
                        state: parsed,
                        alarm,
                        at: Timestamp::from_millis(at),
                        silent: now - at > crate::signals::MAX_SILENCE_MS,
                    },
                );
                break;
            }
        }
        reports
    }

    /// The published plan of `platform` with its publication time.
    pub(crate) async fn published_plan(
        &self,
        connection: &mut sqlx::AnyConnection,
        platform: i64,
    ) -> Result<Option<(i64, Timestamp, PlanBody)>> {
        let row: Option<(i64, Option<i64>, String)> = sqlx::query_as(
            "SELECT version, published_at, body FROM factory_plans WHERE platform_id = $1 AND status = $2",
        )
        .bind(platform)
        .bind(PlanStatus::Published.as_str())
        .fetch_optional(&mut *connection)
        .await?;
        let Some((version, published_at, body)) = row else {
            return Ok(None);
        };
        let body: PlanBody = serde_json::from_str(&body).map_err(|error| {
            Error::Corrupt(format!("the published plan cannot be read: {error}"))
        })?;
        Ok(Some((
            version,
            Timestamp::from_millis(published_at.unwrap_or(0)),
            body,
        )))
    }

    async fn events(
        &self,
        connection: &mut sqlx::AnyConnection,
        platform: i64,
        since: i64,
    ) -> Result<Vec<OperationEvent>> {
        let rows: Vec<EventRow> = sqlx::query_as(
            "SELECT order_number, lot, step, resource, action, at, recorded_by \
             FROM factory_operation_events WHERE platform_id = $1 AND at >= $2 ORDER BY at, id",
        )
        .bind(platform)
        .bind(since)
        .fetch_all(&mut *connection)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(OperationEvent {
                    order: row.order_number,
                    lot: usize::try_from(row.lot).unwrap_or(0),
                    step: usize::try_from(row.step).unwrap_or(0),
                    resource: row.resource,
                    action: row.action.parse().map_err(|_| {
                        Error::Corrupt(format!("operation event action {:?}", row.action))
                    })?,
                    at: row.at,
                    by: row.recorded_by,
                })
            })
            .collect()
    }

    /// Each resource's counts from `since` to now, its devices' counts merged.
    async fn resource_counts(
        &self,
        setup: &Setup,
        keys: &HashMap<String, DeviceKey>,
        since: i64,
        now: i64,
    ) -> Result<HashMap<String, Vec<Count>>> {
        let Some(store) = &self.telemetry else {
            return Ok(HashMap::new());
        };
        let bound: Vec<DeviceKey> = setup
            .resources
            .iter()
            .flat_map(|r| &r.devices)
            .filter_map(|name| keys.get(name.trim()).cloned())
            .collect();
        let mut counts: HashMap<String, Vec<Count>> = HashMap::new();
        let (_, mut day_start) = crate::setup::local_day(Timestamp::from_millis(since));
        while day_start.as_millis() < now {
            let day =
                crate::oee::Span::new(day_start.as_millis(), day_start.as_millis() + 86_400_000);
            let activity = self.activity.day(store, &bound, day, now).await?;
            for resource in &setup.resources {
                for name in &resource.devices {
                    let Some(found) = keys.get(name.trim()).and_then(|key| activity.get(key))
                    else {
                        continue;
                    };
                    counts
                        .entry(resource.code.clone())
                        .or_default()
                        .extend(found.counts.iter().filter(|c| c.at >= since && c.at < now));
                }
            }
            day_start = Timestamp::from_millis(day.end);
        }
        for list in counts.values_mut() {
            list.sort_by_key(|c| c.at);
        }
        Ok(counts)
    }

    /// The floor of `platform` now.
    async fn floor_of(
        &self,
        connection: &mut sqlx::AnyConnection,
        platform: i64,
        code: &str,
    ) -> Result<Floor> {
        let setup = latest_setup(connection, platform, code).await?;
        // The platform's devices, read once for the machines' last words and their counts.
        let keys = self.registered_devices(platform).await?;
        let machines = self.machine_reports(&setup.setup, &keys);
        let latest_version: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM factory_plans WHERE platform_id = $1")
                .bind(platform)
                .fetch_one(&mut *connection)
                .await?;
        let Some((version, published_at, body)) = self.published_plan(connection, platform).await?
        else {
            return Ok(Floor {
                plan_version: None,
                published_at: None,
                progress: FloorProgress::default(),
                machines,
                latest_version,
            });
        };
        // The plan's work began at its publication, or earlier with an operation it kept.
        let since = body
            .operations
            .iter()
            .filter(|o| o.fixed)
            .map(|o| o.start.as_millis())
            .chain([published_at.as_millis()])
            .min()
            .unwrap_or(published_at.as_millis());
        let events = self.events(connection, platform, since).await?;
        let now = self.clock.now().as_millis();
        let counts = self
            .resource_counts(&setup.setup, &keys, since, now)
            .await?;
        Ok(Floor {
            plan_version: Some(version),
            published_at: Some(published_at),
            progress: assign(&body.operations, &counts, &events, since),
            machines,
            latest_version,
        })
    }

    /// The factory's floor: the published plan's operations with their progress from the
    /// machines and the operators (its staff and the city; 404 for anyone else).
    pub async fn floor(&self, principal: &Principal, code: &str) -> Result<Floor> {
        let mut connection = self.db.pool().acquire().await?;
        let platform = self
            .readable_platform(&mut connection, principal, code, "factory")
            .await?;
        self.floor_of(&mut connection, platform, code).await
    }

    /// An order's progress step by step under the published plan, for whoever sees the order
    /// (empty when the published plan does not hold it).
    pub async fn order_progress(
        &self,
        principal: &Principal,
        number: &str,
    ) -> Result<Vec<StepProgress>> {
        let order = self.order(principal, number).await?;
        let mut connection = self.db.pool().acquire().await?;
        let platform = self
            .platform_id(&mut connection, &order.platform_code)
            .await?;
        let floor = self
            .floor_of(&mut connection, platform, &order.platform_code)
            .await?;
        Ok(floor.progress.order(&order.number))
    }

    /// Records an operator's start or finish of an operation of the published plan (the
    /// factory's own staff); refused with the reason when the operation is not in the plan or
    /// cannot take the action now.
    pub async fn record_operation(
        &self,
        principal: &Principal,
        code: &str,
        record: &OperationRecord,
    ) -> Result<Floor> {
        let mut connection = self.db.pool().acquire().await?;
        let platform = self
            .readable_platform(&mut connection, principal, code, "factory")
            .await?;
        if !policy::may_run_factory(principal, platform) {
            return Err(Error::Forbidden("only the factory's own staff record work"));
        }
        let Some((_, _, body)) = self.published_plan(&mut connection, platform).await? else {
            return Err(Error::NotFound {
                what: "published plan",
                key: code.trim().to_owned(),
            });
        };
        let Some(operation) = body.operations.iter().find(|o| {
            o.order == record.order.trim() && o.lot == record.lot && o.step == record.step
        }) else {
            return Err(Error::NotFound {
                what: "operation",
                key: format!("{} {} {}", record.order.trim(), record.lot, record.step),
            });
        };
        drop(connection);
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        // The operators' latest word on each operation of this resource decides.
        let rows: Vec<(String, i64, i64, String)> = sqlx::query_as(
            "SELECT order_number, lot, step, action FROM factory_operation_events \
             WHERE platform_id = $1 AND resource = $2 ORDER BY at, id",
        )
        .bind(platform)
        .bind(&operation.resource)
        .fetch_all(&mut *transaction)
        .await?;
        let mut latest: HashMap<(String, i64, i64), String> = HashMap::new();
        for (order, lot, step, action) in rows {
            latest.insert((order, lot, step), action);
        }
        let key = (
            operation.order.clone(),
            operation.lot as i64,
            operation.step as i64,
        );
        let own = latest.get(&key).map(String::as_str);
        let refusal = match record.action {
            OperationAction::Start if own == Some("start") => Some(Refusal::Running),
            OperationAction::Start | OperationAction::Finish if own == Some("finish") => {
                Some(Refusal::Finished)
            }
            // Another operation of the published plan on this resource still runs (one
            // started under an earlier plan that this one no longer has does not block it).
            OperationAction::Start
                if latest.iter().any(|(other, action)| {
                    *other != key
                        && action == "start"
                        && body.operations.iter().any(|o| {
                            o.resource == operation.resource
                                && o.order == other.0
                                && o.lot as i64 == other.1
                                && o.step as i64 == other.2
                        })
                }) =>
            {
                Some(Refusal::Busy)
            }
            _ => None,
        };
        if let Some(refusal) = refusal {
            return Err(Error::Transition(refusal.label()));
        }
        let id = zhizao_db::allocate_ids(&mut transaction, "factory_operation_events", 1).await?;
        sqlx::query(
            "INSERT INTO factory_operation_events (id, platform_id, order_number, lot, step, resource, action, at, recorded_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind(platform)
        .bind(&operation.order)
        .bind(operation.lot as i64)
        .bind(operation.step as i64)
        .bind(&operation.resource)
        .bind(record.action.as_str())
        .bind(now.as_millis())
        .bind(&principal.username)
        .execute(&mut *transaction)
        .await?;
        let mut changes = Changes::new();
        changes.field("resource", "", operation.resource.as_str());
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                match record.action {
                    OperationAction::Start => "factory_operation.started",
                    OperationAction::Finish => "factory_operation.finished",
                },
                "factory_operation",
                format!("{}/{}/{}", operation.order, operation.lot, operation.step),
            )
            .subject(platform)
            .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.floor(principal, code).await
    }
}

impl Floor {
    /// The operations of one resource, in the plan's order.
    pub fn on_resource<'a>(
        &'a self,
        resource: &'a str,
    ) -> impl Iterator<Item = &'a crate::progress::OperationProgress> + 'a {
        self.progress
            .operations
            .iter()
            .filter(move |p| p.operation.resource == resource)
    }

    /// Whether any operation runs.
    pub fn running(&self) -> usize {
        self.progress
            .operations
            .iter()
            .filter(|p| p.state == OperationState::Running)
            .count()
    }
}

impl Factories {
    /// Records the reason an operator chose for the stop of `resource` now: one of the set-up's
    /// alarm codes (the factory's own staff). OEE counts the stop under it when the machine
    /// reported no alarm of its own.
    pub async fn record_stop(
        &self,
        principal: &Principal,
        code: &str,
        resource: &str,
        alarm: i64,
    ) -> Result<Timestamp> {
        let mut connection = self.db.pool().acquire().await?;
        let platform = self
            .readable_platform(&mut connection, principal, code, "factory")
            .await?;
        if !policy::may_run_factory(principal, platform) {
            return Err(Error::Forbidden(
                "only the factory's own staff record stops",
            ));
        }
        let setup = latest_setup(&mut connection, platform, code).await?;
        drop(connection);
        let mut problems = Vec::new();
        if !setup
            .setup
            .resources
            .iter()
            .any(|r| r.code.trim() == resource.trim())
        {
            problems.push(zhizao_core::FieldError::new(
                "resource",
                zhizao_core::Text::owned(
                    format!("没有资源“{}”", resource.trim()),
                    format!("there is no resource “{}”", resource.trim()),
                ),
            ));
        }
        if setup.setup.alarm(alarm).is_none() {
            problems.push(zhizao_core::FieldError::new(
                "code",
                zhizao_core::Text::owned(
                    format!("{alarm} 不在工厂设置的停机原因之列"),
                    format!("{alarm} is not one of the set-up's stop reasons"),
                ),
            ));
        }
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let id = zhizao_db::allocate_ids(&mut transaction, "factory_stop_reasons", 1).await?;
        sqlx::query(
            "INSERT INTO factory_stop_reasons (id, platform_id, resource, code, at, recorded_by) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(platform)
        .bind(resource.trim())
        .bind(alarm)
        .bind(now.as_millis())
        .bind(&principal.username)
        .execute(&mut *transaction)
        .await?;
        let mut changes = Changes::new();
        changes.created("code", alarm);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "factory_stop.reason",
                "factory_resource",
                format!("{}/{}", code.trim(), resource.trim()),
            )
            .subject(platform)
            .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        Ok(now)
    }

    /// The reasons operators chose for stops within the request's days, per resource.
    pub(crate) async fn stop_reasons(
        &self,
        platform: i64,
        request: crate::performance::OeeRequest,
    ) -> Result<crate::performance::StopReasons> {
        let from = crate::setup::parse_local(&format!("{} 00:00", request.from))
            .map_or(0, |t| t.as_millis());
        let to = crate::setup::parse_local(&format!("{} 00:00", request.to))
            .map_or(i64::MAX, |t| t.as_millis() + 86_400_000);
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT resource, at, code FROM factory_stop_reasons \
             WHERE platform_id = $1 AND at >= $2 AND at < $3 ORDER BY at, id",
        )
        .bind(platform)
        .bind(from)
        .bind(to)
        .fetch_all(self.db.pool())
        .await?;
        let mut stops = crate::performance::StopReasons::new();
        for (resource, at, code) in rows {
            stops.entry(resource).or_default().push((at, code));
        }
        Ok(stops)
    }
}
