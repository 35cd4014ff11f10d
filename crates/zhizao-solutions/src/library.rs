//! Solutions in the library: written by their provider's staff (draft), published for every
//! signed-in user to read and be matched with, changed in place (each change a new version,
//! checked against the version the editor saw) and withdrawn. Drafts and withdrawn solutions are
//! their provider's and the city's to read.

use serde::{Deserialize, Serialize};
use zhizao_assessment::model;
use zhizao_core::{Fen, Page, PageRequest, Text, Timestamp};
use zhizao_db::{SqlBuilder, allocate_ids, like_contains};
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy;

use crate::{Error, Problems, Result, Solutions};

/// A sub-domain and the level a solution raises it to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// The maturity model's sub-domain code, e.g. `planning`.
    pub subdomain: String,
    /// The level, 1–5.
    pub level: u8,
}

/// Where a solution stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SolutionStatus {
    /// Being written by its provider.
    Draft,
    /// In the library.
    Published,
    /// Taken out by its provider.
    Withdrawn,
}

impl SolutionStatus {
    /// Its code.
    pub fn as_str(self) -> &'static str {
        match self {
            SolutionStatus::Draft => "draft",
            SolutionStatus::Published => "published",
            SolutionStatus::Withdrawn => "withdrawn",
        }
    }

    /// The status a code names.
    pub fn parse(code: &str) -> Option<Self> {
        [Self::Draft, Self::Published, Self::Withdrawn]
            .into_iter()
            .find(|s| s.as_str() == code)
    }

    /// Its name.
    pub fn label(self) -> Text {
        match self {
            SolutionStatus::Draft => Text::new("草稿", "Draft"),
            SolutionStatus::Published => Text::new("已发布", "Published"),
            SolutionStatus::Withdrawn => Text::new("已撤回", "Withdrawn"),
        }
    }
}

/// A solution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Solution {
    /// Its id.
    pub id: i64,
    /// The provider (a platform organisation) and its code and name.
    pub provider_id: i64,
    /// The provider's code.
    pub provider_code: String,
    /// The provider's name.
    pub provider_name: String,
    /// Its title.
    pub title: String,
    /// What it does and includes.
    pub summary: String,
    /// The sub-domains and levels it raises.
    pub targets: Vec<Target>,
    /// GB/T 4754 divisions it is made for (empty: any industry).
    pub industries: Vec<String>,
    /// Typical investment, from and to.
    pub investment_min: Fen,
    /// Typical investment, up to.
    pub investment_max: Fen,
    /// Typical payback in months.
    pub payback_months: Option<i64>,
    /// Where it was done before.
    pub references: String,
    /// Draft, published or withdrawn.
    pub status: SolutionStatus,
    /// When it was last changed.
    pub updated_at: Timestamp,
    /// Its version.
    pub version: i64,
}

/// A solution as its provider writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SolutionInput {
    /// 2–80 characters.
    pub title: String,
    /// 1–2,000 characters.
    pub summary: String,
    /// 1–20 sub-domains with a level raised to (a sub-domain may be named at several levels),
    /// each of the current maturity model.
    pub targets: Vec<Target>,
    /// GB/T 4754 division codes (two digits); empty: any industry.
    #[serde(default)]
    pub industries: Vec<String>,
    /// Typical investment from, fen.
    pub investment_min_fen: i64,
    /// Typical investment up to, fen.
    pub investment_max_fen: i64,
    /// Typical payback, 1–240 months.
    #[serde(default)]
    pub payback_months: Option<i64>,
    /// References (at most 2,000 characters).
    #[serde(default)]
    pub references: String,
}

fn length_ok(text: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&text.trim().chars().count())
}

