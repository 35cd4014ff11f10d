//! Training's course pages: the catalogue with the learner's own courses (`/training`), a
//! provider's course form, a course with its lessons, sessions and (for its provider) learners'
//! progress, and a lesson (text, a PDF shown in the page, or a video whose progress is saved as
//! it plays). Offline sessions, sign-in and certificates are in `training_sessions`.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use zhizao_core::{Classified, ErrorKind};
use zhizao_identity::{Principal, policy};
use zhizao_training::course::CourseFilter;
use zhizao_training::{
    Course, CourseInput, CourseStatus, Enrolment, Lesson, LessonInput, LessonKind,
};

use super::{
    FormErrors, FormFields, Layout, OrPage, PageContext, PageError, PageForm, SignedIn,
    error_message, notice_query, render,
};
use crate::AppState;
use crate::i18n::Tr;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/training", get(list).post(create))
        .route("/training/new", get(new_form))
        .route("/training/courses/{id}", get(course))
        .route("/training/courses/{id}/status", post(change_status))
        .route("/training/courses/{id}/enrol", post(enrol))
        .route("/training/courses/{id}/lessons", post(add_lesson))
        .route("/training/courses/{id}/sessions", post(add_session))
        .route("/training/courses/{id}/lessons/{lesson}", get(lesson))
        .route(
            "/training/courses/{id}/lessons/{lesson}/file",
            get(lesson_file),
        )
        .route(
            "/training/courses/{id}/lessons/{lesson}/done",
            post(lesson_done),
        )
        .route(
            "/training/courses/{id}/lessons/{lesson}/progress",
            post(lesson_progress),
        )
        .route(
            "/training/courses/{id}/lessons/{lesson}/remove",
            post(remove_lesson),
        )
        .route(
            "/training/courses/{id}/lessons/{lesson}/move",
            post(move_lesson),
        )
        .merge(
            Router::new()
                .route(
                    "/training/courses/{id}/lessons/{lesson}/upload",
                    post(upload_file),
                )
                .layer(axum::extract::DefaultBodyLimit::max(
                    zhizao_training::course::MAX_VIDEO_BYTES + 256 * 1024,
                )),
        )
}

/// A course as the pages show it.
pub(crate) struct CourseView {
    pub(crate) id: i64,
    pub(crate) title: String,
    pub(crate) provider: String,
    pub(crate) summary: String,
    pub(crate) field: String,
    pub(crate) hours: String,
    pub(crate) rule: String,
    pub(crate) status: String,
    pub(crate) published: bool,
    pub(crate) draft: bool,
}

pub(crate) fn course_view(t: Tr, c: &Course) -> CourseView {
    CourseView {
        id: c.id,
        title: c.title.clone(),
        provider: c.provider_name.clone(),
        summary: c.summary.clone(),
        field: c.field.clone(),
        hours: t.course_hours(c.hours),
        rule: t.course_rule(c.required_lessons, c.required_sessions),
        status: t.text(&c.status.label()).to_owned(),
        published: c.status == CourseStatus::Published,
        draft: c.status == CourseStatus::Draft,
    }
}

/// An enrolment as the pages show it.
pub(crate) struct EnrolmentView {
    pub(crate) course_id: i64,
    pub(crate) course: String,
    pub(crate) name: String,
    pub(crate) enterprise: String,
    pub(crate) progress: String,
    pub(crate) completed: String,
    pub(crate) certificate: String,
}

