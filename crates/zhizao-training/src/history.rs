//! Training recorded as it already happened (the demo's years of courses, a provider's records
//! brought over): courses and their lessons checked like new ones, sessions, and learners with
//! the lessons they finished and the sessions they signed in to, each completion issuing its
//! certificate at the time it happened. Written inside the caller's transaction, audited as
//! recorded; no scope check (the caller is the system).

use sqlx::AnyConnection;
use zhizao_core::Timestamp;
use zhizao_db::allocate_ids;
use zhizao_identity::Actor;
use zhizao_identity::audit::{self, AuditEntry};

use crate::course::{CourseInput, LessonInput};
use crate::sessions::SessionInput;
use crate::{Result, certificate};

/// Records a published course of `provider_id` with its (text) lessons. Returns the course's id
/// and its lessons' ids in order.
pub async fn record_course(
    connection: &mut AnyConnection,
    actor: &Actor,
    provider_id: i64,
    course: &CourseInput,
    lessons: &[LessonInput],
    at: Timestamp,
) -> Result<(i64, Vec<i64>)> {
    course.check()?;
    let id = allocate_ids(&mut *connection, "training_courses", 1).await?;
    sqlx::query(
        "INSERT INTO training_courses (id, provider_id, title, summary, field, hours, required_sessions, status, \
         created_at, created_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'published', $8, $9, $8)",
    )
    .bind(id)
    .bind(provider_id)
    .bind(course.title.trim())
    .bind(course.summary.trim())
    .bind(course.field.trim())
    .bind(course.hours)
    .bind(course.required_sessions)
    .bind(at.as_millis())
    .bind(&actor.username)
    .execute(&mut *connection)
    .await?;
    let mut ids = Vec::new();
    for (index, lesson) in lessons.iter().enumerate() {
        lesson.check()?;
        let lesson_id = allocate_ids(&mut *connection, "training_lessons", 1).await?;
        sqlx::query(
            "INSERT INTO training_lessons (id, course_id, position, title, kind, body, minutes, required, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        )
        .bind(lesson_id)
        .bind(id)
        .bind(index as i64 + 1)
        .bind(lesson.title.trim())
        .bind(lesson.kind.as_str())
        .bind(lesson.body.trim())
        .bind(lesson.minutes)
        .bind(i64::from(lesson.required))
        .bind(at.as_millis())
        .execute(&mut *connection)
        .await?;
        ids.push(lesson_id);
    }
    audit::record(
        connection,
        actor,
        at,
        AuditEntry::new("course.recorded", "course", id.to_string()),
    )
    .await?;
    Ok((id, ids))
}

/// Records a session of `course_id`. Returns its id.
pub async fn record_session(
    connection: &mut AnyConnection,
    actor: &Actor,
    course_id: i64,
    session: &SessionInput,
    at: Timestamp,
) -> Result<i64> {
    session.check()?;
    let id = allocate_ids(&mut *connection, "training_sessions", 1).await?;
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).expect("the operating system's random source is available");
    sqlx::query(
        "INSERT INTO training_sessions (id, course_id, title, place, starts_at, ends_at, capacity, trainer, secret, \
         created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id)
    .bind(course_id)
    .bind(session.title.trim())
    .bind(session.place.trim())
    .bind(session.starts_at.as_millis())
    .bind(session.ends_at.as_millis())
    .bind(session.capacity)
    .bind(session.trainer.trim())
    .bind(secret.iter().map(|b| format!("{b:02x}")).collect::<String>())
    .bind(at.as_millis())
    .bind(&actor.username)
    .execute(&mut *connection)
    .await?;
    Ok(id)
}

/// Who learned.
#[derive(Debug, Clone, Copy)]
pub struct Learner<'a> {
    /// Their name.
    pub name: &'a str,
    /// Their mobile number (people without an account).
    pub phone: Option<&'a str>,
    /// Their account.
    pub user_id: Option<i64>,
    /// Their enterprise.
    pub enterprise_id: Option<i64>,
}

/// What a learner did on a course.
#[derive(Debug, Clone)]
pub struct Record {
    /// When they enrolled.
    pub enrolled_at: Timestamp,
    /// Lessons finished and when.
    pub lessons: Vec<(i64, Timestamp)>,
    /// Sessions registered for, and when they signed in (if they came).
    pub sessions: Vec<(i64, Option<Timestamp>)>,
}

/// Records `learner` on `course_id` with what they did; a completion issues the certificate at
/// the last thing they did. Returns the enrolment's id and the certificate's code, if any.
pub async fn record_learner(
    connection: &mut AnyConnection,
    actor: &Actor,
    course_id: i64,
    learner: Learner<'_>,
    record: &Record,
) -> Result<(i64, Option<String>)> {
    let id = allocate_ids(&mut *connection, "training_enrolments", 1).await?;
    sqlx::query(
        "INSERT INTO training_enrolments (id, course_id, user_id, name, phone, enterprise_id, enrolled_at, enrolled_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(course_id)
    .bind(learner.user_id)
    .bind(learner.name)
    .bind(learner.phone)
    .bind(learner.enterprise_id)
    .bind(record.enrolled_at.as_millis())
    .bind(&actor.username)
    .execute(&mut *connection)
    .await?;
    let mut last = record.enrolled_at;
    for (lesson, at) in &record.lessons {
        sqlx::query(
            "INSERT INTO training_progress (enrolment_id, lesson_id, seconds, completed_at, updated_at) VALUES ($1, $2, 0, $3, $3)",
        )
        .bind(id)
        .bind(lesson)
        .bind(at.as_millis())
        .execute(&mut *connection)
        .await?;
        last = last.max(*at);
    }
    for (session, signed_at) in &record.sessions {
        let registration = allocate_ids(&mut *connection, "training_registrations", 1).await?;
        sqlx::query(
            "INSERT INTO training_registrations (id, session_id, enrolment_id, registered_at, signed_in_at, sign_in_method, signed_in_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(registration)
        .bind(session)
        .bind(id)
        .bind(record.enrolled_at.as_millis())
        .bind(signed_at.map(Timestamp::as_millis))
        .bind(signed_at.map(|_| "code"))
        .bind(signed_at.map(|_| learner.name))
        .execute(&mut *connection)
        .await?;
        if let Some(at) = signed_at {
            last = last.max(*at);
        }
    }
    let code = certificate::complete_if_due(connection, actor, id, last).await?;
    Ok((id, code))
}
