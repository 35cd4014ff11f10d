//! Marker making at the cutting centre: the factory's staff upload pattern pieces (a garment
//! CAD system's AAMA / ASTM DXF, or a problem JSON) or take them from an order's pattern file,
//! see them, and run markers and cut plans on them with `zhizao_nesting`. A run is kept in the
//! database and searched in the background, one at a time (the engine uses the cores it is
//! given); its best marker so far is written as it improves, so the page shows it growing
//! shorter, and a crash leaves the run visible as interrupted with what it had found. Who may
//! do what is `zhizao_identity::policy::may_run_factory` (upload, run, stop) and
//! `may_read_factory_setup` (read: the factory's staff and the city).

mod files;
mod input;
mod runner;

pub use files::{MarkerFile, MarkerFormat};
use input::{check_run_input, cut_order, invalid, problem_of};
pub(crate) use runner::NestingRunner;

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use zhizao_core::{Fen, Text, Timestamp, closed_vocabulary};
use zhizao_db::allocate_ids;
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy;
use zhizao_nesting::cutplan::{self, CutPlan};
use zhizao_nesting::{Marker, Problem};

use crate::{Error, Factories, Result};

/// The largest pattern file taken.
pub const MAX_PATTERN_BYTES: usize = 20 * 1024 * 1024;
/// The longest search one run may ask for, in seconds (a cut plan: per marker).
pub const MAX_TIME_LIMIT_S: u32 = 3600;
/// The most threads one run may use.
pub const MAX_THREADS: u32 = 8;

closed_vocabulary! {
    /// What a run makes.
    RunKind, "run kind" {
        /// One marker of every piece in the pattern, as many copies as it says.
        Marker => "marker", "排料图", "Marker";
        /// The markers and lays that cut an order's size × colour quantities.
        CutPlan => "cut_plan", "裁剪方案", "Cut plan";
    }
}

closed_vocabulary! {
    /// Where a run is.
    RunStatus, "run status" {
        /// Waiting for the engine (one run at a time).
        Queued => "queued", "排队中", "Queued";
        /// Searching.
        Running => "running", "排料中", "Running";
        /// Searched its whole time.
        Done => "done", "已完成", "Done";
        /// Stopped early by the staff, with the best result so far.
        Stopped => "stopped", "已提前停止", "Stopped early";
        /// The input could not be nested.
        Failed => "failed", "失败", "Failed";
        /// The service stopped while it ran; its best result so far is kept.
        Interrupted => "interrupted", "已中断", "Interrupted";
    }
}

closed_vocabulary! {
    /// The rotations a pattern's pieces may take on this fabric.
    RotationRule, "rotation rule" {
        /// As the file says (DXF: the grain line's 0° and 180°).
        AsFile => "file", "按文件", "As in the file";
        /// 0° only: one-way or napped fabric.
        OneWay => "one_way", "仅 0°（单向、有倒顺毛）", "0° only (one-way, napped)";
        /// 0° and 180°: along the grain either way.
        TwoWay => "two_way", "0° 与 180°", "0° and 180°";
        /// Every quarter turn: fabric with the same grain both ways.
        Quarter => "quarter", "每 90°", "Every 90°";
        /// Any angle: knits and non-wovens without a grain.
        Free => "free", "任意角度", "Any angle";
    }
}

/// The length units a pattern may be drawn in, and their size in centimetres.
const UNITS: &[(&str, f64)] = &[("mm", 0.1), ("cm", 1.0), ("in", 2.54)];

/// Centimetres in one `unit` (`mm`, `cm`, `in`), or none for another.
pub fn cm_per_unit(unit: &str) -> Option<f64> {
    UNITS.iter().find(|(u, _)| *u == unit).map(|(_, cm)| *cm)
}