impl SolutionInput {
    /// Every problem, named by field; `divisions` are the GB/T 4754 division codes.
    pub(crate) fn check(&self, divisions: &[String]) -> Result<()> {
        let mut problems = Problems::default();
        if !length_ok(&self.title, 2, 80) {
            problems.add(
                "title",
                "名称为 2–80 字".into(),
                "the title has 2 to 80 characters".into(),
            );
        }
        if !length_ok(&self.summary, 1, 2000) {
            problems.add(
                "summary",
                "请填写方案内容（最长 2000 字）".into(),
                "give a summary (at most 2,000 characters)".into(),
            );
        }
        if self.targets.is_empty() || self.targets.len() > 20 {
            problems.add(
                "targets",
                "请选择方案提升的 1–20 个能力子域".into(),
                "name 1 to 20 sub-domains the solution raises".into(),
            );
        }
        let model = model::current();
        for (index, target) in self.targets.iter().enumerate() {
            if model.subdomain(&target.subdomain).is_none() {
                problems.add(
                    format!("targets[{index}].subdomain"),
                    format!("“{}”不是成熟度模型的能力子域", target.subdomain),
                    format!(
                        "{:?} is not a sub-domain of the maturity model",
                        target.subdomain
                    ),
                );
            }
            if !(1..=5).contains(&target.level) {
                problems.add(
                    format!("targets[{index}].level"),
                    "等级为 1–5".into(),
                    "the level is 1 to 5".into(),
                );
            }
            if self.targets[..index]
                .iter()
                .any(|t| t.subdomain == target.subdomain && t.level == target.level)
            {
                problems.add(
                    format!("targets[{index}].subdomain"),
                    format!("能力子域“{}”的 {} 级重复", target.subdomain, target.level),
                    format!(
                        "sub-domain {} at level {} is named twice",
                        target.subdomain, target.level
                    ),
                );
            }
        }
        for (index, code) in self.industries.iter().enumerate() {
            if !divisions.contains(code) {
                problems.add(
                    format!("industries[{index}]"),
                    format!("“{code}”不是国民经济行业大类代码"),
                    format!("{code:?} is not a GB/T 4754 division code"),
                );
            }
        }
        if self.investment_min_fen < 0 || self.investment_max_fen < self.investment_min_fen {
            problems.add(
                "investment_max_fen",
                "投资额下限不小于 0，上限不小于下限".into(),
                "the investment is from 0 up, and its upper bound is not below the lower".into(),
            );
        }
        if self.payback_months.is_some_and(|m| !(1..=240).contains(&m)) {
            problems.add(
                "payback_months",
                "回收期为 1–240 个月".into(),
                "the payback is 1 to 240 months".into(),
            );
        }
        if self.references.chars().count() > 2000 {
            problems.add(
                "references",
                "案例最长 2000 字".into(),
                "references have at most 2,000 characters".into(),
            );
        }
        problems.into_result()
    }
}

const SOLUTION_COLUMNS: &str = "SELECT s.id, s.provider_id, o.code AS provider_code, o.name AS provider_name, s.title, \
     s.summary, s.targets, s.industries, s.investment_min_fen, s.investment_max_fen, s.payback_months, \
     s.case_references, s.status, s.updated_at, s.version FROM solutions s JOIN organizations o ON o.id = s.provider_id \
     WHERE 1 = 1";

#[derive(sqlx::FromRow)]
struct SolutionRow {
    id: i64,
    provider_id: i64,
    provider_code: String,
    provider_name: String,
    title: String,
    summary: String,
    targets: String,
    industries: String,
    investment_min_fen: i64,
    investment_max_fen: i64,
    payback_months: Option<i64>,
    case_references: String,
    status: String,
    updated_at: i64,
    version: i64,
}

impl SolutionRow {
    fn into_solution(self) -> Result<Solution> {
        let corrupt = |what: &str| Error::Corrupt(format!("solution {}: {what}", self.id));
        Ok(Solution {
            targets: serde_json::from_str(&self.targets).map_err(|_| corrupt("targets"))?,
            industries: serde_json::from_str(&self.industries)
                .map_err(|_| corrupt("industries"))?,
            status: SolutionStatus::parse(&self.status).ok_or_else(|| corrupt("status"))?,
            id: self.id,
            provider_id: self.provider_id,
            provider_code: self.provider_code,
            provider_name: self.provider_name,
            title: self.title,
            summary: self.summary,
            investment_min: Fen::new(self.investment_min_fen),
            investment_max: Fen::new(self.investment_max_fen),
            payback_months: self.payback_months,
            references: self.case_references,
            updated_at: Timestamp::from_millis(self.updated_at),
            version: self.version,
        })
    }
}

/// Which solutions to list.
#[derive(Debug, Clone, Default)]
pub struct SolutionFilter {
    /// Only this provider's (organisation code).
    pub provider: Option<String>,
    /// Only those raising this sub-domain.
    pub subdomain: Option<String>,
    /// Words in the title or summary.
    pub text: Option<String>,
    /// Only this status (beyond published: the caller's own or, for the city, any).
    pub status: Option<SolutionStatus>,
    /// Only those made for this GB/T 4754 division (or for any industry).
    pub industry: Option<String>,
}

fn not_found(id: i64) -> Error {
    Error::NotFound {
        what: "solution",
        key: id.to_string(),
    }
}