fn enrolment_view(
    t: Tr,
    e: &Enrolment,
    required_lessons: i64,
    required_sessions: i64,
) -> EnrolmentView {
    let mut progress = Vec::new();
    if required_lessons > 0 {
        progress.push(t.course_lessons_done(e.lessons_done, required_lessons));
    }
    if required_sessions > 0 || e.sessions_attended > 0 {
        progress.push(t.course_sessions_done(e.sessions_attended, required_sessions));
    }
    EnrolmentView {
        course_id: e.course_id,
        course: e.course_title.clone(),
        name: e.name.clone(),
        enterprise: e.enterprise_name.clone().unwrap_or_default(),
        progress: progress.join(" · "),
        completed: e
            .completed_at
            .map(|at| at.to_shanghai_date_string())
            .unwrap_or_default(),
        certificate: e.certificate.clone().unwrap_or_default(),
    }
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "training/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<CourseView>,
    mine: Vec<EnrolmentView>,
    q: String,
    may_write: bool,
    learner: bool,
    /// (label, value) of the training figures, for the city and providers.
    figures: Vec<(&'static str, i64)>,
}

async fn list(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, Response> {
    let t = context.t();
    let filter = CourseFilter {
        text: Some(query.q.clone()).filter(|q| !q.trim().is_empty()),
        ..CourseFilter::default()
    };
    let training = state.training();
    let courses = training
        .courses(&principal, &filter)
        .await
        .or_page(&context)?;
    let learner = policy::may_learn(&principal);
    let mut mine = Vec::new();
    if learner {
        for e in training.my_enrolments(&principal).await.or_page(&context)? {
            let (lessons, sessions) = courses
                .iter()
                .find(|c| c.id == e.course_id)
                .map(|c| (c.required_lessons, c.required_sessions))
                .unwrap_or((0, 0));
            mine.push(enrolment_view(t, &e, lessons, sessions));
        }
    }
    let figures = if policy::may_oversee_training(&principal)
        || policy::may_offer_training(&principal, principal.organization_id)
    {
        let f = training.figures(&principal).await.or_page(&context)?;
        vec![
            (t.training_courses_offered(), f.courses),
            (t.training_online_learners(), f.online_learners),
            (t.training_offline_trainees(), f.offline_trainees),
            (t.training_sessions_held(), f.sessions_held),
            (t.training_certificates_issued(), f.certificates),
        ]
    } else {
        Vec::new()
    };
    let page = ListPage {
        figures,
        layout: context.layout("training"),
        rows: courses
            .iter()
            .filter(|c| {
                c.status != CourseStatus::Withdrawn
                    || policy::may_offer_training(&principal, c.provider_id)
            })
            .map(|c| course_view(t, c))
            .collect(),
        mine,
        q: query.q,
        may_write: policy::may_offer_training(&principal, principal.organization_id),
        learner,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "training/form.html")]
struct FormPage {
    layout: Layout,
    form: FormFields,
    errors: FormErrors,
}

async fn new_form(SignedIn(context, principal): SignedIn) -> Result<Response, Response> {
    if !policy::may_offer_training(&principal, principal.organization_id) {
        return Err(PageError::Forbidden.render(&context));
    }
    Ok(render(&FormPage {
        layout: context.layout("training"),
        form: FormFields::default(),
        errors: FormErrors::default(),
    }))
}

fn number(form: &FormFields, name: &str) -> i64 {
    form.get(name).trim().parse().unwrap_or(-1)
}

async fn create(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let input = CourseInput {
        title: form.get("title").to_owned(),
        summary: form.get("summary").to_owned(),
        field: form.get("field").to_owned(),
        hours: number(&form, "hours"),
        required_sessions: if form.get("required_sessions").trim().is_empty() {
            0
        } else {
            number(&form, "required_sessions")
        },
    };
    match state.training().create_course(&principal, &input).await {
        Ok(created) => {
            Ok(Redirect::to(&format!("/training/courses/{}", created.id)).into_response())
        }
        Err(error) if !error.field_errors().is_empty() => Ok(render(&FormPage {
            layout: context.layout("training"),
            errors: FormErrors::from_fields(&error.field_errors(), context.t()),
            form,
        })),
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

/// A lesson in a course's list.
struct LessonRow {
    id: i64,
    position: i64,
    title: String,
    kind: String,
    minutes: String,
    required: bool,
    has_file: bool,
    needs_file: bool,
    done: bool,
}

/// An offline session in a course's list.
pub(crate) struct SessionRow {
    pub(crate) id: i64,
    pub(crate) title: String,
    pub(crate) place: String,
    pub(crate) when: String,
    pub(crate) trainer: String,
    pub(crate) seats: String,
    pub(crate) over: bool,
    /// Why it was cancelled, when it was.
    pub(crate) cancelled: Option<String>,
}

/// A session as the lists show it.
pub(crate) fn session_row(
    t: Tr,
    s: &zhizao_training::TrainingSession,
    now: zhizao_core::Timestamp,
) -> SessionRow {
    SessionRow {
        id: s.id,
        title: s.title.clone(),
        place: s.place.clone(),
        when: format!(
            "{}–{}",
            s.starts_at.to_shanghai_string(),
            s.ends_at.to_shanghai_string().get(11..).unwrap_or_default()
        ),
        trainer: s.trainer.clone(),
        seats: t.class_seats(s.registered, s.capacity),
        over: now >= s.ends_at,
        cancelled: s.cancelled_at.map(|_| s.cancel_reason.clone()),
    }
}

#[derive(Template)]
#[template(path = "training/course.html")]
struct CoursePage {
    layout: Layout,
    c: CourseView,
    own: bool,
    oversees: bool,
    may_enrol: bool,
    enrolment: Option<EnrolmentView>,
    lessons: Vec<LessonRow>,
    /// Sessions to come (or going on), by start.
    sessions: Vec<SessionRow>,
    /// Sessions over, latest first.
    past: Vec<SessionRow>,
    learners: Vec<EnrolmentView>,
    kinds: Vec<(&'static str, String)>,
    error: String,
    form: FormFields,
    errors: FormErrors,
}

async fn course_page(
    state: &AppState,
    context: &PageContext,
    principal: &Principal,
    id: i64,
    error: String,
    form: FormFields,
    errors: &[zhizao_core::FieldError],
) -> Result<Response, Response> {
    let t = context.t();
    let training = state.training();
    let course = training.course(principal, id).await.or_page(context)?;
    let lessons = training.lessons(principal, id).await.or_page(context)?;
    let sessions = training.sessions(principal, id).await.or_page(context)?;
    let own = policy::may_offer_training(principal, course.provider_id);
    let oversees = own || policy::may_oversee_training(principal);
    let enrolment = training
        .my_enrolment(principal, id)
        .await
        .or_page(context)?;
    let done: Vec<i64> = match &enrolment {
        Some(_) => training
            .my_progress(principal, id)
            .await
            .or_page(context)?
            .lessons
            .iter()
            .filter(|l| l.completed_at.is_some())
            .map(|l| l.lesson_id)
            .collect(),
        None => Vec::new(),
    };
    let learners = if oversees {
        training.learners(principal, id).await.or_page(context)?
    } else {
        Vec::new()
    };
    let now = training.now();
    let page = CoursePage {
        layout: context.layout("training"),
        own,
        oversees,
        may_enrol: policy::may_learn(principal)
            && enrolment.is_none()
            && course.status == CourseStatus::Published,
        enrolment: enrolment
            .as_ref()
            .map(|e| enrolment_view(t, e, course.required_lessons, course.required_sessions)),
        lessons: lessons
            .iter()
            .map(|l| LessonRow {
                id: l.id,
                position: l.position,
                title: l.title.clone(),
                kind: t.text(&l.kind.label()).to_owned(),
                minutes: t.lesson_minutes(l.minutes),
                required: l.required,
                has_file: l.file.is_some(),
                needs_file: l.kind != LessonKind::Text,
                done: done.contains(&l.id),
            })
            .collect(),
        sessions: sessions
            .iter()
            .filter(|s| now < s.ends_at)
            .map(|s| session_row(t, s, now))
            .collect(),
        past: sessions
            .iter()
            .rev()
            .filter(|s| now >= s.ends_at)
            .map(|s| session_row(t, s, now))
            .collect(),
        learners: learners
            .iter()
            .map(|e| enrolment_view(t, e, course.required_lessons, course.required_sessions))
            .collect(),
        kinds: LessonKind::ALL
            .iter()
            .map(|k| (k.as_str(), t.text(&k.label()).to_owned()))
            .collect(),
        c: course_view(t, &course),
        error,
        form,
        errors: FormErrors::from_fields(errors, t),
    };
    Ok(render(&page))
}

async fn course(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    course_page(
        &state,
        &context,
        &principal,
        id,
        String::new(),
        FormFields::default(),
        &[],
    )
    .await
}

/// What a step's failure shows on the course page: conflicts and field errors as a message,
/// everything else as its error page.
async fn step_failed(
    state: &AppState,
    context: &PageContext,
    principal: &Principal,
    id: i64,
    error: zhizao_training::Error,
    form: FormFields,
) -> Result<Response, Response> {
    if error.kind() == ErrorKind::Conflict || error.kind() == ErrorKind::InvalidInput {
        let message = error_message(&error, context.t());
        return course_page(
            state,
            context,
            principal,
            id,
            message,
            form,
            &error.field_errors(),
        )
        .await;
    }
    Err(PageError::from(error).render(context))
}

async fn change_status(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let status = match form.get("status") {
        "published" => CourseStatus::Published,
        "withdrawn" => CourseStatus::Withdrawn,
        _ => return Err(PageError::NotFound.render(&context)),
    };
    match state
        .training()
        .set_course_status(&principal, id, status)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/training/courses/{id}")).into_response()),
        Err(error) => {
            step_failed(
                &state,
                &context,
                &principal,
                id,
                error,
                FormFields::default(),
            )
            .await
        }
    }
}

async fn enrol(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    PageForm(_): PageForm<FormFields>,
) -> Result<Response, Response> {
    match state.training().enrol(&principal, id).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/training/courses/{id}?notice={}",
            notice_query(context.t().course_enrolled())
        ))
        .into_response()),
        Err(error) => {
            step_failed(
                &state,
                &context,
                &principal,
                id,
                error,
                FormFields::default(),
            )
            .await
        }
    }
}

