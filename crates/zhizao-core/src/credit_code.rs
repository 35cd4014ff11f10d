//! Unified social credit codes (统一社会信用代码, GB 32100-2015).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Text;

/// The 31 symbols a credit code is written with (no I, O, S, V, Z), in value order.
pub const CREDIT_CODE_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights of positions 1–17 for the final check character: 3^(i-1) mod 31.
const CHECK_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Weights of the eight body characters of an organisation code (GB 11714).
const ORGANIZATION_CODE_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// A unified social credit code whose alphabet, division code and both check characters have
/// been verified.
///
/// The 18 characters are: 1 registration authority, 2 organisation type, 3–8 administrative
/// division code, 9–17 organisation code (GB 11714, its own check character in position 17),
/// 18 check character over positions 1–17.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CreditCode(String);

/// Why a string is not a unified social credit code. Positions are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    /// The code is not 18 characters long.
    #[error("a unified social credit code has 18 characters, found {found}")]
    WrongLength {
        /// The number of characters found.
        found: usize,
    },
    /// A character outside the 31-symbol alphabet.
    #[error(
        "character {character:?} at position {position} is not allowed (allowed: digits and A–Y except I, O, S, V, Z)"
    )]
    InvalidCharacter {
        /// 1-based position.
        position: usize,
        /// The offending character.
        character: char,
    },
    /// Positions 3–8 must be the six digits of an administrative division code.
    #[error(
        "position {position} must be a digit of the administrative division code (positions 3–8)"
    )]
    DivisionCodeNotNumeric {
        /// 1-based position.
        position: usize,
    },
    /// The organisation code's check character (position 17) does not match positions 9–16.
    #[error(
        "the organisation code check character (position 17) should be {expected:?}, found {found:?}"
    )]
    OrganizationCodeCheck {
        /// What positions 9–16 call for.
        expected: char,
        /// What the code has.
        found: char,
    },
    /// The final check character (position 18) does not match positions 1–17.
    #[error("the check character (position 18) should be {expected:?}, found {found:?}")]
    CheckCharacter {
        /// What positions 1–17 call for.
        expected: char,
        /// What the code has.
        found: char,
    },
}

impl CreditCodeError {
    /// The reason in both languages, for forms and import reports.
    pub fn text(&self) -> Text {
        let zh = match self {
            CreditCodeError::WrongLength { found } => {
                format!("统一社会信用代码应为 18 位，实际为 {found} 位")
            }
            CreditCodeError::InvalidCharacter {
                position,
                character,
            } => {
                format!(
                    "第 {position} 位字符“{character}”不合法（只允许数字和除 I、O、S、V、Z 以外的大写字母）"
                )
            }
            CreditCodeError::DivisionCodeNotNumeric { position } => {
                format!("第 {position} 位应为行政区划码数字（第 3–8 位）")
            }
            CreditCodeError::OrganizationCodeCheck { expected, found } => {
                format!("组织机构代码校验位（第 17 位）应为“{expected}”，实际为“{found}”")
            }
            CreditCodeError::CheckCharacter { expected, found } => {
                format!("校验位（第 18 位）应为“{expected}”，实际为“{found}”")
            }
        };
        Text::owned(zh, self.to_string())
    }
}

impl CreditCode {
    /// Parses a credit code, accepting lower case, surrounding white space and full-width
    /// characters (as they often appear in spreadsheets typed with a Chinese input method).
    pub fn parse(input: &str) -> Result<Self, CreditCodeError> {
        let normalized: String = input.trim().chars().map(to_half_width_upper).collect();
        let characters: Vec<char> = normalized.chars().collect();
        if characters.len() != 18 {
            return Err(CreditCodeError::WrongLength {
                found: characters.len(),
            });
        }
        let mut values = [0u32; 18];
        for (index, &character) in characters.iter().enumerate() {
            values[index] = symbol_value(character).ok_or(CreditCodeError::InvalidCharacter {
                position: index + 1,
                character,
            })?;
        }
        for (index, &character) in characters.iter().enumerate().take(8).skip(2) {
            if !character.is_ascii_digit() {
                return Err(CreditCodeError::DivisionCodeNotNumeric {
                    position: index + 1,
                });
            }
        }
        let expected_org = organization_code_check(&characters[8..16]);
        if characters[16] != expected_org {
            return Err(CreditCodeError::OrganizationCodeCheck {
                expected: expected_org,
                found: characters[16],
            });
        }
        let expected = final_check_character(&values[..17]);
        if characters[17] != expected {
            return Err(CreditCodeError::CheckCharacter {
                expected,
                found: characters[17],
            });
        }
        Ok(CreditCode(normalized))
    }

    /// Builds a valid code from its parts, computing both check characters.
    ///
    /// `registration` and `organization_type` are positions 1 and 2 (e.g. `'9'`, `'1'` for an
    /// enterprise registered with market regulation), `division` the six-digit administrative
    /// division code, `organization_body` the eight body characters of the organisation code.
    /// Returns `None` when a part is not of that form.
    pub fn from_parts(
        registration: char,
        organization_type: char,
        division: &str,
        organization_body: &str,
    ) -> Option<Self> {
        if division.len() != 6 || !division.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let body: Vec<char> = organization_body.chars().collect();
        if body.len() != 8 || body.iter().any(|&c| symbol_value(c).is_none()) {
            return None;
        }
        let mut characters = vec![registration, organization_type];
        characters.extend(division.chars());
        characters.extend(body.iter().copied());
        characters.push(organization_code_check(&body));
        let values: Option<Vec<u32>> = characters.iter().map(|&c| symbol_value(c)).collect();
        let values = values?;
        characters.push(final_check_character(&values));
        let code: String = characters.into_iter().collect();
        CreditCode::parse(&code).ok()
    }

