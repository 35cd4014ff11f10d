//! Offline sessions (线下课): a course's class at a place and time with a capacity. Learners with
//! an account register themselves; the provider registers people without one (name and phone).
//! From 30 minutes before the start until the end, the trainer's screen shows the sign-in code
//! that changes every minute ([`crate::code`]); a registered learner signs in by scanning or
//! typing it (someone with an account who has not registered is registered on the spot while
//! seats remain), and the trainer signs in people without phones. Each sign-in can complete the
//! course's rule and issue its certificate.

use serde::{Deserialize, Serialize};
use zhizao_core::{Timestamp, closed_vocabulary};
use zhizao_db::{SqlBuilder, allocate_ids};
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy;

use crate::code::{self, Refusal};
use crate::course::{Course, CourseStatus};
use crate::{Error, Problems, Result, Training, conflict, invalid};

/// How long before the start sign-in opens.
pub const SIGN_IN_OPENS_BEFORE_MILLIS: i64 = 30 * 60 * 1000;

closed_vocabulary! {
    /// How someone signed in.
    SignInMethod, "sign-in method" {
        /// With the code on the trainer's screen.
        Code => "code", "扫码签到", "Code";
        /// By the trainer.
        Trainer => "trainer", "讲师代签", "By the trainer";
    }
}

/// An offline session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct TrainingSession {
    /// Its id.
    pub id: i64,
    /// The course.
    pub course_id: i64,
    /// The course's title.
    pub course_title: String,
    /// The course's provider.
    pub provider_id: i64,
    /// Its title (e.g. 第 1 次课：示教器编程).
    pub title: String,
    /// Where.
    pub place: String,
    /// Starts.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub starts_at: Timestamp,
    /// Ends.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub ends_at: Timestamp,
    /// Seats.
    pub capacity: i64,
    /// The trainer's name.
    pub trainer: String,
    /// Registered.
    pub registered: i64,
    /// Signed in.
    pub signed_in: i64,
    /// When it was cancelled.
    #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
    pub cancelled_at: Option<Timestamp>,
    /// Why (empty unless cancelled).
    pub cancel_reason: String,
}

impl TrainingSession {
    /// Whether sign-in is open at `now`.
    pub fn sign_in_open(&self, now: Timestamp) -> bool {
        self.cancelled_at.is_none()
            && now.as_millis() >= self.starts_at.as_millis() - SIGN_IN_OPENS_BEFORE_MILLIS
            && now < self.ends_at
    }
}

/// A session as its provider schedules it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionInput {
    /// 2–80 characters.
    pub title: String,
    /// 2–120 characters.
    pub place: String,
    /// Starts.
    pub starts_at: Timestamp,
    /// Ends, after the start and within 12 hours of it.
    pub ends_at: Timestamp,
    /// 1–1,000 seats.
    pub capacity: i64,
    /// The trainer's name, 1–40 characters.
    pub trainer: String,
}

impl SessionInput {
    pub(crate) fn check(&self) -> Result<()> {
        let mut problems = Problems::default();
        let len = |t: &str| t.trim().chars().count();
        if !(2..=80).contains(&len(&self.title)) {
            problems.add(
                "title",
                "名称为 2–80 字".into(),
                "the title has 2 to 80 characters".into(),
            );
        }
        if !(2..=120).contains(&len(&self.place)) {
            problems.add(
                "place",
                "地点为 2–120 字".into(),
                "the place has 2 to 120 characters".into(),
            );
        }
        let length = self.ends_at.as_millis() - self.starts_at.as_millis();
        if !(1..=12 * 3600 * 1000).contains(&length) {
            problems.add(
                "ends_at",
                "结束时间须晚于开始时间，且一次课不超过 12 小时".into(),
                "the end is after the start, at most 12 hours later".into(),
            );
        }
        if !(1..=1000).contains(&self.capacity) {
            problems.add(
                "capacity",
                "名额为 1–1000".into(),
                "the capacity is 1 to 1,000".into(),
            );
        }
        if !(1..=40).contains(&len(&self.trainer)) {
            problems.add(
                "trainer",
                "请填写讲师（最长 40 字）".into(),
                "name the trainer (at most 40 characters)".into(),
            );
        }
        problems.into_result()
    }
}

