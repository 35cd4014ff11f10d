//! Money in fen (分), the smallest unit of the yuan. Never a float.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Text;

/// An amount of money in fen (1 yuan = 100 fen).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Fen(i64);

/// Why a string is not an amount of yuan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not an amount of {unit}: {reason}")]
pub struct FenParseError {
    input: String,
    unit: &'static str,
    reason: &'static str,
}

impl FenParseError {
    /// The reason in both languages.
    pub fn text(&self) -> Text {
        let reason_zh = match self.reason {
            "empty" => "为空",
            "too many decimal places" => "小数位过多",
            "out of range" => "超出范围",
            _ => "格式不正确",
        };
        let unit_zh = if self.unit == "yuan" { "元" } else { "万元" };
        Text::owned(
            format!("“{}”不是有效的金额（{unit_zh}）：{reason_zh}", self.input),
            self.to_string(),
        )
    }
}

impl Fen {
    /// The largest amount the platform accepts anywhere: one trillion yuan.
    pub const MAX: Fen = Fen(100_000_000_000_000);

    /// An amount from a number of fen.
    pub const fn new(fen: i64) -> Self {
        Fen(fen)
    }

    /// The number of fen.
    pub const fn get(self) -> i64 {
        self.0
    }

    /// Parses an amount written in yuan: `1234`, `1234.5`, `1,234.56`, `¥1,234.56`, `1234元`,
    /// full-width digits; at most two decimal places.
    pub fn parse_yuan(input: &str) -> Result<Self, FenParseError> {
        parse_scaled(input, 2, "yuan")
    }

    /// Parses an amount written in ten-thousands of yuan (万元), as government statistics tables
    /// usually give revenue and investment: at most six decimal places (one fen).
    pub fn parse_wan_yuan(input: &str) -> Result<Self, FenParseError> {
        parse_scaled(input, 6, "ten-thousand yuan")
    }

    /// The amount in yuan with thousands separators and two decimals, e.g. `1,234,567.89`.
    pub fn to_yuan_string(self) -> String {
        let negative = self.0 < 0;
        let magnitude = self.0.unsigned_abs();
        let yuan = magnitude / 100;
        let fen = magnitude % 100;
        let digits = yuan.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (index, digit) in digits.chars().enumerate() {
            if index > 0 && (digits.len() - index).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        format!("{}{grouped}.{fen:02}", if negative { "-" } else { "" })
    }

    /// The amount in yuan as a plain decimal without separators, e.g. `1234567.89`, for
    /// spreadsheets that must read it back as a number.
    pub fn to_plain_yuan_string(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", magnitude / 100, magnitude % 100)
    }
}

fn parse_scaled(
    input: &str,
    decimals_allowed: usize,
    unit: &'static str,
) -> Result<Fen, FenParseError> {
    let fail = |reason: &'static str| FenParseError {
        input: input.to_owned(),
        unit,
        reason,
    };
    let cleaned: String = input
        .trim()
        .chars()
        .map(|c| match c {
            '\u{FF10}'..='\u{FF19}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '．' => '.',
            '－' => '-',
            other => other,
        })
        .filter(|c| !matches!(c, ',' | '，' | ' ' | '¥' | '￥'))
        .collect();
    let cleaned = cleaned
        .strip_suffix("万元")
        .or_else(|| cleaned.strip_suffix('元'))
        .unwrap_or(&cleaned);
    if cleaned.is_empty() {
        return Err(fail("empty"));
    }
    let (negative, unsigned) = match cleaned.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cleaned),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    if whole.is_empty() && fraction.is_empty() {
        return Err(fail("no digits"));
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err(fail("not a decimal number"));
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > decimals_allowed {
        return Err(fail("too many decimal places"));
    }
    // Units per fen: yuan has 100 fen, 万元 has 1,000,000 fen.
    let fen_per_unit: i128 = if decimals_allowed == 2 {
        100
    } else {
        1_000_000
    };
    let whole_value: i128 = if whole.is_empty() {
        0
    } else {
        whole.parse::<i128>().map_err(|_| fail("out of range"))?
    };
    let mut fraction_value: i128 = 0;
    for (index, digit) in fraction.bytes().enumerate() {
        let place = fen_per_unit / 10i128.pow(index as u32 + 1);
        fraction_value += i128::from(digit - b'0') * place;
    }
    let magnitude = whole_value
        .checked_mul(fen_per_unit)
        .ok_or_else(|| fail("out of range"))?
        + fraction_value;
    if magnitude > i128::from(Fen::MAX.0) {
        return Err(fail("out of range"));
    }
    let value = magnitude as i64;
    Ok(Fen(if negative { -value } else { value }))
}

impl fmt::Display for Fen {
    /// Displays yuan with separators, e.g. `1,234.56`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_yuan_string())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn parses_the_ways_people_write_yuan() {
        let check = |input: &str, expected: Option<i64>| {
            assert_eq!(
                Fen::parse_yuan(input).ok().map(Fen::get),
                expected,
                "{input:?}"
            );
        };
        check("1234", Some(123_400));
        check("1234.5", Some(123_450));
        check("1,234.56", Some(123_456));
        check("¥1,234.56", Some(123_456));
        check("１２３４．５６元", Some(123_456));
        check("0.01", Some(1));
        check(".5", Some(50));
        check("-3", Some(-300));
        check("1.234", None);
        check("1.2.3", None);
        check("abc", None);
        check("", None);
        check(".", None);
        check("1e5", None);
        check("99999999999999999999999", None);
    }

    #[test]
    fn parses_ten_thousands_of_yuan() {
        assert_eq!(Fen::parse_wan_yuan("2000").map(Fen::get), Ok(2_000_000_000));
        assert_eq!(Fen::parse_wan_yuan("1.5万元").map(Fen::get), Ok(1_500_000));
        assert_eq!(Fen::parse_wan_yuan("0.000001").map(Fen::get), Ok(1));
        assert!(Fen::parse_wan_yuan("0.0000001").is_err());
    }

    #[test]
    fn formats_with_separators() {
        assert_eq!(Fen::new(0).to_yuan_string(), "0.00");
        assert_eq!(Fen::new(5).to_yuan_string(), "0.05");
        assert_eq!(Fen::new(123_456_789).to_yuan_string(), "1,234,567.89");
        assert_eq!(Fen::new(-100_000).to_yuan_string(), "-1,000.00");
        assert_eq!(Fen::new(-100_000).to_plain_yuan_string(), "-1000.00");
    }

    proptest! {
        #[test]
        fn formatting_round_trips(fen in -Fen::MAX.get()..=Fen::MAX.get()) {
            let amount = Fen::new(fen);
            prop_assert_eq!(Fen::parse_yuan(&amount.to_yuan_string()), Ok(amount));
            prop_assert_eq!(Fen::parse_yuan(&amount.to_plain_yuan_string()), Ok(amount));
        }

        #[test]
        fn arbitrary_input_never_panics(input in "\\PC{0,30}") {
            let _ = Fen::parse_yuan(&input);
            let _ = Fen::parse_wan_yuan(&input);
        }
    }
}
