//! Turning submitted enterprise fields into a valid record, with every problem named.

use std::collections::{HashMap, HashSet};

use sqlx::AnyConnection;
use zhizao_core::{CreditCode, Fen, FieldError, IndustryCode, Text, Timestamp};

use crate::Result;
use crate::model::{
    Enterprise, EnterpriseInput, RecognitionInput, RecognitionKind, RecognitionLevel, Town,
};

/// The reference data validation needs, loaded once per operation.
#[derive(Debug, Clone)]
pub(crate) struct References {
    towns: Vec<Town>,
    classes: HashMap<String, String>,
}

impl References {
    pub(crate) async fn load(connection: &mut AnyConnection) -> Result<Self> {
        let towns: Vec<Town> = sqlx::query_as(
            "SELECT code, name_zh, name_en, kind, valid_from, valid_to, successor_code FROM towns ORDER BY sort_order",
        )
        .fetch_all(&mut *connection)
        .await?;
        let classes: Vec<(String, String)> =
            sqlx::query_as("SELECT code, name_zh FROM industries WHERE level = 'class'")
                .fetch_all(&mut *connection)
                .await?;
        Ok(References {
            towns,
            classes: classes.into_iter().collect(),
        })
    }

    /// The town a spreadsheet or form names: its code, its Chinese name with or without the
    /// 镇/街道 suffix, or its English name. Retired towns are refused with their successor named.
    pub(crate) fn resolve_town(&self, input: &str) -> std::result::Result<&Town, Text> {
        let wanted = input.trim();
        let stem = |name: &str| -> String {
            let name = name.split('（').next().unwrap_or(name);
            name.trim_end_matches("街道")
                .trim_end_matches('镇')
                .to_owned()
        };
        let found = self.towns.iter().filter(|t| t.is_current()).find(|t| {
            t.code == wanted
                || t.name_zh == wanted
                || stem(&t.name_zh) == stem(wanted)
                || t.name_en.eq_ignore_ascii_case(wanted)
        });
        if let Some(town) = found {
            return Ok(town);
        }
        let retired = self
            .towns
            .iter()
            .find(|t| t.code == wanted || t.name_zh == wanted || stem(&t.name_zh) == stem(wanted));
        match retired {
            Some(town) => {
                let successor = town
                    .successor_code
                    .as_deref()
                    .and_then(|code| self.towns.iter().find(|t| t.code == code));
                let (zh, en) = successor.map_or(("（无）", "none"), |s| {
                    (s.name_zh.as_str(), s.name_en.as_str())
                });
                Err(Text::owned(
                    format!(
                        "“{}”已于 {} 撤并，请改用“{zh}”",
                        town.name_zh,
                        town.valid_to.as_deref().unwrap_or("")
                    ),
                    format!(
                        "{} was merged on {}; use {en} instead",
                        town.name_en,
                        town.valid_to.as_deref().unwrap_or("")
                    ),
                ))
            }
            None => Err(Text::owned(
                format!("未知的镇街“{wanted}”（可填写乡级区划代码或镇街名称）"),
                format!("unknown town {wanted:?} (give the township code or the town's name)"),
            )),
        }
    }

    /// The retired town's successor, for scope checks.
    pub(crate) fn successor_of(&self, code: &str) -> Option<String> {
        self.towns
            .iter()
            .find(|t| t.code == code)
            .and_then(|t| t.successor_code.clone())
    }

    /// The industry class a form or spreadsheet names: `3851`, `C3851`, or the code followed by
    /// the class's name.
    pub(crate) fn resolve_industry(&self, input: &str) -> std::result::Result<String, Text> {
        let token = input.split_whitespace().next().unwrap_or("");
        let code = IndustryCode::parse(token)?;
        if self.classes.contains_key(code.as_str()) {
            Ok(code.as_str().to_owned())
        } else if code.as_str().len() < 4 {
            Err(Text::owned(
                format!("“{code}”不是小类代码，请填写 4 位行业小类代码"),
                format!("{code} is not a class; give the 4-digit industry class"),
            ))
        } else {
            Err(Text::owned(
                format!("“{code}”不是国民经济行业分类（GB/T 4754-2017）制造业小类"),
                format!("{code} is not a GB/T 4754-2017 manufacturing class"),
            ))
        }
    }
}

