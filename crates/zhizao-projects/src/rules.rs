//! Subsidy rules: the parameters of a rule set version and their evaluation to an amount in fen
//! with a line-by-line explanation an applicant and an auditor can both read.
//!
//! Evaluation is a pure function of the parameters, the application's line items and what the
//! enterprise was already granted in the year, so the same inputs always give the same amount;
//! every stored amount records the rule set version that produced it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use zhizao_core::{Fen, FieldError, Text};

use crate::workflow::UnknownValue;

/// A category of investment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Production and testing equipment.
    Equipment,
    /// Industrial software and information systems.
    Software,
    /// Installation, commissioning, integration.
    Installation,
    /// Buildings and civil works.
    Buildings,
    /// Anything else.
    Other,
}

impl Category {
    /// Every category.
    pub const ALL: &'static [Category] = &[
        Category::Equipment,
        Category::Software,
        Category::Installation,
        Category::Buildings,
        Category::Other,
    ];

    /// The name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Equipment => "equipment",
            Category::Software => "software",
            Category::Installation => "installation",
            Category::Buildings => "buildings",
            Category::Other => "other",
        }
    }

    /// The category as people read it.
    pub fn label(self) -> Text {
        match self {
            Category::Equipment => Text::new("设备购置", "equipment"),
            Category::Software => Text::new("软件", "software"),
            Category::Installation => Text::new("安装调试", "installation"),
            Category::Buildings => Text::new("建筑工程", "buildings"),
            Category::Other => Text::new("其他", "other"),
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Category {
    type Err = UnknownValue;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Category::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == value)
            .ok_or_else(|| UnknownValue {
                what: "investment category",
                value: value.to_owned(),
                expected: "equipment, software, installation, buildings, other".to_owned(),
            })
    }
}

/// The parameters of one rule set version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleParameters {
    /// Categories whose line items count as eligible investment.
    pub eligible_categories: Vec<Category>,
    /// Below this eligible investment nothing is granted (fen).
    pub min_eligible_investment_fen: Fen,
    /// The share of eligible investment granted, in basis points (1000 = 10 %).
    pub rate_basis_points: i64,
    /// The most one project receives (fen), if limited.
    pub cap_per_project_fen: Option<Fen>,
    /// The most one enterprise receives in a year under rule sets of this code (fen), if limited.
    pub cap_per_enterprise_year_fen: Option<Fen>,
    /// Items bought from a related party (关联方) do not count.
    pub exclude_related_party_suppliers: bool,
    /// Items invoiced before this date (`YYYY-MM-DD`) do not count, nor items without an invoice
    /// date.
    pub earliest_invoice_date: Option<String>,
}

impl RuleParameters {
    /// Every problem with these parameters, each naming its field.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.eligible_categories.is_empty() {
            errors.push(FieldError::new(
                "eligible_categories",
                Text::new(
                    "至少选择一个可计入的投资类别",
                    "choose at least one eligible category",
                ),
            ));
        }
        let amount = |errors: &mut Vec<FieldError>, field: &str, value: Fen| {
            if !(Fen::new(0)..=Fen::MAX).contains(&value) {
                errors.push(FieldError::new(
                    field,
                    Text::owned(
                        format!("金额须在 0 至 {} 元之间", Fen::MAX),
                        format!("must be between 0 and {} yuan", Fen::MAX),
                    ),
                ));
            }
        };
        amount(
            &mut errors,
            "min_eligible_investment_fen",
            self.min_eligible_investment_fen,
        );
        if let Some(cap) = self.cap_per_project_fen {
            amount(&mut errors, "cap_per_project_fen", cap);
        }
        if let Some(cap) = self.cap_per_enterprise_year_fen {
            amount(&mut errors, "cap_per_enterprise_year_fen", cap);
        }
        if !(1..=10_000).contains(&self.rate_basis_points) {
            errors.push(FieldError::new(
                "rate_basis_points",
                Text::new(
                    "补助比例须在 0.01% 至 100% 之间（1 至 10000 个基点）",
                    "the rate must be between 0.01 % and 100 % (1 to 10000 basis points)",
                ),
            ));
        }
        if let Some(date) = &self.earliest_invoice_date
            && !is_iso_date(date)
        {
            errors.push(FieldError::new(
                "earliest_invoice_date",
                Text::owned(
                    format!("“{date}”不是有效日期（YYYY-MM-DD）"),
                    format!("{date:?} is not a date (YYYY-MM-DD)"),
                ),
            ));
        }
        errors
    }
}

