//! What the city reports of training, counted from the records, never typed in: courses
//! offered, people who learned online (followed at least one lesson), people trained offline
//! (signed in to at least one session), sessions held, and certificates issued. A person is their
//! account, else their mobile number, else their enrolment; the city counts every provider, a
//! provider its own courses.

use serde::Serialize;
use zhizao_db::SqlBuilder;
use zhizao_identity::{Principal, policy};

use crate::{Error, Result, Training};

/// Training figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TrainingFigures {
    /// Published or withdrawn courses (ever offered).
    pub courses: i64,
    /// Distinct people who finished at least one lesson online.
    pub online_learners: i64,
    /// Distinct people who signed in to at least one offline session.
    pub offline_trainees: i64,
    /// Offline sessions held (started, not cancelled).
    pub sessions_held: i64,
    /// Certificates issued.
    pub certificates: i64,
}

impl Training {
    /// The figures of the caller's scope: every provider for the city, its own courses for a
    /// provider's staff; nobody else reports training.
    pub async fn figures(&self, principal: &Principal) -> Result<TrainingFigures> {
        let provider = if policy::may_oversee_training(principal) {
            None
        } else if policy::may_offer_training(principal, principal.organization_id) {
            Some(principal.organization_id)
        } else {
            return Err(Error::Forbidden(
                "the city and training providers read training figures",
            ));
        };
        let scoped = |sql: &'static str| {
            let mut select = SqlBuilder::new(sql);
            if let Some(provider) = provider {
                select.push(" AND c.provider_id = ").push_bind(provider);
            }
            select
        };
        let pool = self.db.pool();
        let courses: i64 =
            scoped("SELECT COUNT(*) FROM training_courses c WHERE c.status <> 'draft'")
                .query_scalar()
                .fetch_one(pool)
                .await?;
        let online_learners: i64 = scoped(
            "SELECT COUNT(DISTINCT COALESCE('u' || CAST(e.user_id AS TEXT), 'p' || e.phone, 'e' || CAST(e.id AS TEXT))) \
             FROM training_enrolments e JOIN training_courses c ON c.id = e.course_id \
             WHERE EXISTS (SELECT 1 FROM training_progress p WHERE p.enrolment_id = e.id AND p.completed_at IS NOT NULL)",
        )
        .query_scalar()
        .fetch_one(pool)
        .await?;
        let offline_trainees: i64 = scoped(
            "SELECT COUNT(DISTINCT COALESCE('u' || CAST(e.user_id AS TEXT), 'p' || e.phone, 'e' || CAST(e.id AS TEXT))) \
             FROM training_enrolments e JOIN training_courses c ON c.id = e.course_id \
             WHERE EXISTS (SELECT 1 FROM training_registrations r WHERE r.enrolment_id = e.id AND r.signed_in_at IS NOT NULL)",
        )
        .query_scalar()
        .fetch_one(pool)
        .await?;
        let mut held = scoped(
            "SELECT COUNT(*) FROM training_sessions s JOIN training_courses c ON c.id = s.course_id \
             WHERE s.cancelled_at IS NULL",
        );
        held.push(" AND s.starts_at <= ")
            .push_bind(self.clock.now().as_millis());
        let sessions_held: i64 = held.query_scalar().fetch_one(pool).await?;
        let certificates: i64 = scoped(
            "SELECT COUNT(*) FROM training_certificates z JOIN training_courses c ON c.id = z.course_id WHERE 1 = 1",
        )
        .query_scalar()
        .fetch_one(pool)
        .await?;
        Ok(TrainingFigures {
            courses,
            online_learners,
            offline_trainees,
            sessions_held,
            certificates,
        })
    }
}
