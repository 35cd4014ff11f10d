//! The spreadsheet columns of the registry, shared by import and export so that an exported
//! file imports back unchanged.

/// One column of the registry spreadsheet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    /// The field it fills (the API's field name), or a pseudo-field for alternatives.
    pub(crate) field: ColumnField,
    /// Header in Chinese (written on export).
    pub(crate) zh: &'static str,
    /// Header in English (written on export).
    pub(crate) en: &'static str,
    /// Further headers accepted on import.
    pub(crate) aliases: &'static [&'static str],
}

/// What a column fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ColumnField {
    CreditCode,
    Name,
    LegalRepresentative,
    Town,
    IndustryCode,
    AboveDesignatedSize,
    Employees,
    RevenueYuan,
    RevenueWanYuan,
    Address,
    ContactName,
    ContactPhone,
    ContactEmail,
    EstablishedOn,
    Recognitions,
    /// Export only: the industry class's name beside its code, ignored on import.
    IndustryName,
}

impl ColumnField {
    /// The API field name used in error reports.
    pub(crate) fn api_name(self) -> &'static str {
        match self {
            ColumnField::CreditCode => "credit_code",
            ColumnField::Name => "name",
            ColumnField::LegalRepresentative => "legal_representative",
            ColumnField::Town => "town_code",
            ColumnField::IndustryCode => "industry_code",
            ColumnField::AboveDesignatedSize => "above_designated_size",
            ColumnField::Employees => "employees",
            ColumnField::RevenueYuan | ColumnField::RevenueWanYuan => "annual_revenue_fen",
            ColumnField::Address => "address",
            ColumnField::ContactName => "contact_name",
            ColumnField::ContactPhone => "contact_phone",
            ColumnField::ContactEmail => "contact_email",
            ColumnField::EstablishedOn => "established_on",
            ColumnField::Recognitions => "recognitions",
            ColumnField::IndustryName => "industry_name",
        }
    }
}

/// Every column, in export order.
pub(crate) const COLUMNS: &[Column] = &[
    Column {
        field: ColumnField::CreditCode,
        zh: "统一社会信用代码",
        en: "Unified social credit code",
        aliases: &[
            "信用代码",
            "社会信用代码",
            "统一代码",
            "credit code",
            "credit_code",
        ],
    },
    Column {
        field: ColumnField::Name,
        zh: "企业名称",
        en: "Name",
        aliases: &["名称", "单位名称", "企业", "company", "enterprise", "name"],
    },
    Column {
        field: ColumnField::LegalRepresentative,
        zh: "法定代表人",
        en: "Legal representative",
        aliases: &["法人", "法人代表", "legal_representative"],
    },
    Column {
        field: ColumnField::Town,
        zh: "镇街",
        en: "Town",
        aliases: &[
            "所属镇街",
            "镇区",
            "所在镇街",
            "镇街代码",
            "town_code",
            "town",
        ],
    },
    Column {
        field: ColumnField::IndustryCode,
        zh: "行业代码",
        en: "Industry class",
        aliases: &[
            "行业分类代码",
            "国民经济行业代码",
            "行业小类",
            "行业",
            "industry_code",
            "industry",
        ],
    },
    Column {
        field: ColumnField::IndustryName,
        zh: "行业名称",
        en: "Industry name",
        aliases: &["industry_name"],
    },
    Column {
        field: ColumnField::AboveDesignatedSize,
        zh: "规上企业",
        en: "Above designated size",
        aliases: &["是否规上", "规模以上", "规上", "above_designated_size"],
    },
    Column {
        field: ColumnField::Employees,
        zh: "从业人员",
        en: "Employees",
        aliases: &["从业人数", "员工人数", "职工人数", "employees"],
    },
    Column {
        field: ColumnField::RevenueYuan,
        zh: "年营业收入（元）",
        en: "Annual revenue (yuan)",
        aliases: &[
            "营业收入（元）",
            "年营业收入",
            "营业收入",
            "annual revenue",
            "revenue (yuan)",
            "annual_revenue_yuan",
        ],
    },
    Column {
        field: ColumnField::RevenueWanYuan,
        zh: "年营业收入（万元）",
        en: "Annual revenue (10,000 yuan)",
        aliases: &[
            "营业收入（万元）",
            "revenue (10,000 yuan)",
            "annual_revenue_wan_yuan",
        ],
    },
    Column {
        field: ColumnField::Address,
        zh: "地址",
        en: "Address",
        aliases: &["注册地址", "经营地址", "企业地址", "address"],
    },
    Column {
        field: ColumnField::ContactName,
        zh: "联系人",
        en: "Contact",
        aliases: &["联系人姓名", "contact", "contact_name"],
    },
    Column {
        field: ColumnField::ContactPhone,
        zh: "联系电话",
        en: "Telephone",
        aliases: &[
            "电话",
            "手机",
            "联系方式",
            "phone",
            "telephone",
            "contact_phone",
        ],
    },
    Column {
        field: ColumnField::ContactEmail,
        zh: "电子邮箱",
        en: "E-mail",
        aliases: &["邮箱", "email", "e-mail", "contact_email"],
    },
    Column {
        field: ColumnField::EstablishedOn,
        zh: "成立日期",
        en: "Established on",
        aliases: &["成立时间", "注册日期", "established", "established_on"],
    },
    Column {
        field: ColumnField::Recognitions,
        zh: "认定",
        en: "Recognitions",
        aliases: &["认定情况", "资质认定", "recognitions"],
    },
];

