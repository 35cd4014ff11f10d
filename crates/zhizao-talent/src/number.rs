//! Chinese patent application numbers, pure: `201710601862.3` (since 2003: year, kind, serial)
//! or `97101765.4` (before), with or without `CN`/`ZL` and spaces; the digit after the point is
//! a check digit — the digits weighted 2, 3, …, 9, 2, 3, 4, 5 in turn, summed, modulo 11, 10
//! written `X` — so a mistyped number is caught where it is typed.

/// What a patent application number says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatentNumber {
    /// The number as stored: digits, a point and the check character, e.g. `201710601862.3`.
    pub canonical: String,
    /// The year it was filed.
    pub year: i64,
    /// The kind digit: 1 invention, 2 utility model, 3 design, 8 PCT invention, 9 PCT utility
    /// model.
    pub kind: u8,
}

/// Why a number is not one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatentNumberError {
    /// Not 8 or 12 digits, a point and a check character.
    Shape,
    /// The check character does not match the digits (a typing error).
    Check,
    /// The kind digit is none of 1, 2, 3, 8, 9.
    Kind,
}

fn check_character(digits: &[u8]) -> char {
    const WEIGHTS: [u32; 12] = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
    let sum: u32 = digits
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    match sum % 11 {
        10 => 'X',
        r => char::from(b'0' + r as u8),
    }
}

/// `digits` (8 or 12 ASCII digits) with the point and the check character that make them a
/// number; `None` when they are not digits of that length.
pub fn with_check(digits: &str) -> Option<String> {
    let bytes = digits.as_bytes();
    ((bytes.len() == 12 || bytes.len() == 8) && bytes.iter().all(u8::is_ascii_digit))
        .then(|| format!("{digits}.{}", check_character(bytes)))
}

/// Reads a patent application number as people write it.
pub fn parse(text: &str) -> Result<PatentNumber, PatentNumberError> {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let cleaned = cleaned
        .strip_prefix("CN")
        .or_else(|| cleaned.strip_prefix("ZL"))
        .unwrap_or(&cleaned);
    let (digits, check) = cleaned.split_once('.').ok_or(PatentNumberError::Shape)?;
    let bytes = digits.as_bytes();
    if !(bytes.len() == 12 || bytes.len() == 8)
        || !bytes.iter().all(u8::is_ascii_digit)
        || check.chars().count() != 1
    {
        return Err(PatentNumberError::Shape);
    }
    if !check.starts_with(check_character(bytes)) {
        return Err(PatentNumberError::Check);
    }
    let (year, kind) = if bytes.len() == 12 {
        (digits[..4].parse().unwrap_or(0), bytes[4] - b'0')
    } else {
        let short: i64 = digits[..2].parse().unwrap_or(0);
        (1900 + short, bytes[2] - b'0')
    };
    if ![1, 2, 3, 8, 9].contains(&kind) {
        return Err(PatentNumberError::Kind);
    }
    Ok(PatentNumber {
        canonical: format!("{digits}.{check}"),
        year,
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_with_their_check_digit() {
        // The published worked examples: 201710601862.3 and ZL95115608.X.
        let modern = parse("CN 201710601862.3").unwrap();
        assert_eq!(
            (modern.canonical.as_str(), modern.year, modern.kind),
            ("201710601862.3", 2017, 1)
        );
        let old = parse("ZL95115608.x").unwrap();
        assert_eq!(
            (old.canonical.as_str(), old.year, old.kind),
            ("95115608.X", 1995, 1)
        );
        assert_eq!(
            parse("201710601862.4"),
            Err(PatentNumberError::Check),
            "one digit off"
        );
        assert_eq!(
            parse("201710601826.3"),
            Err(PatentNumberError::Check),
            "two digits swapped"
        );
        for bad in [
            "",
            "201710601862",
            "2017106018623",
            "20171060186.3",
            "2017106O1862.3",
            "201710601862.33",
            "专利.1",
        ] {
            assert_eq!(parse(bad), Err(PatentNumberError::Shape), "{bad:?}");
        }
        // A valid check over a kind digit that does not exist.
        let digits = b"201750601862";
        let check = check_character(digits);
        assert_eq!(
            parse(&format!("201750601862.{check}")),
            Err(PatentNumberError::Kind)
        );
    }
}
