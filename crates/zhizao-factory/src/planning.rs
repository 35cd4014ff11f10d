//! The factory's plan: its confirmed orders planned on its resources, kept as versions with
//! their figures, one of them published. Planning holds every order to its promised date
//! (weighted tardiness, then makespan), keeps what has started under the published plan where it
//! is, and honours the planner's pins (an operation at a resource and a start); a pin that cannot
//! hold is refused with the reason. A planner plans against the latest version they saw and
//! publishes against the published version they saw, so two planners at once get a conflict,
//! never a silent overwrite.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use zhizao_core::{FieldError, Text, Timestamp, closed_vocabulary};
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::{Principal, policy};

use crate::ordering::{Held, confirmed_orders};
use crate::plan::{Demand, Fixed, Model, build_with, solve_model};
use crate::setup::{Maintenance, Setup, parse_local};
use crate::store::latest_setup;
use crate::{Error, Factories, Result};

closed_vocabulary! {
    /// Where a plan version stands.
    PlanStatus, "plan status" {
        /// Computed, not yet what the floor works to.
        Draft => "draft", "草稿", "Draft";
        /// What the floor works to and clients' dates follow.
        Published => "published", "已发布", "Published";
        /// Published once, replaced since.
        Superseded => "superseded", "已替代", "Superseded";
    }
}

/// A planner's pin: one operation at a resource and a start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    /// The order's number.
    pub order: String,
    /// The lot, from 1.
    pub lot: usize,
    /// The routing step, from 1.
    pub step: usize,
    /// The resource's code.
    pub resource: String,
    /// The start, `YYYY-MM-DD HH:MM` in Asia/Shanghai.
    pub start: String,
}

/// A resource out of service for a while (a fault being repaired), planned around.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outage {
    /// The resource's code.
    pub resource: String,
    /// From, `YYYY-MM-DD HH:MM` in Asia/Shanghai.
    pub start: String,
    /// Until.
    pub end: String,
    /// Why (an alarm's reason).
    #[serde(default)]
    pub reason: String,
}

/// Every problem of `outages` against `setup`, named by path.
fn outage_problems(setup: &Setup, outages: &[Outage]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if outages.len() > 100 {
        errors.push(FieldError::new(
            "outages",
            Text::new("最多 100 项停机", "at most 100 outages"),
        ));
        return errors;
    }
    for (index, outage) in outages.iter().enumerate() {
        if !setup
            .resources
            .iter()
            .any(|r| r.code.trim() == outage.resource.trim())
        {
            errors.push(FieldError::new(
                format!("outages[{index}].resource"),
                Text::owned(
                    format!("没有资源“{}”", outage.resource.trim()),
                    format!("there is no resource “{}”", outage.resource.trim()),
                ),
            ));
        }
        match (parse_local(&outage.start), parse_local(&outage.end)) {
            (Some(start), Some(end)) if end > start => {}
            (Some(_), Some(_)) => errors.push(FieldError::new(
                format!("outages[{index}].end"),
                Text::new("结束须晚于开始", "the end must come after the start"),
            )),
            (start, _) => errors.push(FieldError::new(
                format!(
                    "outages[{index}].{}",
                    if start.is_none() { "start" } else { "end" }
                ),
                Text::new(
                    "时间应写作 YYYY-MM-DD HH:MM",
                    "write the time as YYYY-MM-DD HH:MM",
                ),
            )),
        }
    }
    errors
}

/// One operation of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedOperation {
    /// The order's number.
    pub order: String,
    /// The lot, from 1.
    pub lot: usize,
    /// The routing step, from 1.
    pub step: usize,
    /// The step's name.
    pub step_name: String,
    /// Pieces in the lot.
    pub pieces: i64,
    /// The resource's code.
    pub resource: String,
    /// Start.
    pub start: Timestamp,
    /// End.
    pub end: Timestamp,
    /// Change-over minutes before it on its resource.
    pub setup_minutes: i64,
    /// Held where it is (pinned, or started under the published plan).
    pub fixed: bool,
}

