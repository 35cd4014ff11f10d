//! Validated identifiers and the closed vocabularies of organisations and roles.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Text;

/// A name that is not one of a closed vocabulary's members.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {what} (expected one of: {expected})")]
pub struct UnknownName {
    /// What kind of name was expected, e.g. `role`.
    pub what: &'static str,
    /// The rejected value.
    pub value: String,
    /// The accepted values, comma separated.
    pub expected: String,
}

impl UnknownName {
    /// The reason in both languages.
    pub fn text(&self) -> Text {
        Text::owned(
            format!("“{}”不是有效的取值，可选：{}", self.value, self.expected),
            self.to_string(),
        )
    }
}

/// Declares an enum of stable machine names with labels in both languages, `ALL`, `as_str`,
/// `label`, `FromStr` (errors list the accepted names) and serde by machine name.
#[macro_export]
macro_rules! closed_vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $tag:literal, $zh:literal, $en:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $tag)] $variant, )+
        }

        impl $name {
            /// Every member, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable machine name used in the database, the API and URLs.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $tag,)+ }
            }

            /// The human name in both languages.
            pub fn label(self) -> $crate::Text {
                match self { $($name::$variant => $crate::Text::new($zh, $en),)+ }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::UnknownName;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                match value.trim() {
                    $($tag => Ok($name::$variant),)+
                    other => Err($crate::UnknownName {
                        what: $what,
                        value: other.to_owned(),
                        expected: [$($tag),+].join(", "),
                    }),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// Reads a stored name (rows decode it with `#[sqlx(try_from = "String")]`).
        impl ::std::convert::TryFrom<String> for $name {
            type Error = $crate::UnknownName;
            fn try_from(value: String) -> ::std::result::Result<Self, Self::Error> {
                value.parse()
            }
        }
    };
}

closed_vocabulary! {
    /// The kinds of organisation a user can belong to.
    OrgKind, "organisation kind" {
        /// The city bureau (科技局 / 工信局); its code is `city`.
        City => "city", "市级主管部门", "City bureau";
        /// A town or sub-district office (镇街); its code is its township division code.
        Town => "town", "镇街", "Town office";
        /// A service platform (shared factory, solution provider, test lab).
        Platform => "platform", "服务平台", "Service platform";
        /// An enterprise; its code is its unified social credit code.
        Enterprise => "enterprise", "企业", "Enterprise";
        /// A panel of experts who score applications.
        ExpertPanel => "expert_panel", "专家组", "Expert panel";
    }
}

closed_vocabulary! {
    /// What a user may do within the scope of their organisation.
    Role, "role" {
        /// Administers the whole platform: organisations, users, audit log.
        CityAdmin => "city_admin", "市级管理员", "City administrator";
        /// City bureau staff: sees and edits everything in the registry.
        CityStaff => "city_staff", "市级工作人员", "City staff";
        /// Town office staff: their town's enterprises.
        TownStaff => "town_staff", "镇街工作人员", "Town staff";
        /// Service platform staff: enterprises that brought work to their platform.
        PlatformStaff => "platform_staff", "平台工作人员", "Platform staff";
        /// A user of an enterprise: that enterprise only.
        EnterpriseUser => "enterprise_user", "企业用户", "Enterprise user";
        /// An expert scoring applications assigned to them.
        Expert => "expert", "评审专家", "Expert";
    }
}

impl Role {
    /// The organisation kind a user with this role must belong to.
    pub fn org_kind(self) -> OrgKind {
        match self {
            Role::CityAdmin | Role::CityStaff => OrgKind::City,
            Role::TownStaff => OrgKind::Town,
            Role::PlatformStaff => OrgKind::Platform,
            Role::EnterpriseUser => OrgKind::Enterprise,
            Role::Expert => OrgKind::ExpertPanel,
        }
    }
}

macro_rules! code_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The code as a string.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                $name::parse(&raw).map_err(|e| serde::de::Error::custom(e.to_string()))
            }
        }
    };
}

code_newtype! {
    /// A nine-digit township-level administrative division code (乡级区划代码), e.g.
    /// `442000118` for Xiaolan. Whether a code names a known town is decided by the towns table,
    /// not here.
    TownCode
}