async fn add_lesson(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let kind = form
        .get("kind")
        .parse::<LessonKind>()
        .unwrap_or(LessonKind::Text);
    let input = LessonInput {
        title: form.get("title").to_owned(),
        kind,
        body: form.get("body").to_owned(),
        minutes: number(&form, "minutes"),
        required: form.has("required"),
    };
    match state.training().add_lesson(&principal, id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/training/courses/{id}#lessons")).into_response()),
        Err(error) => step_failed(&state, &context, &principal, id, error, form).await,
    }
}

async fn add_session(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let at = |time: &str| {
        crate::api::parse_rfc3339(&format!(
            "{}T{}:00+08:00",
            form.get("date").trim(),
            form.get(time).trim()
        ))
    };
    let (Some(starts_at), Some(ends_at)) = (at("starts"), at("ends")) else {
        let problem =
            zhizao_core::FieldError::new("ends_at", crate::i18n::both(Tr::class_time_invalid));
        let message = context.t().text(&problem.message).to_owned();
        return course_page(&state, &context, &principal, id, message, form, &[problem]).await;
    };
    let input = zhizao_training::SessionInput {
        title: form.get("session_title").to_owned(),
        place: form.get("place").to_owned(),
        starts_at,
        ends_at,
        capacity: number(&form, "capacity"),
        trainer: form.get("trainer").to_owned(),
    };
    match state
        .training()
        .create_session(&principal, id, &input)
        .await
    {
        Ok(session) => {
            Ok(Redirect::to(&format!("/training/sessions/{}", session.id)).into_response())
        }
        Err(error) => step_failed(&state, &context, &principal, id, error, form).await,
    }
}