/// Whether `text` is a real calendar date written `YYYY-MM-DD`.
pub fn is_iso_date(text: &str) -> bool {
    time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .is_ok()
        && text.len() == 10
}

/// A line item as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleItem {
    /// 1-based position in the application.
    pub position: usize,
    /// What it is.
    pub name: String,
    /// Its category.
    pub category: Category,
    /// Quantity × unit price (fen).
    pub amount_fen: Fen,
    /// Bought from a related party.
    pub related_party: bool,
    /// Invoice date, `YYYY-MM-DD`.
    pub invoice_date: Option<String>,
}

/// One line of an explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExplanationLine {
    /// What this step did, in both languages.
    pub zh: String,
    /// English.
    pub en: String,
    /// The amount this line arrives at (fen), if it has one.
    pub amount_fen: Option<Fen>,
}

/// The outcome of evaluating an application against a rule set version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The sum of the items that count (fen).
    pub eligible_investment_fen: Fen,
    /// The subsidy (fen), after the minimum and the caps.
    pub amount_fen: Fen,
    /// How it was computed, step by step.
    pub lines: Vec<ExplanationLine>,
}

fn yuan(fen: Fen) -> String {
    fen.to_yuan_string()
}

fn percent(basis_points: i64) -> String {
    let whole = basis_points / 100;
    let fraction = basis_points % 100;
    if fraction == 0 {
        format!("{whole}%")
    } else if fraction % 10 == 0 {
        format!("{whole}.{}%", fraction / 10)
    } else {
        format!("{whole}.{fraction:02}%")
    }
}

