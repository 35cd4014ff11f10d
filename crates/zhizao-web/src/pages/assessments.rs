//! Maturity self-assessment pages: the list (an enterprise starts one; governments and platforms
//! read submitted ones in their scope), the questionnaire one sub-domain at a time (made for a
//! phone: the platform's suggestion beside each requirement, saving confirms it), and the report
//! (level, scores by level, the domains' radar chart, the gaps to the next level, the standing).

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use zhizao_assessment::model::{self, Answer, IndustryKind, Model};
use zhizao_assessment::{AnswerInput, Assessment, AssessmentFilter, AssessmentStatus};
use zhizao_core::{Classified, ErrorKind, PageRequest};
use zhizao_identity::policy;

use super::{
    FormErrors, FormFields, Layout, OrPage, PageError, PageForm, Pager, SignedIn, Submit, render,
};
use crate::AppState;
use crate::i18n::Tr;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/assessments", get(list).post(start))
        .route("/assessments/{id}", get(questionnaire))
        .route("/assessments/{id}/answers", post(save_answers))
        .route("/assessments/{id}/submit", post(submit))
        .route("/assessments/{id}/discard", post(discard))
        .route("/assessments/{id}/suggestions", post(refresh))
        .route("/assessments/{id}/report", get(report))
        .route(
            "/assessments/{id}/evidence/{requirement}",
            get(evidence_page)
                .post(add_evidence)
                .layer(axum::extract::DefaultBodyLimit::max(
                    zhizao_assessment::evidence::MAX_FILE_BYTES + 256 * 1024,
                )),
        )
        .route(
            "/assessments/{id}/evidence-files/{file_id}/remove",
            post(remove_evidence),
        )
}

/// A score in thousandths as people read it: `2.417`.
fn score_text(thousandths: u32) -> String {
    format!("{}.{:03}", thousandths / 1000, thousandths % 1000)
}

fn level_name(t: Tr, model: &Model, level: u8) -> String {
    match model.level(level) {
        Some(l) => t.pick(&l.zh, &l.en).to_owned(),
        None => t.assessment_no_level().to_owned(),
    }
}

/// A row of the list.
struct Row {
    id: i64,
    enterprise: String,
    kind: String,
    status: String,
    draft: bool,
    level: String,
    score: String,
    date: String,
}

#[derive(Template)]
#[template(path = "assessments/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    total: i64,
    pager: Pager,
    may_start: bool,
    has_draft: bool,
    errors: FormErrors,
    kinds: Vec<(&'static str, String)>,
}

async fn list_page(
    state: &AppState,
    context: &super::PageContext,
    principal: &zhizao_identity::Principal,
    number: u32,
    errors: FormErrors,
) -> Result<Response, Response> {
    let t = context.t();
    let page = state
        .assessments()
        .list(
            principal,
            &AssessmentFilter::default(),
            PageRequest::new(number, 50),
        )
        .await
        .or_page(context)?;
    let rows: Vec<Row> = page
        .items
        .iter()
        .map(|a| {
            let model = model::by_key(&a.model).unwrap_or_else(model::current);
            Row {
                id: a.id,
                enterprise: a.enterprise_name.clone(),
                kind: t.text(&a.industry_kind.label()).to_owned(),
                status: match a.status {
                    AssessmentStatus::Draft => t.assessment_draft().to_owned(),
                    AssessmentStatus::Submitted => t.assessment_submitted().to_owned(),
                },
                draft: a.status == AssessmentStatus::Draft,
                level: a
                    .level
                    .map(|l| format!("{l} · {}", level_name(t, model, l)))
                    .unwrap_or_else(|| "—".into()),
                score: a.score.map(score_text).unwrap_or_else(|| "—".into()),
                date: a
                    .submitted_at
                    .unwrap_or(a.created_at)
                    .to_shanghai_date_string(),
            }
        })
        .collect();
    let list = ListPage {
        layout: context.layout("assessments"),
        total: page.total,
        pager: Pager::new(&context.uri, &page),
        may_start: policy::may_take_assessments(principal),
        has_draft: rows.iter().any(|r| r.draft),
        rows,
        errors,
        kinds: IndustryKind::ALL
            .iter()
            .map(|k| (k.as_str(), t.text(&k.label()).to_owned()))
            .collect(),
    };
    Ok(render(&list))
}

