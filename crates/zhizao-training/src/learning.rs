//! Enrolment and progress. An enterprise's user enrols in a published course and follows its
//! lessons: a text or PDF lesson is done when the learner says so, a video when at least 90 % of
//! its length has been watched (the player reports the furthest point reached). The provider and
//! the city see every learner's progress; a learner sees their own. Every change that can
//! complete a course checks its rule and issues the certificate.

use serde::Serialize;
use zhizao_core::Timestamp;
use zhizao_db::SqlBuilder;
use zhizao_identity::Principal;
use zhizao_identity::policy;

use crate::course::{CourseStatus, LessonKind, course_not_found};
use crate::{Error, Result, Training, conflict, invalid};

/// Share of a video's length that must be watched.
pub const VIDEO_WATCHED_PERMILLE: i64 = 900;

/// One person on one course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Enrolment {
    /// Its id.
    pub id: i64,
    /// The course.
    pub course_id: i64,
    /// The course's title.
    pub course_title: String,
    /// The account, if the person has one.
    pub user_id: Option<i64>,
    /// The person's name.
    pub name: String,
    /// Their enterprise's name, if known.
    pub enterprise_name: Option<String>,
    /// When enrolled.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub enrolled_at: Timestamp,
    /// When the course was completed.
    #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
    pub completed_at: Option<Timestamp>,
    /// Required lessons done.
    pub lessons_done: i64,
    /// Offline sessions signed in to.
    pub sessions_attended: i64,
    /// The certificate's code, once issued.
    pub certificate: Option<String>,
}

/// A learner's progress on one lesson.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct LessonProgress {
    /// The lesson.
    pub lesson_id: i64,
    /// The furthest point of a video watched, seconds.
    pub seconds: i64,
    /// When it was done.
    #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
    pub completed_at: Option<Timestamp>,
}

/// A learner's progress on a course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LearnerProgress {
    /// The enrolment (with the counts).
    pub enrolment: Enrolment,
    /// Progress per lesson begun.
    pub lessons: Vec<LessonProgress>,
}

pub(crate) const ENROLMENT_COLUMNS: &str = "SELECT e.id, e.course_id, c.title AS course_title, e.user_id, e.name, \
     o.name AS enterprise_name, e.enrolled_at, e.completed_at, \
     (SELECT COUNT(*) FROM training_progress p JOIN training_lessons l ON l.id = p.lesson_id \
        WHERE p.enrolment_id = e.id AND l.required = 1 AND p.completed_at IS NOT NULL) AS lessons_done, \
     (SELECT COUNT(*) FROM training_registrations r JOIN training_sessions s ON s.id = r.session_id \
        WHERE r.enrolment_id = e.id AND r.signed_in_at IS NOT NULL AND s.cancelled_at IS NULL) AS sessions_attended, \
     (SELECT z.code FROM training_certificates z WHERE z.enrolment_id = e.id) AS certificate \
     FROM training_enrolments e JOIN training_courses c ON c.id = e.course_id \
     LEFT JOIN organizations o ON o.id = e.enterprise_id WHERE 1 = 1";

impl Training {
    /// The caller's own enrolment in a course, if any.
    pub async fn my_enrolment(
        &self,
        principal: &Principal,
        course_id: i64,
    ) -> Result<Option<Enrolment>> {
        let mut select = SqlBuilder::new(ENROLMENT_COLUMNS);
        select
            .push(" AND e.course_id = ")
            .push_bind(course_id)
            .push(" AND e.user_id = ")
            .push_bind(principal.user_id);
        Ok(select.query_as().fetch_optional(self.db.pool()).await?)
    }

    /// The caller's enrolments, newest first.
    pub async fn my_enrolments(&self, principal: &Principal) -> Result<Vec<Enrolment>> {
        let mut select = SqlBuilder::new(ENROLMENT_COLUMNS);
        select
            .push(" AND e.user_id = ")
            .push_bind(principal.user_id)
            .push(" ORDER BY e.id DESC LIMIT 500");
        Ok(select.query_as().fetch_all(self.db.pool()).await?)
    }

    /// Enrols the caller (an enterprise's user) in a published course.
    pub async fn enrol(&self, principal: &Principal, course_id: i64) -> Result<Enrolment> {
        let course = self.course(principal, course_id).await?;
        if !policy::may_learn(principal) {
            return Err(Error::Forbidden("enterprise users enrol in courses"));
        }
        if course.status != CourseStatus::Published {
            return Err(conflict(
                "not-open",
                "课程未开放报名",
                "the course is not open for enrolment",
            ));
        }
        if let Some(enrolment) = self.my_enrolment(principal, course_id).await? {
            return Err(conflict(
                "already-enrolled",
                format!(
                    "已于 {} 报名本课程",
                    enrolment.enrolled_at.to_shanghai_string()
                ),
                format!(
                    "enrolled in this course on {}",
                    enrolment.enrolled_at.to_shanghai_string()
                ),
            ));
        }
        let mut transaction = self.db.begin().await?;
        self.insert_enrolment(&mut transaction, principal, course_id)
            .await?;
        transaction.commit().await?;
        self.my_enrolment(principal, course_id)
            .await?
            .ok_or_else(|| course_not_found(course_id))
    }