/// How an order fares in a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderOutcome {
    /// The order's number.
    pub order: String,
    /// Its family.
    pub family: String,
    /// Pieces.
    pub pieces: i64,
    /// The date promised.
    pub promised_at: Timestamp,
    /// When the plan finishes it.
    pub planned_end: Timestamp,
    /// Minutes after the promise (0 when on time).
    pub late_minutes: i64,
    /// When the plan may start it: now if the client's material is in, else the day the
    /// client said it arrives (absent in plans made before material was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub material_awaited: Option<Timestamp>,
}

/// A plan's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanFigures {
    /// Operations planned.
    pub operations: usize,
    /// Orders finishing after their promise.
    pub late_orders: usize,
    /// Minutes of lateness over all orders.
    pub total_tardiness_minutes: i64,
    /// When the last operation ends.
    pub makespan_end: Timestamp,
    /// Busy share of the resources' open time until then, ‰.
    pub utilisation_per_mille: i64,
    /// Operations at another resource or start than in the previous version.
    pub moved: Option<usize>,
    /// Search iterations.
    pub iterations: u64,
}

/// A plan version's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanBody {
    /// The operations, by resource and start.
    pub operations: Vec<PlannedOperation>,
    /// The pins it was planned with.
    pub pins: Vec<Pin>,
    /// Resources out of service it was planned around.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outages: Vec<Outage>,
    /// Each order's outcome.
    pub orders: Vec<OrderOutcome>,
    /// Its figures.
    pub figures: PlanFigures,
}

/// A plan version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The factory's organisation code.
    pub platform_code: String,
    /// 1, 2, …
    pub version: i64,
    /// Where it stands.
    pub status: PlanStatus,
    /// The set-up version planned with.
    pub setup_version: i64,
    /// When computed.
    pub created_at: Timestamp,
    /// By whom.
    pub created_by: String,
    /// When published.
    pub published_at: Option<Timestamp>,
    /// What it holds.
    pub body: PlanBody,
}

#[derive(sqlx::FromRow)]
struct PlanRow {
    version: i64,
    status: String,
    setup_version: i64,
    body: String,
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    created_at: Timestamp,
    created_by: String,
    published_at: Option<i64>,
}

impl PlanRow {
    fn into_plan(self, code: &str) -> Result<Plan> {
        let corrupt = |what: &str, error: String| {
            Error::Corrupt(format!("plan {} of {code}: {what}: {error}", self.version))
        };
        Ok(Plan {
            platform_code: code.to_owned(),
            version: self.version,
            status: self
                .status
                .parse()
                .map_err(|e: zhizao_core::UnknownName| corrupt("status", e.to_string()))?,
            setup_version: self.setup_version,
            created_at: self.created_at,
            created_by: self.created_by,
            published_at: self.published_at.map(Timestamp::from_millis),
            body: serde_json::from_str(&self.body).map_err(|e| corrupt("body", e.to_string()))?,
        })
    }
}

fn pin_problem(index: usize, zh: String, en: String) -> Error {
    Error::Invalid(vec![FieldError::new(
        format!("pins[{index}]"),
        Text::owned(zh, en),
    )])
}

