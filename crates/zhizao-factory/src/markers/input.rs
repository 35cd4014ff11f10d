//! What the staff's forms and files make: a pattern's nesting problem (its unit, the fabric
//! width and spacing converted to it, a rotation rule), a cut order from a pattern and the
//! quantities, and a run's options checked, every problem named by its field.

use zhizao_core::{FieldError, Text};
use zhizao_nesting::Problem;
use zhizao_nesting::cutplan::{self, CutOrder, SizePieces};
use zhizao_nesting::model::{FreeRotation, Rotations};

use super::{
    CutInput, MAX_PATTERN_BYTES, MAX_THREADS, MAX_TIME_LIMIT_S, PatternInput, RotationRule,
    RunInput, RunKind, cm_per_unit, size_of,
};
use crate::{Error, Result};

pub(super) fn invalid(field: &str, zh: String, en: String) -> Error {
    Error::Invalid(vec![FieldError::new(field, Text::owned(zh, en))])
}

fn nesting_error(field: &str, error: &zhizao_nesting::Error) -> Error {
    invalid(
        field,
        format!("无法排料：{error}"),
        format!("cannot be nested: {error}"),
    )
}

/// The problem a pattern file makes under `input`.
pub(super) fn problem_of(input: &PatternInput, file_name: &str, bytes: &[u8]) -> Result<Problem> {
    if bytes.is_empty() {
        return Err(invalid(
            "file",
            "纸样文件为空".into(),
            "the pattern file is empty".into(),
        ));
    }
    if bytes.len() > MAX_PATTERN_BYTES {
        return Err(invalid(
            "file",
            format!("纸样文件超过 {} MB", MAX_PATTERN_BYTES / 1024 / 1024),
            format!(
                "the pattern file is larger than {} MB",
                MAX_PATTERN_BYTES / 1024 / 1024
            ),
        ));
    }
    let named = |error: zhizao_nesting::Error| {
        invalid(
            "file",
            format!("纸样文件 {file_name} 无法读取：{error}"),
            format!("{file_name}: {error}"),
        )
    };
    let is_json = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{');
    let mut problem = if is_json {
        zhizao_nesting::read::parse(bytes).map_err(named)?
    } else {
        let pattern = zhizao_nesting::dxf::parse(bytes).map_err(named)?;
        let mut problem = Problem {
            name: String::new(),
            unit: pattern.unit.clone(),
            width: 0.0,
            spacing: 0.0,
            defects: Vec::new(),
            pieces: pattern.pieces,
        };
        if input.width_cm.is_none() {
            return Err(invalid(
                "width_cm",
                "DXF 纸样需要填写面料幅宽".into(),
                "a DXF pattern needs the fabric width".into(),
            ));
        }
        problem.width = 1.0; // set below
        problem
    };
    problem.name = input.name.trim().to_owned();
    if let Some(unit) = input
        .unit
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        if cm_per_unit(unit).is_none() {
            return Err(invalid(
                "unit",
                format!("“{unit}”不是长度单位（mm、cm、in）"),
                format!("{unit:?} is not a unit: mm, cm or in"),
            ));
        }
        if problem.unit.is_none() {
            problem.unit = Some(unit.to_owned());
        }
    }
    let unit_cm = match problem.unit.as_deref() {
        Some(unit) => cm_per_unit(unit).ok_or_else(|| {
            invalid(
                "unit",
                format!("文件的单位“{unit}”无法识别，请选择 mm、cm 或 in"),
                format!("the file's unit {unit:?} is not known: choose mm, cm or in"),
            )
        })?,
        None if input.width_cm.is_some() || input.spacing_mm.is_some() => {
            return Err(invalid(
                "unit",
                "文件未注明单位，请选择 mm、cm 或 in".into(),
                "the file does not state its unit: choose mm, cm or in".into(),
            ));
        }
        None => 1.0,
    };
    if let Some(width) = input.width_cm {
        if !(width.is_finite() && width > 0.0 && width <= 1000.0) {
            return Err(invalid(
                "width_cm",
                "幅宽须在 0 到 1000 厘米之间".into(),
                "the width must be between 0 and 1000 cm".into(),
            ));
        }
        problem.width = width / unit_cm;
    }
    if let Some(spacing) = input.spacing_mm {
        if !(spacing.is_finite() && (0.0..=50.0).contains(&spacing)) {
            return Err(invalid(
                "spacing_mm",
                "间距须在 0 到 50 毫米之间".into(),
                "the spacing must be between 0 and 50 mm".into(),
            ));
        }
        problem.spacing = spacing / 10.0 / unit_cm;
    }
    let rotations = match input.rotations {
        RotationRule::AsFile => None,
        RotationRule::OneWay => Some(Rotations::Angles(vec![0.0])),
        RotationRule::TwoWay => Some(Rotations::Angles(vec![0.0, 180.0])),
        RotationRule::Quarter => Some(Rotations::Stepped { step: 90.0 }),
        RotationRule::Free => Some(Rotations::Free(FreeRotation::Free)),
    };
    if let Some(rotations) = rotations {
        for piece in &mut problem.pieces {
            piece.rotations = rotations.clone();
        }
    }
    problem
        .validate()
        .map_err(|error| nesting_error("file", &error))?;
    Ok(problem)
}