    /// Inserts the caller's enrolment in `course_id` (checked by the caller) and returns its id.
    pub(crate) async fn insert_enrolment(
        &self,
        transaction: &mut sqlx::Transaction<'static, sqlx::Any>,
        principal: &Principal,
        course_id: i64,
    ) -> Result<i64> {
        let id = zhizao_db::allocate_ids(transaction, "training_enrolments", 1).await?;
        sqlx::query(
            "INSERT INTO training_enrolments (id, course_id, user_id, name, enterprise_id, enrolled_at, enrolled_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(course_id)
        .bind(principal.user_id)
        .bind(&principal.display_name)
        .bind(principal.organization_id)
        .bind(self.clock.now().as_millis())
        .bind(&principal.username)
        .execute(&mut **transaction)
        .await?;
        Ok(id)
    }

    /// The caller's progress on a course they are enrolled in.
    pub async fn my_progress(
        &self,
        principal: &Principal,
        course_id: i64,
    ) -> Result<LearnerProgress> {
        self.course(principal, course_id).await?;
        let enrolment = self
            .my_enrolment(principal, course_id)
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "enrolment",
                key: course_id.to_string(),
            })?;
        let lessons = self.lesson_progress(enrolment.id).await?;
        Ok(LearnerProgress { enrolment, lessons })
    }

    async fn lesson_progress(&self, enrolment_id: i64) -> Result<Vec<LessonProgress>> {
        Ok(sqlx::query_as(
            "SELECT lesson_id, seconds, completed_at FROM training_progress WHERE enrolment_id = $1 ORDER BY lesson_id",
        )
        .bind(enrolment_id)
        .fetch_all(self.db.pool())
        .await?)
    }

    /// Records the caller's progress on a lesson: `seconds`, the furthest point of a video
    /// watched, and `done` to mark a text or PDF lesson done (a video is done once 90 % of it
    /// is watched). Completing the course's rule issues the certificate.
    pub async fn record_progress(
        &self,
        principal: &Principal,
        course_id: i64,
        lesson_id: i64,
        seconds: i64,
        done: bool,
    ) -> Result<LearnerProgress> {
        let lesson = self.lesson(principal, course_id, lesson_id).await?;
        let enrolment = self
            .my_enrolment(principal, course_id)
            .await?
            .ok_or_else(|| {
                conflict(
                    "not-enrolled",
                    "请先报名本课程",
                    "enrol in the course first",
                )
            })?;
        let length = lesson.minutes * 60;
        if !(0..=length * 2).contains(&seconds) {
            return Err(invalid(
                "seconds",
                format!("观看进度为 0–{} 秒", length * 2),
                format!("the point watched is 0 to {} seconds", length * 2),
            ));
        }
        let watched_enough = seconds * 1000 >= length * VIDEO_WATCHED_PERMILLE;
        let complete = match lesson.kind {
            LessonKind::Video => {
                if done && !watched_enough {
                    return Err(invalid(
                        "done",
                        "视频须观看至少 90% 才算完成".into(),
                        "a video is done once at least 90 % of it is watched".into(),
                    ));
                }
                watched_enough
            }
            LessonKind::Text | LessonKind::Pdf => done,
        };
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let updated = sqlx::query(
            "UPDATE training_progress SET seconds = CASE WHEN seconds > $1 THEN seconds ELSE $1 END, \
             completed_at = COALESCE(completed_at, $2), updated_at = $3 WHERE enrolment_id = $4 AND lesson_id = $5",
        )
        .bind(seconds)
        .bind(complete.then_some(now.as_millis()))
        .bind(now.as_millis())
        .bind(enrolment.id)
        .bind(lesson_id)
        .execute(&mut *transaction)
        .await?;
        if updated.rows_affected() == 0 {
            sqlx::query(
                "INSERT INTO training_progress (enrolment_id, lesson_id, seconds, completed_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(enrolment.id)
            .bind(lesson_id)
            .bind(seconds)
            .bind(complete.then_some(now.as_millis()))
            .bind(now.as_millis())
            .execute(&mut *transaction)
            .await?;
        }
        if complete {
            crate::certificate::complete_if_due(
                &mut transaction,
                &principal.actor(),
                enrolment.id,
                now,
            )
            .await?;
        }
        transaction.commit().await?;
        self.my_progress(principal, course_id).await
    }

    /// Every learner of a course with their counts (its provider's staff and the city), by name.
    pub async fn learners(&self, principal: &Principal, course_id: i64) -> Result<Vec<Enrolment>> {
        let course = self.course(principal, course_id).await?;
        if !(policy::may_offer_training(principal, course.provider_id)
            || policy::may_oversee_training(principal))
        {
            return Err(course_not_found(course_id));
        }
        let mut select = SqlBuilder::new(ENROLMENT_COLUMNS);
        select
            .push(" AND e.course_id = ")
            .push_bind(course_id)
            .push(" ORDER BY e.completed_at IS NULL, e.name, e.id LIMIT 5000");
        Ok(select.query_as().fetch_all(self.db.pool()).await?)
    }
}