/// The pins and the published plan's started operations as fixed placements.
fn fixed_placements(
    setup: &Setup,
    live: &[Held],
    pins: &[Pin],
    published: Option<&PlanBody>,
    outages: &[Outage],
    now: Timestamp,
) -> Result<Vec<Fixed>> {
    let resource_index = |code: &str| setup.resources.iter().position(|r| r.code == code.trim());
    let demand_index = |number: &str| live.iter().position(|l| l.number == number.trim());
    let mut fixed = Vec::new();
    for (index, pin) in pins.iter().enumerate() {
        let Some(demand) = demand_index(&pin.order) else {
            return Err(pin_problem(
                index,
                format!("“{}”不是本厂已确认的订单", pin.order.trim()),
                format!(
                    "{:?} is not a confirmed order of this factory",
                    pin.order.trim()
                ),
            ));
        };
        let Some(resource) = resource_index(&pin.resource) else {
            return Err(pin_problem(
                index,
                format!("没有资源“{}”", pin.resource.trim()),
                format!("no resource {:?}", pin.resource.trim()),
            ));
        };
        let Some(start) = parse_local(&pin.start) else {
            return Err(pin_problem(
                index,
                format!("“{}”不是时间（YYYY-MM-DD HH:MM）", pin.start.trim()),
                format!("{:?} is not a time (YYYY-MM-DD HH:MM)", pin.start.trim()),
            ));
        };
        if start < now {
            return Err(pin_problem(
                index,
                "不能固定在过去的时间".into(),
                "a pin cannot lie in the past".into(),
            ));
        }
        if pin.lot == 0 || pin.step == 0 {
            return Err(pin_problem(
                index,
                "批次和工序从 1 开始编号".into(),
                "lots and steps are numbered from 1".into(),
            ));
        }
        fixed.push(Fixed {
            demand,
            lot: pin.lot - 1,
            step: pin.step - 1,
            resource,
            start,
        });
    }
    // What started under the published plan stays where it is (unless a pin moved it), except
    // on a resource an outage stops while it runs: that operation is interrupted and planned
    // again whole (its pieces counted so far stay its own).
    for operation in published.map_or(&[][..], |p| &p.operations) {
        if operation.start >= now {
            continue;
        }
        let interrupted = outages.iter().any(|outage| {
            outage.resource.trim() == operation.resource
                && parse_local(&outage.start).is_some_and(|start| start < operation.end)
                && parse_local(&outage.end).is_some_and(|end| end > operation.start)
        });
        if interrupted {
            continue;
        }
        let (Some(demand), Some(resource)) = (
            demand_index(&operation.order),
            resource_index(&operation.resource),
        ) else {
            continue;
        };
        let key = (demand, operation.lot - 1, operation.step - 1);
        if !fixed.iter().any(|f| (f.demand, f.lot, f.step) == key) {
            fixed.push(Fixed {
                demand,
                lot: key.1,
                step: key.2,
                resource,
                start: operation.start,
            });
        }
    }
    Ok(fixed)
}

