//! Training: courses and lessons providers publish, enrolment and progress, and certificates
//! anyone can verify without signing in; offline sessions are in `training_sessions`.

use std::path::PathBuf;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tower::ServiceExt;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_core::{FieldError, Text};
use zhizao_training::course::{CourseFilter, LessonFile};
use zhizao_training::learning::LearnerProgress;
use zhizao_training::{
    Certificate, Course, CourseInput, CourseStatus, Enrolment, Lesson, LessonInput, LessonKind,
};

use super::{etag, required_if_match, rfc3339};
use crate::AppState;
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_courses, create_course))
        .routes(routes!(get_course, update_course))
        .routes(routes!(publish_course))
        .routes(routes!(withdraw_course))
        .routes(routes!(list_lessons, add_lesson))
        .routes(routes!(get_lesson, remove_lesson))
        .routes(routes!(move_lesson))
        .routes(routes!(download_lesson_file))
        .routes(routes!(enrolment, enrol))
        .routes(routes!(record_progress))
        .routes(routes!(learners))
        .merge(super::training_sessions::router())
        .routes(routes!(my_enrolments))
        .routes(routes!(my_certificates))
        .routes(routes!(verify_certificate))
        .routes(routes!(certificate_pdf))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(upload_lesson_file))
                .layer(axum::extract::DefaultBodyLimit::max(
                    zhizao_training::course::MAX_VIDEO_BYTES + 256 * 1024,
                )),
        )
}

fn invalid(field: &str, zh: String, en: String) -> ApiError {
    zhizao_training::Error::Invalid(vec![FieldError::new(field, Text::owned(zh, en))]).into()
}

/// A course.
#[derive(Debug, Serialize, ToSchema)]
struct CourseDto {
    id: i64,
    provider_code: String,
    provider_name: String,
    title: String,
    summary: String,
    field: String,
    /// Credit hours, printed on the certificate.
    hours: i64,
    /// The completion rule: every required lesson done and this many offline sessions attended.
    required_sessions: i64,
    lessons: i64,
    required_lessons: i64,
    learners: i64,
    /// draft, published or withdrawn.
    status: String,
    updated_at: String,
    version: i64,
}

impl From<Course> for CourseDto {
    fn from(c: Course) -> Self {
        CourseDto {
            id: c.id,
            provider_code: c.provider_code,
            provider_name: c.provider_name,
            title: c.title,
            summary: c.summary,
            field: c.field,
            hours: c.hours,
            required_sessions: c.required_sessions,
            lessons: c.lessons,
            required_lessons: c.required_lessons,
            learners: c.learners,
            status: c.status.as_str().to_owned(),
            updated_at: rfc3339(c.updated_at),
            version: c.version,
        }
    }
}

/// A course as its provider writes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CourseBody {
    /// 2–80 characters.
    title: String,
    /// 1–2,000 characters.
    summary: String,
    /// 1–20 characters, e.g. 工业机器人.
    field: String,
    /// 1–500.
    hours: i64,
    /// Offline sessions to attend, 0–50 (default 0).
    #[serde(default)]
    required_sessions: i64,
}

impl From<CourseBody> for CourseInput {
    fn from(b: CourseBody) -> Self {
        CourseInput {
            title: b.title,
            summary: b.summary,
            field: b.field,
            hours: b.hours,
            required_sessions: b.required_sessions,
        }
    }
}

/// `?provider=&q=&status=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct CourseQuery {
    /// A provider's organisation code.
    provider: Option<String>,
    /// Words in the title, summary or field.
    q: Option<String>,
    /// draft, published or withdrawn.
    status: Option<String>,
}

/// The courses the caller may read: published and withdrawn ones, and the caller's platform's
/// drafts (the city reads all); published first.
#[utoipa::path(get, path = "/api/v1/courses", tag = "training", params(CourseQuery),
    responses((status = 200, body = Vec<CourseDto>), (status = 422, body = crate::problem::Problem)))]
async fn list_courses(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<CourseQuery>,
) -> Result<Json<Vec<CourseDto>>, ApiError> {
    let nonempty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let status = match nonempty(query.status) {
        None => None,
        Some(word) => Some(word.trim().parse::<CourseStatus>().map_err(|_| {
            invalid(
                "status",
                format!("“{word}”不是课程状态"),
                format!("{word:?} is not a status: draft, published or withdrawn"),
            )
        })?),
    };
    let filter = CourseFilter {
        provider: nonempty(query.provider),
        text: nonempty(query.q),
        status,
    };
    let found = state.training().courses(&principal, &filter).await?;
    Ok(Json(found.into_iter().map(CourseDto::from).collect()))
}