/// A new pattern, as the staff's form gives it.
#[derive(Debug, Clone)]
pub struct PatternInput {
    /// A name for lists.
    pub name: String,
    /// The order it is for (its number), if any.
    pub order: Option<String>,
    /// The file's name and content; none takes the order's newest pattern file.
    pub file: Option<(String, Vec<u8>)>,
    /// The file's unit where the file does not say (`mm`, `cm`, `in`).
    pub unit: Option<String>,
    /// Usable fabric width in centimetres; none keeps a problem file's own.
    pub width_cm: Option<f64>,
    /// Distance kept between pieces in millimetres; none keeps a problem file's own (a DXF: 0).
    pub spacing_mm: Option<f64>,
    /// The rotations every piece may take.
    pub rotations: RotationRule,
}

/// A pattern as listed.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PatternSummary {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The file it came from.
    pub file_name: String,
    /// The order it is for.
    pub order_number: Option<String>,
    /// Distinct pieces.
    pub pieces: i64,
    /// Copies to cut in one marker of everything.
    pub copies: i64,
    /// Runs made from it.
    pub runs: i64,
    /// The best density any finished marker of it reached.
    pub best_density: Option<f64>,
    /// When it was uploaded.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub created_at: Timestamp,
    /// By whom.
    pub created_by: String,
}

/// A pattern with its pieces.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pattern {
    /// What lists show.
    pub summary: PatternSummary,
    /// The nesting problem it is: fabric, spacing, pieces.
    pub problem: Problem,
}

impl Pattern {
    /// The sizes its pieces are labelled with, in first-seen order (`—` for unlabelled).
    pub fn sizes(&self) -> Vec<String> {
        let mut sizes: Vec<String> = Vec::new();
        for piece in &self.problem.pieces {
            let size = size_of(piece);
            if !sizes.contains(&size) {
                sizes.push(size);
            }
        }
        sizes
    }
}

fn size_of(piece: &zhizao_nesting::Piece) -> String {
    piece
        .size
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "—".to_owned())
}

/// What a cut plan is asked for, in the units a cutting room speaks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CutInput {
    /// Garments per colour and size.
    pub quantities: Vec<cutplan::Quantity>,
    /// The highest ply.
    pub max_plies: u32,
    /// The spreading table, metres.
    pub table_length_m: f64,
    /// Fabric added to each ply, centimetres.
    #[serde(default)]
    pub end_allowance_cm: f64,
    /// The most garments in one marker.
    pub max_garments_per_marker: u32,
    /// Over-cut allowed, percent.
    #[serde(default)]
    pub overcut_percent: u32,
    /// Fabric per metre.
    pub fabric_per_metre: Fen,
    /// Making a marker.
    pub marker_cost: Fen,
    /// Spreading a lay.
    pub spread_cost: Fen,
}

/// What a run is asked to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunInput {
    /// A marker or a cut plan.
    pub kind: RunKind,
    /// Seconds of search (a cut plan: per marker).
    pub time_limit_s: u32,
    /// Worker threads.
    pub threads: u32,
    /// The seed of the search.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// The order to plan (a cut plan only).
    #[serde(default)]
    pub cut: Option<CutInput>,
}

fn default_seed() -> u64 {
    1
}

/// A run's result: the best marker, or the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "result", rename_all = "snake_case")]
pub enum RunResult {
    /// The best marker so far.
    Marker(Marker),
    /// The plan.
    CutPlan(CutPlan),
}

/// A run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    /// Its id.
    pub id: i64,
    /// The pattern it nests.
    pub pattern_id: i64,
    /// What it was asked.
    pub input: RunInput,
    /// Where it is.
    pub status: RunStatus,
    /// How far (a marker: its time; a cut plan: garments planned), per mille.
    pub progress_per_mille: i64,
    /// The best marker's length (a cut plan: the fabric used), in the pattern's unit.
    pub length: Option<f64>,
    /// The best marker's density (a cut plan: the lower bound over the fabric used).
    pub density: Option<f64>,
    /// The best result so far.
    pub result: Option<RunResult>,
    /// Why it failed.
    pub error: Option<String>,
    /// When it was asked for.
    pub created_at: Timestamp,
    /// By whom.
    pub created_by: String,
    /// When the search began.
    pub started_at: Option<Timestamp>,
    /// When it ended.
    pub finished_at: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