/// The cut order a pattern and a run's input make.
pub(super) fn cut_order(problem: &Problem, input: &CutInput) -> Result<CutOrder> {
    let unit = problem.unit.as_deref().unwrap_or_default();
    let Some(unit_cm) = cm_per_unit(unit) else {
        return Err(invalid(
            "cut",
            "纸样未注明单位，无法按米计算面料".into(),
            "the pattern states no unit, so fabric cannot be costed by the metre".into(),
        ));
    };
    if !(input.table_length_m.is_finite() && input.table_length_m > 0.0) {
        return Err(invalid(
            "table_length_m",
            "裁床长度须大于 0".into(),
            "the table length must be above 0".into(),
        ));
    }
    if !(input.end_allowance_cm.is_finite() && input.end_allowance_cm >= 0.0) {
        return Err(invalid(
            "end_allowance_cm",
            "端头余量不能为负".into(),
            "the end allowance cannot be negative".into(),
        ));
    }
    if input.quantities.iter().all(|q| q.quantity == 0) {
        return Err(invalid(
            "quantities",
            "请填写至少一个颜色和尺码的件数".into(),
            "give the garments of at least one colour and size".into(),
        ));
    }
    let mut sizes: Vec<SizePieces> = Vec::new();
    for piece in &problem.pieces {
        let size = size_of(piece);
        match sizes.iter_mut().find(|s| s.size == size) {
            Some(found) => found.pieces.push(piece.clone()),
            None => sizes.push(SizePieces {
                size,
                pieces: vec![piece.clone()],
            }),
        }
    }
    let order = CutOrder {
        name: problem.name.clone(),
        unit: unit.to_owned(),
        width: problem.width,
        spacing: problem.spacing,
        max_plies: input.max_plies,
        table_length: input.table_length_m * 100.0 / unit_cm,
        end_allowance: input.end_allowance_cm / unit_cm,
        max_garments_per_marker: input.max_garments_per_marker,
        overcut_percent: input.overcut_percent,
        costs: cutplan::Costs {
            fabric_per_metre: input.fabric_per_metre,
            marker: input.marker_cost,
            spread: input.spread_cost,
        },
        sizes,
        quantities: input
            .quantities
            .iter()
            .filter(|q| q.quantity > 0)
            .cloned()
            .collect(),
    };
    order
        .validate()
        .map_err(|error| nesting_error("cut", &error))?;
    Ok(order)
}

pub(super) fn check_run_input(input: &RunInput) -> Result<()> {
    if !(1..=MAX_TIME_LIMIT_S).contains(&input.time_limit_s) {
        return Err(invalid(
            "time_limit_s",
            format!("排料时间须在 1 到 {MAX_TIME_LIMIT_S} 秒之间"),
            format!("the time limit must be 1 to {MAX_TIME_LIMIT_S} seconds"),
        ));
    }
    if !(1..=MAX_THREADS).contains(&input.threads) {
        return Err(invalid(
            "threads",
            format!("线程数须在 1 到 {MAX_THREADS} 之间"),
            format!("threads must be 1 to {MAX_THREADS}"),
        ));
    }
    match (input.kind, &input.cut) {
        (RunKind::CutPlan, None) => Err(invalid(
            "cut",
            "裁剪方案需要各颜色尺码的件数".into(),
            "a cut plan needs the quantities".into(),
        )),
        (RunKind::Marker, Some(_)) => Err(invalid(
            "cut",
            "排料图不需要裁剪数量".into(),
            "a marker takes no cut quantities".into(),
        )),
        _ => Ok(()),
    }
}
