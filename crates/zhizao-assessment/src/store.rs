//! Assessments in the database: an enterprise starts one on the current model revision for its
//! industry kind (the platform's suggestions filled in beside the answers), answers requirement
//! by requirement (a suggestion confirmed or corrected), submits once every requirement has an
//! answer (the results stored with it, never changed again) or discards a draft. Reads go
//! through `policy::assessment_scope`; a draft is its enterprise's alone.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::AnyConnection;
use zhizao_core::{FieldError, Page, PageRequest, Text, Timestamp};
use zhizao_db::{SqlBuilder, allocate_ids};
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy::{self, EnterpriseScope};
use zhizao_registry::restrict_to_scope as restrict_to;

use crate::model::{self, Answer, IndustryKind, Model};
use crate::prefill::{self, Facts};
use crate::scoring::{self, Gap, Scorecard};
use crate::{Assessments, Error, Result};

/// Where an assessment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentStatus {
    /// Being answered by the enterprise.
    Draft,
    /// Submitted: scored and kept as it was.
    Submitted,
}

impl AssessmentStatus {
    /// Its code.
    pub fn as_str(self) -> &'static str {
        match self {
            AssessmentStatus::Draft => "draft",
            AssessmentStatus::Submitted => "submitted",
        }
    }

    /// The status a code names.
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "draft" => Some(AssessmentStatus::Draft),
            "submitted" => Some(AssessmentStatus::Submitted),
            _ => None,
        }
    }
}

/// An assessment as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssessmentSummary {
    /// Its id.
    pub id: i64,
    /// The enterprise assessed (organisation id).
    pub enterprise_id: i64,
    /// Its name.
    pub enterprise_name: String,
    /// Its town's code.
    pub town_code: String,
    /// Its GB/T 4754 class.
    pub industry_code: String,
    /// The model revision followed, `code.revision`.
    pub model: String,
    /// The industry kind assessed.
    pub industry_kind: IndustryKind,
    /// Draft or submitted.
    pub status: AssessmentStatus,
    /// On submission: the level reached (0–5).
    pub level: Option<u8>,
    /// On submission: the maturity score, thousandths (0–5000).
    pub score: Option<u32>,
    /// When it was started.
    pub created_at: Timestamp,
    /// When it was submitted.
    pub submitted_at: Option<Timestamp>,
    /// Its version (every change adds one).
    pub version: i64,
}

/// An answer to one requirement, with the platform's suggestion beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerRecord {
    /// The requirement's code.
    pub requirement: String,
    /// The enterprise's answer (`None`: not yet given).
    pub answer: Option<Answer>,
    /// Its note.
    pub note: String,
    /// A link to its evidence.
    pub evidence_url: String,
    /// What the platform's records suggest.
    pub suggested: Option<Answer>,
    /// The evidence of the suggestion.
    pub suggestion: Option<Text>,
    /// When it was answered.
    pub answered_at: Option<Timestamp>,
    /// By whom.
    pub answered_by: Option<String>,
}

/// An assessment with its answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    /// Its header.
    pub summary: AssessmentSummary,
    /// Its answers and suggestions, by requirement code.
    pub answers: BTreeMap<String, AnswerRecord>,
}

impl Assessment {
    /// The model revision it follows.
    pub fn model(&self) -> Result<&'static Model> {
        model::by_key(&self.summary.model).ok_or_else(|| {
            Error::Corrupt(format!(
                "assessment {} follows model {}, which this release does not ship",
                self.summary.id, self.summary.model
            ))
        })
    }

    /// The answers given so far.
    pub fn given(&self) -> BTreeMap<String, Answer> {
        self.answers
            .iter()
            .filter_map(|(code, record)| record.answer.map(|a| (code.clone(), a)))
            .collect()
    }

    /// What the answers given so far score (unanswered requirements as not met).
    pub fn scorecard(&self) -> Result<Scorecard> {
        Ok(scoring::score(
            self.model()?,
            self.summary.industry_kind,
            &self.given(),
        ))
    }
}

/// An answer as the enterprise gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerInput {
    /// The requirement's code.
    pub requirement: String,
    /// The answer.
    pub answer: Answer,
    /// A note (at most 500 characters).
    pub note: String,
    /// A link to evidence (`https://…` or `http://…`, at most 500 characters), or empty.
    pub evidence_url: String,
}

