//! Courses and their lessons: written by their provider's staff (draft), published for every
//! signed-in user to read and enrol in, withdrawn when no longer given. A lesson is text, or a PDF
//! or video file the platform keeps (under the service's file directory by lesson id, never by
//! the uploader's name; the row names the file only once it is durably on disk). Drafts and
//! withdrawn courses are their provider's and the city's to read.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use zhizao_core::files::{self, FileKind};
use zhizao_core::{Timestamp, closed_vocabulary};
use zhizao_db::{SqlBuilder, allocate_ids};
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy;

use crate::{Error, Problems, Result, Training, conflict, invalid};

closed_vocabulary! {
    /// Where a course stands.
    CourseStatus, "course status" {
        /// Being written by its provider.
        Draft => "draft", "草稿", "Draft";
        /// Open for enrolment.
        Published => "published", "已发布", "Published";
        /// No longer given (learners keep their progress and certificates).
        Withdrawn => "withdrawn", "已停开", "Withdrawn";
    }
}

closed_vocabulary! {
    /// What a lesson is.
    LessonKind, "lesson kind" {
        /// Text written on the platform.
        Text => "text", "图文", "Text";
        /// A PDF file (slides, a manual).
        Pdf => "pdf", "PDF 讲义", "PDF";
        /// A video file (MP4 or WebM).
        Video => "video", "视频", "Video";
    }
}

/// The largest PDF lesson.
pub const MAX_PDF_BYTES: usize = 50 * 1024 * 1024;
/// The largest video lesson.
pub const MAX_VIDEO_BYTES: usize = 200 * 1024 * 1024;
/// The most lessons a course has.
pub const MAX_LESSONS: i64 = 100;

/// A course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Course {
    /// Its id.
    pub id: i64,
    /// The provider (a platform organisation).
    pub provider_id: i64,
    /// The provider's code.
    pub provider_code: String,
    /// The provider's name.
    pub provider_name: String,
    /// Its title.
    pub title: String,
    /// What it teaches and to whom.
    pub summary: String,
    /// Its field (工业机器人, 数控, 工业互联网 …).
    pub field: String,
    /// Credit hours, printed on the certificate.
    pub hours: i64,
    /// The completion rule's offline part: sessions to attend.
    pub required_sessions: i64,
    /// Lessons, and how many of them are required.
    pub lessons: i64,
    /// Required lessons.
    pub required_lessons: i64,
    /// Enrolled learners.
    pub learners: i64,
    /// Draft, published or withdrawn.
    pub status: CourseStatus,
    /// When it was last changed.
    pub updated_at: Timestamp,
    /// Its version.
    pub version: i64,
}

/// A course as its provider writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourseInput {
    /// 2–80 characters.
    pub title: String,
    /// 1–2,000 characters.
    pub summary: String,
    /// 1–20 characters.
    pub field: String,
    /// 1–500 credit hours.
    pub hours: i64,
    /// Offline sessions a learner must attend to complete it, 0–50.
    #[serde(default)]
    pub required_sessions: i64,
}

fn length_ok(text: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&text.trim().chars().count())
}

impl CourseInput {
    pub(crate) fn check(&self) -> Result<()> {
        let mut problems = Problems::default();
        if !length_ok(&self.title, 2, 80) {
            problems.add(
                "title",
                "课程名称为 2–80 字".into(),
                "the title has 2 to 80 characters".into(),
            );
        }
        if !length_ok(&self.summary, 1, 2000) {
            problems.add(
                "summary",
                "请填写课程简介（最长 2000 字）".into(),
                "give a summary (at most 2,000 characters)".into(),
            );
        }
        if !length_ok(&self.field, 1, 20) {
            problems.add(
                "field",
                "请填写领域（最长 20 字）".into(),
                "name the field (at most 20 characters)".into(),
            );
        }
        if !(1..=500).contains(&self.hours) {
            problems.add(
                "hours",
                "学时为 1–500".into(),
                "the hours are 1 to 500".into(),
            );
        }
        if !(0..=50).contains(&self.required_sessions) {
            problems.add(
                "required_sessions",
                "须参加的线下课次为 0–50".into(),
                "the offline sessions required are 0 to 50".into(),
            );
        }
        problems.into_result()
    }
}

/// A lesson's file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LessonFile {
    /// The name it was uploaded with (shown, never used as a path).
    pub file_name: String,
    /// The type its content has.
    pub content_type: String,
    /// Size.
    pub size_bytes: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
}