/// Someone registered for a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Registration {
    /// Its id.
    pub id: i64,
    /// The session.
    pub session_id: i64,
    /// The enrolment.
    pub enrolment_id: i64,
    /// The person's name.
    pub name: String,
    /// Their phone, for people registered by the provider (shown to the provider only).
    pub phone: Option<String>,
    /// Their enterprise's name, if known.
    pub enterprise_name: Option<String>,
    /// Whether they have an account (and so can sign in themselves).
    #[sqlx(try_from = "zhizao_db::FlagColumn")]
    pub has_account: bool,
    /// When registered.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub registered_at: Timestamp,
    /// When signed in.
    #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
    pub signed_in_at: Option<Timestamp>,
    /// How.
    pub sign_in_method: Option<String>,
}

const SESSION_COLUMNS: &str = "SELECT s.id, s.course_id, c.title AS course_title, c.provider_id, s.title, s.place, s.starts_at, \
     s.ends_at, s.capacity, s.trainer, s.cancelled_at, s.cancel_reason, \
     (SELECT COUNT(*) FROM training_registrations r WHERE r.session_id = s.id) AS registered, \
     (SELECT COUNT(*) FROM training_registrations r WHERE r.session_id = s.id AND r.signed_in_at IS NOT NULL) AS signed_in \
     FROM training_sessions s JOIN training_courses c ON c.id = s.course_id WHERE s.course_id = ";

const REGISTRATION_COLUMNS: &str = "SELECT r.id, r.session_id, r.enrolment_id, e.name, e.phone, o.name AS enterprise_name, \
     CASE WHEN e.user_id IS NULL THEN 0 ELSE 1 END AS has_account, r.registered_at, r.signed_in_at, r.sign_in_method \
     FROM training_registrations r JOIN training_enrolments e ON e.id = r.enrolment_id \
     LEFT JOIN organizations o ON o.id = e.enterprise_id WHERE r.session_id = ";

fn session_not_found(id: i64) -> Error {
    Error::NotFound {
        what: "training session",
        key: id.to_string(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len() / 2)
        .filter_map(|i| u8::from_str_radix(text.get(i * 2..i * 2 + 2)?, 16).ok())
        .collect()
}

/// A person the provider registers (no account needed).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    /// 1–40 characters.
    pub name: String,
    /// A mainland mobile number (11 digits from 1).
    pub phone: String,
}

impl Training {
    /// The sessions of a course the caller may read, by start.
    pub async fn sessions(
        &self,
        principal: &Principal,
        course_id: i64,
    ) -> Result<Vec<TrainingSession>> {
        self.course(principal, course_id).await?;
        let mut select = SqlBuilder::new(SESSION_COLUMNS);
        select
            .push_bind(course_id)
            .push(" ORDER BY s.starts_at, s.id");
        Ok(select.query_as().fetch_all(self.db.pool()).await?)
    }

    /// One session of a course the caller may read, with its course.
    pub async fn session(
        &self,
        principal: &Principal,
        id: i64,
    ) -> Result<(Course, TrainingSession)> {
        let course_id: Option<i64> =
            sqlx::query_scalar("SELECT course_id FROM training_sessions WHERE id = $1")
                .bind(id)
                .fetch_optional(self.db.pool())
                .await?;
        let course_id = course_id.ok_or_else(|| session_not_found(id))?;
        let course = self
            .course(principal, course_id)
            .await
            .map_err(|error| match error {
                Error::NotFound { .. } => session_not_found(id),
                other => other,
            })?;
        let mut select = SqlBuilder::new(SESSION_COLUMNS);
        select
            .push_bind(course_id)
            .push(" AND s.id = ")
            .push_bind(id);
        let session: Option<TrainingSession> =
            select.query_as().fetch_optional(self.db.pool()).await?;
        Ok((course, session.ok_or_else(|| session_not_found(id))?))
    }

    /// A session of the caller's own platform's course.
    async fn own_session(
        &self,
        principal: &Principal,
        id: i64,
    ) -> Result<(Course, TrainingSession)> {
        let (course, session) = self.session(principal, id).await?;
        if !policy::may_offer_training(principal, course.provider_id) {
            return Err(session_not_found(id));
        }
        Ok((course, session))
    }