/// Evaluates `items` under `rules`, given what the enterprise was already granted this year
/// under rule sets of the same code (`granted_this_year_fen`).
pub fn evaluate(
    rules: &RuleParameters,
    items: &[RuleItem],
    granted_this_year_fen: Fen,
) -> Evaluation {
    let zero = Fen::new(0);
    let mut lines = Vec::new();
    let mut line = |zh: String, en: String, amount_fen: Option<Fen>| {
        lines.push(ExplanationLine { zh, en, amount_fen });
    };
    let mut eligible: i128 = 0;
    for item in items {
        let label = item.category.label();
        let exclusion: Option<(String, String)> =
            if !rules.eligible_categories.contains(&item.category) {
                Some((
                    format!("“{}”类不在本规则可计入范围", label.zh),
                    format!("{} is not an eligible category", label.en),
                ))
            } else if rules.exclude_related_party_suppliers && item.related_party {
                Some((
                    "向关联方采购，不予计入".to_owned(),
                    "bought from a related party".to_owned(),
                ))
            } else if let Some(earliest) = &rules.earliest_invoice_date {
                match &item.invoice_date {
                    None => Some((
                        "无发票日期，无法确认在申报期内购置".to_owned(),
                        "no invoice date, so it cannot be shown to fall inside the window"
                            .to_owned(),
                    )),
                    Some(date) if date.as_str() < earliest.as_str() => Some((
                        format!("发票日期 {date} 早于 {earliest}"),
                        format!("invoiced on {date}, before {earliest}"),
                    )),
                    Some(_) => None,
                }
            } else {
                None
            };
        match exclusion {
            Some((zh, en)) => line(
                format!(
                    "第 {} 项 {}（{} 元）：不计入，{zh}",
                    item.position,
                    item.name,
                    yuan(item.amount_fen)
                ),
                format!(
                    "Item {} {} ({} yuan): excluded, {en}",
                    item.position,
                    item.name,
                    yuan(item.amount_fen)
                ),
                Some(zero),
            ),
            None => {
                eligible += i128::from(item.amount_fen.get());
                line(
                    format!(
                        "第 {} 项 {}（{}）：计入 {} 元",
                        item.position,
                        item.name,
                        label.zh,
                        yuan(item.amount_fen)
                    ),
                    format!(
                        "Item {} {} ({}): counts {} yuan",
                        item.position,
                        item.name,
                        label.en,
                        yuan(item.amount_fen)
                    ),
                    Some(item.amount_fen),
                );
            }
        }
    }
    // Items are bounded by Fen::MAX each and applications by a few hundred items, so the sum
    // fits an i64; clamp anyway rather than wrap.
    let eligible = Fen::new(i64::try_from(eligible).unwrap_or(i64::MAX));
    line(
        format!("可计入投资合计 {} 元", yuan(eligible)),
        format!("Eligible investment: {} yuan", yuan(eligible)),
        Some(eligible),
    );
    if eligible < rules.min_eligible_investment_fen {
        line(
            format!(
                "低于最低可计入投资额 {} 元，不予补助",
                yuan(rules.min_eligible_investment_fen)
            ),
            format!(
                "Below the minimum eligible investment of {} yuan: no subsidy",
                yuan(rules.min_eligible_investment_fen)
            ),
            Some(zero),
        );
        return Evaluation {
            eligible_investment_fen: eligible,
            amount_fen: zero,
            lines,
        };
    }
    let computed = Fen::new(
        (i128::from(eligible.get()) * i128::from(rules.rate_basis_points) / 10_000) as i64,
    );
    let rate = percent(rules.rate_basis_points);
    line(
        format!(
            "{} 元 × {rate} = {} 元（不足一分舍去）",
            yuan(eligible),
            yuan(computed)
        ),
        format!(
            "{} yuan × {rate} = {} yuan (rounded down to the fen)",
            yuan(eligible),
            yuan(computed)
        ),
        Some(computed),
    );
    let mut amount = computed;
    if let Some(cap) = rules.cap_per_project_fen
        && amount > cap
    {
        amount = cap;
        line(
            format!("超过单个项目上限，按上限 {} 元", yuan(cap)),
            format!("Above the per-project cap: limited to {} yuan", yuan(cap)),
            Some(amount),
        );
    }
    if let Some(cap) = rules.cap_per_enterprise_year_fen {
        let room = Fen::new((cap.get() - granted_this_year_fen.get()).max(0));
        if amount > room {
            amount = room;
            line(
                format!(
                    "企业本年度上限 {} 元，已获 {} 元，本项目至多 {} 元",
                    yuan(cap),
                    yuan(granted_this_year_fen),
                    yuan(room)
                ),
                format!(
                    "The enterprise's yearly cap is {} yuan and it already received {} yuan: at most {} yuan",
                    yuan(cap),
                    yuan(granted_this_year_fen),
                    yuan(room)
                ),
                Some(amount),
            );
        }
    }
    line(
        format!("补助金额 {} 元", yuan(amount)),
        format!("Subsidy: {} yuan", yuan(amount)),
        Some(amount),
    );
    Evaluation {
        eligible_investment_fen: eligible,
        amount_fen: amount,
        lines,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn rules() -> RuleParameters {
        RuleParameters {
            eligible_categories: vec![
                Category::Equipment,
                Category::Software,
                Category::Installation,
            ],
            min_eligible_investment_fen: Fen::new(100_000_000), // 1 M yuan
            rate_basis_points: 1000,                            // 10 %
            cap_per_project_fen: Some(Fen::new(500_000_000)),   // 5 M yuan
            cap_per_enterprise_year_fen: Some(Fen::new(800_000_000)),
            exclude_related_party_suppliers: true,
            earliest_invoice_date: Some("2026-01-01".into()),
        }
    }

    fn item(position: usize, category: Category, yuan: i64) -> RuleItem {
        RuleItem {
            position,
            name: format!("item {position}"),
            category,
            amount_fen: Fen::new(yuan * 100),
            related_party: false,
            invoice_date: Some("2026-03-01".into()),
        }
    }

    #[test]
    fn a_hand_computed_case_with_every_exclusion() {
        // Equipment 1,800,000 + software 234,567.89 count; buildings, the related-party item,
        // the item invoiced in 2025 and the one without a date do not.
        let mut items = vec![
            item(1, Category::Equipment, 1_800_000),
            RuleItem {
                amount_fen: Fen::new(23_456_789),
                ..item(2, Category::Software, 0)
            },
            item(3, Category::Buildings, 5_000_000),
            RuleItem {
                related_party: true,
                ..item(4, Category::Equipment, 700_000)
            },
            RuleItem {
                invoice_date: Some("2025-12-31".into()),
                ..item(5, Category::Equipment, 300_000)
            },
            RuleItem {
                invoice_date: None,
                ..item(6, Category::Installation, 10_000)
            },
        ];
        let evaluation = evaluate(&rules(), &items, Fen::new(0));
        assert_eq!(evaluation.eligible_investment_fen.get(), 203_456_789);
        // 10 % of 2,034,567.89 yuan is 203,456.789 yuan: 203,456.78 after rounding down.
        assert_eq!(evaluation.amount_fen.get(), 20_345_678);
        let text: Vec<&str> = evaluation.lines.iter().map(|l| l.en.as_str()).collect();
        assert!(text[2].contains("not an eligible category"), "{text:?}");
        assert!(text[3].contains("related party"));
        assert!(text[4].contains("before 2026-01-01"));
        assert!(text[5].contains("no invoice date"));
        assert_eq!(
            text[7],
            "2,034,567.89 yuan × 10% = 203,456.78 yuan (rounded down to the fen)"
        );
        assert_eq!(
            evaluation.lines.last().unwrap().amount_fen,
            Some(Fen::new(20_345_678))
        );
        assert_eq!(
            evaluation.lines.last().unwrap().zh,
            "补助金额 203,456.78 元"
        );

        // The same inputs give the same result.
        assert_eq!(evaluate(&rules(), &items, Fen::new(0)), evaluation);

        // Below the minimum: nothing.
        items.truncate(1);
        items[0].amount_fen = Fen::new(99_999_999);
        let small = evaluate(&rules(), &items, Fen::new(0));
        assert_eq!(small.amount_fen.get(), 0);
        assert!(small.lines.last().unwrap().zh.contains("最低可计入投资额"));
    }

    #[test]
    fn caps_per_project_and_per_enterprise_year() {
        let items = vec![item(1, Category::Equipment, 80_000_000)];
        // 10 % of 80 M yuan is 8 M; the project cap is 5 M.
        let evaluation = evaluate(&rules(), &items, Fen::new(0));
        assert_eq!(evaluation.amount_fen.get(), 500_000_000);
        // The enterprise already received 6 M of its 8 M this year: 2 M left.
        let evaluation = evaluate(&rules(), &items, Fen::new(600_000_000));
        assert_eq!(evaluation.amount_fen.get(), 200_000_000);
        assert!(evaluation.lines.iter().any(|l| l.en.contains("yearly cap")));
        // Already at the cap: nothing.
        assert_eq!(
            evaluate(&rules(), &items, Fen::new(900_000_000))
                .amount_fen
                .get(),
            0
        );
        // No caps: the full 8 M.
        let uncapped = RuleParameters {
            cap_per_project_fen: None,
            cap_per_enterprise_year_fen: None,
            ..rules()
        };
        assert_eq!(
            evaluate(&uncapped, &items, Fen::new(0)).amount_fen.get(),
            800_000_000
        );
        // 12.5 % shows as such.
        let odd = RuleParameters {
            rate_basis_points: 1250,
            ..uncapped
        };
        let evaluation = evaluate(&odd, &items, Fen::new(0));
        assert_eq!(evaluation.amount_fen.get(), 1_000_000_000);
        assert!(evaluation.lines.iter().any(|l| l.en.contains("× 12.5% =")));
    }

    #[test]
    fn parameters_are_checked_field_by_field() {
        let bad = RuleParameters {
            eligible_categories: vec![],
            min_eligible_investment_fen: Fen::new(-1),
            rate_basis_points: 0,
            cap_per_project_fen: Some(Fen::new(Fen::MAX.get() + 1)),
            cap_per_enterprise_year_fen: None,
            exclude_related_party_suppliers: false,
            earliest_invoice_date: Some("2026-02-30".into()),
        };
        let fields: Vec<String> = bad.validate().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "eligible_categories",
                "min_eligible_investment_fen",
                "cap_per_project_fen",
                "rate_basis_points",
                "earliest_invoice_date"
            ]
        );
        assert!(rules().validate().is_empty());
    }

    proptest! {
        #[test]
        fn the_amount_never_exceeds_rate_caps_or_eligible_investment(
            amounts in proptest::collection::vec(0i64..=10_000_000_000, 0..20),
            rate in 1i64..=10_000,
            granted in 0i64..=2_000_000_000,
        ) {
            let rules = RuleParameters { rate_basis_points: rate, ..rules() };
            let items: Vec<RuleItem> = amounts
                .iter()
                .enumerate()
                .map(|(i, a)| RuleItem { amount_fen: Fen::new(*a), ..item(i + 1, Category::ALL[i % 5], 0) })
                .collect();
            let evaluation = evaluate(&rules, &items, Fen::new(granted));
            prop_assert!(evaluation.amount_fen.get() >= 0);
            prop_assert!(evaluation.amount_fen <= evaluation.eligible_investment_fen);
            prop_assert!(evaluation.amount_fen.get() <= 500_000_000);
            prop_assert!(evaluation.amount_fen.get() <= (800_000_000 - granted).max(0));
            prop_assert_eq!(evaluation.lines.last().unwrap().amount_fen, Some(evaluation.amount_fen));
        }
    }
}