/// A new draft course of the caller's platform (training providers' staff).
#[utoipa::path(post, path = "/api/v1/courses", tag = "training", request_body = CourseBody,
    responses((status = 201, body = CourseDto), (status = 403, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn create_course(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiJson(body): ApiJson<CourseBody>,
) -> Result<impl IntoResponse, ApiError> {
    let created = state
        .training()
        .create_course(&principal, &body.into())
        .await?;
    Ok((
        StatusCode::CREATED,
        etag(created.version),
        Json(CourseDto::from(created)),
    ))
}

/// A course.
#[utoipa::path(get, path = "/api/v1/courses/{course_id}", tag = "training",
    params(("course_id" = i64, Path)),
    responses((status = 200, body = CourseDto), (status = 404, body = crate::problem::Problem)))]
async fn get_course(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let course = state.training().course(&principal, id).await?;
    Ok((etag(course.version), Json(CourseDto::from(course))))
}

/// Changes a draft or published course (its provider's staff); `If-Match` with the version read
/// is required.
#[utoipa::path(put, path = "/api/v1/courses/{course_id}", tag = "training",
    params(("course_id" = i64, Path)), request_body = CourseBody,
    responses((status = 200, body = CourseDto), (status = 404, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn update_course(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CourseBody>,
) -> Result<impl IntoResponse, ApiError> {
    state.training().course(&principal, id).await?;
    let expected = required_if_match(&headers)?;
    let saved = state
        .training()
        .update_course(&principal, id, expected, &body.into())
        .await?;
    Ok((etag(saved.version), Json(CourseDto::from(saved))))
}

/// Publishes a draft course (its provider's staff): its completion rule must ask for something
/// and every PDF or video lesson must have its file.
#[utoipa::path(post, path = "/api/v1/courses/{course_id}/publish", tag = "training",
    params(("course_id" = i64, Path)),
    responses((status = 200, body = CourseDto), (status = 404, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn publish_course(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<CourseDto>, ApiError> {
    let saved = state
        .training()
        .set_course_status(&principal, id, CourseStatus::Published)
        .await?;
    Ok(Json(saved.into()))
}

/// Withdraws a published course (its provider's staff); learners keep progress and certificates.
#[utoipa::path(post, path = "/api/v1/courses/{course_id}/withdraw", tag = "training",
    params(("course_id" = i64, Path)),
    responses((status = 200, body = CourseDto), (status = 404, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem)))]
async fn withdraw_course(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<CourseDto>, ApiError> {
    let saved = state
        .training()
        .set_course_status(&principal, id, CourseStatus::Withdrawn)
        .await?;
    Ok(Json(saved.into()))
}

/// A lesson's file.
#[derive(Debug, Serialize, ToSchema)]
struct LessonFileDto {
    file_name: String,
    content_type: String,
    size_bytes: i64,
    sha256: String,
}

/// A lesson.
#[derive(Debug, Serialize, ToSchema)]
struct LessonDto {
    id: i64,
    course_id: i64,
    position: i64,
    title: String,
    /// text, pdf or video.
    kind: String,
    body: String,
    minutes: i64,
    required: bool,
    file: Option<LessonFileDto>,
}

impl From<Lesson> for LessonDto {
    fn from(l: Lesson) -> Self {
        LessonDto {
            id: l.id,
            course_id: l.course_id,
            position: l.position,
            title: l.title,
            kind: l.kind.as_str().to_owned(),
            body: l.body,
            minutes: l.minutes,
            required: l.required,
            file: l.file.map(|f: LessonFile| LessonFileDto {
                file_name: f.file_name,
                content_type: f.content_type,
                size_bytes: f.size_bytes,
                sha256: f.sha256,
            }),
        }
    }
}

/// A lesson as its provider writes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct LessonBody {
    /// 2–80 characters.
    title: String,
    /// text, pdf or video.
    kind: String,
    /// The text of a text lesson (a note for the others), at most 20,000 characters.
    #[serde(default)]
    body: String,
    /// 1–600; a video's length (watching 90 % of it completes it).
    minutes: i64,
    /// Whether the completion rule counts it (default true).
    #[serde(default)]
    required: Option<bool>,
}

/// The lessons of a course, in order.
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/lessons", tag = "training",
    params(("course_id" = i64, Path)),
    responses((status = 200, body = Vec<LessonDto>), (status = 404, body = crate::problem::Problem)))]
async fn list_lessons(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<LessonDto>>, ApiError> {
    let lessons = state.training().lessons(&principal, id).await?;
    Ok(Json(lessons.into_iter().map(LessonDto::from).collect()))
}

/// Adds a lesson at the end of a draft or published course (its provider's staff).
#[utoipa::path(post, path = "/api/v1/courses/{course_id}/lessons", tag = "training",
    params(("course_id" = i64, Path)), request_body = LessonBody,
    responses((status = 201, body = LessonDto), (status = 404, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn add_lesson(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<LessonBody>,
) -> Result<impl IntoResponse, ApiError> {
    state.training().course(&principal, id).await?;
    let kind = body.kind.trim().parse::<LessonKind>().map_err(|_| {
        invalid(
            "kind",
            format!("“{}”不是课时类型", body.kind),
            format!("{:?} is not a lesson kind: text, pdf or video", body.kind),
        )
    })?;
    let input = LessonInput {
        title: body.title,
        kind,
        body: body.body,
        minutes: body.minutes,
        required: body.required.unwrap_or(true),
    };
    let lesson = state.training().add_lesson(&principal, id, &input).await?;
    Ok((StatusCode::CREATED, Json(LessonDto::from(lesson))))
}

/// A lesson.
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/lessons/{lesson_id}", tag = "training",
    params(("course_id" = i64, Path), ("lesson_id" = i64, Path)),
    responses((status = 200, body = LessonDto), (status = 404, body = crate::problem::Problem)))]
async fn get_lesson(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((id, lesson_id)): ApiPath<(i64, i64)>,
) -> Result<Json<LessonDto>, ApiError> {
    let lesson = state.training().lesson(&principal, id, lesson_id).await?;
    Ok(Json(lesson.into()))
}

/// Removes a lesson from a draft course (its provider's staff).
#[utoipa::path(delete, path = "/api/v1/courses/{course_id}/lessons/{lesson_id}", tag = "training",
    params(("course_id" = i64, Path), ("lesson_id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem)))]
async fn remove_lesson(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((id, lesson_id)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    state
        .training()
        .remove_lesson(&principal, id, lesson_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which way a lesson moves.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct MoveBody {
    /// `earlier` or `later`: one place.
    direction: String,
}

/// Moves a lesson one place earlier or later (its provider's staff); the course's lessons in
/// their new order.
#[utoipa::path(post, path = "/api/v1/courses/{course_id}/lessons/{lesson_id}/move", tag = "training",
    params(("course_id" = i64, Path), ("lesson_id" = i64, Path)), request_body = MoveBody,
    responses((status = 200, body = Vec<LessonDto>), (status = 404, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn move_lesson(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((id, lesson_id)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<MoveBody>,
) -> Result<Json<Vec<LessonDto>>, ApiError> {
    let earlier = match body.direction.trim() {
        "earlier" => true,
        "later" => false,
        other => {
            return Err(invalid(
                "direction",
                format!("“{other}”不是移动方向（earlier 或 later）"),
                format!("{other:?} is not a direction: earlier or later"),
            ));
        }
    };
    let lessons = state
        .training()
        .move_lesson(&principal, id, lesson_id, earlier)
        .await?;
    Ok(Json(lessons.into_iter().map(LessonDto::from).collect()))
}

/// Uploads (or replaces) the file of a PDF or video lesson (multipart part `file`; its provider's
/// staff): a PDF up to 50 MiB, MP4 or WebM up to 200 MiB, judged by content.
#[utoipa::path(post, path = "/api/v1/courses/{course_id}/lessons/{lesson_id}/file", tag = "training",
    params(("course_id" = i64, Path), ("lesson_id" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "`file`: the file"),
    responses((status = 200, body = LessonDto), (status = 404, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem), (status = 413, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn upload_lesson_file(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((id, lesson_id)): ApiPath<(i64, i64)>,
    request: axum::extract::Request,
) -> Result<Json<LessonDto>, ApiError> {
    state.training().lesson(&principal, id, lesson_id).await?;
    let (_, file_name, bytes) =
        super::projects::read_upload(&state, request, zhizao_training::course::MAX_VIDEO_BYTES)
            .await?;
    let lesson = state
        .training()
        .upload_lesson_file(&principal, id, lesson_id, &file_name, bytes)
        .await?;
    Ok(Json(lesson.into()))
}

/// The file of a PDF or video lesson, shown in the browser; ranges are answered, so a video
/// can be seeked.
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/lessons/{lesson_id}/file", tag = "training",
    params(("course_id" = i64, Path), ("lesson_id" = i64, Path)),
    responses((status = 200, description = "The file"), (status = 206, description = "Part of the file"),
        (status = 404, body = crate::problem::Problem)))]
async fn download_lesson_file(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((id, lesson_id)): ApiPath<(i64, i64)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (_, file, path) = state
        .training()
        .lesson_file(&principal, id, lesson_id)
        .await?;
    Ok(serve_lesson_file(&headers, path, &file).await)
}

/// A lesson's file from disk with range support, shown inline with the type its content has.
pub(crate) async fn serve_lesson_file(
    headers: &HeaderMap,
    path: PathBuf,
    file: &LessonFile,
) -> Response {
    let mime: mime::Mime = file
        .content_type
        .parse()
        .unwrap_or(mime::APPLICATION_OCTET_STREAM);
    let mut request = axum::http::Request::builder().uri("/");
    for name in [
        header::RANGE,
        header::IF_RANGE,
        header::IF_MODIFIED_SINCE,
        header::IF_UNMODIFIED_SINCE,
    ] {
        if let Some(value) = headers.get(&name) {
            request = request.header(name, value);
        }
    }
    let Ok(request) = request.body(Body::empty()) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let served = match tower_http::services::ServeFile::new_with_mime(path, &mime)
        .oneshot(request)
        .await
    {
        Ok(response) => response,
        Err(never) => match never {},
    };
    if served.status() == StatusCode::NOT_FOUND {
        return ApiError::from(zhizao_training::Error::Storage(
            "the lesson's file is missing from the file directory".into(),
        ))
        .into_response();
    }
    let mut response = served.map(Body::new);
    let response_headers = response.headers_mut();
    response_headers.insert(
        header::CONTENT_DISPOSITION,
        super::content_disposition(true, &file.file_name, "lesson"),
    );
    response_headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response_headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    response
}

/// A learner's enrolment with the counts of the completion rule.
#[derive(Debug, Serialize, ToSchema)]
struct EnrolmentDto {
    id: i64,
    course_id: i64,
    course_title: String,
    name: String,
    enterprise_name: Option<String>,
    /// Whether the person has an account (people without one are registered by the provider).
    has_account: bool,
    enrolled_at: String,
    completed_at: Option<String>,
    /// Required lessons done.
    lessons_done: i64,
    /// Offline sessions signed in to.
    sessions_attended: i64,
    /// The certificate's code, once issued.
    certificate: Option<String>,
}

impl From<Enrolment> for EnrolmentDto {
    fn from(e: Enrolment) -> Self {
        EnrolmentDto {
            id: e.id,
            course_id: e.course_id,
            course_title: e.course_title,
            name: e.name,
            enterprise_name: e.enterprise_name,
            has_account: e.user_id.is_some(),
            enrolled_at: rfc3339(e.enrolled_at),
            completed_at: e.completed_at.map(rfc3339),
            lessons_done: e.lessons_done,
            sessions_attended: e.sessions_attended,
            certificate: e.certificate,
        }
    }
}

/// Progress on one lesson.
#[derive(Debug, Serialize, ToSchema)]
struct LessonProgressDto {
    lesson_id: i64,
    /// The furthest point of a video watched.
    seconds: i64,
    completed_at: Option<String>,
}

/// The caller's progress on a course.
#[derive(Debug, Serialize, ToSchema)]
struct ProgressDto {
    enrolment: EnrolmentDto,
    lessons: Vec<LessonProgressDto>,
}

impl From<LearnerProgress> for ProgressDto {
    fn from(p: LearnerProgress) -> Self {
        ProgressDto {
            enrolment: p.enrolment.into(),
            lessons: p
                .lessons
                .into_iter()
                .map(|l| LessonProgressDto {
                    lesson_id: l.lesson_id,
                    seconds: l.seconds,
                    completed_at: l.completed_at.map(rfc3339),
                })
                .collect(),
        }
    }
}

/// The caller's enrolment in a course and progress per lesson (404 when not enrolled).
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/enrolment", tag = "training",
    params(("course_id" = i64, Path)),
    responses((status = 200, body = ProgressDto), (status = 404, body = crate::problem::Problem)))]
async fn enrolment(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ProgressDto>, ApiError> {
    Ok(Json(
        state.training().my_progress(&principal, id).await?.into(),
    ))
}

/// Enrols the caller (an enterprise's user) in a published course.
#[utoipa::path(post, path = "/api/v1/courses/{course_id}/enrolment", tag = "training",
    params(("course_id" = i64, Path)),
    responses((status = 201, body = EnrolmentDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn enrol(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let enrolment = state.training().enrol(&principal, id).await?;
    Ok((StatusCode::CREATED, Json(EnrolmentDto::from(enrolment))))
}

/// Progress on a lesson.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ProgressBody {
    /// The furthest point of a video watched, seconds (0 for text and PDF).
    #[serde(default)]
    seconds: i64,
    /// Marks a text or PDF lesson done (a video is done once 90 % of it is watched).
    #[serde(default)]
    done: bool,
}

/// Records the caller's progress on a lesson; meeting the course's completion rule issues the
/// certificate.
#[utoipa::path(post, path = "/api/v1/courses/{course_id}/lessons/{lesson_id}/progress", tag = "training",
    params(("course_id" = i64, Path), ("lesson_id" = i64, Path)), request_body = ProgressBody,
    responses((status = 200, body = ProgressDto), (status = 404, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn record_progress(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((id, lesson_id)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<ProgressBody>,
) -> Result<Json<ProgressDto>, ApiError> {
    let progress = state
        .training()
        .record_progress(&principal, id, lesson_id, body.seconds, body.done)
        .await?;
    Ok(Json(progress.into()))
}

/// Every learner of a course with their progress (its provider's staff and the city).
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/learners", tag = "training",
    params(("course_id" = i64, Path)),
    responses((status = 200, body = Vec<EnrolmentDto>), (status = 404, body = crate::problem::Problem)))]
async fn learners(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<EnrolmentDto>>, ApiError> {
    let learners = state.training().learners(&principal, id).await?;
    Ok(Json(learners.into_iter().map(EnrolmentDto::from).collect()))
}

/// The caller's enrolments, newest first.
#[utoipa::path(get, path = "/api/v1/me/enrolments", tag = "training",
    responses((status = 200, body = Vec<EnrolmentDto>)))]
async fn my_enrolments(
    State(state): State<AppState>,
    Caller(principal): Caller,
) -> Result<Json<Vec<EnrolmentDto>>, ApiError> {
    let enrolments = state.training().my_enrolments(&principal).await?;
    Ok(Json(
        enrolments.into_iter().map(EnrolmentDto::from).collect(),
    ))
}

/// A certificate.
#[derive(Debug, Serialize, ToSchema)]
struct CertificateDto {
    code: String,
    holder_name: String,
    course_title: String,
    provider_name: String,
    hours: i64,
    issued_at: String,
}

impl From<Certificate> for CertificateDto {
    fn from(c: Certificate) -> Self {
        CertificateDto {
            code: c.code,
            holder_name: c.holder_name,
            course_title: c.course_title,
            provider_name: c.provider_name,
            hours: c.hours,
            issued_at: rfc3339(c.issued_at),
        }
    }
}

/// The caller's certificates, newest first.
#[utoipa::path(get, path = "/api/v1/me/certificates", tag = "training",
    responses((status = 200, body = Vec<CertificateDto>)))]
async fn my_certificates(
    State(state): State<AppState>,
    Caller(principal): Caller,
) -> Result<Json<Vec<CertificateDto>>, ApiError> {
    let certificates = state.training().my_certificates(&principal).await?;
    Ok(Json(
        certificates.into_iter().map(CertificateDto::from).collect(),
    ))
}

/// What a certificate says, for anyone without signing in; an unknown code is 404 and says
/// nothing else.
#[utoipa::path(get, path = "/api/v1/certificates/{code}", tag = "training", security(()),
    params(("code" = String, Path, description = "e.g. 7KQ2-M9XD-3HPA")),
    responses((status = 200, body = CertificateDto), (status = 404, body = crate::problem::Problem)))]
async fn verify_certificate(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<CertificateDto>, ApiError> {
    let certificate = state
        .training()
        .verify_certificate(&code)
        .await?
        .ok_or_else(|| zhizao_training::Error::NotFound {
            what: "certificate",
            key: code.chars().take(20).collect(),
        })?;
    Ok(Json(certificate.into()))
}

/// A certificate as PDF (its holder, its course's provider and the city).
#[utoipa::path(get, path = "/api/v1/certificates/{code}/pdf", tag = "training",
    params(("code" = String, Path)),
    responses((status = 200, description = "The PDF", content_type = "application/pdf"),
        (status = 404, body = crate::problem::Problem)))]
async fn certificate_pdf(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
) -> Result<Response, ApiError> {
    Ok(pdf_response(&state, &principal, &code).await?)
}

/// A certificate's PDF as a download, for the API and the pages.
pub(crate) async fn pdf_response(
    state: &AppState,
    principal: &zhizao_identity::Principal,
    code: &str,
) -> Result<Response, zhizao_training::Error> {
    let (certificate, bytes) = state
        .training()
        .certificate_pdf(principal, code, &state.settings().public_url)
        .await?;
    let disposition = format!(
        "attachment; filename=\"certificate-{}.pdf\"",
        certificate.code
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
        ],
        bytes,
    )
        .into_response())
}