/// Which assessments to list.
#[derive(Debug, Clone, Default)]
pub struct AssessmentFilter {
    /// Only this status.
    pub status: Option<AssessmentStatus>,
    /// Only the enterprise with this organisation id.
    pub enterprise_id: Option<i64>,
    /// Only enterprises in this town (and towns merged into it).
    pub town: Option<String>,
}

/// Where an enterprise's submitted score stands among others' latest submitted assessments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Standing {
    /// 1 for the highest score (ties share the better rank).
    pub rank: u32,
    /// Enterprises compared, this one included.
    pub of: u32,
    /// Their mean score, thousandths.
    pub mean: u32,
}

/// An assessment's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The assessment.
    pub summary: AssessmentSummary,
    /// Its scores (of the answers given so far, for a draft).
    pub scorecard: Scorecard,
    /// The requirements between it and the next level, the largest gain first.
    pub gaps: Vec<Gap>,
    /// Among enterprises of the same industry division (submitted assessments only).
    pub industry: Option<Standing>,
    /// Among enterprises of the same town (submitted assessments only).
    pub town: Option<Standing>,
}

const SUMMARY_COLUMNS: &str = "SELECT a.id, a.enterprise_id, e.name AS enterprise_name, e.town_code, e.industry_code, \
     a.model, a.industry_kind, a.status, a.level, a.score, a.created_at, a.submitted_at, a.version \
     FROM maturity_assessments a JOIN enterprises e ON e.id = a.enterprise_id WHERE 1 = 1";

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    enterprise_id: i64,
    enterprise_name: String,
    town_code: String,
    industry_code: String,
    model: String,
    industry_kind: String,
    status: String,
    level: Option<i64>,
    score: Option<i64>,
    created_at: i64,
    submitted_at: Option<i64>,
    version: i64,
}

impl SummaryRow {
    fn into_summary(self) -> Result<AssessmentSummary> {
        let corrupt = |what: &str| Error::Corrupt(format!("assessment {}: {what}", self.id));
        Ok(AssessmentSummary {
            industry_kind: IndustryKind::parse(&self.industry_kind)
                .ok_or_else(|| corrupt("industry kind"))?,
            status: AssessmentStatus::parse(&self.status).ok_or_else(|| corrupt("status"))?,
            level: self.level.and_then(|l| u8::try_from(l).ok()),
            score: self.score.and_then(|s| u32::try_from(s).ok()),
            created_at: Timestamp::from_millis(self.created_at),
            submitted_at: self.submitted_at.map(Timestamp::from_millis),
            id: self.id,
            enterprise_id: self.enterprise_id,
            enterprise_name: self.enterprise_name,
            town_code: self.town_code,
            industry_code: self.industry_code,
            model: self.model,
            version: self.version,
        })
    }
}

#[derive(sqlx::FromRow)]
struct AnswerRow {
    requirement: String,
    answer: Option<String>,
    note: String,
    evidence_url: String,
    suggested: Option<String>,
    suggestion: Option<String>,
    answered_at: Option<i64>,
    answered_by: Option<String>,
}

fn not_found(id: i64) -> Error {
    Error::NotFound {
        what: "assessment",
        key: id.to_string(),
    }
}

fn field(field: impl Into<String>, zh: String, en: String) -> FieldError {
    FieldError::new(field, Text::owned(zh, en))
}