    /// The code as 18 upper-case ASCII characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The six-digit administrative division code (positions 3–8).
    pub fn division_code(&self) -> &str {
        &self.0[2..8]
    }
}

fn to_half_width_upper(character: char) -> char {
    let character = match character {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(character as u32 - 0xFEE0).unwrap_or(character),
        other => other,
    };
    character.to_ascii_uppercase()
}

fn symbol_value(character: char) -> Option<u32> {
    CREDIT_CODE_ALPHABET
        .iter()
        .position(|&b| b as char == character)
        .map(|p| p as u32)
}

fn final_check_character(values: &[u32]) -> char {
    let sum: u32 = values.iter().zip(CHECK_WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    CREDIT_CODE_ALPHABET[check as usize] as char
}

/// GB 11714 check character over eight body characters; letters count A=10 … Z=35.
fn organization_code_check(body: &[char]) -> char {
    let sum: u32 = body
        .iter()
        .zip(ORGANIZATION_CODE_WEIGHTS)
        .map(|(c, w)| c.to_digit(36).unwrap_or(0) * w)
        .sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        digit => char::from_digit(digit, 10).unwrap_or('0'),
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CreditCode({})", self.0)
    }
}

impl Serialize for CreditCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CreditCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        CreditCode::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Codes of real, well-known companies, published on their own sites (public information).
    const PUBLISHED_CODES: [&str; 2] = ["9144030071526726XG", "91350100M000100Y43"];

    #[test]
    fn published_codes_are_valid() {
        for code in PUBLISHED_CODES {
            assert_eq!(
                CreditCode::parse(code).map(|c| c.to_string()),
                Ok(code.to_owned())
            );
        }
    }

    #[test]
    fn normalizes_case_white_space_and_full_width() {
        let parsed = CreditCode::parse(" ９１４４０３００７１５２６７２６ｘｇ ").unwrap();
        assert_eq!(parsed.as_str(), "9144030071526726XG");
        assert_eq!(parsed.division_code(), "440300");
    }

    #[test]
    fn each_rule_has_its_own_error() {
        let check = |input: &str, expected: CreditCodeError| {
            assert_eq!(CreditCode::parse(input), Err(expected), "input {input:?}");
        };
        check("", CreditCodeError::WrongLength { found: 0 });
        check(
            "9144030071526726X",
            CreditCodeError::WrongLength { found: 17 },
        );
        check(
            "9144030071526726XGG",
            CreditCodeError::WrongLength { found: 19 },
        );
        check(
            "9144030071526726IG",
            CreditCodeError::InvalidCharacter {
                position: 17,
                character: 'I',
            },
        );
        check(
            "91A4030071526726XG",
            CreditCodeError::DivisionCodeNotNumeric { position: 3 },
        );
        check(
            "9144030071526725XG",
            CreditCodeError::OrganizationCodeCheck {
                expected: '1',
                found: 'X',
            },
        );
        check(
            "9144030071526726XA",
            CreditCodeError::CheckCharacter {
                expected: 'G',
                found: 'A',
            },
        );
    }

    #[test]
    fn errors_read_in_both_languages() {
        let error = CreditCode::parse("9144030071526726XA").unwrap_err();
        let text = error.text();
        assert!(text.zh.contains("第 18 位"), "{}", text.zh);
        assert!(text.en.contains("position 18"), "{}", text.en);
    }

    fn alphabet_char() -> impl Strategy<Value = char> {
        (0usize..31).prop_map(|i| CREDIT_CODE_ALPHABET[i] as char)
    }

    fn valid_code() -> impl Strategy<Value = CreditCode> {
        (
            alphabet_char(),
            alphabet_char(),
            "[0-9]{6}",
            proptest::collection::vec(alphabet_char(), 8),
        )
            .prop_map(|(registration, kind, division, body)| {
                let body: String = body.into_iter().collect();
                CreditCode::from_parts(registration, kind, &division, &body)
                    .expect("parts are valid")
            })
    }

    proptest! {
        #[test]
        fn arbitrary_strings_never_panic(input in "\\PC{0,40}") {
            let _ = CreditCode::parse(&input);
        }

        #[test]
        fn built_codes_parse_to_themselves(code in valid_code()) {
            prop_assert_eq!(CreditCode::parse(code.as_str()), Ok(code.clone()));
        }

        #[test]
        fn corrupting_any_one_character_is_detected(code in valid_code(), position in 0usize..18, replacement in alphabet_char()) {
            let mut characters: Vec<char> = code.as_str().chars().collect();
            prop_assume!(characters[position] != replacement);
            characters[position] = replacement;
            let corrupted: String = characters.into_iter().collect();
            prop_assert!(CreditCode::parse(&corrupted).is_err(), "{} accepted", corrupted);
        }
    }
}