struct RunRow {
    id: i64,
    pattern_id: i64,
    kind: String,
    input: String,
    status: String,
    progress_per_mille: i64,
    length: Option<f64>,
    density: Option<f64>,
    result: Option<String>,
    error: Option<String>,
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    created_at: Timestamp,
    created_by: String,
    started_at: Option<i64>,
    finished_at: Option<i64>,
}

/// A query of runs ending in `tail`.
macro_rules! select_runs {
    ($tail:literal) => {
        concat!(
            "SELECT id, pattern_id, kind, input, status, progress_per_mille, length, density, \
             result, error, created_at, created_by, started_at, finished_at FROM factory_nesting_runs",
            $tail
        )
    };
}

impl RunRow {
    fn into_run(self, with_result: bool) -> Result<Run> {
        let corrupt = |what: &str, error: &dyn std::fmt::Display| {
            Error::Corrupt(format!("nesting run {}: {what}: {error}", self.id))
        };
        let kind: RunKind = self.kind.parse().map_err(|e| corrupt("kind", &e))?;
        let result = match (&self.result, with_result) {
            (Some(json), true) => Some(match kind {
                RunKind::Marker => RunResult::Marker(
                    serde_json::from_str(json).map_err(|e| corrupt("marker", &e))?,
                ),
                RunKind::CutPlan => RunResult::CutPlan(
                    serde_json::from_str(json).map_err(|e| corrupt("cut plan", &e))?,
                ),
            }),
            _ => None,
        };
        Ok(Run {
            id: self.id,
            pattern_id: self.pattern_id,
            input: serde_json::from_str(&self.input).map_err(|e| corrupt("input", &e))?,
            status: self.status.parse().map_err(|e| corrupt("status", &e))?,
            progress_per_mille: self.progress_per_mille,
            length: self.length,
            density: self.density,
            result,
            error: self.error,
            created_at: self.created_at,
            created_by: self.created_by,
            started_at: self.started_at.map(Timestamp::from_millis),
            finished_at: self.finished_at.map(Timestamp::from_millis),
        })
    }
}

/// A query of factory `$1`'s patterns with their run counts, ending in `tail`.
macro_rules! select_patterns {
    ($tail:literal) => {
        concat!(
            "SELECT p.id, p.name, p.file_name, o.number AS order_number, p.pieces, p.copies, \
             (SELECT COUNT(*) FROM factory_nesting_runs r WHERE r.pattern_id = p.id) AS runs, \
             (SELECT MAX(r.density) FROM factory_nesting_runs r WHERE r.pattern_id = p.id \
               AND r.kind = 'marker' AND r.status IN ('done', 'stopped', 'interrupted')) AS best_density, \
             p.created_at, p.created_by FROM factory_patterns p \
             LEFT JOIN factory_orders o ON o.id = p.order_id WHERE p.platform_id = $1",
            $tail
        )
    };
}

impl Factories {
    /// The same service searching every marker for at most `iterations` passes (tests: the
    /// same result on any machine).
    pub fn with_nesting_budget(mut self, iterations: u64) -> Self {
        self.nesting = Arc::new(NestingRunner::new(Some(iterations)));
        self
    }

    /// Whether factory `code`'s current set-up has a cutting routing, so its marker-making
    /// pages apply (its staff and the city; false for anyone else).
    pub async fn cuts_fabric(&self, principal: &Principal, code: &str) -> Result<bool> {
        Ok(match self.setup_versions(principal, code).await {
            Ok(versions) => versions.first().is_some_and(|v| {
                v.setup
                    .routings
                    .iter()
                    .any(|r| r.process == crate::Process::Cutting)
            }),
            Err(Error::NotFound { .. }) => false,
            Err(error) => return Err(error),
        })
    }

    /// The patterns of factory `code`, newest first (its staff and the city).
    pub async fn patterns(&self, principal: &Principal, code: &str) -> Result<Vec<PatternSummary>> {
        let mut connection = self.db.pool().acquire().await?;
        let platform = self
            .readable_platform(&mut connection, principal, code, "factory")
            .await?;
        Ok(sqlx::query_as(select_patterns!(" ORDER BY p.id DESC"))
            .bind(platform)
            .fetch_all(&mut *connection)
            .await?)
    }