    /// Schedules a session of a draft or published course (its provider's staff). Audited.
    pub async fn create_session(
        &self,
        principal: &Principal,
        course_id: i64,
        input: &SessionInput,
    ) -> Result<TrainingSession> {
        let course = self.own_course(principal, course_id).await?;
        if course.status == CourseStatus::Withdrawn {
            return Err(conflict(
                "illegal-transition",
                "已停开的课程不能排课",
                "a withdrawn course has no new sessions",
            ));
        }
        input.check()?;
        let now = self.clock.now();
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).expect("the operating system's random source is available");
        let mut transaction = self.db.begin().await?;
        let id = allocate_ids(&mut transaction, "training_sessions", 1).await?;
        sqlx::query(
            "INSERT INTO training_sessions (id, course_id, title, place, starts_at, ends_at, capacity, trainer, secret, \
             created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id)
        .bind(course_id)
        .bind(input.title.trim())
        .bind(input.place.trim())
        .bind(input.starts_at.as_millis())
        .bind(input.ends_at.as_millis())
        .bind(input.capacity)
        .bind(input.trainer.trim())
        .bind(hex(&secret))
        .bind(now.as_millis())
        .bind(&principal.username)
        .execute(&mut *transaction)
        .await?;
        let mut changes = Changes::new();
        changes
            .created("title", input.title.trim())
            .created("starts_at", input.starts_at.as_millis())
            .created("capacity", input.capacity);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("training_session.created", "course", course_id.to_string())
                .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        Ok(self.session(principal, id).await?.1)
    }

    /// Who is registered for a session (its provider's staff and the city), by name.
    pub async fn registrations(
        &self,
        principal: &Principal,
        session_id: i64,
    ) -> Result<Vec<Registration>> {
        let (course, _) = self.session(principal, session_id).await?;
        if !(policy::may_offer_training(principal, course.provider_id)
            || policy::may_oversee_training(principal))
        {
            return Err(session_not_found(session_id));
        }
        let mut select = SqlBuilder::new(REGISTRATION_COLUMNS);
        select.push_bind(session_id).push(" ORDER BY e.name, r.id");
        Ok(select.query_as().fetch_all(self.db.pool()).await?)
    }

    /// The caller's own registration for a session, if any.
    pub async fn my_registration(
        &self,
        principal: &Principal,
        session_id: i64,
    ) -> Result<Option<Registration>> {
        let mut select = SqlBuilder::new(REGISTRATION_COLUMNS);
        select
            .push_bind(session_id)
            .push(" AND e.user_id = ")
            .push_bind(principal.user_id);
        Ok(select.query_as().fetch_optional(self.db.pool()).await?)
    }

    /// Registers the caller (an enterprise's user) for a session of a published course, enrolling
    /// them in the course if they are not yet.
    pub async fn register(&self, principal: &Principal, session_id: i64) -> Result<Registration> {
        let (course, session) = self.session(principal, session_id).await?;
        if !policy::may_learn(principal) {
            return Err(Error::Forbidden("enterprise users register for sessions"));
        }
        self.check_open(&course, &session, true)?;
        if let Some(registration) = self.my_registration(principal, session_id).await? {
            return Err(conflict(
                "already-registered",
                format!(
                    "已于 {} 报名本次课",
                    registration.registered_at.to_shanghai_string()
                ),
                format!(
                    "registered for this session on {}",
                    registration.registered_at.to_shanghai_string()
                ),
            ));
        }
        let mut transaction = self.db.begin().await?;
        let enrolment = match self.my_enrolment(principal, course.id).await? {
            Some(enrolment) => enrolment.id,
            None => {
                self.insert_enrolment(&mut transaction, principal, course.id)
                    .await?
            }
        };
        self.insert_registration(&mut transaction, &session, enrolment)
            .await?;
        transaction.commit().await?;
        self.my_registration(principal, session_id)
            .await?
            .ok_or_else(|| session_not_found(session_id))
    }

    /// Whether people may register: a published course (the provider also registers people
    /// while the course is still a draft), a session not cancelled nor over.
    fn check_open(
        &self,
        course: &Course,
        session: &TrainingSession,
        self_service: bool,
    ) -> Result<()> {
        let open = match course.status {
            CourseStatus::Published => true,
            CourseStatus::Draft => !self_service,
            CourseStatus::Withdrawn => false,
        };
        if !open {
            return Err(conflict(
                "not-open",
                "课程未开放报名",
                "the course is not open for enrolment",
            ));
        }
        if session.cancelled_at.is_some() || self.clock.now() >= session.ends_at {
            return Err(conflict(
                "session-over",
                "本次课已取消或已结束",
                "the session was cancelled or is over",
            ));
        }
        Ok(())
    }