/// An enterprise's fields after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EnterpriseRecord {
    pub(crate) credit_code: CreditCode,
    pub(crate) name: String,
    pub(crate) legal_representative: String,
    pub(crate) town_code: String,
    pub(crate) industry_code: String,
    pub(crate) above_designated_size: bool,
    pub(crate) employees: Option<i64>,
    pub(crate) annual_revenue_fen: Option<Fen>,
    pub(crate) address: String,
    pub(crate) contact_name: String,
    pub(crate) contact_phone: String,
    pub(crate) contact_email: String,
    pub(crate) established_on: Option<String>,
    pub(crate) recognitions: Vec<RecognitionInput>,
}

fn required(field: &str) -> FieldError {
    FieldError::new(field, Text::new("必填", "is required"))
}

fn text_field(
    field: &str,
    value: &str,
    min: usize,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> String {
    let value = value.trim();
    let length = value.chars().count();
    if length < min {
        errors.push(required(field));
    } else if length > max {
        errors.push(FieldError::new(
            field,
            Text::owned(
                format!("不能超过 {max} 个字符"),
                format!("must have at most {max} characters"),
            ),
        ));
    } else if value.chars().any(|c| c.is_control()) {
        errors.push(FieldError::new(
            field,
            Text::new("含有不可见的控制字符", "contains control characters"),
        ));
    }
    value.to_owned()
}

fn check_phone(value: &str, errors: &mut Vec<FieldError>) {
    if !value.is_empty()
        && !value.chars().all(|c| {
            c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')' | '（' | '）' | '转')
        })
    {
        errors.push(FieldError::new(
            "contact_phone",
            Text::new(
                "电话号码只能包含数字和 + - ( ) 空格",
                "a telephone number may contain only digits, + - ( ) and spaces",
            ),
        ));
    }
}

fn check_email(value: &str, errors: &mut Vec<FieldError>) {
    let valid = value.is_empty()
        || value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !value.contains(char::is_whitespace)
        });
    if !valid {
        errors.push(FieldError::new(
            "contact_email",
            Text::new("电子邮箱格式不正确", "not an e-mail address"),
        ));
    }
}

fn check_date(value: &str, today: &str, errors: &mut Vec<FieldError>) {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(value, &format) {
        Ok(date) if date.year() >= 1900 && value <= today => {}
        Ok(_) => errors.push(FieldError::new(
            "established_on",
            Text::new(
                "成立日期须在 1900 年之后且不晚于今天",
                "the date must be after 1900 and not in the future",
            ),
        )),
        Err(_) => errors.push(FieldError::new(
            "established_on",
            Text::owned(
                format!("“{value}”不是 YYYY-MM-DD 格式的日期"),
                format!("{value:?} is not a date in YYYY-MM-DD form"),
            ),
        )),
    }
}

/// Limits on numbers an enterprise can plausibly have.
const MAX_EMPLOYEES: i64 = 10_000_000;