/// `?page=`.
#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    page: Option<u32>,
}

async fn list(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, Response> {
    let number = query.page.unwrap_or(1);
    list_page(&state, &context, &principal, number, FormErrors::default()).await
}

async fn start(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let Some(kind) = IndustryKind::parse(form.get("industry_kind")) else {
        let errors = FormErrors(vec![(
            "industry_kind".into(),
            t.assessment_choose_kind().to_owned(),
        )]);
        return list_page(&state, &context, &principal, 1, errors).await;
    };
    let facts = if policy::may_take_assessments(&principal) {
        crate::api::assessment_facts::<PageError>(&state, &principal)
            .await
            .map_err(|e| e.render(&context))?
    } else {
        zhizao_assessment::Facts::default()
    };
    match state.assessments().start(&principal, kind, &facts).await {
        Ok(started) => {
            Ok(Redirect::to(&format!("/assessments/{}", started.summary.id)).into_response())
        }
        Err(error) if error.kind() == ErrorKind::Conflict => {
            let errors = FormErrors(vec![(
                "industry_kind".into(),
                t.text(&error_text(&error)).to_owned(),
            )]);
            list_page(&state, &context, &principal, 1, errors).await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

fn error_text(error: &zhizao_assessment::Error) -> zhizao_core::Text {
    match error {
        zhizao_assessment::Error::Transition(text) => text.clone(),
        other => zhizao_core::Text::owned(other.to_string(), other.to_string()),
    }
}

/// A requirement as the questionnaire shows it.
struct Item {
    code: String,
    text: String,
    level: u8,
    level_name: String,
    /// The radio button checked: the answer, else the suggestion.
    checked: &'static str,
    answered: bool,
    suggestion: Option<(String, String)>,
    note: String,
    evidence_url: String,
    error: String,
    /// (file id, name) of its evidence files.
    files: Vec<(i64, String)>,
}

/// A sub-domain in the questionnaire's outline.
struct Outline {
    code: String,
    name: String,
    group: String,
    answered: usize,
    total: usize,
    current: bool,
}

#[derive(Template)]
#[template(path = "assessments/answer.html")]
struct AnswerPage {
    layout: Layout,
    id: i64,
    version: i64,
    enterprise: String,
    model_title: String,
    kind: String,
    answered: u32,
    requirements: u32,
    outline: Vec<Outline>,
    subdomain: String,
    subdomain_name: String,
    next: Option<String>,
    items: Vec<Item>,
    answers: Vec<(&'static str, String)>,
}

#[derive(Debug, Default, Deserialize)]
struct SubdomainQuery {
    #[serde(default)]
    s: String,
}

async fn questionnaire(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    Query(query): Query<SubdomainQuery>,
) -> Result<Response, Response> {
    let assessment = state
        .assessments()
        .get(&principal, id)
        .await
        .or_page(&context)?;
    if assessment.summary.status != AssessmentStatus::Draft
        || !policy::may_take_assessments(&principal)
    {
        return Ok(Redirect::to(&format!("/assessments/{id}/report")).into_response());
    }
    let files = state
        .assessments()
        .evidence_files(&principal, id)
        .await
        .or_page(&context)?;
    answer_page(&context, &assessment, &files, &query.s, &[], None)
}

fn answer_page(
    context: &super::PageContext,
    assessment: &Assessment,
    files: &[zhizao_assessment::EvidenceFile],
    wanted: &str,
    errors: &[zhizao_core::FieldError],
    form: Option<&FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let model = assessment
        .model()
        .map_err(|e| PageError::from(e).render(context))?;
    let kind = assessment.summary.industry_kind;
    let card = assessment
        .scorecard()
        .map_err(|e| PageError::from(e).render(context))?;
    let applicable: Vec<_> = model
        .subdomains()
        .filter(|p| p.subdomain.weight(kind).is_some())
        .collect();
    let count = |code: &str| {
        let of: Vec<_> = model
            .requirements_for(kind)
            .filter(|r| r.subdomain == code)
            .collect();
        let answered = of
            .iter()
            .filter(|r| {
                assessment
                    .answers
                    .get(&r.code)
                    .is_some_and(|a| a.answer.is_some())
            })
            .count();
        (answered, of.len())
    };
    let current = applicable
        .iter()
        .find(|p| p.subdomain.code == wanted)
        .or_else(|| {
            applicable.iter().find(|p| {
                let (answered, total) = count(&p.subdomain.code);
                answered < total
            })
        })
        .or(applicable.first())
        .map(|p| p.subdomain.code.clone())
        .unwrap_or_default();
    let outline: Vec<Outline> = applicable
        .iter()
        .map(|p| {
            let (answered, total) = count(&p.subdomain.code);
            Outline {
                code: p.subdomain.code.clone(),
                name: t.pick(&p.subdomain.zh, &p.subdomain.en).to_owned(),
                // A domain with one sub-domain of its own name is named once.
                group: if p.domain.zh == p.subdomain.zh {
                    t.pick(&p.factor.zh, &p.factor.en).to_owned()
                } else {
                    format!(
                        "{} · {}",
                        t.pick(&p.factor.zh, &p.factor.en),
                        t.pick(&p.domain.zh, &p.domain.en)
                    )
                },
                answered,
                total,
                current: p.subdomain.code == current,
            }
        })
        .collect();
    let position = applicable
        .iter()
        .position(|p| p.subdomain.code == current)
        .unwrap_or(0);
    let next = applicable
        .get(position + 1)
        .map(|p| p.subdomain.code.clone());
    let errors = FormErrors::from_fields(errors, t);
    let items = model
        .requirements_for(kind)
        .filter(|r| r.subdomain == current)
        .map(|r| {
            let record = assessment.answers.get(&r.code);
            let sent = |name: &str| form.map(|f| f.get(&format!("{name}.{}", r.code)).to_owned());
            let checked = sent("answer")
                .and_then(|a| Answer::parse(&a))
                .or(record.and_then(|a| a.answer))
                .or(record.and_then(|a| a.suggested))
                .map_or("", Answer::as_str);
            Item {
                code: r.code.clone(),
                text: t.pick(&r.zh, &r.en).to_owned(),
                level: r.level,
                level_name: level_name(t, model, r.level),
                checked,
                answered: record.is_some_and(|a| a.answer.is_some()),
                suggestion: record.and_then(|a| {
                    Some((
                        t.text(&a.suggested?.label()).to_owned(),
                        t.text(a.suggestion.as_ref()?).to_owned(),
                    ))
                }),
                note: sent("note")
                    .or(record.map(|a| a.note.clone()))
                    .unwrap_or_default(),
                evidence_url: sent("evidence_url")
                    .or(record.map(|a| a.evidence_url.clone()))
                    .unwrap_or_default(),
                error: errors.get(&format!("requirement:{}", r.code)),
                files: files
                    .iter()
                    .filter(|f| f.requirement == r.code)
                    .map(|f| (f.id, f.file_name.clone()))
                    .collect(),
            }
        })
        .collect();
    let subdomain_name = outline
        .iter()
        .find(|o| o.current)
        .map(|o| format!("{} · {}", o.group, o.name))
        .unwrap_or_default();
    let page = AnswerPage {
        layout: context.layout("assessments"),
        id: assessment.summary.id,
        version: assessment.summary.version,
        enterprise: assessment.summary.enterprise_name.clone(),
        model_title: t.text(&model.title).to_owned(),
        kind: t.text(&kind.label()).to_owned(),
        answered: card.requirements - card.unanswered,
        requirements: card.requirements,
        outline,
        subdomain: current,
        subdomain_name,
        next,
        items,
        answers: Answer::ALL
            .iter()
            .map(|a| (a.as_str(), t.text(&a.label()).to_owned()))
            .collect(),
    };
    Ok(render(&page))
}

async fn save_answers(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let assessments = state.assessments();
    let assessment = assessments.get(&principal, id).await.or_page(&context)?;
    let subdomain = form.get("subdomain").to_owned();
    // Every requirement of the sub-domain with a choice made; the codes come from the model.
    let inputs: Vec<AnswerInput> = assessment
        .model()
        .map_err(|e| PageError::from(e).render(&context))?
        .requirements_for(assessment.summary.industry_kind)
        .filter(|r| r.subdomain == subdomain)
        .filter_map(|r| {
            let answer = Answer::parse(form.get(&format!("answer.{}", r.code)))?;
            Some(AnswerInput {
                requirement: r.code.clone(),
                answer,
                note: form.get(&format!("note.{}", r.code)).to_owned(),
                evidence_url: form.get(&format!("evidence_url.{}", r.code)).to_owned(),
            })
        })
        .collect();
    if inputs.is_empty() {
        let target = match form.find("next").filter(|n| !n.is_empty()) {
            Some(next) => format!("/assessments/{id}?s={next}"),
            None => format!("/assessments/{id}?s={subdomain}"),
        };
        return Ok(Redirect::to(&target).into_response());
    }
    let expected = form.get("version").trim().parse().ok();
    match assessments.answer(&principal, id, expected, &inputs).await {
        Ok(_) => {
            let target = match form.find("next").filter(|n| !n.is_empty()) {
                Some(next) => format!("/assessments/{id}?s={next}"),
                None => format!("/assessments/{id}?s={subdomain}&notice=saved"),
            };
            Ok(Redirect::to(&target).into_response())
        }
        Err(error) if !error.field_errors().is_empty() => {
            // Name each problem by its requirement for the page.
            let named: Vec<zhizao_core::FieldError> = error
                .field_errors()
                .into_iter()
                .map(|mut e| {
                    let index = e
                        .field
                        .strip_prefix("answers[")
                        .and_then(|rest| rest.split(']').next())
                        .and_then(|i| i.parse::<usize>().ok());
                    if let Some(input) = index.and_then(|i| inputs.get(i)) {
                        e.field = format!("requirement:{}", input.requirement);
                    }
                    e
                })
                .collect();
            let files = assessments
                .evidence_files(&principal, id)
                .await
                .or_page(&context)?;
            answer_page(
                &context,
                &assessment,
                &files,
                &subdomain,
                &named,
                Some(&form),
            )
        }
        Err(error) if error.kind() == ErrorKind::Conflict => {
            let t = context.t();
            let text = match &error {
                zhizao_assessment::Error::StaleVersion { .. } => t.stale_record().to_owned(),
                other => t.text(&error_text(other)).to_owned(),
            };
            let notice = form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
            Ok(
                Redirect::to(&format!("/assessments/{id}?s={subdomain}&notice={notice}"))
                    .into_response(),
            )
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

async fn submit(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    _: PageForm<Submit>,
) -> Result<Response, Response> {
    match state.assessments().submit(&principal, id, None).await {
        Ok(_) => Ok(Redirect::to(&format!("/assessments/{id}/report")).into_response()),
        Err(error) if error.kind() == ErrorKind::Conflict => {
            let text = context.t().text(&error_text(&error)).to_owned();
            let notice = form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
            Ok(Redirect::to(&format!("/assessments/{id}?notice={notice}")).into_response())
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

async fn discard(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    _: PageForm<Submit>,
) -> Result<Response, Response> {
    state
        .assessments()
        .discard(&principal, id)
        .await
        .or_page(&context)?;
    Ok(Redirect::to("/assessments").into_response())
}

async fn refresh(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    _: PageForm<Submit>,
) -> Result<Response, Response> {
    state
        .assessments()
        .get(&principal, id)
        .await
        .or_page(&context)?;
    let facts = crate::api::assessment_facts::<PageError>(&state, &principal)
        .await
        .map_err(|e| e.render(&context))?;
    state
        .assessments()
        .refresh_suggestions(&principal, id, &facts)
        .await
        .or_page(&context)?;
    Ok(Redirect::to(&format!("/assessments/{id}?notice=saved")).into_response())
}

/// A level's row in the report.
struct LevelRow {
    level: u8,
    name: String,
    score: String,
    reached: bool,
}

/// A gap in the report.
struct GapRow {
    code: String,
    text: String,
    subdomain: String,
    answer: String,
    gain: String,
}

#[derive(Template)]
#[template(path = "assessments/report.html")]
struct ReportPage {
    layout: Layout,
    id: i64,
    draft: bool,
    may_answer: bool,
    enterprise: String,
    model_title: String,
    weights_source: String,
    kind: String,
    level: u8,
    level_name: String,
    score: String,
    levels: Vec<LevelRow>,
    /// (factor · domain, profile)
    domains: Vec<(String, String)>,
    next_level: Option<String>,
    gaps: Vec<GapRow>,
    industry: Option<String>,
    town: Option<String>,
    chart_json: String,
    /// The best-fitting published solutions with their reasons.
    matches: Vec<(crate::pages::solutions::SolutionView, Vec<String>)>,
}

async fn report(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    let t = context.t();
    let report = state
        .assessments()
        .report(&principal, id)
        .await
        .or_page(&context)?;
    let model = model::by_key(&report.summary.model).unwrap_or_else(model::current);
    let card = &report.scorecard;
    let names: BTreeMap<&str, String> = model
        .factors
        .iter()
        .flat_map(|f| f.domains.iter().map(move |d| (f, d)))
        .map(|(f, d)| {
            (
                d.code.as_str(),
                format!("{} · {}", t.pick(&f.zh, &f.en), t.pick(&d.zh, &d.en)),
            )
        })
        .collect();
    let domains: Vec<(String, String)> = card
        .domains
        .iter()
        .map(|d| {
            (
                names.get(d.domain.as_str()).cloned().unwrap_or_default(),
                score_text(d.profile),
            )
        })
        .collect();
    let chart = serde_json::json!({
        "indicators": card.domains.iter().map(|d| {
            let name = model.factors.iter().flat_map(|f| &f.domains)
                .find(|x| x.code == d.domain)
                .map(|x| t.pick(&x.zh, &x.en).to_owned())
                .unwrap_or_default();
            serde_json::json!({"name": name, "max": 5})
        }).collect::<Vec<_>>(),
        "values": card.domains.iter().map(|d| f64::from(d.profile) / 1000.0).collect::<Vec<_>>(),
        "label": t.assessment_radar_series(),
    });
    let gaps = report
        .gaps
        .iter()
        .filter_map(|g| {
            let requirement = model.requirement(&g.requirement)?;
            let placed = model.subdomain(&requirement.subdomain)?;
            Some(GapRow {
                code: g.requirement.clone(),
                text: t.pick(&requirement.zh, &requirement.en).to_owned(),
                subdomain: t
                    .pick(&placed.subdomain.zh, &placed.subdomain.en)
                    .to_owned(),
                answer: g
                    .answer
                    .map(|a| t.text(&a.label()).to_owned())
                    .unwrap_or_else(|| t.assessment_unanswered().to_owned()),
                gain: format!("+{}", score_text(g.gain)),
            })
        })
        .collect();
    let matches = state
        .solutions()
        .matches_for_report(&principal, &report)
        .await
        .or_page(&context)?
        .into_iter()
        .take(5)
        .map(|(m, solution)| {
            (
                crate::pages::solutions::solution_view(t, &solution),
                m.reasons.iter().map(|r| t.text(r).to_owned()).collect(),
            )
        })
        .collect();
    let standing = |s: Option<zhizao_assessment::Standing>| {
        s.map(|s| t.assessment_standing(s.rank, s.of, &score_text(s.mean)))
    };
    let page = ReportPage {
        layout: context.layout("assessments"),
        id,
        draft: report.summary.status == AssessmentStatus::Draft,
        may_answer: policy::may_take_assessments(&principal),
        enterprise: report.summary.enterprise_name.clone(),
        model_title: t.text(&model.title).to_owned(),
        weights_source: t.text(&model.weights_source).to_owned(),
        kind: t.text(&report.summary.industry_kind.label()).to_owned(),
        level: card.level,
        level_name: level_name(t, model, card.level),
        score: score_text(card.score),
        levels: card
            .levels
            .iter()
            .map(|l| LevelRow {
                level: l.level,
                name: level_name(t, model, l.level),
                score: score_text(l.score),
                reached: l.reached,
            })
            .collect(),
        domains,
        next_level: (card.level < 5).then(|| level_name(t, model, card.level + 1)),
        gaps,
        industry: standing(report.industry),
        town: standing(report.town),
        chart_json: chart.to_string().replace("</", "<\\/"),
        matches,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "assessments/evidence.html")]
struct EvidencePage {
    layout: Layout,
    id: i64,
    code: String,
    subdomain: String,
    text: String,
    /// (file id, name, size)
    files: Vec<(i64, String, String)>,
    may_change: bool,
    error: String,
}

async fn evidence_view(
    state: &AppState,
    context: &super::PageContext,
    principal: &zhizao_identity::Principal,
    id: i64,
    code: &str,
    error: String,
) -> Result<Response, Response> {
    let t = context.t();
    let assessments = state.assessments();
    let assessment = assessments.get(principal, id).await.or_page(context)?;
    let model = assessment
        .model()
        .map_err(|e| PageError::from(e).render(context))?;
    let Some(requirement) = model
        .requirement(code)
        .filter(|r| model.applies(r, assessment.summary.industry_kind))
    else {
        return Err(PageError::NotFound.render(context));
    };
    let files = assessments
        .evidence_files(principal, id)
        .await
        .or_page(context)?
        .into_iter()
        .filter(|f| f.requirement == code)
        .map(|f| {
            let kib = (f.size_bytes + 1023) / 1024;
            (f.id, f.file_name, format!("{kib} KiB"))
        })
        .collect();
    let page = EvidencePage {
        layout: context.layout("assessments"),
        id,
        code: code.to_owned(),
        subdomain: requirement.subdomain.clone(),
        text: t.pick(&requirement.zh, &requirement.en).to_owned(),
        files,
        may_change: assessment.summary.status == AssessmentStatus::Draft
            && policy::may_take_assessments(principal),
        error,
    };
    Ok(render(&page))
}

async fn evidence_page(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((id, code)): Path<(i64, String)>,
) -> Result<Response, Response> {
    evidence_view(&state, &context, &principal, id, &code, String::new()).await
}

async fn add_evidence(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((id, code)): Path<(i64, String)>,
    super::PageUpload(upload): super::PageUpload,
) -> Result<Response, Response> {
    let t = context.t();
    let max = zhizao_assessment::evidence::MAX_FILE_BYTES;
    let file = match super::purpose_and_file(&upload, t, max) {
        Ok((_, file)) => file,
        Err(message) => {
            return evidence_view(&state, &context, &principal, id, &code, message).await;
        }
    };
    match state
        .assessments()
        .add_evidence(&principal, id, &code, &file.file_name, file.bytes)
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/assessments/{id}/evidence/{code}?notice=saved"))
                .into_response(),
        ),
        Err(error) if !error.field_errors().is_empty() || error.kind() == ErrorKind::Conflict => {
            let message = match error.field_errors().first() {
                Some(field) => t.text(&field.message).to_owned(),
                None => t.text(&error_text(&error)).to_owned(),
            };
            evidence_view(&state, &context, &principal, id, &code, message).await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

async fn remove_evidence(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((id, file_id)): Path<(i64, i64)>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    state
        .assessments()
        .remove_evidence(&principal, id, file_id)
        .await
        .or_page(&context)?;
    let back = form.get("requirement");
    Ok(Redirect::to(&format!("/assessments/{id}/evidence/{back}")).into_response())
}