/// Columns an import must have.
pub(crate) const REQUIRED: &[ColumnField] = &[
    ColumnField::CreditCode,
    ColumnField::Name,
    ColumnField::LegalRepresentative,
    ColumnField::Town,
    ColumnField::IndustryCode,
    ColumnField::AboveDesignatedSize,
];

/// A header as people write it, reduced for comparison: no white space, ASCII parentheses,
/// lower case, no trailing required-field marker.
pub(crate) fn normalize_header(header: &str) -> String {
    header
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '*' && *c != '＊')
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            other => other.to_ascii_lowercase(),
        })
        .collect()
}

/// The column a header names, if any.
pub(crate) fn column_for_header(header: &str) -> Option<&'static Column> {
    let wanted = normalize_header(header);
    if wanted.is_empty() {
        return None;
    }
    COLUMNS.iter().find(|column| {
        normalize_header(column.zh) == wanted
            || normalize_header(column.en) == wanted
            || column
                .aliases
                .iter()
                .any(|alias| normalize_header(alias) == wanted)
    })
}

pub(crate) use zhizao_sheets::column_letter;

/// Makes a text cell safe to open in a spreadsheet program: a value that would start a formula
/// (`=`, `+`, `-`, `@`, tab, carriage return) gets a leading apostrophe, which spreadsheet
/// programs show as text and which import removes again.
pub(crate) fn escape_formula(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

/// Reverses [`escape_formula`].
pub(crate) fn unescape_formula(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => value,
    }
}

/// Writes recognitions as one cell: `国家级智能制造试点示范项目（2019）；省级企业技术中心（2018）`
/// (or the English equivalent), with a title after a colon when there is one.
pub(crate) fn format_recognitions(
    recognitions: &[crate::Recognition],
    language: zhizao_core::Language,
) -> String {
    use zhizao_core::Language;
    let separator = if language == Language::ZhCn {
        "；"
    } else {
        "; "
    };
    recognitions
        .iter()
        .map(|r| {
            let kind = r.kind.label();
            let level = r.level.label();
            let mut text = match language {
                Language::ZhCn => format!("{}{}（{}）", level.zh, kind.zh, r.year),
                Language::En => format!("{} {} ({})", level.en, kind.en, r.year),
            };
            if !r.title.is_empty() {
                text.push_str(if language == Language::ZhCn {
                    "："
                } else {
                    ": "
                });
                text.push_str(&r.title);
            }
            text
        })
        .collect::<Vec<_>>()
        .join(separator)
}