impl TownCode {
    /// Accepts exactly nine ASCII digits.
    pub fn parse(value: &str) -> Result<Self, Text> {
        let value = value.trim();
        if value.len() == 9 && value.bytes().all(|b| b.is_ascii_digit()) {
            Ok(TownCode(value.to_owned()))
        } else {
            Err(Text::owned(
                format!("“{value}”不是 9 位乡级区划代码"),
                format!("{value:?} is not a nine-digit township division code"),
            ))
        }
    }
}

code_newtype! {
    /// A GB/T 4754-2017 code: a section letter (`C`), a two-digit division (`38`), a three-digit
    /// group (`385`) or a four-digit class (`3851`). Whether it exists is decided by the
    /// industries table.
    IndustryCode
}

impl IndustryCode {
    /// Accepts a section letter A–T or two to four digits; a leading section letter before digits
    /// (`C3851`, as some spreadsheets write it) is dropped.
    pub fn parse(value: &str) -> Result<Self, Text> {
        let trimmed = value.trim().to_ascii_uppercase();
        let digits = match trimmed.as_bytes() {
            [letter] if letter.is_ascii_uppercase() && *letter <= b'T' => {
                return Ok(IndustryCode(trimmed));
            }
            [letter, rest @ ..] if letter.is_ascii_uppercase() && !rest.is_empty() => &trimmed[1..],
            _ => trimmed.as_str(),
        };
        if (2..=4).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(IndustryCode(digits.to_owned()))
        } else {
            Err(Text::owned(
                format!("“{value}”不是国民经济行业分类（GB/T 4754-2017）代码"),
                format!("{value:?} is not a GB/T 4754-2017 industry code"),
            ))
        }
    }

    /// The two-digit division this code belongs to, if it is not a section.
    pub fn division(&self) -> Option<&str> {
        self.0
            .get(..2)
            .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
    }
}

code_newtype! {
    /// The code of an organisation: `city` for the city bureau, a township code for a town, a
    /// credit code for an enterprise, a short slug for a platform or expert panel.
    OrgCode
}

impl OrgCode {
    /// Accepts 2–64 characters of lower-case ASCII letters, digits, `-` and `_`, or upper-case
    /// letters and digits (credit codes); it must start with a letter or digit.
    pub fn parse(value: &str) -> Result<Self, Text> {
        let value = value.trim();
        let shape_ok = (2..=64).contains(&value.len())
            && value
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphanumeric())
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if shape_ok {
            Ok(OrgCode(value.to_owned()))
        } else {
            Err(Text::owned(
                format!("机构代码“{value}”无效：应为 2–64 位字母、数字、“-”或“_”"),
                format!(
                    "organisation code {value:?} is invalid: use 2–64 letters, digits, '-' or '_'"
                ),
            ))
        }
    }
}

impl From<&crate::CreditCode> for OrgCode {
    fn from(code: &crate::CreditCode) -> Self {
        OrgCode(code.as_str().to_owned())
    }
}

impl From<&TownCode> for OrgCode {
    fn from(code: &TownCode) -> Self {
        OrgCode(code.as_str().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_kinds_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(*role));
        }
        for kind in OrgKind::ALL {
            assert_eq!(kind.as_str().parse::<OrgKind>(), Ok(*kind));
        }
        let error = "admin".parse::<Role>().unwrap_err();
        assert!(error.to_string().contains("city_admin"), "{error}");
    }

    #[test]
    fn industry_codes_accept_the_forms_spreadsheets_use() {
        let check = |input: &str, expected: Option<&str>| {
            assert_eq!(
                IndustryCode::parse(input).ok().map(|c| c.0),
                expected.map(str::to_owned),
                "{input:?}"
            );
        };
        check("3851", Some("3851"));
        check("C3851", Some("3851"));
        check(" c38 ", Some("38"));
        check("C", Some("C"));
        check("38511", None);
        check("3", None);
        check("X3", None);
        check("", None);
    }

    #[test]
    fn town_and_org_codes() {
        assert!(TownCode::parse("442000118").is_ok());
        assert!(TownCode::parse("44200011").is_err());
        assert!(TownCode::parse("44200011a").is_err());
        assert!(OrgCode::parse("polishing-centre").is_ok());
        assert!(OrgCode::parse("-x").is_err());
        assert!(OrgCode::parse("a/b").is_err());
        assert!(OrgCode::parse("../etc").is_err());
    }
}
