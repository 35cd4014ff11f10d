//! The city's dashboard: the figures each domain computes from its records, composed in the
//! seed's order, for the page, the API and the spreadsheet. No figure is computed here.

use std::ops::RangeInclusive;

use zhizao_core::{
    Classified, ErrorKind, Figure, FigureFilter, FigureUnit, Language, Text, Timestamp,
};
use zhizao_identity::{Principal, policy};
use zhizao_registry::figures::trend_years;

use crate::AppState;

/// How many calendar years a trend shows.
pub(crate) const TREND_YEARS: i32 = 10;

/// The modules that state figures, in the seed's order, with their headings.
pub(crate) const MODULES: [(&str, Text); 9] = [
    ("registry", Text::new("企业", "Enterprises")),
    (
        "projects",
        Text::new("项目与资助", "Projects and subsidies"),
    ),
    ("devices", Text::new("设备接入", "Connected equipment")),
    ("factory", Text::new("共享工厂", "Shared factories")),
    ("services", Text::new("公共服务", "Public services")),
    ("assessment", Text::new("成熟度评估", "Maturity")),
    ("solutions", Text::new("解决方案", "Solutions")),
    ("training", Text::new("培训", "Training")),
    ("talent", Text::new("人才与知识产权", "Talent and IP")),
];

/// One module's figures.
pub(crate) struct Section {
    /// The module (`projects`).
    pub(crate) key: &'static str,
    /// Its heading.
    pub(crate) title: Text,
    /// Its figures, in the module's order.
    pub(crate) figures: Vec<Figure>,
}

/// The dashboard as one reader sees it.
pub(crate) struct Dashboard {
    /// What it is narrowed to.
    pub(crate) filter: FigureFilter,
    /// The years the trends cover.
    pub(crate) years: RangeInclusive<i32>,
    /// When it was computed.
    pub(crate) as_of: Timestamp,
    /// The modules' figures.
    pub(crate) sections: Vec<Section>,
    /// Every town, current and retired, as the registry knows them (for names and the check).
    pub(crate) towns: Vec<zhizao_registry::Town>,
}

impl Dashboard {
    /// The figure with `key`.
    pub(crate) fn figure(&self, key: &str) -> Option<&Figure> {
        self.sections
            .iter()
            .flat_map(|s| &s.figures)
            .find(|f| f.key == key)
    }
}

/// A module's failure, kept with its classification so the page and the API answer it as the
/// module's own error would be answered.
#[derive(Debug, thiserror::Error)]
#[error("{detail}")]
pub(crate) struct Failed {
    kind: ErrorKind,
    code: Option<&'static str>,
    message: Option<Text>,
    detail: String,
}

impl Failed {
    pub(crate) fn of(error: impl Classified) -> Self {
        Failed {
            kind: error.kind(),
            code: error.code(),
            message: error.message(),
            detail: error.to_string(),
        }
    }

    pub(crate) fn new(kind: ErrorKind, zh: &'static str, en: &'static str) -> Self {
        Failed {
            kind,
            code: None,
            message: Some(Text::new(zh, en)),
            detail: en.to_owned(),
        }
    }
}

impl Classified for Failed {
    fn kind(&self) -> ErrorKind {
        self.kind
    }
    fn code(&self) -> Option<&'static str> {
        self.code
    }
    fn message(&self) -> Option<Text> {
        self.message.clone()
    }
}

/// Checks who may read the dashboard narrowed to `filter`: the city's staff and a town's staff
/// for their own town; a town outside the reader's scope or unknown is not found.
async fn check(
    state: &AppState,
    principal: &Principal,
    filter: &FigureFilter,
    towns: &[zhizao_registry::Town],
) -> Result<(), Failed> {
    if policy::dashboard_scope(principal, None).is_none() {
        return Err(Failed::new(
            ErrorKind::Forbidden,
            "数据驾驶舱供市、镇街工作人员使用",
            "the dashboard is for the city's and the towns' staff",
        ));
    }
    if let Some(town) = filter.town.as_deref() {
        let known = towns.iter().any(|t| t.code == town && t.valid_to.is_none());
        if !known || policy::dashboard_scope(principal, Some(town)).is_none() {
            return Err(Failed::new(
                ErrorKind::NotFound,
                "没有这个镇街，或不在您的查看范围内",
                "no such town in your scope",
            ));
        }
    }
    if let Some(year) = filter.year {
        let years = trend_years(state.identity().clock().now(), 30);
        if !years.contains(&year) {
            return Err(Failed::new(
                ErrorKind::InvalidInput,
                "年份须在近 30 年内",
                "the year must be within the last 30 years",
            ));
        }
    }
    Ok(())
}