fn check_recognitions(
    recognitions: &[RecognitionInput],
    current_year: i64,
    errors: &mut Vec<FieldError>,
) {
    let mut seen = HashSet::new();
    for (index, recognition) in recognitions.iter().enumerate() {
        let field = |name: &str| format!("recognitions[{index}].{name}");
        if let Err(error) = recognition.kind.parse::<RecognitionKind>() {
            errors.push(FieldError::new(field("kind"), error.text()));
        }
        if let Err(error) = recognition.level.parse::<RecognitionLevel>() {
            errors.push(FieldError::new(field("level"), error.text()));
        }
        if !(1980..=current_year).contains(&recognition.year) {
            errors.push(FieldError::new(
                field("year"),
                Text::owned(
                    format!("年份须在 1980–{current_year} 之间"),
                    format!("the year must be between 1980 and {current_year}"),
                ),
            ));
        }
        if recognition.title.chars().count() > 200 {
            errors.push(FieldError::new(
                field("title"),
                Text::new("不能超过 200 个字符", "must have at most 200 characters"),
            ));
        }
        if !seen.insert((
            recognition.kind.clone(),
            recognition.level.clone(),
            recognition.year,
        )) {
            errors.push(FieldError::new(
                field("kind"),
                Text::new("同一认定重复出现", "the same recognition appears twice"),
            ));
        }
    }
}

/// Validates the fields of a new enterprise; `today` is `YYYY-MM-DD` in Shanghai.
pub(crate) fn validate_new(
    input: &EnterpriseInput,
    references: &References,
    today: &str,
) -> std::result::Result<EnterpriseRecord, Vec<FieldError>> {
    let mut errors = Vec::new();
    let credit_code = match input
        .credit_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        None => {
            errors.push(required("credit_code"));
            None
        }
        Some(code) => CreditCode::parse(code)
            .map_err(|e| errors.push(FieldError::new("credit_code", e.text())))
            .ok(),
    };
    let blank = Enterprise {
        id: 0,
        credit_code: String::new(),
        name: String::new(),
        legal_representative: String::new(),
        town_code: String::new(),
        town_name_zh: String::new(),
        town_name_en: String::new(),
        industry_code: String::new(),
        industry_name_zh: String::new(),
        above_designated_size: false,
        employees: None,
        annual_revenue_fen: None,
        address: String::new(),
        contact_name: String::new(),
        contact_phone: String::new(),
        contact_email: String::new(),
        established_on: None,
        created_at: Timestamp::from_millis(0),
        updated_at: Timestamp::from_millis(0),
        version: 0,
        recognitions: Vec::new(),
    };
    for (field, given) in [
        ("name", input.name.is_some()),
        ("legal_representative", input.legal_representative.is_some()),
        ("town_code", input.town.is_some()),
        ("industry_code", input.industry_code.is_some()),
        (
            "above_designated_size",
            input.above_designated_size.is_some(),
        ),
    ] {
        if !given {
            errors.push(required(field));
        }
    }
    let merged = merge(&blank, input, references, today, &mut errors);
    match (credit_code, errors.is_empty()) {
        (Some(credit_code), true) => Ok(EnterpriseRecord {
            credit_code,
            ..merged
        }),
        _ => Err(dedup(errors)),
    }
}

/// Validates changes to an existing enterprise, returning the record as it will be.
pub(crate) fn validate_update(
    current: &Enterprise,
    input: &EnterpriseInput,
    references: &References,
    today: &str,
) -> std::result::Result<EnterpriseRecord, Vec<FieldError>> {
    let mut errors = Vec::new();
    if let Some(code) = &input.credit_code
        && code.trim() != current.credit_code
    {
        errors.push(FieldError::new(
            "credit_code",
            Text::new(
                "统一社会信用代码登记后不能修改",
                "the credit code cannot change after registration",
            ),
        ));
    }
    let record = merge(current, input, references, today, &mut errors);
    if errors.is_empty() {
        Ok(record)
    } else {
        Err(dedup(errors))
    }
}

fn dedup(errors: Vec<FieldError>) -> Vec<FieldError> {
    let mut seen = HashSet::new();
    errors
        .into_iter()
        .filter(|e| seen.insert(e.field.clone()))
        .collect()
}