/// A lesson.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lesson {
    /// Its id.
    pub id: i64,
    /// Its course.
    pub course_id: i64,
    /// Its place in the course, from 1.
    pub position: i64,
    /// Its title.
    pub title: String,
    /// Text, PDF or video.
    pub kind: LessonKind,
    /// The text (of a text lesson; a note for the others).
    pub body: String,
    /// How long it takes, minutes (for a video, its length: watching 90 % of it completes it).
    pub minutes: i64,
    /// Whether the completion rule counts it.
    pub required: bool,
    /// The file of a PDF or video lesson, once uploaded.
    pub file: Option<LessonFile>,
}

/// A lesson as its provider writes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonInput {
    /// 2–80 characters.
    pub title: String,
    /// Text, PDF or video.
    pub kind: LessonKind,
    /// The text (required for a text lesson, at most 20,000 characters).
    #[serde(default)]
    pub body: String,
    /// 1–600 minutes.
    pub minutes: i64,
    /// Whether the completion rule counts it (default yes).
    #[serde(default = "yes")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

impl LessonInput {
    pub(crate) fn check(&self) -> Result<()> {
        let mut problems = Problems::default();
        if !length_ok(&self.title, 2, 80) {
            problems.add(
                "title",
                "课时名称为 2–80 字".into(),
                "the title has 2 to 80 characters".into(),
            );
        }
        let body = self.body.trim().chars().count();
        if self.kind == LessonKind::Text && body == 0 {
            problems.add(
                "body",
                "图文课时须有正文".into(),
                "a text lesson needs its text".into(),
            );
        }
        if body > 20_000 {
            problems.add(
                "body",
                "正文最长 20000 字".into(),
                "the text has at most 20,000 characters".into(),
            );
        }
        if !(1..=600).contains(&self.minutes) {
            problems.add(
                "minutes",
                "时长为 1–600 分钟".into(),
                "the length is 1 to 600 minutes".into(),
            );
        }
        problems.into_result()
    }
}

const COURSE_COLUMNS: &str = "SELECT c.id, c.provider_id, o.code AS provider_code, o.name AS provider_name, c.title, c.summary, \
     c.field, c.hours, c.required_sessions, c.status, c.updated_at, c.version, \
     (SELECT COUNT(*) FROM training_lessons l WHERE l.course_id = c.id) AS lessons, \
     (SELECT COUNT(*) FROM training_lessons l WHERE l.course_id = c.id AND l.required = 1) AS required_lessons, \
     (SELECT COUNT(*) FROM training_enrolments e WHERE e.course_id = c.id) AS learners \
     FROM training_courses c JOIN organizations o ON o.id = c.provider_id WHERE 1 = 1";

#[derive(sqlx::FromRow)]
struct CourseRow {
    id: i64,
    provider_id: i64,
    provider_code: String,
    provider_name: String,
    title: String,
    summary: String,
    field: String,
    hours: i64,
    required_sessions: i64,
    status: String,
    updated_at: i64,
    version: i64,
    lessons: i64,
    required_lessons: i64,
    learners: i64,
}

impl CourseRow {
    fn into_course(self) -> Result<Course> {
        Ok(Course {
            status: self
                .status
                .parse()
                .map_err(|_| Error::Corrupt(format!("course {}: status", self.id)))?,
            id: self.id,
            provider_id: self.provider_id,
            provider_code: self.provider_code,
            provider_name: self.provider_name,
            title: self.title,
            summary: self.summary,
            field: self.field,
            hours: self.hours,
            required_sessions: self.required_sessions,
            lessons: self.lessons,
            required_lessons: self.required_lessons,
            learners: self.learners,
            updated_at: Timestamp::from_millis(self.updated_at),
            version: self.version,
        })
    }
}

const LESSON_COLUMNS: &str = "SELECT id, course_id, position, title, kind, body, minutes, required, file_name, content_type, \
     size_bytes, sha256 FROM training_lessons WHERE course_id = ";

#[derive(sqlx::FromRow)]
pub(crate) struct LessonRow {
    id: i64,
    course_id: i64,
    position: i64,
    title: String,
    kind: String,
    body: String,
    minutes: i64,
    required: i64,
    file_name: Option<String>,
    content_type: Option<String>,
    size_bytes: Option<i64>,
    sha256: Option<String>,
}