/// Every module's figures over what `principal` may see, narrowed to `filter`.
pub(crate) async fn compose(
    state: &AppState,
    principal: &Principal,
    filter: FigureFilter,
) -> Result<Dashboard, Failed> {
    let towns = state.registry().towns().await.map_err(Failed::of)?;
    check(state, principal, &filter, &towns).await?;
    let as_of = state.identity().clock().now();
    let years = trend_years(as_of, TREND_YEARS);
    let (f, y) = (&filter, || years.clone());
    // The modules count at once, each on its own connection.
    let devices = async {
        let mut figures = state
            .devices()
            .dashboard_figures(principal, f, y())
            .await
            .map_err(Failed::of)?;
        figures.extend(
            state
                .devices()
                .records_figure(principal, state.telemetry(), f, y())
                .await
                .map_err(Failed::of)?,
        );
        Ok::<_, Failed>(figures)
    };
    let (registry, projects, devices, factory, services, assessment, solutions, training, talent) =
        tokio::try_join!(
            async {
                state
                    .registry()
                    .dashboard_figures(principal, f, y())
                    .await
                    .map_err(Failed::of)
            },
            async {
                state
                    .projects()
                    .dashboard_figures(principal, f, y())
                    .await
                    .map_err(Failed::of)
            },
            devices,
            async {
                state
                    .factories()
                    .dashboard_figures(principal, f, y())
                    .await
                    .map_err(Failed::of)
            },
            async {
                state
                    .services()
                    .dashboard_figures(principal, f, y())
                    .await
                    .map_err(Failed::of)
            },
            async {
                state
                    .assessments()
                    .dashboard_figures(principal, f, y())
                    .await
                    .map_err(Failed::of)
            },
            async {
                state
                    .solutions()
                    .dashboard_figures(principal, f, y())
                    .await
                    .map_err(Failed::of)
            },
            async {
                state
                    .training()
                    .dashboard_figures(principal, f, y())
                    .await
                    .map_err(Failed::of)
            },
            async {
                state
                    .talents()
                    .dashboard_figures(principal, f, y())
                    .await
                    .map_err(Failed::of)
            },
        )?;
    let figures = [
        registry, projects, devices, factory, services, assessment, solutions, training, talent,
    ];
    let sections = MODULES
        .iter()
        .zip(figures)
        .map(|((key, title), figures)| Section {
            key,
            title: title.clone(),
            figures,
        })
        .collect();
    Ok(Dashboard {
        filter,
        years,
        as_of,
        sections,
        towns,
    })
}

/// A figure's value as people read it: counts with grouped digits, money in 万元 (10,000 yuan)
/// or, from 1 亿元 (100 M yuan), in 亿元 with two decimals.
pub(crate) fn display(unit: FigureUnit, value: i64, language: Language) -> String {
    match unit {
        FigureUnit::Count => grouped(value),
        FigureUnit::Fen => {
            let yuan = value as f64 / 100.0;
            let zh = language == Language::ZhCn;
            if yuan.abs() >= 100_000_000.0 {
                let yi = yuan / 100_000_000.0;
                if zh {
                    format!("{yi:.2} 亿元")
                } else {
                    format!("¥{:.2} M", yuan / 1_000_000.0)
                }
            } else if zh {
                format!("{} 万元", grouped_tenths(yuan / 10_000.0))
            } else {
                format!("¥{} k", grouped_tenths(yuan / 1_000.0))
            }
        }
    }
}

/// A value short enough for a town's tile: money in whole 万元 (or 亿元 with two decimals, or
/// millions of yuan in English), counts grouped.
pub(crate) fn compact(unit: FigureUnit, value: i64, language: Language) -> String {
    match (unit, language) {
        (FigureUnit::Count, _) => grouped(value),
        (FigureUnit::Fen, Language::ZhCn) if value.abs() >= 10_000_000_000 => {
            format!("{:.2}亿", value as f64 / 10_000_000_000.0)
        }
        (FigureUnit::Fen, Language::ZhCn) => format!("{}万", grouped(value / 1_000_000)),
        (FigureUnit::Fen, Language::En) => format!("¥{:.1}M", value as f64 / 100_000_000.0),
    }
}

/// `value` with its digits grouped in threes.
pub(crate) fn grouped(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if value < 0 {
        out.insert(0, '-');
    }
    out
}

/// `value` with one decimal and its whole part grouped in threes.
fn grouped_tenths(value: f64) -> String {
    let tenths = (value * 10.0).round() as i64;
    let whole = grouped(tenths / 10);
    format!("{whole}.{}", (tenths % 10).abs())
}

/// Where the records behind a figure are listed, narrowed as the dashboard is.
pub(crate) fn drill_down(key: &str, filter: &FigureFilter) -> Option<String> {
    let town = filter.town.as_deref().unwrap_or("");
    let year = filter.year.map(|y| y.to_string()).unwrap_or_default();
    let module = key.split('.').next().unwrap_or("");
    Some(match (module, key) {
        (_, "registry.above_designated_size") => format!("/enterprises?town={town}&size=above"),
        ("registry", _) => format!("/enterprises?town={town}"),
        (_, "projects.major_awarded") => "/major".to_owned(),
        ("projects", _) => format!("/projects/reports?by=town&year={year}"),
        ("factory", _) => "/factories".to_owned(),
        (_, "services.vouchers_redeemed") => "/vouchers".to_owned(),
        ("services", _) => "/requests".to_owned(),
        ("assessment", _) => "/assessments".to_owned(),
        ("solutions", _) => "/solution-adoptions".to_owned(),
        ("training", _) => "/training".to_owned(),
        ("talent", _) => "/talent".to_owned(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_in_wan_and_yi_yuan() {
        let zh = Language::ZhCn;
        assert_eq!(display(FigureUnit::Fen, 0, zh), "0.0 万元");
        assert_eq!(display(FigureUnit::Fen, 123_456_700, zh), "123.5 万元");
        assert_eq!(display(FigureUnit::Fen, 32_700_000_000, zh), "3.27 亿元");
        assert_eq!(
            display(FigureUnit::Fen, 4_234_000_000_000, zh),
            "423.40 亿元"
        );
        assert_eq!(
            display(FigureUnit::Fen, 32_700_000_000, Language::En),
            "¥327.00 M"
        );
        assert_eq!(display(FigureUnit::Count, 1_234_567, zh), "1,234,567");
        assert_eq!(compact(FigureUnit::Fen, 782_000_000, zh), "782万");
        assert_eq!(compact(FigureUnit::Fen, 11_600_000_000, zh), "1.16亿");
        assert_eq!(compact(FigureUnit::Fen, 782_000_000, Language::En), "¥7.8M");
    }
}