    /// Pattern `id` of factory `code` with its pieces (its staff and the city).
    pub async fn pattern(&self, principal: &Principal, code: &str, id: i64) -> Result<Pattern> {
        let mut connection = self.db.pool().acquire().await?;
        let platform = self
            .readable_platform(&mut connection, principal, code, "factory")
            .await?;
        pattern_in(&mut connection, platform, id).await
    }

    /// Uploads a pattern to factory `code` (its own staff): read, put on the fabric and checked
    /// whole, so a bad file changes nothing.
    pub async fn add_pattern(
        &self,
        principal: &Principal,
        code: &str,
        input: PatternInput,
    ) -> Result<PatternSummary> {
        let mut connection = self.db.pool().acquire().await?;
        let platform = self
            .readable_platform(&mut connection, principal, code, "factory")
            .await?;
        drop(connection);
        if !policy::may_run_factory(principal, platform) {
            return Err(Error::Forbidden(
                "only the factory's own staff upload patterns",
            ));
        }
        let mut input = input;
        let file = input.file.take();
        let name = input.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(invalid(
                "name",
                "请填写纸样名称（不超过 100 字）".into(),
                "give the pattern a name (at most 100 characters)".into(),
            ));
        }
        let order = match input
            .order
            .as_deref()
            .map(str::trim)
            .filter(|o| !o.is_empty())
        {
            None => None,
            Some(number) => {
                let row = self
                    .order_row(principal, number)
                    .await
                    .map_err(|error| match error {
                        Error::NotFound { .. } => invalid(
                            "order",
                            format!("本工厂没有订单 {number}"),
                            format!("this factory has no order {number}"),
                        ),
                        other => other,
                    })?;
                if row.platform_id != platform {
                    return Err(invalid(
                        "order",
                        format!("本工厂没有订单 {number}"),
                        format!("this factory has no order {number}"),
                    ));
                }
                Some((row.id, number.to_owned()))
            }
        };
        let (file_name, bytes) = match (file, &order) {
            (Some(file), _) => file,
            (None, Some((order_id, number))) => {
                let newest: Option<i64> = sqlx::query_scalar(
                    "SELECT MAX(id) FROM factory_order_files WHERE order_id = $1 AND purpose = 'pattern'",
                )
                .bind(*order_id)
                .fetch_one(self.db.pool())
                .await?;
                let Some(file_id) = newest else {
                    return Err(invalid(
                        "file",
                        format!("订单 {number} 没有纸样文件，请上传"),
                        format!("order {number} has no pattern file: upload one"),
                    ));
                };
                let (file, bytes) = self.order_file(principal, number, file_id).await?;
                (file.file_name, bytes)
            }
            (None, None) => {
                return Err(invalid(
                    "file",
                    "请上传纸样文件（DXF 或 JSON），或填写带纸样文件的订单号".into(),
                    "upload a pattern file (DXF or JSON) or name an order that has one".into(),
                ));
            }
        };
        let file_name = zhizao_core::files::clean_file_name(&file_name);
        let problem = {
            let input = input.clone();
            let file_name = file_name.clone();
            tokio::task::spawn_blocking(move || problem_of(&input, &file_name, &bytes))
                .await
                .map_err(|error| Error::Storage(error.to_string()))??
        };
        let json = serde_json::to_string(&problem)
            .map_err(|error| Error::Corrupt(format!("pattern: {error}")))?;
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let id = allocate_ids(&mut transaction, "factory_patterns", 1).await?;
        let copies = problem.copies() as i64;
        sqlx::query(
            "INSERT INTO factory_patterns (id, platform_id, order_id, name, file_name, problem, pieces, copies, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id)
        .bind(platform)
        .bind(order.as_ref().map(|(id, _)| *id))
        .bind(name)
        .bind(&file_name)
        .bind(&json)
        .bind(problem.pieces.len() as i64)
        .bind(copies)
        .bind(now.as_millis())
        .bind(&principal.username)
        .execute(&mut *transaction)
        .await?;
        let mut changes = Changes::new();
        changes
            .created("name", name)
            .created("file", file_name.as_str())
            .created("pieces", problem.pieces.len() as i64)
            .created("width", problem.width);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("factory_pattern.created", "factory_pattern", id.to_string())
                .subject(platform)
                .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        Ok(PatternSummary {
            id,
            name: name.to_owned(),
            file_name,
            order_number: order.map(|(_, n)| n),
            pieces: problem.pieces.len() as i64,
            copies,
            runs: 0,
            best_density: None,
            created_at: now,
            created_by: principal.username.clone(),
        })
    }