impl LessonRow {
    pub(crate) fn into_lesson(self) -> Result<Lesson> {
        let file = match (
            self.file_name,
            self.content_type,
            self.size_bytes,
            self.sha256,
        ) {
            (Some(file_name), Some(content_type), Some(size_bytes), Some(sha256)) => {
                Some(LessonFile {
                    file_name,
                    content_type,
                    size_bytes,
                    sha256,
                })
            }
            _ => None,
        };
        Ok(Lesson {
            kind: self
                .kind
                .parse()
                .map_err(|_| Error::Corrupt(format!("lesson {}: kind", self.id)))?,
            id: self.id,
            course_id: self.course_id,
            position: self.position,
            title: self.title,
            body: self.body,
            minutes: self.minutes,
            required: self.required == 1,
            file,
        })
    }
}

/// Which courses to list.
#[derive(Debug, Clone, Default)]
pub struct CourseFilter {
    /// Only this provider's (organisation code).
    pub provider: Option<String>,
    /// Words in the title, summary or field.
    pub text: Option<String>,
    /// Only this status.
    pub status: Option<CourseStatus>,
}

pub(crate) fn course_not_found(id: i64) -> Error {
    Error::NotFound {
        what: "course",
        key: id.to_string(),
    }
}

fn lesson_not_found(id: i64) -> Error {
    Error::NotFound {
        what: "lesson",
        key: id.to_string(),
    }
}

/// Restricts `sql` to the courses `principal` may read: published and withdrawn ones (learners
/// keep what they took), and its own platform's (or, for the city, every) draft.
fn restrict(principal: &Principal, sql: &mut SqlBuilder) {
    if policy::may_oversee_training(principal) {
        return;
    }
    sql.push(" AND (c.status <> 'draft' OR c.provider_id = ")
        .push_bind(
            if policy::may_offer_training(principal, principal.organization_id) {
                principal.organization_id
            } else {
                -1
            },
        )
        .push(")");
}

/// Where the file of lesson `lesson_id` is kept under `root`.
pub(crate) fn lesson_path(root: &Path, course_id: i64, lesson_id: i64) -> PathBuf {
    root.join(course_id.to_string())
        .join(format!("{lesson_id}.bin"))
}

impl Training {
    /// The courses the caller may read matching `filter`: published ones first, newest first.
    pub async fn courses(
        &self,
        principal: &Principal,
        filter: &CourseFilter,
    ) -> Result<Vec<Course>> {
        let mut select = SqlBuilder::new(COURSE_COLUMNS);
        restrict(principal, &mut select);
        if let Some(provider) = &filter.provider {
            select.push(" AND o.code = ").push_bind(provider.clone());
        }
        if let Some(status) = filter.status {
            select.push(" AND c.status = ").push_bind(status.as_str());
        }
        if let Some(text) = filter.text.as_deref() {
            select.push_contains_any(&["c.title", "c.summary", "c.field"], text);
        }
        select.push(" ORDER BY CASE c.status WHEN 'published' THEN 0 WHEN 'draft' THEN 1 ELSE 2 END, c.id DESC LIMIT 500");
        let rows: Vec<CourseRow> = select.query_as().fetch_all(self.db.pool()).await?;
        rows.into_iter().map(CourseRow::into_course).collect()
    }

    /// One course the caller may read.
    pub async fn course(&self, principal: &Principal, id: i64) -> Result<Course> {
        let mut select = SqlBuilder::new(COURSE_COLUMNS);
        select.push(" AND c.id = ").push_bind(id);
        restrict(principal, &mut select);
        let row: Option<CourseRow> = select.query_as().fetch_optional(self.db.pool()).await?;
        row.ok_or_else(|| course_not_found(id))?.into_course()
    }

    /// A course of the caller's own platform (to anyone else it does not exist for writing).
    pub(crate) async fn own_course(&self, principal: &Principal, id: i64) -> Result<Course> {
        let course = self.course(principal, id).await?;
        if !policy::may_offer_training(principal, course.provider_id) {
            return Err(course_not_found(id));
        }
        Ok(course)
    }