/// Reads the solved model back as the plan's operations, orders and figures.
fn body_of(
    setup: &Setup,
    live: &[Held],
    model: &Model,
    planned: &crate::plan::Planned,
    pins: &[Pin],
    fixed: &[Fixed],
    previous: Option<&PlanBody>,
) -> PlanBody {
    const MINUTE: i64 = 60_000;
    let at = |minutes: i64| model.origin.plus_millis(minutes * MINUTE);
    let mut operations: Vec<PlannedOperation> = planned
        .schedule
        .operations
        .iter()
        .map(|o| {
            let segment = model.segments[o.job];
            let live = &live[segment.demand];
            let step = segment.first_step + o.operation;
            let routing = setup.routing(live.request.process);
            PlannedOperation {
                order: live.number.clone(),
                lot: segment.lot + 1,
                step: step + 1,
                step_name: routing
                    .and_then(|r| r.steps.get(step))
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
                pieces: segment.pieces,
                resource: setup.resources[o.machine].code.clone(),
                start: at(o.start),
                end: at(o.end),
                setup_minutes: 0,
                fixed: fixed
                    .iter()
                    .any(|f| (f.demand, f.lot, f.step) == (segment.demand, segment.lot, step)),
            }
        })
        .collect();
    operations.sort_by(|a, b| (&a.resource, a.start).cmp(&(&b.resource, b.start)));
    // Change-overs between consecutive operations of different families on a resource.
    let family_of: HashMap<&str, &str> = live
        .iter()
        .map(|l| (l.number.as_str(), l.request.family.trim()))
        .collect();
    for index in 1..operations.len() {
        let (before, after) = (&operations[index - 1], &operations[index]);
        if before.resource != after.resource {
            continue;
        }
        let class = setup
            .resources
            .iter()
            .find(|r| r.code == after.resource)
            .map(|r| r.class);
        if let Some(class) = class {
            let minutes = setup.changeover_minutes(
                class,
                family_of.get(before.order.as_str()).copied().unwrap_or(""),
                family_of.get(after.order.as_str()).copied().unwrap_or(""),
            );
            operations[index].setup_minutes = minutes;
        }
    }
    let orders: Vec<OrderOutcome> = live
        .iter()
        .zip(&planned.completions)
        .map(|(l, &end)| OrderOutcome {
            order: l.number.clone(),
            family: l.request.family.clone(),
            pieces: l.request.pieces(),
            promised_at: l.promised_at,
            planned_end: end,
            late_minutes: ((end.as_millis() - l.promised_at.as_millis()) / MINUTE).max(0),
            material_awaited: (!l.material_in).then(|| {
                l.request
                    .release(model.origin.plus_millis(model.instance.now() * MINUTE))
            }),
        })
        .collect();
    // Busy share of the open time from now to the last end, over all resources.
    let now = model.instance.now();
    let last = planned.schedule.makespan.max(now);
    let mut open = 0i64;
    for machine in 0..model.instance.n_machines() {
        let closed: i64 = model
            .instance
            .windows(machine)
            .iter()
            .map(|w| (w.end.min(last) - w.start.max(now)).max(0))
            .sum();
        open += last - now - closed;
    }
    let busy: i64 = planned
        .schedule
        .operations
        .iter()
        .map(|o| (o.end.min(last) - o.start.max(now)).max(0))
        .sum();
    let moved = previous.map(|previous| {
        let before: HashMap<(&str, usize, usize), (&str, Timestamp)> = previous
            .operations
            .iter()
            .map(|o| {
                (
                    (o.order.as_str(), o.lot, o.step),
                    (o.resource.as_str(), o.start),
                )
            })
            .collect();
        operations
            .iter()
            .filter(|o| {
                before.get(&(o.order.as_str(), o.lot, o.step))
                    != Some(&(o.resource.as_str(), o.start))
            })
            .count()
    });
    PlanBody {
        outages: Vec::new(),
        figures: PlanFigures {
            operations: operations.len(),
            late_orders: orders.iter().filter(|o| o.late_minutes > 0).count(),
            total_tardiness_minutes: orders.iter().map(|o| o.late_minutes).sum(),
            makespan_end: at(last),
            utilisation_per_mille: if open > 0 { busy * 1000 / open } else { 0 },
            moved,
            iterations: planned.iterations,
        },
        operations,
        pins: pins.to_vec(),
        orders,
    }
}

impl Factories {
    async fn plan_rows(
        &self,
        connection: &mut sqlx::AnyConnection,
        platform: i64,
        version: Option<i64>,
    ) -> Result<Vec<PlanRow>> {
        let rows = match version {
            Some(version) => sqlx::query_as(
                "SELECT version, status, setup_version, body, created_at, created_by, published_at \
                     FROM factory_plans WHERE platform_id = $1 AND version = $2",
            )
            .bind(platform)
            .bind(version)
            .fetch_all(&mut *connection)
            .await?,
            None => sqlx::query_as(
                "SELECT version, status, setup_version, body, created_at, created_by, published_at \
                     FROM factory_plans WHERE platform_id = $1 ORDER BY version DESC LIMIT 50",
            )
            .bind(platform)
            .fetch_all(&mut *connection)
            .await?,
        };
        Ok(rows)
    }

    /// The factory's plan versions, newest first (at most 50; its staff and the city).
    pub async fn plans(&self, principal: &Principal, code: &str) -> Result<Vec<Plan>> {
        let mut connection = self.db.pool().acquire().await?;
        let platform = self
            .readable_platform(&mut connection, principal, code, "factory plan")
            .await?;
        self.plan_rows(&mut connection, platform, None)
            .await?
            .into_iter()
            .map(|row| row.into_plan(code.trim()))
            .collect()
    }