    /// The runs of pattern `pattern_id`, newest first, without their results.
    pub async fn runs(
        &self,
        principal: &Principal,
        code: &str,
        pattern_id: i64,
    ) -> Result<Vec<Run>> {
        let mut connection = self.db.pool().acquire().await?;
        let platform = self
            .readable_platform(&mut connection, principal, code, "factory")
            .await?;
        pattern_in(&mut connection, platform, pattern_id).await?;
        let rows: Vec<RunRow> =
            sqlx::query_as(select_runs!(" WHERE pattern_id = $1 ORDER BY id DESC"))
                .bind(pattern_id)
                .fetch_all(&mut *connection)
                .await?;
        rows.into_iter().map(|row| row.into_run(false)).collect()
    }

    /// Run `run_id` of pattern `pattern_id` with its best result so far, and the pattern.
    pub async fn run(
        &self,
        principal: &Principal,
        code: &str,
        pattern_id: i64,
        run_id: i64,
    ) -> Result<(Pattern, Run)> {
        let mut connection = self.db.pool().acquire().await?;
        let platform = self
            .readable_platform(&mut connection, principal, code, "factory")
            .await?;
        let pattern = pattern_in(&mut connection, platform, pattern_id).await?;
        let row: RunRow = sqlx::query_as(select_runs!(" WHERE id = $1 AND pattern_id = $2"))
            .bind(run_id)
            .bind(pattern_id)
            .fetch_optional(&mut *connection)
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "nesting run",
                key: run_id.to_string(),
            })?;
        Ok((pattern, row.into_run(true)?))
    }

    /// Starts a run on pattern `pattern_id` (the factory's own staff): checked whole before it
    /// is queued, then searched in the background.
    pub async fn start_run(
        &self,
        principal: &Principal,
        code: &str,
        pattern_id: i64,
        input: RunInput,
    ) -> Result<Run> {
        let mut connection = self.db.pool().acquire().await?;
        let platform = self
            .readable_platform(&mut connection, principal, code, "factory")
            .await?;
        let pattern = pattern_in(&mut connection, platform, pattern_id).await?;
        drop(connection);
        if !policy::may_run_factory(principal, platform) {
            return Err(Error::Forbidden("only the factory's own staff run markers"));
        }
        check_run_input(&input)?;
        if let Some(cut) = &input.cut {
            cut_order(&pattern.problem, cut)?;
        }
        let now = self.clock.now();
        let json = serde_json::to_string(&input)
            .map_err(|error| Error::Corrupt(format!("run input: {error}")))?;
        let mut transaction = self.db.begin().await?;
        let id = allocate_ids(&mut transaction, "factory_nesting_runs", 1).await?;
        sqlx::query(
            "INSERT INTO factory_nesting_runs (id, pattern_id, kind, input, status, progress_per_mille, created_at, created_by) \
             VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6)",
        )
        .bind(id)
        .bind(pattern_id)
        .bind(input.kind.as_str())
        .bind(&json)
        .bind(now.as_millis())
        .bind(&principal.username)
        .execute(&mut *transaction)
        .await?;
        let mut changes = Changes::new();
        changes
            .created("kind", input.kind.as_str())
            .created("time_limit_s", i64::from(input.time_limit_s))
            .created("threads", i64::from(input.threads));
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "factory_nesting_run.started",
                "factory_pattern",
                pattern_id.to_string(),
            )
            .subject(platform)
            .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.spawn_run(id);
        Ok(Run {
            id,
            pattern_id,
            input,
            status: RunStatus::Queued,
            progress_per_mille: 0,
            length: None,
            density: None,
            result: None,
            error: None,
            created_at: now,
            created_by: principal.username.clone(),
            started_at: None,
            finished_at: None,
        })
    }

    /// Stops run `run_id` (the factory's own staff): a queued run never starts, a running one
    /// ends with its best result so far; a finished one is left as it is.
    pub async fn stop_run(
        &self,
        principal: &Principal,
        code: &str,
        pattern_id: i64,
        run_id: i64,
    ) -> Result<()> {
        let (_, run) = self.run(principal, code, pattern_id, run_id).await?;
        let mut connection = self.db.pool().acquire().await?;
        let platform = self.platform_id(&mut connection, code).await?;
        drop(connection);
        if !policy::may_run_factory(principal, platform) {
            return Err(Error::Forbidden("only the factory's own staff stop runs"));
        }
        if !matches!(run.status, RunStatus::Queued | RunStatus::Running) {
            return Err(Error::Transition(Text::new(
                "排料已结束",
                "the run has already ended",
            )));
        }
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        // A queued run is stopped here; a running one by its search, which writes its end.
        sqlx::query(
            "UPDATE factory_nesting_runs SET status = 'stopped', finished_at = $2 WHERE id = $1 AND status = 'queued'",
        )
        .bind(run_id)
        .bind(now.as_millis())
        .execute(&mut *transaction)
        .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "factory_nesting_run.stopped",
                "factory_pattern",
                pattern_id.to_string(),
            )
            .subject(platform),
        )
        .await?;
        transaction.commit().await?;
        self.nesting.stop(run_id);
        Ok(())
    }
}

