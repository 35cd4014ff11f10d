//! Checking what people enter: every problem at once, each naming its field
//! (`items[2].unit_price_fen`).

use std::collections::HashMap;

use zhizao_core::{Fen, FieldError, Text};

use crate::model::{ApplicationInput, BatchInput, ItemInput, Programme, UpgradeType};
use crate::rules::{Category, is_iso_date};

/// The most line items an application may have.
pub const MAX_ITEMS: usize = 500;
/// The largest quantity of one line item.
pub const MAX_QUANTITY: i64 = 1_000_000;

/// A validated line item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ItemRecord {
    pub(crate) category: Category,
    pub(crate) name: String,
    pub(crate) model: String,
    pub(crate) quantity: i64,
    pub(crate) unit_price_fen: Fen,
    pub(crate) amount_fen: Fen,
    pub(crate) supplier: String,
    pub(crate) related_party: bool,
    pub(crate) invoice_number: String,
    pub(crate) invoice_date: Option<String>,
}

/// A validated application draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApplicationRecord {
    pub(crate) project_name: String,
    pub(crate) project_key: String,
    pub(crate) upgrade_type: UpgradeType,
    pub(crate) starts_on: Option<String>,
    pub(crate) ends_on: Option<String>,
    pub(crate) description: String,
    pub(crate) expected_output_value_fen: Option<Fen>,
    pub(crate) expected_efficiency_gain_percent: Option<i64>,
    pub(crate) expected_energy_saving_tce: Option<i64>,
    pub(crate) items: Vec<ItemRecord>,
    pub(crate) total_investment_fen: Fen,
}

/// The key two project names are compared by: no spaces of any width, case folded, full-width
/// letters and digits as ASCII, so `智能产线 A` and `智能产线Ａ` are the same project.
pub(crate) fn project_key(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

struct Problems(Vec<FieldError>);

impl Problems {
    fn add(&mut self, field: impl Into<String>, zh: String, en: String) {
        self.0.push(FieldError::new(field, Text::owned(zh, en)));
    }

    fn text(
        &mut self,
        field: &str,
        value: &Option<String>,
        required: bool,
        max_chars: usize,
    ) -> String {
        let text = value.as_deref().map(str::trim).unwrap_or("");
        if required && text.is_empty() {
            self.add(field, "必填".into(), "is required".into());
        } else if text.chars().count() > max_chars {
            self.add(
                field,
                format!("不能超过 {max_chars} 个字"),
                format!("must be at most {max_chars} characters"),
            );
        } else if text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            self.add(
                field,
                "含有不可见的控制字符".into(),
                "contains control characters".into(),
            );
        }
        text.to_owned()
    }

    fn date(&mut self, field: &str, value: &Option<String>) -> Option<String> {
        let text = value.as_deref().map(str::trim).filter(|t| !t.is_empty())?;
        if is_iso_date(text) {
            Some(text.to_owned())
        } else {
            self.add(
                field,
                format!("“{text}”不是有效日期，应为 YYYY-MM-DD"),
                format!("{text:?} is not a date; write YYYY-MM-DD"),
            );
            None
        }
    }

    fn bounded(&mut self, field: &str, value: Option<i64>, max: i64, unit: &str) -> Option<i64> {
        let value = value?;
        if !(0..=max).contains(&value) {
            self.add(
                field,
                format!("须在 0 至 {max} {unit}之间"),
                format!("must be between 0 and {max}"),
            );
        }
        Some(value)
    }

    fn money(&mut self, field: &str, value: Option<Fen>) -> Option<Fen> {
        let value = value?;
        if !(Fen::new(0)..=Fen::MAX).contains(&value) {
            self.add(
                field,
                format!("金额须在 0 至 {} 元之间", Fen::MAX),
                format!("must be between 0 and {} yuan", Fen::MAX),
            );
        }
        Some(value)
    }
}