fn merge(
    current: &Enterprise,
    input: &EnterpriseInput,
    references: &References,
    today: &str,
    errors: &mut Vec<FieldError>,
) -> EnterpriseRecord {
    let name = text_field(
        "name",
        input.name.as_deref().unwrap_or(&current.name),
        1,
        200,
        errors,
    );
    let legal_representative = text_field(
        "legal_representative",
        input
            .legal_representative
            .as_deref()
            .unwrap_or(&current.legal_representative),
        1,
        50,
        errors,
    );
    let town_code = match &input.town {
        Some(town) if town.trim().is_empty() => {
            errors.push(required("town_code"));
            String::new()
        }
        Some(town) => references
            .resolve_town(town)
            .map(|t| t.code.clone())
            .unwrap_or_else(|message| {
                errors.push(FieldError::new("town_code", message));
                String::new()
            }),
        None => current.town_code.clone(),
    };
    let industry_code = match &input.industry_code {
        Some(code) if code.trim().is_empty() => {
            errors.push(required("industry_code"));
            String::new()
        }
        Some(code) => references.resolve_industry(code).unwrap_or_else(|message| {
            errors.push(FieldError::new("industry_code", message));
            String::new()
        }),
        None => current.industry_code.clone(),
    };
    let employees = input.employees.unwrap_or(current.employees);
    if employees.is_some_and(|n| !(0..=MAX_EMPLOYEES).contains(&n)) {
        errors.push(FieldError::new(
            "employees",
            Text::owned(
                format!("从业人员须在 0–{MAX_EMPLOYEES} 之间"),
                format!("must be between 0 and {MAX_EMPLOYEES}"),
            ),
        ));
    }
    let annual_revenue_fen = input
        .annual_revenue_fen
        .unwrap_or(current.annual_revenue_fen);
    if annual_revenue_fen.is_some_and(|n| !(Fen::new(0)..=Fen::MAX).contains(&n)) {
        errors.push(FieldError::new(
            "annual_revenue_fen",
            Text::new(
                "年营业收入须在 0 到 1 万亿元之间",
                "must be between 0 and one trillion yuan",
            ),
        ));
    }
    let address = text_field(
        "address",
        input.address.as_deref().unwrap_or(&current.address),
        0,
        300,
        errors,
    );
    let contact_name = text_field(
        "contact_name",
        input
            .contact_name
            .as_deref()
            .unwrap_or(&current.contact_name),
        0,
        50,
        errors,
    );
    let contact_phone = text_field(
        "contact_phone",
        input
            .contact_phone
            .as_deref()
            .unwrap_or(&current.contact_phone),
        0,
        40,
        errors,
    );
    check_phone(&contact_phone, errors);
    let contact_email = text_field(
        "contact_email",
        input
            .contact_email
            .as_deref()
            .unwrap_or(&current.contact_email),
        0,
        200,
        errors,
    );
    check_email(&contact_email, errors);
    let established_on = match &input.established_on {
        Some(value) => value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned),
        None => current.established_on.clone(),
    };
    if let Some(date) = &established_on {
        check_date(date, today, errors);
    }
    let current_year: i64 = today.get(..4).and_then(|y| y.parse().ok()).unwrap_or(2100);
    let recognitions = match &input.recognitions {
        Some(recognitions) => {
            check_recognitions(recognitions, current_year, errors);
            recognitions.clone()
        }
        None => current
            .recognitions
            .iter()
            .map(|r| RecognitionInput {
                kind: r.kind.as_str().to_owned(),
                level: r.level.as_str().to_owned(),
                year: r.year,
                title: r.title.clone(),
            })
            .collect(),
    };
    EnterpriseRecord {
        credit_code: CreditCode::parse(&current.credit_code).unwrap_or_else(|_| placeholder_code()),
        name,
        legal_representative,
        town_code,
        industry_code,
        above_designated_size: input
            .above_designated_size
            .unwrap_or(current.above_designated_size),
        employees,
        annual_revenue_fen,
        address,
        contact_name,
        contact_phone,
        contact_email,
        established_on,
        recognitions,
    }
}

/// A syntactically valid code used only while merging a new record, replaced before use.
fn placeholder_code() -> CreditCode {
    CreditCode::from_parts('9', '1', "442000", "00000000").expect("constant parts are valid")
}
