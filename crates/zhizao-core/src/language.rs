//! The platform's user interface languages.

use serde::{Deserialize, Serialize};

/// A user interface language. Simplified Chinese is the default; English is one click away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Language {
    /// Simplified Chinese, `zh-CN`.
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    /// English, `en`.
    #[serde(rename = "en")]
    En,
}

impl Language {
    /// All languages, default first.
    pub const ALL: [Language; 2] = [Language::ZhCn, Language::En];

    /// The BCP 47 tag stored in the database and used in `lang` attributes.
    pub fn tag(self) -> &'static str {
        match self {
            Language::ZhCn => "zh-CN",
            Language::En => "en",
        }
    }

    /// Parses a stored tag or a tag from a cookie; unknown tags give `None`.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let tag = tag.trim();
        if tag.eq_ignore_ascii_case("zh-CN") || tag.eq_ignore_ascii_case("zh") {
            Some(Language::ZhCn)
        } else if tag.eq_ignore_ascii_case("en") || tag.to_ascii_lowercase().starts_with("en-") {
            Some(Language::En)
        } else {
            None
        }
    }

    /// Picks a language from an HTTP `Accept-Language` header, honouring quality values; falls
    /// back to the default (Chinese) when nothing matches.
    pub fn negotiate(accept_language: &str) -> Self {
        let mut best: Option<(f32, Language)> = None;
        for part in accept_language.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let language = if tag.to_ascii_lowercase().starts_with("zh") {
                Some(Language::ZhCn)
            } else if tag.to_ascii_lowercase().starts_with("en") {
                Some(Language::En)
            } else {
                None
            };
            if let Some(language) = language
                && best.is_none_or(|(q, _)| quality > q)
            {
                best = Some((quality, language));
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_honours_quality_and_defaults_to_chinese() {
        let check = |header: &str, expected: Language| {
            assert_eq!(Language::negotiate(header), expected, "header {header:?}");
        };
        check("", Language::ZhCn);
        check("fr-FR", Language::ZhCn);
        check("en-US,en;q=0.9", Language::En);
        check("en;q=0.5, zh-CN;q=0.8", Language::ZhCn);
        check("zh-TW;q=0.2, en-GB", Language::En);
    }

    #[test]
    fn tags_round_trip() {
        for language in Language::ALL {
            assert_eq!(Language::from_tag(language.tag()), Some(language));
        }
        assert_eq!(Language::from_tag("de"), None);
    }
}