fn item(problems: &mut Problems, index: usize, input: &ItemInput, today: &str) -> ItemRecord {
    let field = |name: &str| format!("items[{index}].{name}");
    let category = match input.category.as_deref().map(str::trim) {
        None | Some("") => {
            problems.add(field("category"), "必填".into(), "is required".into());
            Category::Other
        }
        Some(text) => text
            .parse()
            .unwrap_or_else(|error: crate::workflow::UnknownValue| {
                problems.add(
                    field("category"),
                    format!("“{text}”不是投资类别（设备、软件、安装、建筑、其他）"),
                    error.to_string(),
                );
                Category::Other
            }),
    };
    let name = problems.text(&field("name"), &input.name, true, 200);
    let model = problems.text(&field("model"), &input.model, false, 100);
    let supplier = problems.text(&field("supplier"), &input.supplier, false, 200);
    let invoice_number = problems.text(&field("invoice_number"), &input.invoice_number, false, 64);
    let invoice_date = problems.date(&field("invoice_date"), &input.invoice_date);
    if let Some(date) = &invoice_date
        && date.as_str() > today
    {
        problems.add(
            field("invoice_date"),
            format!("发票日期 {date} 晚于今天"),
            format!("the invoice date {date} is in the future"),
        );
    }
    let quantity = match input.quantity {
        None => {
            problems.add(field("quantity"), "必填".into(), "is required".into());
            0
        }
        Some(q) if !(1..=MAX_QUANTITY).contains(&q) => {
            problems.add(
                field("quantity"),
                format!("数量须在 1 至 {MAX_QUANTITY} 之间"),
                format!("must be between 1 and {MAX_QUANTITY}"),
            );
            0
        }
        Some(q) => q,
    };
    let unit_price_fen = match input.unit_price_fen {
        None => {
            problems.add(field("unit_price_fen"), "必填".into(), "is required".into());
            Fen::new(0)
        }
        Some(p) if !(Fen::new(0)..=Fen::MAX).contains(&p) => {
            problems.add(
                field("unit_price_fen"),
                format!("单价须在 0 至 {} 元之间", Fen::MAX),
                format!("must be between 0 and {} yuan (in fen)", Fen::MAX),
            );
            Fen::new(0)
        }
        Some(p) => p,
    };
    let amount = i128::from(quantity) * i128::from(unit_price_fen.get());
    let amount_fen = if amount > i128::from(Fen::MAX.get()) {
        problems.add(
            field("unit_price_fen"),
            format!("数量 × 单价超过 {} 元", Fen::MAX),
            format!("quantity × unit price exceeds {} yuan", Fen::MAX),
        );
        Fen::new(0)
    } else {
        Fen::new(amount as i64)
    };
    ItemRecord {
        category,
        name,
        model,
        quantity,
        unit_price_fen,
        amount_fen,
        supplier,
        related_party: input.related_party.unwrap_or(false),
        invoice_number,
        invoice_date,
    }
}

/// Checks a draft: types, ranges, lengths, invoice numbers unique within the application.
pub(crate) fn validate_draft(
    input: &ApplicationInput,
    today: &str,
) -> Result<ApplicationRecord, Vec<FieldError>> {
    let mut problems = Problems(Vec::new());
    let project_name = problems.text("project_name", &input.project_name, true, 200);
    let upgrade_type = match input.upgrade_type.as_deref().map(str::trim) {
        None | Some("") => {
            problems.add("upgrade_type", "必填".into(), "is required".into());
            UpgradeType::Other
        }
        Some(text) => text
            .parse()
            .unwrap_or_else(|error: crate::workflow::UnknownValue| {
                problems.add(
                    "upgrade_type",
                    format!("“{text}”不是改造类型"),
                    error.to_string(),
                );
                UpgradeType::Other
            }),
    };
    let starts_on = problems.date("starts_on", &input.starts_on);
    let ends_on = problems.date("ends_on", &input.ends_on);
    if let (Some(start), Some(end)) = (&starts_on, &ends_on)
        && end < start
    {
        problems.add(
            "ends_on",
            format!("结束日期 {end} 早于开始日期 {start}"),
            format!("the end {end} is before the start {start}"),
        );
    }
    let description = problems.text("description", &input.description, false, 4000);
    let expected_output_value_fen =
        problems.money("expected_output_value_fen", input.expected_output_value_fen);
    let expected_efficiency_gain_percent = problems.bounded(
        "expected_efficiency_gain_percent",
        input.expected_efficiency_gain_percent,
        1000,
        "%",
    );
    let expected_energy_saving_tce = problems.bounded(
        "expected_energy_saving_tce",
        input.expected_energy_saving_tce,
        10_000_000,
        "吨标准煤",
    );
    if input.items.len() > MAX_ITEMS {
        problems.add(
            "items",
            format!("投资明细不能超过 {MAX_ITEMS} 项"),
            format!("at most {MAX_ITEMS} line items"),
        );
    }
    let items: Vec<ItemRecord> = input
        .items
        .iter()
        .take(MAX_ITEMS)
        .enumerate()
        .map(|(index, i)| item(&mut problems, index, i, today))
        .collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (index, item) in items.iter().enumerate() {
        if item.invoice_number.is_empty() {
            continue;
        }
        if let Some(first) = seen.insert(&item.invoice_number, index) {
            problems.add(
                format!("items[{index}].invoice_number"),
                format!("发票号 {} 与第 {} 项重复", item.invoice_number, first + 1),
                format!(
                    "invoice {} is already used by items[{first}]",
                    item.invoice_number
                ),
            );
        }
    }
    let total: i128 = items.iter().map(|i| i128::from(i.amount_fen.get())).sum();
    if total > i128::from(Fen::MAX.get()) {
        problems.add(
            "items",
            format!("投资合计超过 {} 元", Fen::MAX),
            format!("the total exceeds {} yuan", Fen::MAX),
        );
    }
    if !problems.0.is_empty() {
        return Err(problems.0);
    }
    Ok(ApplicationRecord {
        project_key: project_key(&project_name),
        project_name,
        upgrade_type,
        starts_on,
        ends_on,
        description,
        expected_output_value_fen,
        expected_efficiency_gain_percent,
        expected_energy_saving_tce,
        total_investment_fen: Fen::new(total as i64),
        items,
    })
}

