//! Password hashing with argon2id, off the async runtime.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use zhizao_core::Text;

use crate::{Error, Result};

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy)]
pub struct PasswordHashing {
    memory_kib: u32,
    iterations: u32,
}

impl Default for PasswordHashing {
    /// OWASP's recommended argon2id setting: 19 MiB, 2 iterations, 1 lane.
    fn default() -> Self {
        PasswordHashing {
            memory_kib: 19 * 1024,
            iterations: 2,
        }
    }
}

impl PasswordHashing {
    /// Cheap parameters for tests only: hashes are still argon2id, just fast.
    pub fn for_tests() -> Self {
        PasswordHashing {
            memory_kib: 256,
            iterations: 1,
        }
    }

    fn argon2(&self) -> Result<Argon2<'static>> {
        let params = Params::new(self.memory_kib, self.iterations, 1, None)
            .map_err(|e| Error::Hashing(e.to_string()))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// Hashes a password to a PHC string on the blocking pool.
    pub async fn hash(&self, password: String) -> Result<String> {
        let argon2 = self.argon2()?;
        tokio::task::spawn_blocking(move || {
            argon2
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| Error::Hashing(e.to_string()))
        })
        .await
        .map_err(|e| Error::Hashing(e.to_string()))?
    }

    /// Whether `password` matches the stored PHC string, checked on the blocking pool. A malformed
    /// stored hash never matches.
    pub async fn verify(&self, password: String, stored: String) -> Result<bool> {
        let argon2 = self.argon2()?;
        tokio::task::spawn_blocking(move || {
            let Ok(parsed) = PasswordHash::new(&stored) else {
                return false;
            };
            argon2.verify_password(password.as_bytes(), &parsed).is_ok()
        })
        .await
        .map_err(|e| Error::Hashing(e.to_string()))
    }

    /// Spends the time of one verification, so that an unknown user name takes as long to refuse
    /// as a wrong password.
    pub(crate) async fn verify_dummy(&self, password: String) {
        let hash = DUMMY_HASH.get_or_init(|| {
            self.argon2()
                .ok()
                .and_then(|a| a.hash_password(b"dummy").ok().map(|h| h.to_string()))
                .unwrap_or_default()
        });
        let _ = self.verify(password, hash.clone()).await;
    }
}

static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Checks a new password against the platform's rules: 10 to 256 characters, not the user name,
/// at least two of letters, digits and other characters.
pub(crate) fn validate_new_password(password: &str, username: &str) -> Result<()> {
    let length = password.chars().count();
    let message = if length < 10 {
        Some(Text::new(
            "密码至少 10 个字符",
            "the password must have at least 10 characters",
        ))
    } else if length > 256 {
        Some(Text::new(
            "密码不能超过 256 个字符",
            "the password must have at most 256 characters",
        ))
    } else if password.eq_ignore_ascii_case(username) {
        Some(Text::new(
            "密码不能与用户名相同",
            "the password must differ from the user name",
        ))
    } else {
        let letters = password.chars().any(char::is_alphabetic);
        let digits = password.chars().any(|c| c.is_ascii_digit());
        let others = password.chars().any(|c| !c.is_alphanumeric());
        if [letters, digits, others].iter().filter(|&&x| x).count() < 2 {
            Some(Text::new(
                "密码须包含字母、数字、符号中的至少两类",
                "the password must mix at least two of letters, digits and symbols",
            ))
        } else {
            None
        }
    };
    match message {
        Some(message) => Err(Error::invalid("password", message)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_only_their_password() {
        let hashing = PasswordHashing::for_tests();
        let hash = hashing.hash("correct horse 1".to_owned()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(
            hashing
                .verify("correct horse 1".to_owned(), hash.clone())
                .await
                .unwrap()
        );
        assert!(
            !hashing
                .verify("correct horse 2".to_owned(), hash)
                .await
                .unwrap()
        );
        assert!(
            !hashing
                .verify("x".to_owned(), "not a hash".to_owned())
                .await
                .unwrap()
        );
    }

    #[test]
    fn password_rules() {
        assert!(validate_new_password("short1", "u").is_err());
        assert!(validate_new_password("onlyletterslong", "u").is_err());
        assert!(validate_new_password("alice-12345", "alice-12345").is_err());
        assert!(validate_new_password("zhizao-demo-2026", "admin").is_ok());
        assert!(validate_new_password("智造平台密码一二三4", "admin").is_ok());
    }
}