/// Restricts `sql` to what `principal` may read: published ones, and its own platform's (or,
/// for the city, every) draft and withdrawn one.
fn restrict(principal: &Principal, sql: &mut SqlBuilder) {
    if policy::may_manage_service_directory(principal) {
        return;
    }
    sql.push(" AND (s.status = 'published' OR s.provider_id = ")
        .push_bind(
            if policy::may_offer_solutions(principal, principal.organization_id) {
                principal.organization_id
            } else {
                -1
            },
        )
        .push(")");
}

impl Solutions {
    async fn divisions(&self) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT code FROM industries WHERE level = 'division'")
                .fetch_all(self.db.pool())
                .await?,
        )
    }

    /// The solutions the caller may read matching `filter`, newest first, a page at a time.
    pub async fn solutions(
        &self,
        principal: &Principal,
        filter: &SolutionFilter,
        page: PageRequest,
    ) -> Result<Page<Solution>> {
        let mut conditions = SqlBuilder::default();
        restrict(principal, &mut conditions);
        if let Some(provider) = &filter.provider {
            conditions
                .push(" AND o.code = ")
                .push_bind(provider.clone());
        }
        if let Some(status) = filter.status {
            conditions
                .push(" AND s.status = ")
                .push_bind(status.as_str());
        }
        if let Some(subdomain) = &filter.subdomain {
            conditions
                .push(" AND s.targets LIKE ")
                .push_bind(like_contains(&format!("\"subdomain\":\"{subdomain}\"")))
                .push(" ESCAPE '\\'");
        }
        if let Some(industry) = &filter.industry {
            conditions
                .push(" AND (s.industries = '[]' OR s.industries LIKE ")
                .push_bind(like_contains(&format!("\"{industry}\"")))
                .push(" ESCAPE '\\')");
        }
        if let Some(text) = filter.text.as_deref() {
            conditions.push_contains_any(&["s.title", "s.summary"], text);
        }
        let mut count = SqlBuilder::new(
            "SELECT COUNT(*) FROM solutions s JOIN organizations o ON o.id = s.provider_id WHERE 1 = 1",
        );
        count.push_builder(&conditions);
        let total: i64 = count.query_scalar().fetch_one(self.db.pool()).await?;
        let mut select = SqlBuilder::new(SOLUTION_COLUMNS);
        select
            .push_builder(&conditions)
            .push(" ORDER BY s.id DESC LIMIT ")
            .push_bind(page.limit())
            .push(" OFFSET ")
            .push_bind(page.offset());
        let rows: Vec<SolutionRow> = select.query_as().fetch_all(self.db.pool()).await?;
        let items = rows
            .into_iter()
            .map(SolutionRow::into_solution)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::new(items, total, page))
    }

    /// One solution the caller may read.
    pub async fn solution(&self, principal: &Principal, id: i64) -> Result<Solution> {
        let mut select = SqlBuilder::new(SOLUTION_COLUMNS);
        select.push(" AND s.id = ").push_bind(id);
        restrict(principal, &mut select);
        let row: Option<SolutionRow> = select.query_as().fetch_optional(self.db.pool()).await?;
        row.ok_or_else(|| not_found(id))?.into_solution()
    }

    /// A new draft solution of the caller's platform (its staff). Audited.
    pub async fn create_solution(
        &self,
        principal: &Principal,
        input: &SolutionInput,
    ) -> Result<Solution> {
        if !policy::may_offer_solutions(principal, principal.organization_id) {
            return Err(Error::Forbidden("solution providers write their solutions"));
        }
        input.check(&self.divisions().await?)?;
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let id = allocate_ids(&mut transaction, "solutions", 1).await?;
        sqlx::query(
            "INSERT INTO solutions (id, provider_id, title, summary, targets, industries, investment_min_fen, \
             investment_max_fen, payback_months, case_references, status, created_at, created_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'draft', $11, $12, $11)",
        )
        .bind(id)
        .bind(principal.organization_id)
        .bind(input.title.trim())
        .bind(input.summary.trim())
        .bind(json(&input.targets)?)
        .bind(json(&input.industries)?)
        .bind(input.investment_min_fen)
        .bind(input.investment_max_fen)
        .bind(input.payback_months)
        .bind(input.references.trim())
        .bind(now.as_millis())
        .bind(&principal.username)
        .execute(&mut *transaction)
        .await?;
        let mut changes = Changes::new();
        changes
            .created("title", input.title.trim())
            .created("targets", &input.targets);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("solution.created", "solution", id.to_string()).changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.solution(principal, id).await
    }

    /// Changes a draft or published solution (its provider's staff), from the version read.
    pub async fn update_solution(
        &self,
        principal: &Principal,
        id: i64,
        expected_version: i64,
        input: &SolutionInput,
    ) -> Result<Solution> {
        let before = self.own(principal, id).await?;
        if before.status == SolutionStatus::Withdrawn {
            return Err(Error::Transition(Text::new(
                "已撤回的方案不能修改",
                "a withdrawn solution is not changed",
            )));
        }
        input.check(&self.divisions().await?)?;
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let updated = sqlx::query(
            "UPDATE solutions SET title = $1, summary = $2, targets = $3, industries = $4, investment_min_fen = $5, \
             investment_max_fen = $6, payback_months = $7, case_references = $8, updated_at = $9, version = version + 1 \
             WHERE id = $10 AND version = $11",
        )
        .bind(input.title.trim())
        .bind(input.summary.trim())
        .bind(json(&input.targets)?)
        .bind(json(&input.industries)?)
        .bind(input.investment_min_fen)
        .bind(input.investment_max_fen)
        .bind(input.payback_months)
        .bind(input.references.trim())
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
            .field("summary", &before.summary, input.summary.trim())
            .field("targets", &before.targets, &input.targets)
            .field("industries", &before.industries, &input.industries);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("solution.updated", "solution", id.to_string()).changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.solution(principal, id).await
    }

    /// Publishes a draft or withdraws a published solution (its provider's staff). Audited.
    pub async fn set_solution_status(
        &self,
        principal: &Principal,
        id: i64,
        status: SolutionStatus,
    ) -> Result<Solution> {
        let before = self.own(principal, id).await?;
        let allowed = matches!(
            (before.status, status),
            (SolutionStatus::Draft, SolutionStatus::Published)
                | (SolutionStatus::Published, SolutionStatus::Withdrawn)
        );
        if !allowed {
            return Err(Error::Transition(Text::owned(
                format!(
                    "方案当前为“{}”，不能改为“{}”",
                    before.status.label().zh,
                    status.label().zh
                ),
                format!(
                    "a {} solution cannot become {}",
                    before.status.as_str(),
                    status.as_str()
                ),
            )));
        }
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        sqlx::query(
            "UPDATE solutions SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3",
        )
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
            AuditEntry::new("solution.status_changed", "solution", id.to_string()).changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.solution(principal, id).await
    }

    /// A solution of the caller's own platform (to anyone else it does not exist for writing).
    pub(crate) async fn own(&self, principal: &Principal, id: i64) -> Result<Solution> {
        let solution = self.solution(principal, id).await?;
        if !policy::may_offer_solutions(principal, solution.provider_id) {
            return Err(not_found(id));
        }
        Ok(solution)
    }
}