/// The batch facts a submission is checked against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window<'a> {
    pub(crate) programme: Programme,
    /// First day a project's period and invoices may fall on.
    pub(crate) from: &'a str,
    /// Last day.
    pub(crate) until: &'a str,
}

/// What a draft must additionally have to be submitted to a batch: dates, items, invoices for
/// post-completion subsidies, and every date inside the batch's project window.
pub(crate) fn validate_complete(record: &ApplicationRecord, window: Window<'_>) -> Vec<FieldError> {
    let programme = window.programme;
    let mut problems = Problems(Vec::new());
    let (from, until) = (window.from, window.until);
    let outside =
        |date: &str| !from.is_empty() && !until.is_empty() && (date < from || date > until);
    for (field, date) in [
        ("starts_on", &record.starts_on),
        ("ends_on", &record.ends_on),
    ] {
        if let Some(date) = date
            && outside(date)
        {
            problems.add(
                field,
                format!("{date} 不在本批次的项目期限 {from} 至 {until} 内"),
                format!("{date} is outside the batch's project window {from} to {until}"),
            );
        }
    }
    for (index, item) in record.items.iter().enumerate() {
        if let Some(date) = &item.invoice_date
            && outside(date)
        {
            problems.add(
                format!("items[{index}].invoice_date"),
                format!("发票日期 {date} 不在本批次的项目期限 {from} 至 {until} 内"),
                format!("the invoice date {date} is outside the batch's project window {from} to {until}"),
            );
        }
    }
    if record.starts_on.is_none() {
        problems.add(
            "starts_on",
            "提交前须填写".into(),
            "is required to submit".into(),
        );
    }
    if record.ends_on.is_none() {
        problems.add(
            "ends_on",
            "提交前须填写".into(),
            "is required to submit".into(),
        );
    }
    if record.items.is_empty() {
        problems.add(
            "items",
            "至少填写一项投资明细".into(),
            "at least one line item is required to submit".into(),
        );
    }
    if record.total_investment_fen <= Fen::new(0) {
        problems.add(
            "items",
            "投资合计须大于零".into(),
            "the total investment must be more than zero".into(),
        );
    }
    // Post-completion subsidies pay for what was bought: every item needs its invoice.
    if programme == Programme::PostCompletion {
        for (index, item) in record.items.iter().enumerate() {
            if item.invoice_number.is_empty() {
                problems.add(
                    format!("items[{index}].invoice_number"),
                    "事后奖补须填写发票号".into(),
                    "post-completion subsidies need the invoice number".into(),
                );
            }
            if item.invoice_date.is_none() {
                problems.add(
                    format!("items[{index}].invoice_date"),
                    "事后奖补须填写发票日期".into(),
                    "post-completion subsidies need the invoice date".into(),
                );
            }
            if item.supplier.is_empty() {
                problems.add(
                    format!("items[{index}].supplier"),
                    "事后奖补须填写供应商".into(),
                    "post-completion subsidies need the supplier".into(),
                );
            }
        }
    }
    problems.0
}