impl Assessments {
    /// The time by the service's clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Starts an assessment of the caller's enterprise for `kind` on the current model, with
    /// the answers `facts` suggest beside the requirements (the enterprise's users); one draft at
    /// a time. Audited.
    pub async fn start(
        &self,
        principal: &Principal,
        kind: IndustryKind,
        facts: &Facts,
    ) -> Result<Assessment> {
        if !policy::may_take_assessments(principal) {
            return Err(Error::Forbidden("an enterprise assesses itself"));
        }
        let enterprise_id = principal.organization_id;
        let model = model::current();
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let registered: Option<i64> =
            sqlx::query_scalar("SELECT id FROM enterprises WHERE id = $1")
                .bind(enterprise_id)
                .fetch_optional(&mut *transaction)
                .await?;
        if registered.is_none() {
            return Err(Error::Transition(Text::new(
                "本企业尚未在企业库登记，暂不能自评估",
                "your enterprise is not in the registry yet, so it cannot assess itself",
            )));
        }
        let draft: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM maturity_assessments WHERE enterprise_id = $1 AND status = 'draft'",
        )
        .bind(enterprise_id)
        .fetch_optional(&mut *transaction)
        .await?;
        if let Some(draft) = draft {
            return Err(Error::Transition(Text::owned(
                format!("已有一份未提交的自评估（编号 {draft}），请继续填写或先放弃它"),
                format!("assessment {draft} is still a draft: continue it or discard it first"),
            )));
        }
        let id = allocate_ids(&mut transaction, "maturity_assessments", 1).await?;
        sqlx::query(
            "INSERT INTO maturity_assessments (id, enterprise_id, model, industry_kind, status, created_at, created_by, updated_at) \
             VALUES ($1, $2, $3, $4, 'draft', $5, $6, $5)",
        )
        .bind(id)
        .bind(enterprise_id)
        .bind(model.key())
        .bind(kind.as_str())
        .bind(now.as_millis())
        .bind(&principal.username)
        .execute(&mut *transaction)
        .await?;
        let suggestions = write_suggestions(&mut transaction, id, model, kind, facts).await?;
        let mut changes = Changes::new();
        changes
            .created("model", model.key())
            .created("industry_kind", kind.as_str())
            .created("suggestions", suggestions);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "maturity_assessment.started",
                "maturity_assessment",
                id.to_string(),
            )
            .subject(enterprise_id)
            .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.get(principal, id).await
    }

    /// Suggests again from `facts` (the platform's records may have grown since the start);
    /// answers given are kept. A draft, by its enterprise.
    pub async fn refresh_suggestions(
        &self,
        principal: &Principal,
        id: i64,
        facts: &Facts,
    ) -> Result<Assessment> {
        let assessment = self.draft_of(principal, id).await?;
        let model = assessment.model()?;
        let mut transaction = self.db.begin().await?;
        sqlx::query(
            "UPDATE maturity_answers SET suggested = NULL, suggestion = NULL WHERE assessment_id = $1",
        )
        .bind(id)
        .execute(&mut *transaction)
        .await?;
        sqlx::query("DELETE FROM maturity_answers WHERE assessment_id = $1 AND answer IS NULL")
            .bind(id)
            .execute(&mut *transaction)
            .await?;
        write_suggestions(
            &mut transaction,
            id,
            model,
            assessment.summary.industry_kind,
            facts,
        )
        .await?;
        bump(&mut transaction, id, self.clock.now()).await?;
        transaction.commit().await?;
        self.get(principal, id).await
    }

    /// An assessment the caller may see (a draft only by its enterprise).
    pub async fn get(&self, principal: &Principal, id: i64) -> Result<Assessment> {
        let scope = policy::assessment_scope(principal);
        let mut select = SqlBuilder::new(SUMMARY_COLUMNS);
        select.push(" AND a.id = ").push_bind(id);
        restrict_to(&scope, &mut select);
        if !policy::may_take_assessments(principal) {
            select.push(" AND a.status = 'submitted'");
        }
        let row: Option<SummaryRow> = select.query_as().fetch_optional(self.db.pool()).await?;
        let summary = row.ok_or_else(|| not_found(id))?.into_summary()?;
        let rows: Vec<AnswerRow> = sqlx::query_as(
            "SELECT requirement, answer, note, evidence_url, suggested, suggestion, answered_at, answered_by \
             FROM maturity_answers WHERE assessment_id = $1 ORDER BY requirement",
        )
        .bind(id)
        .fetch_all(self.db.pool())
        .await?;
        let mut answers = BTreeMap::new();
        for row in rows {
            let corrupt = || Error::Corrupt(format!("assessment {id}, answer {}", row.requirement));
            let answer = |code: &Option<String>| -> Result<Option<Answer>> {
                code.as_deref()
                    .map(|c| Answer::parse(c).ok_or_else(corrupt))
                    .transpose()
            };
            let record = AnswerRecord {
                answer: answer(&row.answer)?,
                suggested: answer(&row.suggested)?,
                suggestion: row
                    .suggestion
                    .as_deref()
                    .map(|s| serde_json::from_str::<Text>(s).map_err(|_| corrupt()))
                    .transpose()?,
                note: row.note,
                evidence_url: row.evidence_url,
                answered_at: row.answered_at.map(Timestamp::from_millis),
                answered_by: row.answered_by,
                requirement: row.requirement.clone(),
            };
            answers.insert(row.requirement, record);
        }
        Ok(Assessment { summary, answers })
    }

    /// The assessments the caller may see, newest first.
    pub async fn list(
        &self,
        principal: &Principal,
        filter: &AssessmentFilter,
        page: PageRequest,
    ) -> Result<Page<AssessmentSummary>> {
        let scope = policy::assessment_scope(principal);
        let mut conditions = SqlBuilder::default();
        restrict_to(&scope, &mut conditions);
        if !policy::may_take_assessments(principal) {
            conditions.push(" AND a.status = 'submitted'");
        }
        if let Some(status) = filter.status {
            conditions
                .push(" AND a.status = ")
                .push_bind(status.as_str());
        }
        if let Some(enterprise) = filter.enterprise_id {
            conditions
                .push(" AND a.enterprise_id = ")
                .push_bind(enterprise);
        }
        if let Some(town) = &filter.town {
            restrict_to(&EnterpriseScope::Town(town.clone()), &mut conditions);
        }
        let mut count = SqlBuilder::new(
            "SELECT COUNT(*) FROM maturity_assessments a JOIN enterprises e ON e.id = a.enterprise_id WHERE 1 = 1",
        );
        count.push_builder(&conditions);
        let total: i64 = count.query_scalar().fetch_one(self.db.pool()).await?;
        let mut select = SqlBuilder::new(SUMMARY_COLUMNS);
        select
            .push_builder(&conditions)
            .push(" ORDER BY a.id DESC LIMIT ")
            .push_bind(page.limit())
            .push(" OFFSET ")
            .push_bind(page.offset());
        let rows: Vec<SummaryRow> = select.query_as().fetch_all(self.db.pool()).await?;
        let items = rows
            .into_iter()
            .map(SummaryRow::into_summary)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::new(items, total, page))
    }

    /// Gives or changes answers (all or none), checked against the model revision and industry
    /// kind the assessment follows; `expected_version`, when given, must be the latest. A draft,
    /// by its enterprise.
    pub async fn answer(
        &self,
        principal: &Principal,
        id: i64,
        expected_version: Option<i64>,
        inputs: &[AnswerInput],
    ) -> Result<Assessment> {
        let assessment = self.draft_of(principal, id).await?;
        check_version(&assessment, expected_version)?;
        let model = assessment.model()?;
        let kind = assessment.summary.industry_kind;
        let mut problems = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for (index, input) in inputs.iter().enumerate() {
            let at = |name: &str| format!("answers[{index}].{name}");
            match model.requirement(&input.requirement) {
                None => problems.push(field(
                    at("requirement"),
                    format!("{} 不是{}中的要求", input.requirement, model.title.zh),
                    format!(
                        "{} is not a requirement of {}",
                        input.requirement,
                        model.key()
                    ),
                )),
                Some(requirement) if !model.applies(requirement, kind) => problems.push(field(
                    at("requirement"),
                    format!("{} 不适用于{}企业", input.requirement, kind.label().zh),
                    format!(
                        "{} is not assessed for {} enterprises",
                        input.requirement,
                        kind.as_str()
                    ),
                )),
                Some(_) => {}
            }
            if !seen.insert(input.requirement.as_str()) {
                problems.push(field(
                    at("requirement"),
                    format!("{} 重复作答", input.requirement),
                    format!("{} is answered twice", input.requirement),
                ));
            }
            if input.note.chars().count() > 500 {
                problems.push(field(
                    at("note"),
                    "说明最长 500 字".into(),
                    "the note has at most 500 characters".into(),
                ));
            }
            let url = input.evidence_url.trim();
            if !url.is_empty()
                && (url.chars().count() > 500
                    || !(url.starts_with("https://") || url.starts_with("http://"))
                    || url.contains(char::is_whitespace))
            {
                problems.push(field(
                    at("evidence_url"),
                    "证明材料链接应为 http:// 或 https:// 开头的网址（最长 500 字符）".into(),
                    "the evidence link is an http:// or https:// address (at most 500 characters)"
                        .into(),
                ));
            }
        }
        if inputs.is_empty() {
            problems.push(field(
                "answers",
                "请至少回答一项要求".into(),
                "give at least one answer".into(),
            ));
        }
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let mut changes = Changes::new();
        for input in inputs {
            let before = assessment.answers.get(&input.requirement);
            let previous = before.and_then(|b| b.answer);
            changes.field(
                &input.requirement,
                previous.map(Answer::as_str),
                Some(input.answer.as_str()),
            );
            sqlx::query(
                "INSERT INTO maturity_answers (assessment_id, requirement, answer, note, evidence_url, answered_at, answered_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (assessment_id, requirement) DO UPDATE SET answer = excluded.answer, note = excluded.note, \
                 evidence_url = excluded.evidence_url, answered_at = excluded.answered_at, answered_by = excluded.answered_by",
            )
            .bind(id)
            .bind(&input.requirement)
            .bind(input.answer.as_str())
            .bind(input.note.trim())
            .bind(input.evidence_url.trim())
            .bind(now.as_millis())
            .bind(&principal.username)
            .execute(&mut *transaction)
            .await?;
        }
        bump(&mut transaction, id, now).await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "maturity_assessment.answered",
                "maturity_assessment",
                id.to_string(),
            )
            .subject(assessment.summary.enterprise_id)
            .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.get(principal, id).await
    }

    /// Submits a draft whose every requirement has an answer (a suggestion not yet confirmed is
    /// not an answer): scores it and keeps the results with it. By its enterprise; audited.
    pub async fn submit(
        &self,
        principal: &Principal,
        id: i64,
        expected_version: Option<i64>,
    ) -> Result<Assessment> {
        let assessment = self.draft_of(principal, id).await?;
        check_version(&assessment, expected_version)?;
        let card = assessment.scorecard()?;
        if card.unanswered > 0 {
            return Err(Error::Transition(Text::owned(
                format!(
                    "还有 {} 项要求未作答（平台建议的答案需确认后才算作答），全部作答后才能提交",
                    card.unanswered
                ),
                format!(
                    "{} requirements have no answer yet (a suggestion counts once confirmed); answer them all to submit",
                    card.unanswered
                ),
            )));
        }
        let now = self.clock.now();
        let scorecard = serde_json::to_string(&card)
            .map_err(|e| Error::Corrupt(format!("scorecard of assessment {id}: {e}")))?;
        let mut transaction = self.db.begin().await?;
        let updated = sqlx::query(
            "UPDATE maturity_assessments SET status = 'submitted', level = $1, score = $2, scorecard = $3, \
             submitted_at = $4, submitted_by = $5, updated_at = $4, version = version + 1 \
             WHERE id = $6 AND status = 'draft' AND version = $7",
        )
        .bind(i64::from(card.level))
        .bind(i64::from(card.score))
        .bind(scorecard)
        .bind(now.as_millis())
        .bind(&principal.username)
        .bind(id)
        .bind(assessment.summary.version)
        .execute(&mut *transaction)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(Error::StaleVersion {
                current: assessment.summary.version + 1,
            });
        }
        let mut changes = Changes::new();
        changes
            .field("status", "draft", "submitted")
            .created("level", card.level)
            .created("score", card.score);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "maturity_assessment.submitted",
                "maturity_assessment",
                id.to_string(),
            )
            .subject(assessment.summary.enterprise_id)
            .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.get(principal, id).await
    }

    /// Discards a draft. By its enterprise; audited.
    pub async fn discard(&self, principal: &Principal, id: i64) -> Result<()> {
        let assessment = self.draft_of(principal, id).await?;
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        sqlx::query("DELETE FROM maturity_answers WHERE assessment_id = $1")
            .bind(id)
            .execute(&mut *transaction)
            .await?;
        sqlx::query("DELETE FROM maturity_evidence_files WHERE assessment_id = $1")
            .bind(id)
            .execute(&mut *transaction)
            .await?;
        sqlx::query("DELETE FROM maturity_assessments WHERE id = $1 AND status = 'draft'")
            .bind(id)
            .execute(&mut *transaction)
            .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "maturity_assessment.discarded",
                "maturity_assessment",
                id.to_string(),
            )
            .subject(assessment.summary.enterprise_id),
        )
        .await?;
        transaction.commit().await?;
        self.remove_evidence_directory(id);
        Ok(())
    }

    /// The report: the scores (a submitted assessment's as stored), the gaps to the next level,
    /// and where a submitted one stands in its industry division and town.
    pub async fn report(&self, principal: &Principal, id: i64) -> Result<Report> {
        let assessment = self.get(principal, id).await?;
        let model = assessment.model()?;
        let kind = assessment.summary.industry_kind;
        let scorecard = match assessment.summary.status {
            AssessmentStatus::Draft => assessment.scorecard()?,
            AssessmentStatus::Submitted => {
                let stored: Option<String> =
                    sqlx::query_scalar("SELECT scorecard FROM maturity_assessments WHERE id = $1")
                        .bind(id)
                        .fetch_one(self.db.pool())
                        .await?;
                let stored = stored.ok_or_else(|| {
                    Error::Corrupt(format!("submitted assessment {id} has no scorecard"))
                })?;
                serde_json::from_str(&stored)
                    .map_err(|e| Error::Corrupt(format!("scorecard of assessment {id}: {e}")))?
            }
        };
        let gaps = scoring::gaps(model, kind, &assessment.given(), &scorecard);
        let (industry, town) = match (assessment.summary.status, assessment.summary.score) {
            (AssessmentStatus::Submitted, Some(score)) => {
                let division: String = assessment.summary.industry_code.chars().take(2).collect();
                let by_industry = self
                    .peer_scores(" AND e.industry_code LIKE ", format!("{division}%"))
                    .await?;
                let by_town = self
                    .peer_scores(" AND e.town_code = ", assessment.summary.town_code.clone())
                    .await?;
                (standing(&by_industry, score), standing(&by_town, score))
            }
            _ => (None, None),
        };
        Ok(Report {
            summary: assessment.summary,
            scorecard,
            gaps,
            industry,
            town,
        })
    }

    /// The scores of every enterprise's latest submitted assessment where `condition` holds.
    async fn peer_scores(&self, condition: &'static str, value: String) -> Result<Vec<u32>> {
        let mut select = SqlBuilder::new(
            "SELECT a.score FROM maturity_assessments a JOIN enterprises e ON e.id = a.enterprise_id \
             WHERE a.status = 'submitted' AND a.id = (SELECT MAX(b.id) FROM maturity_assessments b \
             WHERE b.enterprise_id = a.enterprise_id AND b.status = 'submitted')",
        );
        select.push(condition).push_bind(value);
        let scores: Vec<Option<i64>> = select.query_scalar().fetch_all(self.db.pool()).await?;
        Ok(scores
            .into_iter()
            .flatten()
            .filter_map(|s| u32::try_from(s).ok())
            .collect())
    }

    /// A draft the caller may change.
    pub(crate) async fn draft_of(&self, principal: &Principal, id: i64) -> Result<Assessment> {
        let assessment = self.get(principal, id).await?;
        if !policy::may_take_assessments(principal) {
            return Err(Error::Forbidden("an enterprise answers its own assessment"));
        }
        if assessment.summary.status != AssessmentStatus::Draft {
            return Err(Error::Transition(Text::new(
                "该自评估已提交，不能再修改；如需重新评估请新建一份",
                "this assessment was submitted and is kept as it is; start a new one to assess again",
            )));
        }
        Ok(assessment)
    }
}

