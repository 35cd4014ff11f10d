//! Certificates (结业证书): issued once, when an enrolment meets its course's completion rule
//! (every required lesson done and the required offline sessions attended), with a random code
//! anyone can verify without signing in. Verifying an unknown code says only that; a known one
//! shows what the certificate says (holder, course, hours, provider, date) and nothing else about
//! the person. The PDF is its holder's, the provider's and the city's.

use serde::Serialize;
use zhizao_core::Timestamp;
use zhizao_db::SqlBuilder;
use zhizao_identity::Actor;
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy;

use crate::pdf::{self, CertificateText};
use crate::{Error, Result, Training};

/// A certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Certificate {
    /// The code it is verified by, e.g. `7KQ2-M9XD-3HPA`.
    pub code: String,
    /// The course.
    pub course_id: i64,
    /// Who holds it.
    pub holder_name: String,
    /// The course's title when it was issued.
    pub course_title: String,
    /// The provider's name when it was issued.
    pub provider_name: String,
    /// Credit hours.
    pub hours: i64,
    /// When.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub issued_at: Timestamp,
}

const CERTIFICATE_COLUMNS: &str = "SELECT z.code, z.course_id, z.holder_name, z.course_title, z.provider_name, z.hours, z.issued_at \
     FROM training_certificates z JOIN training_enrolments e ON e.id = z.enrolment_id \
     JOIN training_courses c ON c.id = z.course_id WHERE 1 = 1";

/// The characters of a code (no 0/O, 1/I/L).
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A fresh random code, three groups of four.
fn new_code() -> String {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// A code as someone typed it: upper case, spaces dropped; `None` when it cannot be one.
pub fn normalise_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let shape = code.len() == 14
        && code.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 9 {
                b == b'-'
            } else {
                ALPHABET.contains(&b)
            }
        });
    shape.then_some(code)
}