    /// Takes a seat, inside the caller's transaction: refused when the session is full.
    async fn insert_registration(
        &self,
        transaction: &mut sqlx::Transaction<'static, sqlx::Any>,
        session: &TrainingSession,
        enrolment_id: i64,
    ) -> Result<i64> {
        let taken: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM training_registrations WHERE session_id = $1")
                .bind(session.id)
                .fetch_one(&mut **transaction)
                .await?;
        if taken >= session.capacity {
            return Err(conflict(
                "session-full",
                format!("本次课 {} 个名额已满", session.capacity),
                format!("all {} seats of the session are taken", session.capacity),
            ));
        }
        let id = allocate_ids(transaction, "training_registrations", 1).await?;
        sqlx::query(
            "INSERT INTO training_registrations (id, session_id, enrolment_id, registered_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(session.id)
        .bind(enrolment_id)
        .bind(self.clock.now().as_millis())
        .execute(&mut **transaction)
        .await?;
        Ok(id)
    }

    /// Registers a person without an account for a session (its provider's staff, also while the
    /// course is a draft): enrolled in the course by name and phone (the same phone is the same
    /// person). Audited.
    pub async fn register_person(
        &self,
        principal: &Principal,
        session_id: i64,
        person: &PersonInput,
    ) -> Result<Registration> {
        let (course, session) = self.own_session(principal, session_id).await?;
        let mut problems = Problems::default();
        if !(1..=40).contains(&person.name.trim().chars().count()) {
            problems.add(
                "name",
                "请填写姓名（最长 40 字）".into(),
                "give the name (at most 40 characters)".into(),
            );
        }
        let phone = person.phone.trim();
        if !(phone.len() == 11
            && phone.starts_with('1')
            && phone.bytes().all(|b| b.is_ascii_digit()))
        {
            problems.add(
                "phone",
                "手机号为 1 开头的 11 位数字".into(),
                "the mobile number has 11 digits starting with 1".into(),
            );
        }
        problems.into_result()?;
        self.check_open(&course, &session, false)?;
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let existing: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM training_enrolments WHERE course_id = $1 AND phone = $2",
        )
        .bind(course.id)
        .bind(phone)
        .fetch_optional(&mut *transaction)
        .await?;
        let enrolment = match existing {
            Some(id) => {
                let registered: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM training_registrations WHERE session_id = $1 AND enrolment_id = $2",
                )
                .bind(session_id)
                .bind(id)
                .fetch_one(&mut *transaction)
                .await?;
                if registered > 0 {
                    return Err(conflict(
                        "already-registered",
                        format!("手机号 {phone} 已报名本次课"),
                        format!("{phone} is already registered for this session"),
                    ));
                }
                id
            }
            None => {
                let id = allocate_ids(&mut transaction, "training_enrolments", 1).await?;
                sqlx::query(
                    "INSERT INTO training_enrolments (id, course_id, name, phone, enrolled_at, enrolled_by) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id)
                .bind(course.id)
                .bind(person.name.trim())
                .bind(phone)
                .bind(now.as_millis())
                .bind(&principal.username)
                .execute(&mut *transaction)
                .await?;
                id
            }
        };
        let registration = self
            .insert_registration(&mut transaction, &session, enrolment)
            .await?;
        let mut changes = Changes::new();
        changes
            .created("name", person.name.trim())
            .created("session", session_id);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "training_session.registered",
                "course",
                course.id.to_string(),
            )
            .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.registrations(principal, session_id)
            .await?
            .into_iter()
            .find(|r| r.id == registration)
            .ok_or_else(|| session_not_found(session_id))
    }

    async fn secret(&self, session_id: i64) -> Result<Vec<u8>> {
        let secret: String =
            sqlx::query_scalar("SELECT secret FROM training_sessions WHERE id = $1")
                .bind(session_id)
                .fetch_one(self.db.pool())
                .await?;
        Ok(unhex(&secret))
    }

    /// The sign-in code on the trainer's screen now and when it changes (its provider's staff,
    /// while sign-in is open).
    pub async fn current_code(
        &self,
        principal: &Principal,
        session_id: i64,
    ) -> Result<(String, Timestamp)> {
        let (_, session) = self.own_session(principal, session_id).await?;
        let now = self.clock.now();
        if !session.sign_in_open(now) {
            return Err(closed(&session));
        }
        let secret = self.secret(session_id).await?;
        Ok((
            code::code(&secret, session_id, code::window(now)),
            code::next_change(now),
        ))
    }

    /// Signs the caller in to a session with the code on the trainer's screen. Someone with an
    /// account who has not registered is registered while seats remain.
    pub async fn sign_in_with_code(
        &self,
        principal: &Principal,
        session_id: i64,
        typed: &str,
    ) -> Result<Registration> {
        let (course, session) = self.session(principal, session_id).await?;
        if !policy::may_learn(principal) {
            return Err(Error::Forbidden("enterprise users sign in to sessions"));
        }
        let now = self.clock.now();
        if !session.sign_in_open(now) {
            return Err(closed(&session));
        }
        let secret = self.secret(session_id).await?;
        match code::check(&secret, session_id, typed, now) {
            Ok(()) => {}
            Err(Refusal::Expired) => {
                return Err(conflict(
                    "code-expired",
                    "签到码已过期：签到码每分钟更换，请扫描讲师屏幕上当前的签到码",
                    "the code has expired: it changes every minute, scan the one on the trainer's screen now",
                ));
            }
            Err(Refusal::Wrong) => {
                return Err(invalid(
                    "code",
                    "签到码不是本次课的，请核对讲师屏幕上的签到码".into(),
                    "the code is not this session's; check the one on the trainer's screen".into(),
                ));
            }
        }
        let mut transaction = self.db.begin().await?;
        let registration = match self.my_registration(principal, session_id).await? {
            Some(registration) => {
                if let Some(at) = registration.signed_in_at {
                    return Err(already_signed_in(at));
                }
                registration.id
            }
            None => {
                if course.status != CourseStatus::Published {
                    return Err(conflict(
                        "not-open",
                        "课程未开放报名",
                        "the course is not open for enrolment",
                    ));
                }
                let enrolment = match self.my_enrolment(principal, course.id).await? {
                    Some(enrolment) => enrolment.id,
                    None => {
                        self.insert_enrolment(&mut transaction, principal, course.id)
                            .await?
                    }
                };
                self.insert_registration(&mut transaction, &session, enrolment)
                    .await?
            }
        };
        self.mark_signed_in(
            &mut transaction,
            principal,
            registration,
            SignInMethod::Code,
        )
        .await?;
        transaction.commit().await?;
        self.my_registration(principal, session_id)
            .await?
            .ok_or_else(|| session_not_found(session_id))
    }

    /// Cancels a session that has not ended (its course's provider's staff), saying why:
    /// everyone registered is told by e-mail or SMS through the outbox, in the same transaction;
    /// registration and sign-in close. Audited.
    pub async fn cancel_session(
        &self,
        principal: &Principal,
        session_id: i64,
        reason: &str,
    ) -> Result<TrainingSession> {
        let (course, session) = self.own_session(principal, session_id).await?;
        let reason = reason.trim();
        if !(2..=200).contains(&reason.chars().count()) {
            return Err(invalid(
                "reason",
                "请说明取消原因（2–200 字），将通知已报名的学员".into(),
                "say why (2 to 200 characters); everyone registered is told".into(),
            ));
        }
        let now = self.clock.now();
        if session.cancelled_at.is_some() || now >= session.ends_at {
            return Err(conflict(
                "session-over",
                "本次课已取消或已结束",
                "the session was cancelled or is over",
            ));
        }
        let mut transaction = self.db.begin().await?;
        let updated = sqlx::query(
            "UPDATE training_sessions SET cancelled_at = $1, cancel_reason = $2 \
             WHERE id = $3 AND cancelled_at IS NULL",
        )
        .bind(now.as_millis())
        .bind(reason)
        .bind(session_id)
        .execute(&mut *transaction)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(conflict(
                "session-over",
                "本次课已取消",
                "the session was cancelled",
            ));
        }
        // (name, the phone taken at registration, the account's e-mail and phone)
        type Person = (String, Option<String>, Option<String>, Option<String>);
        let people: Vec<Person> = sqlx::query_as(
            "SELECT e.name, e.phone, u.email, u.phone FROM training_registrations r \
             JOIN training_enrolments e ON e.id = r.enrolment_id LEFT JOIN users u ON u.id = e.user_id \
             WHERE r.session_id = $1 ORDER BY r.id",
        )
        .bind(session_id)
        .fetch_all(&mut *transaction)
        .await?;
        let subject = format!("培训取消：{}", course.title);
        for (name, phone, user_email, user_phone) in &people {
            let reach = match (user_email, user_phone) {
                (Some(email), Some(user_phone)) => {
                    zhizao_identity::notifications::reachable(email, user_phone)
                }
                _ => zhizao_identity::notifications::reachable("", phone.as_deref().unwrap_or("")),
            };
            let Some((channel, recipient)) = reach else {
                continue;
            };
            let body = format!(
                "{name}：您报名的《{}》{}（{}，{}）已取消。原因：{reason}。",
                course.title,
                session.title,
                session.starts_at.to_shanghai_string(),
                session.place
            );
            zhizao_identity::notifications::enqueue(
                &mut transaction,
                channel,
                &recipient,
                &subject,
                &body,
                now,
            )
            .await?;
        }
        let mut changes = Changes::new();
        changes.field("reason", "", reason);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "training_session.cancelled",
                "training_session",
                session_id.to_string(),
            )
            .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        Ok(self.session(principal, session_id).await?.1)
    }

    /// Signs in a registered person for them (the provider's staff, for people without phones).
    /// Audited.
    pub async fn sign_in_by_trainer(
        &self,
        principal: &Principal,
        session_id: i64,
        registration_id: i64,
    ) -> Result<Registration> {
        let (_, session) = self.own_session(principal, session_id).await?;
        let now = self.clock.now();
        if !session.sign_in_open(now) {
            return Err(closed(&session));
        }
        let registration = self
            .registrations(principal, session_id)
            .await?
            .into_iter()
            .find(|r| r.id == registration_id)
            .ok_or_else(|| Error::NotFound {
                what: "registration",
                key: registration_id.to_string(),
            })?;
        if let Some(at) = registration.signed_in_at {
            return Err(already_signed_in(at));
        }
        let mut transaction = self.db.begin().await?;
        self.mark_signed_in(
            &mut transaction,
            principal,
            registration_id,
            SignInMethod::Trainer,
        )
        .await?;
        let mut changes = Changes::new();
        changes
            .created("name", &registration.name)
            .created("session", session_id);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "training_session.signed_in",
                "course",
                session.course_id.to_string(),
            )
            .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.registrations(principal, session_id)
            .await?
            .into_iter()
            .find(|r| r.id == registration_id)
            .ok_or_else(|| session_not_found(session_id))
    }

    async fn mark_signed_in(
        &self,
        transaction: &mut sqlx::Transaction<'static, sqlx::Any>,
        principal: &Principal,
        registration_id: i64,
        method: SignInMethod,
    ) -> Result<()> {
        let now = self.clock.now();
        // Only a registration not yet signed in changes: two sign-ins at once make one.
        let updated = sqlx::query(
            "UPDATE training_registrations SET signed_in_at = $1, sign_in_method = $2, signed_in_by = $3 \
             WHERE id = $4 AND signed_in_at IS NULL",
        )
        .bind(now.as_millis())
        .bind(method.as_str())
        .bind(&principal.username)
        .bind(registration_id)
        .execute(&mut **transaction)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(already_signed_in(now));
        }
        let enrolment: i64 =
            sqlx::query_scalar("SELECT enrolment_id FROM training_registrations WHERE id = $1")
                .bind(registration_id)
                .fetch_one(&mut **transaction)
                .await?;
        crate::certificate::complete_if_due(transaction, &principal.actor(), enrolment, now)
            .await?;
        Ok(())
    }
}

fn closed(session: &TrainingSession) -> Error {
    conflict(
        "sign-in-closed",
        format!(
            "签到时间为开课前 30 分钟至下课（{} 至 {}）",
            Timestamp::from_millis(session.starts_at.as_millis() - SIGN_IN_OPENS_BEFORE_MILLIS)
                .to_shanghai_string(),
            session.ends_at.to_shanghai_string()
        ),
        format!(
            "sign-in is open from 30 minutes before the start to the end ({} to {})",
            Timestamp::from_millis(session.starts_at.as_millis() - SIGN_IN_OPENS_BEFORE_MILLIS)
                .to_shanghai_string(),
            session.ends_at.to_shanghai_string()
        ),
    )
}

fn already_signed_in(at: Timestamp) -> Error {
    conflict(
        "already-signed-in",
        format!("已于 {} 签到，无需重复签到", at.to_shanghai_string()),
        format!("already signed in at {}", at.to_shanghai_string()),
    )
}