/// Reads a recognitions cell written by [`format_recognitions`] or by hand (`省级技术中心 2018`).
pub(crate) fn parse_recognitions(
    cell: &str,
) -> Result<Vec<crate::RecognitionInput>, zhizao_core::Text> {
    use crate::{RecognitionKind, RecognitionLevel};
    let mut result = Vec::new();
    for item in cell
        .split(['；', ';', '\n', '、'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let (head, title) = match item.split_once(['：', ':']) {
            Some((head, title)) => (head.trim(), title.trim()),
            None => (item, ""),
        };
        let lower = head.to_lowercase();
        let level = if lower.starts_with("国家") || lower.starts_with("national") {
            Some(RecognitionLevel::National)
        } else if lower.starts_with('省') || lower.starts_with("provincial") {
            Some(RecognitionLevel::Provincial)
        } else if lower.starts_with('市') || lower.starts_with("city") {
            Some(RecognitionLevel::City)
        } else {
            None
        };
        let kind = if lower.contains("示范") || lower.contains("demonstration") {
            Some(RecognitionKind::DemonstrationProject)
        } else if lower.contains("技术中心") || lower.contains("technology cent") {
            Some(RecognitionKind::TechnologyCenter)
        } else if lower.contains("设计中心") || lower.contains("design cent") {
            Some(RecognitionKind::DesignCenter)
        } else if lower.contains("实验室") || lower.contains("laborator") {
            Some(RecognitionKind::Laboratory)
        } else {
            None
        };
        let digits: String = head
            .chars()
            .map(|c| if c.is_ascii_digit() { c } else { ' ' })
            .collect();
        let year = digits
            .split_whitespace()
            .find(|d| d.len() == 4)
            .and_then(|d| d.parse::<i64>().ok());
        match (level, kind, year) {
            (Some(level), Some(kind), Some(year)) => result.push(crate::RecognitionInput {
                kind: kind.as_str().to_owned(),
                level: level.as_str().to_owned(),
                year,
                title: title.to_owned(),
            }),
            _ => {
                return Err(zhizao_core::Text::owned(
                    format!("无法识别认定“{item}”，应写作如“省级企业技术中心（2018）”"),
                    format!(
                        "cannot read recognition {item:?}; write it like \"Provincial Enterprise technology centre (2018)\""
                    ),
                ));
            }
        }
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_in_either_language_and_common_variants() {
        let check = |header: &str, expected: Option<ColumnField>| {
            assert_eq!(
                column_for_header(header).map(|c| c.field),
                expected,
                "{header:?}"
            );
        };
        check("统一社会信用代码", Some(ColumnField::CreditCode));
        check(" 统一社会信用代码* ", Some(ColumnField::CreditCode));
        check("Unified Social Credit Code", Some(ColumnField::CreditCode));
        check("年营业收入(万元)", Some(ColumnField::RevenueWanYuan));
        check("年营业收入（元）", Some(ColumnField::RevenueYuan));
        check("法人", Some(ColumnField::LegalRepresentative));
        check("备注", None);
        check("", None);
    }

    #[test]
    fn every_header_is_unambiguous() {
        let mut seen = std::collections::HashMap::new();
        for column in COLUMNS {
            for header in [column.zh, column.en].iter().chain(column.aliases) {
                if let Some(previous) = seen.insert(normalize_header(header), column.field) {
                    assert_eq!(
                        previous, column.field,
                        "header {header:?} names two columns"
                    );
                }
            }
        }
    }

    #[test]
    fn letters_and_formula_escaping() {
        assert_eq!(
            [0, 1, 25, 26, 27, 701, 702].map(column_letter),
            ["A", "B", "Z", "AA", "AB", "ZZ", "AAA"]
        );
        for value in [
            "=1+1", "+86 760", "-3", "@SUM(A1)", "\tx", "plain", "'quoted",
        ] {
            assert_eq!(unescape_formula(&escape_formula(value)), value);
            assert!(!escape_formula(value).starts_with(['=', '+', '-', '@', '\t']));
        }
    }
}