fn check_version(assessment: &Assessment, expected: Option<i64>) -> Result<()> {
    match expected {
        Some(expected) if expected != assessment.summary.version => Err(Error::StaleVersion {
            current: assessment.summary.version,
        }),
        _ => Ok(()),
    }
}

fn standing(scores: &[u32], score: u32) -> Option<Standing> {
    if scores.is_empty() {
        return None;
    }
    let better = scores.iter().filter(|s| **s > score).count();
    let sum: u64 = scores.iter().map(|s| u64::from(*s)).sum();
    let of = scores.len() as u64;
    Some(Standing {
        rank: u32::try_from(better + 1).unwrap_or(u32::MAX),
        of: u32::try_from(of).unwrap_or(u32::MAX),
        mean: u32::try_from((sum + of / 2) / of).unwrap_or(u32::MAX),
    })
}

async fn bump(connection: &mut AnyConnection, id: i64, now: Timestamp) -> Result<()> {
    sqlx::query(
        "UPDATE maturity_assessments SET version = version + 1, updated_at = $1 WHERE id = $2",
    )
    .bind(now.as_millis())
    .bind(id)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// Writes the suggestions `facts` give beside the answers; returns how many.
async fn write_suggestions(
    connection: &mut AnyConnection,
    id: i64,
    model: &Model,
    kind: IndustryKind,
    facts: &Facts,
) -> Result<usize> {
    let suggestions = prefill::suggest(model, kind, facts);
    for suggestion in &suggestions {
        let evidence = serde_json::to_string(&suggestion.evidence)
            .map_err(|e| Error::Corrupt(format!("suggestion evidence: {e}")))?;
        sqlx::query(
            "INSERT INTO maturity_answers (assessment_id, requirement, suggested, suggestion) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (assessment_id, requirement) DO UPDATE SET suggested = excluded.suggested, suggestion = excluded.suggestion",
        )
        .bind(id)
        .bind(&suggestion.requirement)
        .bind(suggestion.answer.as_str())
        .bind(evidence)
        .execute(&mut *connection)
        .await?;
    }
    Ok(suggestions.len())
}