/// The lays of each order of factory `platform` that has a done cut plan (the newest, of any
/// pattern linked to it): order id → (garments ordered in the plan, garments of each lay).
pub(crate) async fn planned_lays(
    connection: &mut sqlx::AnyConnection,
    platform: i64,
) -> Result<HashMap<i64, (i64, Vec<i64>)>> {
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT p.order_id, r.id, r.result FROM factory_nesting_runs r \
         JOIN factory_patterns p ON p.id = r.pattern_id \
         WHERE p.platform_id = $1 AND p.order_id IS NOT NULL AND r.kind = 'cut_plan' \
         AND r.status = 'done' AND r.result IS NOT NULL ORDER BY r.id",
    )
    .bind(platform)
    .fetch_all(&mut *connection)
    .await?;
    let mut lays = HashMap::new();
    for (order, run, json) in rows {
        let plan: CutPlan = serde_json::from_str(&json)
            .map_err(|error| Error::Corrupt(format!("nesting run {run}: {error}")))?;
        let ordered: i64 = plan
            .cut
            .iter()
            .map(|(_, _, ordered, _)| i64::from(*ordered))
            .sum();
        let garments: Vec<i64> = plan
            .lays
            .iter()
            .map(|lay| {
                let per_ply: u32 = plan
                    .markers
                    .get(lay.marker)
                    .map_or(0, |m| m.ratio.iter().map(|(_, count)| count).sum());
                i64::from(lay.plies) * i64::from(per_ply)
            })
            .collect();
        // Later (newer) runs replace earlier ones.
        lays.insert(order, (ordered, garments));
    }
    Ok(lays)
}

async fn pattern_in(
    connection: &mut sqlx::AnyConnection,
    platform: i64,
    id: i64,
) -> Result<Pattern> {
    let summary: Option<PatternSummary> = sqlx::query_as(select_patterns!(" AND p.id = $2"))
        .bind(platform)
        .bind(id)
        .fetch_optional(&mut *connection)
        .await?;
    let summary = summary.ok_or_else(|| Error::NotFound {
        what: "pattern",
        key: id.to_string(),
    })?;
    let json: String = sqlx::query_scalar("SELECT problem FROM factory_patterns WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *connection)
        .await?;
    let problem = serde_json::from_str(&json)
        .map_err(|error| Error::Corrupt(format!("pattern {id}: {error}")))?;
    Ok(Pattern { summary, problem })
}
