//! Messages in both of the platform's languages.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::Language;

/// A user-facing message in Simplified Chinese and English.
///
/// Domain crates return `Text` for anything a person reads (validation messages, import row
/// errors) so that the web layer can show it in the reader's language without a translation
/// table keyed by error codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    /// Simplified Chinese (zh-CN), the platform's default language.
    pub zh: Cow<'static, str>,
    /// English.
    pub en: Cow<'static, str>,
}

impl Text {
    /// A message from two static strings.
    pub const fn new(zh: &'static str, en: &'static str) -> Self {
        Self {
            zh: Cow::Borrowed(zh),
            en: Cow::Borrowed(en),
        }
    }

    /// A message from two formatted strings.
    pub fn owned(zh: String, en: String) -> Self {
        Self {
            zh: Cow::Owned(zh),
            en: Cow::Owned(en),
        }
    }

    /// The message in `language`.
    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::ZhCn => &self.zh,
            Language::En => &self.en,
        }
    }
}

impl std::fmt::Display for Text {
    /// Displays the English message: logs and `Display` of errors are in English, pages pick a
    /// language explicitly with [`Text::get`].
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}