pub(crate) fn json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Corrupt(e.to_string()))
}

impl Solutions {
    /// The published solutions ranked for the enterprise of assessment `assessment_id` by that
    /// assessment (for a draft, by its answers so far), for whoever may read the assessment.
    pub async fn matches(
        &self,
        principal: &Principal,
        assessment_id: i64,
    ) -> Result<Vec<(crate::Match, Solution)>> {
        let report = self.assessments.report(principal, assessment_id).await?;
        self.matches_for_report(principal, &report).await
    }

    /// The published solutions ranked by an assessment `report` the caller already read.
    pub async fn matches_for_report(
        &self,
        principal: &Principal,
        report: &zhizao_assessment::Report,
    ) -> Result<Vec<(crate::Match, Solution)>> {
        let model = model::by_key(&report.summary.model).unwrap_or_else(model::current);
        // Every published solution is ranked, read a page at a time.
        let filter = SolutionFilter {
            status: Some(SolutionStatus::Published),
            ..SolutionFilter::default()
        };
        let mut published = Vec::new();
        for number in 1.. {
            let page = PageRequest::new(number, PageRequest::MAX_PAGE_SIZE);
            let found = self.solutions(principal, &filter, page).await?;
            let last = number >= found.page_count();
            published.extend(found.items);
            if last {
                break;
            }
        }
        let profile =
            crate::Profile::from_scorecard(&report.summary.industry_code, &report.scorecard);
        Ok(crate::matching::rank(model, &published, &profile)
            .into_iter()
            .filter_map(|m| {
                let solution = published.iter().find(|s| s.id == m.solution)?.clone();
                Some((m, solution))
            })
            .collect())
    }
}