/// Issues the certificate of enrolment `enrolment_id` if its course's rule is now met and it has
/// none yet, at `now`, inside the caller's transaction. Returns the new code.
pub(crate) async fn complete_if_due(
    connection: &mut sqlx::AnyConnection,
    actor: &Actor,
    enrolment_id: i64,
    now: Timestamp,
) -> Result<Option<String>> {
    #[derive(sqlx::FromRow)]
    struct Due {
        course_id: i64,
        name: String,
        completed_at: Option<i64>,
        title: String,
        hours: i64,
        provider_name: String,
        required_sessions: i64,
        required_lessons: i64,
        lessons_done: i64,
        sessions_attended: i64,
    }
    let due: Due = sqlx::query_as(
        "SELECT e.course_id, e.name, e.completed_at, c.title, c.hours, o.name AS provider_name, c.required_sessions, \
         (SELECT COUNT(*) FROM training_lessons l WHERE l.course_id = c.id AND l.required = 1) AS required_lessons, \
         (SELECT COUNT(*) FROM training_progress p JOIN training_lessons l ON l.id = p.lesson_id \
            WHERE p.enrolment_id = e.id AND l.required = 1 AND p.completed_at IS NOT NULL) AS lessons_done, \
         (SELECT COUNT(*) FROM training_registrations r JOIN training_sessions s ON s.id = r.session_id \
            WHERE r.enrolment_id = e.id AND r.signed_in_at IS NOT NULL AND s.cancelled_at IS NULL) AS sessions_attended \
         FROM training_enrolments e JOIN training_courses c ON c.id = e.course_id \
         JOIN organizations o ON o.id = c.provider_id WHERE e.id = $1",
    )
    .bind(enrolment_id)
    .fetch_one(&mut *connection)
    .await?;
    let met = due.lessons_done >= due.required_lessons
        && due.sessions_attended >= due.required_sessions
        && (due.required_lessons > 0 || due.required_sessions > 0);
    if due.completed_at.is_some() || !met {
        return Ok(None);
    }
    let code = new_code();
    sqlx::query("UPDATE training_enrolments SET completed_at = $1 WHERE id = $2")
        .bind(now.as_millis())
        .bind(enrolment_id)
        .execute(&mut *connection)
        .await?;
    sqlx::query(
        "INSERT INTO training_certificates (code, enrolment_id, course_id, holder_name, course_title, provider_name, hours, issued_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&code)
    .bind(enrolment_id)
    .bind(due.course_id)
    .bind(&due.name)
    .bind(&due.title)
    .bind(&due.provider_name)
    .bind(due.hours)
    .bind(now.as_millis())
    .execute(&mut *connection)
    .await?;
    let mut changes = Changes::new();
    changes
        .created("holder", &due.name)
        .created("course", due.course_id)
        .created("enrolment", enrolment_id);
    audit::record(
        connection,
        actor,
        now,
        AuditEntry::new("certificate.issued", "certificate", code.clone()).changes(changes),
    )
    .await?;
    Ok(Some(code))
}

impl Training {
    /// The certificates the caller holds, newest first.
    pub async fn my_certificates(&self, principal: &Principal) -> Result<Vec<Certificate>> {
        let mut select = SqlBuilder::new(CERTIFICATE_COLUMNS);
        select
            .push(" AND e.user_id = ")
            .push_bind(principal.user_id)
            .push(" ORDER BY z.issued_at DESC LIMIT 500");
        Ok(select.query_as().fetch_all(self.db.pool()).await?)
    }

    /// What certificate `code` says, for anyone (no sign-in): `None` when there is no such
    /// certificate.
    pub async fn verify_certificate(&self, code: &str) -> Result<Option<Certificate>> {
        let Some(code) = normalise_code(code) else {
            return Ok(None);
        };
        let mut select = SqlBuilder::new(CERTIFICATE_COLUMNS);
        select.push(" AND z.code = ").push_bind(code);
        Ok(select.query_as().fetch_optional(self.db.pool()).await?)
    }

    /// Certificate `code` as a PDF, for its holder, its course's provider and the city;
    /// `verify_base` is the site's address (or empty) the verification link starts with.
    pub async fn certificate_pdf(
        &self,
        principal: &Principal,
        code: &str,
        verify_base: &str,
    ) -> Result<(Certificate, Vec<u8>)> {
        let not_found = || Error::NotFound {
            what: "certificate",
            key: code.to_owned(),
        };
        let code = normalise_code(code).ok_or_else(not_found)?;
        #[derive(sqlx::FromRow)]
        struct Owners {
            user_id: Option<i64>,
            provider_id: i64,
        }
        let owners: Option<Owners> = sqlx::query_as(
            "SELECT e.user_id, c.provider_id FROM training_certificates z JOIN training_enrolments e ON e.id = z.enrolment_id \
             JOIN training_courses c ON c.id = z.course_id WHERE z.code = $1",
        )
        .bind(&code)
        .fetch_optional(self.db.pool())
        .await?;
        let owners = owners.ok_or_else(not_found)?;
        let allowed = owners.user_id == Some(principal.user_id)
            || policy::may_offer_training(principal, owners.provider_id)
            || policy::may_oversee_training(principal);
        if !allowed {
            return Err(not_found());
        }
        let certificate = self
            .verify_certificate(&code)
            .await?
            .ok_or_else(not_found)?;
        let bytes = pdf::certificate(&CertificateText {
            code: certificate.code.clone(),
            holder: certificate.holder_name.clone(),
            course: certificate.course_title.clone(),
            hours: certificate.hours,
            provider: certificate.provider_name.clone(),
            issued_on: certificate.issued_at.to_shanghai_date_string(),
            verify_url: format!(
                "{}/certificates/verify?code={}",
                verify_base.trim_end_matches('/'),
                certificate.code
            ),
        });
        Ok((certificate, bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_random_groups_that_survive_being_typed() {
        let a = new_code();
        let b = new_code();
        assert_ne!(a, b);
        assert_eq!(normalise_code(&a), Some(a.clone()));
        assert_eq!(normalise_code(&format!(" {} ", a.to_lowercase())), Some(a));
        for bad in [
            "",
            "ABCD-EFGH",
            "ABCD-EFGH-JKM0",
            "ABCDEEFGHJJKMN",
            "证书-EFGH-JKMN",
            "ABCD-EFGH-JKMN-",
        ] {
            assert_eq!(normalise_code(bad), None, "{bad:?}");
        }
    }
}
