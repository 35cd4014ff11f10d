//! A run's markers written out: SVG for the screen and print, Zhizao's marker JSON, HPGL/PLT for
//! plotters and cutters.

use zhizao_core::closed_vocabulary;
use zhizao_identity::Principal;
use zhizao_nesting::{Marker, Problem};

use super::input::cut_order;
use super::{Pattern, Run, RunResult};
use crate::{Error, Factories, Result};

closed_vocabulary! {
    /// The files a marker is written as.
    MarkerFormat, "marker format" {
        /// SVG, for the screen and print.
        Svg => "svg", "SVG 图", "SVG";
        /// Zhizao's versioned marker JSON.
        Json => "json", "JSON", "JSON";
        /// HPGL for plotters and cutters.
        Plt => "plt", "HPGL/PLT 绘图文件", "HPGL/PLT";
    }
}

/// A marker written out: its file name, content type and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkerFile {
    /// A file name for the download.
    pub file_name: String,
    /// Its content type.
    pub content_type: &'static str,
    /// The file.
    pub bytes: Vec<u8>,
}

/// The problem and marker `index` of a run (a marker run has one, at 0).
fn marker_of(pattern: &Pattern, run: &Run, index: usize) -> Result<(Problem, Marker)> {
    let missing = || Error::NotFound {
        what: "marker",
        key: index.to_string(),
    };
    match &run.result {
        Some(RunResult::Marker(marker)) if index == 0 => {
            Ok((pattern.problem.clone(), marker.clone()))
        }
        Some(RunResult::CutPlan(plan)) => {
            let planned = plan.markers.get(index).ok_or_else(missing)?;
            let cut = run.input.cut.as_ref().ok_or_else(missing)?;
            let order = cut_order(&pattern.problem, cut)?;
            let ratio: Vec<u32> = order
                .sizes
                .iter()
                .map(|size| {
                    planned
                        .ratio
                        .iter()
                        .find(|(name, _)| *name == size.size)
                        .map_or(0, |(_, count)| *count)
                })
                .collect();
            Ok((order.problem(&ratio), planned.marker.clone()))
        }
        _ => Err(missing()),
    }
}

impl Factories {
    /// Marker `index` of run `run_id` as a file (whoever reads the run).
    pub async fn marker_file(
        &self,
        principal: &Principal,
        code: &str,
        (pattern_id, run_id): (i64, i64),
        index: usize,
        format: MarkerFormat,
    ) -> Result<MarkerFile> {
        let (pattern, run) = self.run(principal, code, pattern_id, run_id).await?;
        let (problem, marker) = marker_of(&pattern, &run, index)?;
        let failed =
            |error: zhizao_nesting::Error| Error::Corrupt(format!("nesting run {run_id}: {error}"));
        let (content_type, bytes) = match format {
            MarkerFormat::Svg => (
                "image/svg+xml",
                zhizao_nesting::write::svg(&problem, &marker)
                    .map_err(failed)?
                    .into_bytes(),
            ),
            MarkerFormat::Json => (
                "application/json",
                serde_json::to_vec_pretty(&marker)
                    .map_err(|error| Error::Corrupt(error.to_string()))?,
            ),
            MarkerFormat::Plt => (
                "application/vnd.hp-hpgl",
                zhizao_nesting::write::hpgl(&problem, &marker)
                    .map_err(failed)?
                    .into_bytes(),
            ),
        };
        Ok(MarkerFile {
            file_name: format!("marker-{run_id}-{}.{}", index + 1, format.as_str()),
            content_type,
            bytes,
        })
    }
}