/// A validated batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BatchRecord {
    pub(crate) code: String,
    pub(crate) programme: Programme,
    pub(crate) year: i64,
    pub(crate) title: String,
    pub(crate) opens_on: String,
    pub(crate) closes_on: String,
    pub(crate) projects_from: String,
    pub(crate) projects_until: String,
    pub(crate) eligibility: String,
    pub(crate) required_attachments: Vec<String>,
    pub(crate) notice_days: i64,
}

/// Checks a batch; `code` is the existing code when changing one.
pub(crate) fn validate_batch(
    input: &BatchInput,
    existing_code: Option<&str>,
) -> Result<BatchRecord, Vec<FieldError>> {
    let mut problems = Problems(Vec::new());
    let code = match existing_code {
        Some(code) => code.to_owned(),
        None => {
            let code = problems.text("code", &input.code, true, 32);
            if !code.is_empty() && !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                problems.add(
                    "code",
                    "编号只能由字母、数字和“-”组成".into(),
                    "use only letters, digits and '-'".into(),
                );
            }
            code
        }
    };
    let programme = match input.programme.as_deref().map(str::trim) {
        None | Some("") => {
            problems.add("programme", "必填".into(), "is required".into());
            Programme::TechUpgrade
        }
        Some(text) => text
            .parse()
            .unwrap_or_else(|error: crate::workflow::UnknownValue| {
                problems.add(
                    "programme",
                    format!("“{text}”不是专项类别"),
                    error.to_string(),
                );
                Programme::TechUpgrade
            }),
    };
    let year = match input.year {
        Some(year) if (2000..=2100).contains(&year) => year,
        Some(_) => {
            problems.add(
                "year",
                "年度须在 2000 至 2100 之间".into(),
                "must be between 2000 and 2100".into(),
            );
            0
        }
        None => {
            problems.add("year", "必填".into(), "is required".into());
            0
        }
    };
    let title = problems.text("title", &input.title, true, 200);
    let opens_on = problems.date("opens_on", &input.opens_on);
    let closes_on = problems.date("closes_on", &input.closes_on);
    for (field, value) in [
        ("opens_on", &input.opens_on),
        ("closes_on", &input.closes_on),
    ] {
        if value.as_deref().map(str::trim).unwrap_or("").is_empty() {
            problems.add(field, "必填".into(), "is required".into());
        }
    }
    if let (Some(open), Some(close)) = (&opens_on, &closes_on)
        && close < open
    {
        problems.add(
            "closes_on",
            format!("截止日期 {close} 早于开始日期 {open}"),
            format!("closes {close} before it opens {open}"),
        );
    }
    let projects_from = problems.date("projects_from", &input.projects_from);
    let projects_until = problems.date("projects_until", &input.projects_until);
    if let (Some(from), Some(until)) = (&projects_from, &projects_until)
        && until < from
    {
        problems.add(
            "projects_until",
            format!("项目期限的结束日 {until} 早于开始日 {from}"),
            format!("the window ends {until} before it starts {from}"),
        );
    }
    let eligibility = problems.text("eligibility", &input.eligibility, false, 4000);
    let mut required_attachments = Vec::new();
    for (index, name) in input.required_attachments.iter().flatten().enumerate() {
        let name = problems.text(
            &format!("required_attachments[{index}]"),
            &Some(name.clone()),
            true,
            100,
        );
        required_attachments.push(name);
    }
    let notice_days = match input.notice_days {
        None => 7,
        Some(days) if (1..=60).contains(&days) => days,
        Some(_) => {
            problems.add(
                "notice_days",
                "公示期须在 1 至 60 天之间".into(),
                "must be between 1 and 60 days".into(),
            );
            7
        }
    };
    if !problems.0.is_empty() {
        return Err(problems.0);
    }
    let closes_on = closes_on.unwrap_or_default();
    let (default_from, default_until) =
        crate::model::default_project_window(programme, year, &closes_on);
    Ok(BatchRecord {
        projects_from: projects_from.unwrap_or(default_from),
        projects_until: projects_until.unwrap_or(default_until),
        code,
        programme,
        year,
        title,
        opens_on: opens_on.unwrap_or_default(),
        closes_on,
        eligibility,
        required_attachments,
        notice_days,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good_item(invoice: &str) -> ItemInput {
        ItemInput {
            category: Some("equipment".into()),
            name: Some("六轴机器人".into()),
            model: Some("R-6".into()),
            quantity: Some(2),
            unit_price_fen: Some(Fen::new(35_000_000)),
            supplier: Some("某某机器人公司".into()),
            related_party: None,
            invoice_number: Some(invoice.into()),
            invoice_date: Some("2026-03-01".into()),
        }
    }

    fn good() -> ApplicationInput {
        ApplicationInput {
            batch: Some("B".into()),
            project_name: Some("打磨 自动化产线".into()),
            upgrade_type: Some("industrial_robots".into()),
            starts_on: Some("2026-01-01".into()),
            ends_on: Some("2026-06-30".into()),
            items: vec![good_item("044001"), good_item("044002")],
            ..ApplicationInput::default()
        }
    }

    #[test]
    fn a_good_draft_sums_its_items() {
        let record = validate_draft(&good(), "2026-11-26").unwrap();
        assert_eq!(record.total_investment_fen.get(), 140_000_000);
        assert_eq!(record.project_key, "打磨自动化产线");
        assert!(validate_complete(&record, window(Programme::PostCompletion)).is_empty());
    }

    #[test]
    fn every_problem_is_named_by_its_field() {
        let mut input = good();
        input.project_name = Some("  ".into());
        input.upgrade_type = Some("robots".into());
        input.ends_on = Some("2025-12-31".into());
        input.items[0].quantity = Some(0);
        input.items[0].unit_price_fen = Some(Fen::new(-5));
        input.items[1].invoice_number = Some("044001".into());
        input.items[1].invoice_date = Some("2026-12-01".into());
        input.items[1].category = Some("machines".into());
        let errors = validate_draft(&input, "2026-11-26").unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "project_name",
                "upgrade_type",
                "ends_on",
                "items[0].quantity",
                "items[0].unit_price_fen",
                "items[1].category",
                "items[1].invoice_date",
                "items[1].invoice_number",
            ]
        );
        assert!(errors[7].message.en.contains("items[0]"), "{:?}", errors[7]);
    }

    #[test]
    fn huge_amounts_are_refused_not_wrapped() {
        let mut input = good();
        input.items[0].quantity = Some(MAX_QUANTITY);
        input.items[0].unit_price_fen = Some(Fen::MAX);
        let errors = validate_draft(&input, "2026-11-26").unwrap_err();
        assert_eq!(errors[0].field, "items[0].unit_price_fen");
    }

    #[test]
    fn submitting_needs_dates_items_and_for_post_completion_invoices() {
        let mut input = good();
        input.starts_on = None;
        input.items[1].invoice_number = None;
        let record = validate_draft(&input, "2026-11-26").unwrap();
        let fields: Vec<String> = validate_complete(&record, window(Programme::PostCompletion))
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["starts_on", "items[1].invoice_number"]);
        assert_eq!(
            validate_complete(&record, window(Programme::TechUpgrade)).len(),
            1,
            "intake does not need invoices"
        );
    }

    fn window(programme: Programme) -> Window<'static> {
        Window {
            programme,
            from: "2025-01-01",
            until: "2026-12-31",
        }
    }

    #[test]
    fn every_date_must_fall_inside_the_batch_project_window() {
        // (starts_on, ends_on, invoice date of item 0, the fields refused)
        let cases: &[(&str, &str, &str, &[&str])] = &[
            ("2025-01-01", "2026-12-31", "2025-01-01", &[]),
            (
                "2010-01-01",
                "2011-12-31",
                "2009-05-01",
                &["starts_on", "ends_on", "items[0].invoice_date"],
            ),
            ("2024-12-31", "2026-06-30", "2026-03-01", &["starts_on"]),
            ("2026-01-01", "2027-01-01", "2026-03-01", &["ends_on"]),
            (
                "2026-01-01",
                "2026-06-30",
                "2024-12-31",
                &["items[0].invoice_date"],
            ),
        ];
        for (starts_on, ends_on, invoice, refused) in cases {
            let mut input = good();
            input.starts_on = Some((*starts_on).into());
            input.ends_on = Some((*ends_on).into());
            input.items[0].invoice_date = Some((*invoice).into());
            let record = validate_draft(&input, "2026-11-26").unwrap();
            let fields: Vec<String> = validate_complete(&record, window(Programme::PostCompletion))
                .into_iter()
                .map(|e| e.field)
                .collect();
            assert_eq!(fields, *refused, "{starts_on}–{ends_on}, invoice {invoice}");
        }
    }

    #[test]
    fn project_names_compare_without_spaces_case_or_width() {
        assert_eq!(project_key("智能产线 A"), project_key("智能产线Ａ"));
        assert_eq!(project_key("Line\u{3000}2"), "line2");
    }
}