    /// A new draft course of the caller's platform (its staff). Audited.
    pub async fn create_course(
        &self,
        principal: &Principal,
        input: &CourseInput,
    ) -> Result<Course> {
        if !policy::may_offer_training(principal, principal.organization_id) {
            return Err(Error::Forbidden("training providers write their courses"));
        }
        input.check()?;
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let id = allocate_ids(&mut transaction, "training_courses", 1).await?;
        sqlx::query(
            "INSERT INTO training_courses (id, provider_id, title, summary, field, hours, required_sessions, status, \
             created_at, created_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', $8, $9, $8)",
        )
        .bind(id)
        .bind(principal.organization_id)
        .bind(input.title.trim())
        .bind(input.summary.trim())
        .bind(input.field.trim())
        .bind(input.hours)
        .bind(input.required_sessions)
        .bind(now.as_millis())
        .bind(&principal.username)
        .execute(&mut *transaction)
        .await?;
        let mut changes = Changes::new();
        changes
            .created("title", input.title.trim())
            .created("hours", input.hours);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("course.created", "course", id.to_string()).changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.course(principal, id).await
    }

    /// Changes a draft or published course (its provider's staff), from the version read.
    pub async fn update_course(
        &self,
        principal: &Principal,
        id: i64,
        expected_version: i64,
        input: &CourseInput,
    ) -> Result<Course> {
        let before = self.own_course(principal, id).await?;
        if before.status == CourseStatus::Withdrawn {
            return Err(conflict(
                "illegal-transition",
                "已停开的课程不能修改",
                "a withdrawn course is not changed",
            ));
        }
        input.check()?;
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let updated = sqlx::query(
            "UPDATE training_courses SET title = $1, summary = $2, field = $3, hours = $4, required_sessions = $5, \
             updated_at = $6, version = version + 1 WHERE id = $7 AND version = $8",
        )
        .bind(input.title.trim())
        .bind(input.summary.trim())
        .bind(input.field.trim())
        .bind(input.hours)
        .bind(input.required_sessions)
        .bind(now.as_millis())
        .bind(id)
        .bind(expected_version)
        .execute(&mut *transaction)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(Error::StaleVersion {
                current: before.version,
            });
        }
        let mut changes = Changes::new();
        changes
            .field("title", &before.title, input.title.trim())
            .field("hours", before.hours, input.hours)
            .field(
                "required_sessions",
                before.required_sessions,
                input.required_sessions,
            );
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("course.updated", "course", id.to_string()).changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.course(principal, id).await
    }

    /// Publishes a draft (which needs a completion rule that asks for something, and every PDF
    /// or video lesson's file) or withdraws a published course. Its provider's staff; audited.
    pub async fn set_course_status(
        &self,
        principal: &Principal,
        id: i64,
        status: CourseStatus,
    ) -> Result<Course> {
        let before = self.own_course(principal, id).await?;
        let allowed = matches!(
            (before.status, status),
            (CourseStatus::Draft, CourseStatus::Published)
                | (CourseStatus::Published, CourseStatus::Withdrawn)
        );
        if !allowed {
            return Err(conflict(
                "illegal-transition",
                format!(
                    "课程当前为“{}”，不能改为“{}”",
                    before.status.label().zh,
                    status.label().zh
                ),
                format!(
                    "a {} course cannot become {}",
                    before.status.as_str(),
                    status.as_str()
                ),
            ));
        }
        if status == CourseStatus::Published {
            if before.required_lessons == 0 && before.required_sessions == 0 {
                return Err(invalid(
                    "lessons",
                    "发布前请添加必修课时或设定须参加的线下课次（结业条件）".into(),
                    "add a required lesson or require offline sessions (the completion rule) before publishing".into(),
                ));
            }
            if let Some(lesson) = self
                .lessons(principal, id)
                .await?
                .into_iter()
                .find(|l| l.kind != LessonKind::Text && l.file.is_none())
            {
                return Err(invalid(
                    "lessons",
                    format!("第 {} 课“{}”还没有上传文件", lesson.position, lesson.title),
                    format!(
                        "lesson {} ({}) has no file yet",
                        lesson.position, lesson.title
                    ),
                ));
            }
        }
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        sqlx::query("UPDATE training_courses SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3")
            .bind(status.as_str())
            .bind(now.as_millis())
            .bind(id)
            .execute(&mut *transaction)
            .await?;
        let mut changes = Changes::new();
        changes.field("status", before.status.as_str(), status.as_str());
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("course.status_changed", "course", id.to_string()).changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.course(principal, id).await
    }

    /// The lessons of a course the caller may read, in order.
    pub async fn lessons(&self, principal: &Principal, course_id: i64) -> Result<Vec<Lesson>> {
        self.course(principal, course_id).await?;
        let mut select = SqlBuilder::new(LESSON_COLUMNS);
        select.push_bind(course_id).push(" ORDER BY position, id");
        let rows: Vec<LessonRow> = select.query_as().fetch_all(self.db.pool()).await?;
        rows.into_iter().map(LessonRow::into_lesson).collect()
    }

    /// One lesson of a course the caller may read.
    pub async fn lesson(
        &self,
        principal: &Principal,
        course_id: i64,
        lesson_id: i64,
    ) -> Result<Lesson> {
        self.course(principal, course_id).await?;
        let mut select = SqlBuilder::new(LESSON_COLUMNS);
        select
            .push_bind(course_id)
            .push(" AND id = ")
            .push_bind(lesson_id);
        let row: Option<LessonRow> = select.query_as().fetch_optional(self.db.pool()).await?;
        row.ok_or_else(|| lesson_not_found(lesson_id))?
            .into_lesson()
    }

    /// Adds a lesson at the end of a draft or published course (its provider's staff). Audited.
    pub async fn add_lesson(
        &self,
        principal: &Principal,
        course_id: i64,
        input: &LessonInput,
    ) -> Result<Lesson> {
        let course = self.own_course(principal, course_id).await?;
        if course.status == CourseStatus::Withdrawn {
            return Err(conflict(
                "illegal-transition",
                "已停开的课程不能添加课时",
                "a withdrawn course takes no lessons",
            ));
        }
        input.check()?;
        if course.lessons >= MAX_LESSONS {
            return Err(invalid(
                "lessons",
                format!("一门课程最多 {MAX_LESSONS} 个课时"),
                format!("a course has at most {MAX_LESSONS} lessons"),
            ));
        }
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let id = allocate_ids(&mut transaction, "training_lessons", 1).await?;
        let position: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(position), 0) + 1 FROM training_lessons WHERE course_id = $1",
        )
        .bind(course_id)
        .fetch_one(&mut *transaction)
        .await?;
        sqlx::query(
            "INSERT INTO training_lessons (id, course_id, position, title, kind, body, minutes, required, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        )
        .bind(id)
        .bind(course_id)
        .bind(position)
        .bind(input.title.trim())
        .bind(input.kind.as_str())
        .bind(input.body.trim())
        .bind(input.minutes)
        .bind(i64::from(input.required))
        .bind(now.as_millis())
        .execute(&mut *transaction)
        .await?;
        let mut changes = Changes::new();
        changes
            .created("title", input.title.trim())
            .created("kind", input.kind.as_str());
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("lesson.added", "course", course_id.to_string()).changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.lesson(principal, course_id, id).await
    }

    /// Uploads (or replaces) the file of a PDF or video lesson (its provider's staff): a PDF for a
    /// PDF lesson, MP4 or WebM for a video, judged by content. Audited.
    pub async fn upload_lesson_file(
        &self,
        principal: &Principal,
        course_id: i64,
        lesson_id: i64,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<Lesson> {
        let course = self.own_course(principal, course_id).await?;
        if course.status == CourseStatus::Withdrawn {
            return Err(conflict(
                "illegal-transition",
                "已停开的课程不能修改",
                "a withdrawn course is not changed",
            ));
        }
        let lesson = self.lesson(principal, course_id, lesson_id).await?;
        let (accepted, max): (&[FileKind], usize) = match lesson.kind {
            LessonKind::Text => {
                return Err(invalid(
                    "file",
                    "图文课时不上传文件".into(),
                    "a text lesson takes no file".into(),
                ));
            }
            LessonKind::Pdf => (&[FileKind::Pdf], MAX_PDF_BYTES),
            LessonKind::Video => (&[FileKind::Mp4, FileKind::Webm], MAX_VIDEO_BYTES),
        };
        let kind = files::check_upload(file_name, &bytes, accepted, max)
            .map_err(|text| Error::Invalid(vec![zhizao_core::FieldError::new("file", text)]))?;
        let file = LessonFile {
            file_name: files::clean_file_name(file_name),
            content_type: kind.content_type().to_owned(),
            size_bytes: bytes.len() as i64,
            sha256: files::sha256_hex(&bytes),
        };
        let path = lesson_path(&self.file_dir, course_id, lesson_id);
        tokio::task::spawn_blocking(move || files::write_durably(&path, &bytes))
            .await
            .map_err(|e| Error::Storage(e.to_string()))?
            .map_err(|e| Error::Storage(e.to_string()))?;
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        sqlx::query(
            "UPDATE training_lessons SET file_name = $1, content_type = $2, size_bytes = $3, sha256 = $4, updated_at = $5 \
             WHERE id = $6 AND course_id = $7",
        )
        .bind(&file.file_name)
        .bind(&file.content_type)
        .bind(file.size_bytes)
        .bind(&file.sha256)
        .bind(now.as_millis())
        .bind(lesson_id)
        .bind(course_id)
        .execute(&mut *transaction)
        .await?;
        let mut changes = Changes::new();
        changes
            .created("lesson", lesson_id)
            .created("file_name", &file.file_name)
            .created("sha256", &file.sha256);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("lesson.file_uploaded", "course", course_id.to_string())
                .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.lesson(principal, course_id, lesson_id).await
    }

    /// The file of a lesson of a course the caller may read, and where it is on disk (served
    /// with ranges, so a video can be seeked).
    pub async fn lesson_file(
        &self,
        principal: &Principal,
        course_id: i64,
        lesson_id: i64,
    ) -> Result<(Lesson, LessonFile, PathBuf)> {
        let lesson = self.lesson(principal, course_id, lesson_id).await?;
        let file = lesson.file.clone().ok_or_else(|| Error::NotFound {
            what: "lesson file",
            key: lesson_id.to_string(),
        })?;
        Ok((
            lesson,
            file,
            lesson_path(&self.file_dir, course_id, lesson_id),
        ))
    }

    /// Removes a lesson from a draft course (its provider's staff). Audited.
    pub async fn remove_lesson(
        &self,
        principal: &Principal,
        course_id: i64,
        lesson_id: i64,
    ) -> Result<()> {
        let course = self.own_course(principal, course_id).await?;
        let lesson = self.lesson(principal, course_id, lesson_id).await?;
        if course.status != CourseStatus::Draft {
            return Err(conflict(
                "illegal-transition",
                "只有草稿课程可以删除课时（学员的进度已记在已发布课程上）",
                "lessons are removed only from a draft course (learners' progress is kept on published ones)",
            ));
        }
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        sqlx::query("DELETE FROM training_lessons WHERE id = $1 AND course_id = $2")
            .bind(lesson_id)
            .bind(course_id)
            .execute(&mut *transaction)
            .await?;
        let mut changes = Changes::new();
        changes.field("lesson", &lesson.title, "");
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("lesson.removed", "course", course_id.to_string()).changes(changes),
        )
        .await?;
        transaction.commit().await?;
        let _ = std::fs::remove_file(lesson_path(&self.file_dir, course_id, lesson_id));
        Ok(())
    }
    /// Moves a lesson one place earlier (`earlier`) or later in a draft or published course
    /// (its provider's staff); the first cannot move earlier nor the last later. Audited.
    pub async fn move_lesson(
        &self,
        principal: &Principal,
        course_id: i64,
        lesson_id: i64,
        earlier: bool,
    ) -> Result<Vec<Lesson>> {
        let course = self.own_course(principal, course_id).await?;
        if course.status == CourseStatus::Withdrawn {
            return Err(conflict(
                "illegal-transition",
                "已停开的课程不能调整课时顺序",
                "a withdrawn course's lessons stay in their order",
            ));
        }
        let lessons = self.lessons(principal, course_id).await?;
        let index = lessons
            .iter()
            .position(|l| l.id == lesson_id)
            .ok_or_else(|| lesson_not_found(lesson_id))?;
        let neighbour = if earlier {
            index.checked_sub(1)
        } else {
            Some(index + 1).filter(|n| *n < lessons.len())
        };
        let Some(neighbour) = neighbour else {
            return Err(conflict(
                "illegal-transition",
                if earlier {
                    "已是第一课时"
                } else {
                    "已是最后一课时"
                },
                if earlier {
                    "it is the first lesson already"
                } else {
                    "it is the last lesson already"
                },
            ));
        };
        let (moved, other) = (&lessons[index], &lessons[neighbour]);
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        for (id, position) in [(moved.id, other.position), (other.id, moved.position)] {
            sqlx::query(
                "UPDATE training_lessons SET position = $1, updated_at = $2 WHERE id = $3 AND course_id = $4",
            )
            .bind(position)
            .bind(now.as_millis())
            .bind(id)
            .bind(course_id)
            .execute(&mut *transaction)
            .await?;
        }
        let mut changes = Changes::new();
        changes.field(
            "position",
            (index + 1).to_string(),
            (neighbour + 1).to_string(),
        );
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("lesson.moved", "course", course_id.to_string()).changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.lessons(principal, course_id).await
    }
}