async fn upload_file(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((id, lesson_id)): Path<(i64, i64)>,
    super::PageUpload(upload): super::PageUpload,
) -> Result<Response, Response> {
    let t = context.t();
    let file = match super::purpose_and_file(&upload, t, zhizao_training::course::MAX_VIDEO_BYTES) {
        Ok((_, file)) => file,
        Err(message) => {
            return course_page(
                &state,
                &context,
                &principal,
                id,
                message,
                FormFields::default(),
                &[],
            )
            .await;
        }
    };
    match state
        .training()
        .upload_lesson_file(&principal, id, lesson_id, &file.file_name, file.bytes)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/training/courses/{id}#lessons")).into_response()),
        Err(error) => {
            step_failed(
                &state,
                &context,
                &principal,
                id,
                error,
                FormFields::default(),
            )
            .await
        }
    }
}

async fn remove_lesson(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((id, lesson_id)): Path<(i64, i64)>,
    PageForm(_): PageForm<FormFields>,
) -> Result<Response, Response> {
    match state
        .training()
        .remove_lesson(&principal, id, lesson_id)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/training/courses/{id}#lessons")).into_response()),
        Err(error) => {
            step_failed(
                &state,
                &context,
                &principal,
                id,
                error,
                FormFields::default(),
            )
            .await
        }
    }
}