    /// One plan version.
    pub async fn plan(&self, principal: &Principal, code: &str, version: i64) -> Result<Plan> {
        let mut connection = self.db.pool().acquire().await?;
        let platform = self
            .readable_platform(&mut connection, principal, code, "factory plan")
            .await?;
        self.plan_rows(&mut connection, platform, Some(version))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| Error::NotFound {
                what: "plan version",
                key: version.to_string(),
            })?
            .into_plan(code.trim())
    }

    /// Plans the factory's confirmed orders now as the next version (a draft), with `pins`;
    /// `based_on` is the latest version the planner saw (`None` before the first).
    pub async fn make_plan(
        &self,
        principal: &Principal,
        code: &str,
        pins: &[Pin],
        based_on: Option<i64>,
    ) -> Result<Plan> {
        self.make_plan_with(principal, code, pins, &[], based_on)
            .await
    }

    /// Plans as [`Factories::make_plan`] with resources out of service for a while (a fault
    /// on the floor: the re-plan the planner reviews before publishing), each kept in the
    /// plan's body.
    pub async fn make_plan_with(
        &self,
        principal: &Principal,
        code: &str,
        pins: &[Pin],
        outages: &[Outage],
        based_on: Option<i64>,
    ) -> Result<Plan> {
        let mut connection = self.db.pool().acquire().await?;
        let platform = self
            .readable_platform(&mut connection, principal, code, "factory plan")
            .await?;
        if !policy::may_run_factory(principal, platform) {
            return Err(Error::Forbidden("only the factory's own staff plan it"));
        }
        if pins.len() > 500 {
            return Err(Error::invalid(
                "pins",
                "最多 500 个固定工序",
                "at most 500 pins",
            ));
        }
        let setup = latest_setup(&mut connection, platform, code).await?;
        let mut setup = setup;
        let problems = outage_problems(&setup.setup, outages);
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        for outage in outages {
            setup.setup.calendar.maintenance.push(Maintenance {
                resource: outage.resource.trim().to_owned(),
                start: outage.start.trim().to_owned(),
                end: outage.end.trim().to_owned(),
                note: outage.reason.clone(),
            });
        }
        let rows = self.plan_rows(&mut connection, platform, None).await?;
        let latest = rows.first().map(|r| r.version);
        if based_on != latest {
            return Err(Error::StaleVersion {
                current: latest.unwrap_or(0),
            });
        }
        let plans: Vec<Plan> = rows
            .into_iter()
            .take(10)
            .map(|row| row.into_plan(code.trim()))
            .collect::<Result<_>>()?;
        let previous = plans.first().map(|p| p.body.clone());
        let published = plans
            .iter()
            .find(|p| p.status == PlanStatus::Published)
            .map(|p| p.body.clone());
        let live = confirmed_orders(&mut connection, platform).await?;
        drop(connection);
        if live.is_empty() {
            return Err(Error::Transition(Text::new(
                "没有已确认的订单可排",
                "there are no confirmed orders to plan",
            )));
        }
        let now = self.clock.now();
        let fixed = fixed_placements(&setup.setup, &live, pins, published.as_ref(), outages, now)?;
        let budget = self.planning_budget;
        let pins_owned = pins.to_vec();
        let setup_for_plan = setup.setup.clone();
        let body = tokio::task::spawn_blocking(move || -> Result<PlanBody> {
            let demands: Vec<Demand> = live.iter().map(|l| l.demand(now, 1)).collect();
            let model = build_with(&setup_for_plan, &demands, &fixed, now)?;
            let planned = solve_model(&model, budget.0, budget.1)?;
            Ok(body_of(
                &setup_for_plan,
                &live,
                &model,
                &planned,
                &pins_owned,
                &fixed,
                previous.as_ref(),
            ))
        })
        .await
        .map_err(|error| Error::Corrupt(format!("the plan stopped: {error}")))??;
        let mut body = body;
        body.outages = outages.to_vec();
        let version = latest.unwrap_or(0) + 1;
        let mut transaction = self.db.begin().await?;
        let id = zhizao_db::allocate_ids(&mut transaction, "factory_plans", 1).await?;
        let inserted = sqlx::query(
            "INSERT INTO factory_plans (id, platform_id, version, status, setup_version, body, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(platform)
        .bind(version)
        .bind(PlanStatus::Draft.as_str())
        .bind(setup.version)
        .bind(serde_json::to_string(&body).unwrap_or_default())
        .bind(now.as_millis())
        .bind(&principal.username)
        .execute(&mut *transaction)
        .await;
        if let Err(error) = inserted {
            if zhizao_db::unique_violation(&error).is_some() {
                return Err(Error::StaleVersion { current: version });
            }
            return Err(zhizao_db::Error::from(error).into());
        }
        let mut changes = Changes::new();
        changes
            .created("version", version)
            .created("operations", body.figures.operations)
            .created(
                "total_tardiness_minutes",
                body.figures.total_tardiness_minutes,
            )
            .created("pins", body.pins.len());
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "factory_plan.created",
                "factory_plan",
                format!("{}#{version}", code.trim()),
            )
            .subject(platform)
            .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        Ok(Plan {
            platform_code: code.trim().to_owned(),
            version,
            status: PlanStatus::Draft,
            setup_version: setup.version,
            created_at: now,
            created_by: principal.username.clone(),
            published_at: None,
            body,
        })
    }

    /// Publishes plan `version`: the floor works to it and clients' dates follow it; the plan
    /// published before is superseded. `expected_published` is the published version the
    /// planner saw (`None` when none was).
    pub async fn publish_plan(
        &self,
        principal: &Principal,
        code: &str,
        version: i64,
        expected_published: Option<i64>,
    ) -> Result<Plan> {
        let mut transaction = self.db.begin().await?;
        let platform = self
            .readable_platform(&mut transaction, principal, code, "factory plan")
            .await?;
        if !policy::may_run_factory(principal, platform) {
            return Err(Error::Forbidden(
                "only the factory's own staff publish its plan",
            ));
        }
        let status: Option<String> = sqlx::query_scalar(
            "SELECT status FROM factory_plans WHERE platform_id = $1 AND version = $2",
        )
        .bind(platform)
        .bind(version)
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(status) = status else {
            return Err(Error::NotFound {
                what: "plan version",
                key: version.to_string(),
            });
        };
        let published: Option<i64> = sqlx::query_scalar(
            "SELECT version FROM factory_plans WHERE platform_id = $1 AND status = $2",
        )
        .bind(platform)
        .bind(PlanStatus::Published.as_str())
        .fetch_optional(&mut *transaction)
        .await?;
        if published != expected_published {
            return Err(Error::StaleVersion {
                current: published.unwrap_or(0),
            });
        }
        if status != PlanStatus::Draft.as_str() {
            return Err(Error::Transition(Text::new(
                "只能发布草稿版本",
                "only a draft version can be published",
            )));
        }
        let now = self.clock.now();
        sqlx::query("UPDATE factory_plans SET status = $1 WHERE platform_id = $2 AND status = $3")
            .bind(PlanStatus::Superseded.as_str())
            .bind(platform)
            .bind(PlanStatus::Published.as_str())
            .execute(&mut *transaction)
            .await?;
        sqlx::query(
            "UPDATE factory_plans SET status = $1, published_at = $2, published_by = $3 WHERE platform_id = $4 AND version = $5",
        )
        .bind(PlanStatus::Published.as_str())
        .bind(now.as_millis())
        .bind(&principal.username)
        .bind(platform)
        .bind(version)
        .execute(&mut *transaction)
        .await?;
        let mut changes = Changes::new();
        changes.field("published_version", published, version);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "factory_plan.published",
                "factory_plan",
                format!("{}#{version}", code.trim()),
            )
            .subject(platform)
            .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.plan(principal, code, version).await
    }

    /// When the published plan finishes order `number` (which the caller sees), if it holds it.
    pub async fn published_eta(
        &self,
        principal: &Principal,
        number: &str,
    ) -> Result<Option<Timestamp>> {
        let order = self.order(principal, number).await?;
        let mut connection = self.db.pool().acquire().await?;
        let platform = self
            .platform_id(&mut connection, &order.platform_code)
            .await?;
        let Some((_, _, body)) = self.published_plan(&mut connection, platform).await? else {
            return Ok(None);
        };
        Ok(body
            .orders
            .iter()
            .find(|o| o.order == order.number)
            .map(|o| o.planned_end))
    }
}
