//! The background side of marker making: one run searches at a time on a blocking thread, its
//! best result so far written every second; a stop flag per running search; after a restart,
//! runs that were searching are marked interrupted and queued ones start again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zhizao_nesting::cutplan;
use zhizao_nesting::{NestOptions, Problem};

use super::input::cut_order;
use super::{RunInput, RunKind, RunStatus};
use crate::{Error, Factories, Result};

/// How often a running search's best marker is written.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// The background side: one run searches at a time; each running search has a stop flag.
#[derive(Debug)]
pub(crate) struct NestingRunner {
    permits: tokio::sync::Semaphore,
    stops: Mutex<HashMap<i64, Arc<AtomicBool>>>,
    /// A pass budget for every search (tests), so results do not depend on the machine.
    iterations: Option<u64>,
}

impl NestingRunner {
    pub(crate) fn new(iterations: Option<u64>) -> Self {
        NestingRunner {
            permits: tokio::sync::Semaphore::new(1),
            stops: Mutex::default(),
            iterations,
        }
    }

    /// Asks run `id`'s search, if one is running, to end with its best so far.
    pub(super) fn stop(&self, id: i64) {
        if let Some(stop) = self.stops().get(&id) {
            stop.store(true, Ordering::Relaxed);
        }
    }

    fn stops(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Arc<AtomicBool>>> {
        self.stops.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The best a search has reported, waiting to be written.
#[derive(Default)]
struct Latest {
    per_mille: i64,
    length: Option<f64>,
    density: Option<f64>,
    result: Option<String>,
    dirty: bool,
}

impl Factories {
    /// After a start: runs that were searching when the service stopped are marked interrupted
    /// (their best result so far kept), and queued runs are started again. Returns how many of
    /// each.
    pub async fn resume_nesting_runs(&self) -> Result<(u64, usize)> {
        let interrupted = sqlx::query(
            "UPDATE factory_nesting_runs SET status = 'interrupted', finished_at = $1 WHERE status = 'running'",
        )
        .bind(self.clock.now().as_millis())
        .execute(self.db.pool())
        .await?
        .rows_affected();
        let queued: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM factory_nesting_runs WHERE status = 'queued' ORDER BY id",
        )
        .fetch_all(self.db.pool())
        .await?;
        for id in &queued {
            self.spawn_run(*id);
        }
        Ok((interrupted, queued.len()))
    }

    /// Waits until no run is queued or searching (tests, a clean shutdown).
    pub async fn nesting_idle(&self) {
        loop {
            let busy: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM factory_nesting_runs WHERE status IN ('queued', 'running')",
            )
            .fetch_one(self.db.pool())
            .await
            .unwrap_or(0);
            if busy == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(super) fn spawn_run(&self, id: i64) {
        let this = self.clone();
        tokio::spawn(async move {
            if let Err(error) = this.execute_run(id).await {
                tracing::error!(run = id, %error, "a nesting run failed to record");
            }
        });
    }

    async fn execute_run(&self, id: i64) -> Result<()> {
        let _permit = self
            .nesting
            .permits
            .acquire()
            .await
            .map_err(|error| Error::Storage(error.to_string()))?;
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT r.input, p.problem FROM factory_nesting_runs r JOIN factory_patterns p ON p.id = r.pattern_id \
             WHERE r.id = $1 AND r.status = 'queued'",
        )
        .bind(id)
        .fetch_optional(self.db.pool())
        .await?;
        // Stopped while it waited.
        let Some((input, problem)) = row else {
            return Ok(());
        };
        let corrupt =
            |error: serde_json::Error| Error::Corrupt(format!("nesting run {id}: {error}"));
        let input: RunInput = serde_json::from_str(&input).map_err(corrupt)?;
        let problem: Problem = serde_json::from_str(&problem).map_err(corrupt)?;
        // The stop flag is in place before the run is claimed, so a stop either finds the run
        // queued (and the claim fails) or finds the flag.
        let stop = Arc::new(AtomicBool::new(false));
        self.nesting.stops().insert(id, Arc::clone(&stop));
        let claimed = sqlx::query(
            "UPDATE factory_nesting_runs SET status = 'running', started_at = $2 WHERE id = $1 AND status = 'queued'",
        )
        .bind(id)
        .bind(self.clock.now().as_millis())
        .execute(self.db.pool())
        .await;
        match claimed {
            Ok(done) if done.rows_affected() == 1 => {}
            other => {
                self.nesting.stops().remove(&id);
                // Stopped in the meantime, or the database failed.
                return other.map(|_| ()).map_err(Error::from);
            }
        }
        let outcome = self.search(id, input, problem, Arc::clone(&stop)).await;
        self.nesting.stops().remove(&id);
        let now = self.clock.now().as_millis();
        match outcome {
            Ok(latest) => {
                let status = if stop.load(Ordering::Relaxed) {
                    RunStatus::Stopped
                } else {
                    RunStatus::Done
                };
                sqlx::query(
                    "UPDATE factory_nesting_runs SET status = $2, progress_per_mille = 1000, length = $3, density = $4, \
                     result = $5, finished_at = $6 WHERE id = $1",
                )
                .bind(id)
                .bind(status.as_str())
                .bind(latest.length)
                .bind(latest.density)
                .bind(latest.result)
                .bind(now)
                .execute(self.db.pool())
                .await?;
            }
            Err(message) => {
                sqlx::query(
                    "UPDATE factory_nesting_runs SET status = 'failed', error = $2, finished_at = $3 WHERE id = $1",
                )
                .bind(id)
                .bind(message)
                .bind(now)
                .execute(self.db.pool())
                .await?;
            }
        }
        Ok(())
    }

    /// Searches in a blocking thread and writes the best result so far every second; returns
    /// the final one, or why the search failed.
    async fn search(
        &self,
        id: i64,
        input: RunInput,
        problem: Problem,
        stop: Arc<AtomicBool>,
    ) -> std::result::Result<Latest, String> {
        let started = Instant::now();
        let options = NestOptions {
            time_limit: Duration::from_secs(u64::from(input.time_limit_s)),
            iterations: self.nesting.iterations,
            threads: input.threads as usize,
            seed: input.seed,
            stop: Some(stop),
        };
        let (kind, limit_s) = (input.kind, f64::from(input.time_limit_s));
        let latest = Arc::new(Mutex::new(Latest::default()));
        let shared = Arc::clone(&latest);
        let lock = |latest: &Mutex<Latest>| {
            let mut guard = latest.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::take(&mut *guard)
        };
        let mut task =
            tokio::task::spawn_blocking(move || -> std::result::Result<Latest, String> {
                let set = |update: Latest| {
                    *shared.lock().unwrap_or_else(|e| e.into_inner()) = update;
                };
                match input.kind {
                    RunKind::Marker => {
                        let marker = zhizao_nesting::nest(&problem, &options, &mut |progress| {
                            set(Latest {
                                per_mille: (progress.done * 1000.0) as i64,
                                length: Some(progress.marker.length),
                                density: Some(progress.marker.density),
                                result: serde_json::to_string(&progress.marker).ok(),
                                dirty: true,
                            });
                        })
                        .map_err(|error| error.to_string())?;
                        Ok(Latest {
                            per_mille: 1000,
                            length: Some(marker.length),
                            density: Some(marker.density),
                            result: Some(
                                serde_json::to_string(&marker).map_err(|e| e.to_string())?,
                            ),
                            dirty: true,
                        })
                    }
                    RunKind::CutPlan => {
                        let cut = input.cut.as_ref().ok_or("a cut plan without quantities")?;
                        let order = cut_order(&problem, cut).map_err(|error| error.to_string())?;
                        let plan = cutplan::plan_reporting(&order, &options, &mut |progress| {
                            set(Latest {
                                per_mille: i64::from(progress.garments_planned) * 1000
                                    / i64::from(progress.garments_ordered.max(1)),
                                dirty: true,
                                ..Latest::default()
                            });
                        })
                        .map_err(|error| error.to_string())?;
                        Ok(Latest {
                            per_mille: 1000,
                            length: Some(plan.fabric_length),
                            density: Some(
                                plan.lower_bound / plan.fabric_length.max(f64::MIN_POSITIVE),
                            ),
                            result: Some(serde_json::to_string(&plan).map_err(|e| e.to_string())?),
                            dirty: true,
                        })
                    }
                }
            });
        let mut tick = tokio::time::interval(FLUSH_EVERY);
        loop {
            tokio::select! {
                finished = &mut task => {
                    return finished.map_err(|error| error.to_string())?;
                }
                _ = tick.tick() => {
                    let mut update = lock(&latest);
                    if kind == RunKind::Marker {
                        // Improvements come when they come; the bar follows the clock.
                        let by_time = (started.elapsed().as_secs_f64() / limit_s * 1000.0) as i64;
                        update.per_mille = update.per_mille.max(by_time);
                        update.dirty = true;
                    }
                    if update.dirty {
                        self.flush(id, &update).await;
                    }
                }
            }
        }
    }

    /// Writes a search's best so far; a failed write is logged and retried at the next tick.
    async fn flush(&self, id: i64, latest: &Latest) {
        let written = if latest.result.is_some() {
            sqlx::query(
                "UPDATE factory_nesting_runs SET progress_per_mille = $2, length = $3, density = $4, result = $5 \
                 WHERE id = $1 AND status = 'running'",
            )
            .bind(id)
            .bind(latest.per_mille.min(999))
            .bind(latest.length)
            .bind(latest.density)
            .bind(latest.result.as_deref())
            .execute(self.db.pool())
            .await
        } else {
            sqlx::query(
                "UPDATE factory_nesting_runs SET progress_per_mille = $2 WHERE id = $1 AND status = 'running'",
            )
            .bind(id)
            .bind(latest.per_mille.min(999))
            .execute(self.db.pool())
            .await
        };
        if let Err(error) = written {
            tracing::warn!(run = id, %error, "could not write a nesting run's progress");
        }
    }
}