/// Moves a lesson one place (`direction` earlier or later), back to the lessons.
async fn move_lesson(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((id, lesson_id)): Path<(i64, i64)>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let earlier = form.get("direction") == "earlier";
    match state
        .training()
        .move_lesson(&principal, id, lesson_id, earlier)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/training/courses/{id}#lessons")).into_response()),
        Err(error) => {
            step_failed(
                &state,
                &context,
                &principal,
                id,
                error,
                FormFields::default(),
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "training/lesson.html")]
struct LessonPage {
    layout: Layout,
    course_id: i64,
    course: String,
    lesson: Lesson,
    kind: String,
    minutes: String,
    file_url: String,
    content_type: String,
    enrolled: bool,
    done: bool,
    seconds: i64,
    previous: Option<i64>,
    next: Option<i64>,
    error: String,
}

async fn lesson_page(
    state: &AppState,
    context: &PageContext,
    principal: &Principal,
    id: i64,
    lesson_id: i64,
    error: String,
) -> Result<Response, Response> {
    let t = context.t();
    let training = state.training();
    let course = training.course(principal, id).await.or_page(context)?;
    let lessons = training.lessons(principal, id).await.or_page(context)?;
    let index = lessons
        .iter()
        .position(|l| l.id == lesson_id)
        .ok_or_else(|| PageError::NotFound.render(context))?;
    let enrolled = training
        .my_enrolment(principal, id)
        .await
        .or_page(context)?
        .is_some();
    let progress = if enrolled {
        training
            .my_progress(principal, id)
            .await
            .or_page(context)?
            .lessons
            .into_iter()
            .find(|p| p.lesson_id == lesson_id)
    } else {
        None
    };
    let lesson = lessons[index].clone();
    let page = LessonPage {
        layout: context.layout("training"),
        course_id: id,
        course: course.title,
        kind: t.text(&lesson.kind.label()).to_owned(),
        minutes: t.lesson_minutes(lesson.minutes),
        file_url: format!("/training/courses/{id}/lessons/{lesson_id}/file"),
        content_type: lesson
            .file
            .as_ref()
            .map(|f| f.content_type.clone())
            .unwrap_or_default(),
        enrolled,
        done: progress.as_ref().is_some_and(|p| p.completed_at.is_some()),
        seconds: progress.as_ref().map(|p| p.seconds).unwrap_or(0),
        previous: index.checked_sub(1).map(|i| lessons[i].id),
        next: lessons.get(index + 1).map(|l| l.id),
        lesson,
        error,
    };
    Ok(render(&page))
}

async fn lesson(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((id, lesson_id)): Path<(i64, i64)>,
) -> Result<Response, Response> {
    lesson_page(&state, &context, &principal, id, lesson_id, String::new()).await
}

async fn lesson_file(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((id, lesson_id)): Path<(i64, i64)>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let (_, file, path) = state
        .training()
        .lesson_file(&principal, id, lesson_id)
        .await
        .or_page(&context)?;
    Ok(crate::api::serve_lesson_file(&headers, path, &file).await)
}

async fn lesson_done(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((id, lesson_id)): Path<(i64, i64)>,
    PageForm(_): PageForm<FormFields>,
) -> Result<Response, Response> {
    match state
        .training()
        .record_progress(&principal, id, lesson_id, 0, true)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/training/courses/{id}/lessons/{lesson_id}?notice={}",
            notice_query(context.t().lesson_done())
        ))
        .into_response()),
        Err(error) if matches!(error.kind(), ErrorKind::Conflict | ErrorKind::InvalidInput) => {
            let message = error_message(&error, context.t());
            lesson_page(&state, &context, &principal, id, lesson_id, message).await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

/// The video player's report: the furthest point reached, in seconds.
async fn lesson_progress(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((id, lesson_id)): Path<(i64, i64)>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let seconds = number(&form, "seconds").max(0);
    match state
        .training()
        .record_progress(&principal, id, lesson_id, seconds, false)
        .await
    {
        Ok(progress) => {
            let done = progress
                .lessons
                .iter()
                .any(|l| l.lesson_id == lesson_id && l.completed_at.is_some());
            Ok(Json(
                serde_json::json!({ "done": done, "certificate": progress.enrolment.certificate }),
            )
            .into_response())
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}
