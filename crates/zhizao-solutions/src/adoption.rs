//! Adoption of one solution at one enterprise: proposed by the provider to a client enterprise
//! or asked for by the enterprise; the other side accepts or declines; the provider reports it
//! implemented; the enterprise verifies it, citing an upgrade project it completed on the
//! platform or before-and-after figures (from its own telemetry). Each step audited, each step
//! only from the status before it.

use serde::{Deserialize, Serialize};
use zhizao_core::{Page, PageRequest, Text, Timestamp};
use zhizao_db::{SqlBuilder, allocate_ids};
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy::{self, AdoptionScope, EnterpriseScope};
use zhizao_registry::restrict_to_scope;

use crate::library::SolutionStatus;
use crate::{Error, Result, Solutions};

/// Where an adoption stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AdoptionStatus {
    /// Proposed by one side, waiting on the other.
    Proposed,
    /// Agreed: the provider implements it.
    Accepted,
    /// Turned down.
    Declined,
    /// Reported implemented by the provider.
    Implemented,
    /// Verified by the enterprise with evidence.
    Verified,
}

impl AdoptionStatus {
    /// Its code.
    pub fn as_str(self) -> &'static str {
        match self {
            AdoptionStatus::Proposed => "proposed",
            AdoptionStatus::Accepted => "accepted",
            AdoptionStatus::Declined => "declined",
            AdoptionStatus::Implemented => "implemented",
            AdoptionStatus::Verified => "verified",
        }
    }

    /// The status a code names.
    pub fn parse(code: &str) -> Option<Self> {
        [
            Self::Proposed,
            Self::Accepted,
            Self::Declined,
            Self::Implemented,
            Self::Verified,
        ]
        .into_iter()
        .find(|s| s.as_str() == code)
    }

    /// Its name.
    pub fn label(self) -> Text {
        match self {
            AdoptionStatus::Proposed => Text::new("已提出", "Proposed"),
            AdoptionStatus::Accepted => Text::new("已接受", "Accepted"),
            AdoptionStatus::Declined => Text::new("已谢绝", "Declined"),
            AdoptionStatus::Implemented => Text::new("已实施", "Implemented"),
            AdoptionStatus::Verified => Text::new("已验证", "Verified"),
        }
    }
}

/// Before-and-after figures a verification cites.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figures {
    /// What was measured, e.g. "OEE of line 2" or "kWh per 1,000 pieces".
    pub metric: String,
    /// Its unit.
    pub unit: String,
    /// Before the solution was implemented.
    pub before: f64,
    /// After.
    pub after: f64,
    /// Where the figures come from (the query over the enterprise's telemetry, the period).
    pub source: String,
}

/// What a verification cites.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Verification {
    /// An upgrade project the enterprise completed on the platform.
    Project {
        /// Its number.
        number: String,
        /// Its name.
        name: String,
    },
    /// Before-and-after figures.
    Figures(Figures),
}

/// Which adoptions a list keeps (all when empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdoptionFilter {
    /// Only those at this status.
    pub status: Option<AdoptionStatus>,
    /// Only those of this solution.
    pub solution_id: Option<i64>,
    /// Only those of this provider's solutions.
    pub provider_id: Option<i64>,
}

/// An adoption.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Adoption {
    /// Its id.
    pub id: i64,
    /// The solution, its title and provider.
    pub solution_id: i64,
    /// The solution's title.
    pub solution_title: String,
    /// The provider's organisation id.
    pub provider_id: i64,
    /// The provider's name.
    pub provider_name: String,
    /// The enterprise (organisation id) and its name.
    pub enterprise_id: i64,
    /// The enterprise's name.
    pub enterprise_name: String,
    /// Where it stands.
    pub status: AdoptionStatus,
    /// Who proposed: `provider` or `enterprise`.
    pub proposed_side: String,
    /// The latest note.
    pub note: String,
    /// When it was proposed, and by whom.
    pub proposed_at: Timestamp,
    /// By whom.
    pub proposed_by: String,
    /// When it was accepted.
    pub accepted_at: Option<Timestamp>,
    /// When it was reported implemented.
    pub implemented_at: Option<Timestamp>,
    /// When it was verified.
    pub verified_at: Option<Timestamp>,
    /// What the verification cites.
    pub verification: Option<Verification>,
    /// Its version.
    pub version: i64,
}

const ADOPTION_COLUMNS: &str = "SELECT a.id, a.solution_id, s.title AS solution_title, s.provider_id, o.name AS provider_name, \
     a.enterprise_id, e.name AS enterprise_name, a.status, a.proposed_side, a.note, a.proposed_at, a.proposed_by, \
     a.accepted_at, a.implemented_at, a.verified_at, a.verified_project, a.verified_figures, a.version \
     FROM solution_adoptions a JOIN solutions s ON s.id = a.solution_id JOIN organizations o ON o.id = s.provider_id \
     JOIN enterprises e ON e.id = a.enterprise_id WHERE 1 = 1";

#[derive(sqlx::FromRow)]
struct AdoptionRow {
    id: i64,
    solution_id: i64,
    solution_title: String,
    provider_id: i64,
    provider_name: String,
    enterprise_id: i64,
    enterprise_name: String,
    status: String,
    proposed_side: String,
    note: String,
    proposed_at: i64,
    proposed_by: String,
    accepted_at: Option<i64>,
    implemented_at: Option<i64>,
    verified_at: Option<i64>,
    verified_project: Option<String>,
    verified_figures: Option<String>,
    version: i64,
}

impl AdoptionRow {
    fn into_adoption(self) -> Result<Adoption> {
        let corrupt = |what: &str| Error::Corrupt(format!("adoption {}: {what}", self.id));
        let verification = match (&self.verified_project, &self.verified_figures) {
            (_, Some(figures)) => Some(
                serde_json::from_str::<Verification>(figures).map_err(|_| corrupt("figures"))?,
            ),
            (Some(project), None) => Some(
                serde_json::from_str::<Verification>(project).map_err(|_| corrupt("project"))?,
            ),
            (None, None) => None,
        };
        let at = |ms: Option<i64>| ms.map(Timestamp::from_millis);
        Ok(Adoption {
            status: AdoptionStatus::parse(&self.status).ok_or_else(|| corrupt("status"))?,
            verification,
            id: self.id,
            solution_id: self.solution_id,
            solution_title: self.solution_title,
            provider_id: self.provider_id,
            provider_name: self.provider_name,
            enterprise_id: self.enterprise_id,
            enterprise_name: self.enterprise_name,
            proposed_side: self.proposed_side,
            note: self.note,
            proposed_at: Timestamp::from_millis(self.proposed_at),
            proposed_by: self.proposed_by,
            accepted_at: at(self.accepted_at),
            implemented_at: at(self.implemented_at),
            verified_at: at(self.verified_at),
            version: self.version,
        })
    }
}

pub(crate) fn restrict(principal: &Principal, sql: &mut SqlBuilder) {
    match policy::adoption_scope(principal) {
        AdoptionScope::All => {}
        AdoptionScope::Town(town) => restrict_to_scope(&EnterpriseScope::Town(town), sql),
        AdoptionScope::Provider(id) => {
            sql.push(" AND s.provider_id = ").push_bind(id);
        }
        AdoptionScope::Enterprise(id) => {
            sql.push(" AND a.enterprise_id = ").push_bind(id);
        }
        AdoptionScope::Nothing => {
            sql.push(" AND 1 = 0");
        }
    }
}

fn not_found(id: i64) -> Error {
    Error::NotFound {
        what: "adoption",
        key: id.to_string(),
    }
}

fn transition(status: AdoptionStatus, step: (&str, &str)) -> Error {
    Error::Transition(Text::owned(
        format!("当前为“{}”，不能{}", status.label().zh, step.0),
        format!(
            "the adoption is {}: it cannot be {}",
            status.as_str(),
            step.1
        ),
    ))
}

/// A step of an adoption and who takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The side that did not propose agrees.
    Accept,
    /// The side that did not propose turns it down.
    Decline,
    /// The provider reports it implemented.
    Implemented,
}

impl Solutions {
    /// The adoptions the caller sees that `filter` keeps, newest first, a page at a time.
    pub async fn adoptions(
        &self,
        principal: &Principal,
        filter: &AdoptionFilter,
        page: PageRequest,
    ) -> Result<Page<Adoption>> {
        let mut conditions = SqlBuilder::default();
        restrict(principal, &mut conditions);
        if let Some(status) = filter.status {
            conditions
                .push(" AND a.status = ")
                .push_bind(status.as_str());
        }
        if let Some(solution) = filter.solution_id {
            conditions.push(" AND a.solution_id = ").push_bind(solution);
        }
        if let Some(provider) = filter.provider_id {
            conditions.push(" AND s.provider_id = ").push_bind(provider);
        }
        let mut count = SqlBuilder::new(
            "SELECT COUNT(*) FROM solution_adoptions a JOIN solutions s ON s.id = a.solution_id \
             JOIN enterprises e ON e.id = a.enterprise_id WHERE 1 = 1",
        );
        count.push_builder(&conditions);
        let total: i64 = count.query_scalar().fetch_one(self.db.pool()).await?;
        let mut select = SqlBuilder::new(ADOPTION_COLUMNS);
        select
            .push_builder(&conditions)
            .push(" ORDER BY a.id DESC LIMIT ")
            .push_bind(page.limit())
            .push(" OFFSET ")
            .push_bind(page.offset());
        let rows: Vec<AdoptionRow> = select.query_as().fetch_all(self.db.pool()).await?;
        let items = rows
            .into_iter()
            .map(AdoptionRow::into_adoption)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::new(items, total, page))
    }

    /// One adoption the caller sees.
    pub async fn adoption(&self, principal: &Principal, id: i64) -> Result<Adoption> {
        let mut select = SqlBuilder::new(ADOPTION_COLUMNS);
        select.push(" AND a.id = ").push_bind(id);
        restrict(principal, &mut select);
        let row: Option<AdoptionRow> = select.query_as().fetch_optional(self.db.pool()).await?;
        row.ok_or_else(|| not_found(id))?.into_adoption()
    }

    /// Proposes published solution `solution_id`: its provider's staff to a client enterprise
    /// (`enterprise`, its credit code, which must be in the platform's scope), or an enterprise's
    /// user for its own enterprise (`enterprise` ignored). One adoption per solution and enterprise; a
    /// declined one may be proposed again. Audited.
    pub async fn propose(
        &self,
        principal: &Principal,
        solution_id: i64,
        enterprise: Option<&str>,
        note: &str,
    ) -> Result<Adoption> {
        let solution = self.solution(principal, solution_id).await?;
        if solution.status != SolutionStatus::Published {
            return Err(Error::Transition(Text::new(
                "只有已发布的方案可以提出采用",
                "only a published solution is proposed",
            )));
        }
        let (enterprise, side) = if policy::may_adopt_solutions(principal) {
            (principal.organization_id, "enterprise")
        } else if policy::may_offer_solutions(principal, solution.provider_id) {
            let Some(code) = enterprise.map(str::trim).filter(|c| !c.is_empty()) else {
                return Err(Error::Invalid(vec![zhizao_core::FieldError::new(
                    "enterprise",
                    Text::new("请选择向哪家企业提出", "name the enterprise to propose to"),
                )]));
            };
            let mut visible =
                SqlBuilder::new("SELECT e.id FROM enterprises e WHERE e.credit_code = ");
            visible.push_bind(code.to_owned());
            restrict_to_scope(&policy::enterprise_scope(principal), &mut visible);
            let found: Option<i64> = visible
                .query_scalar()
                .fetch_optional(self.db.pool())
                .await?;
            let Some(enterprise) = found else {
                return Err(Error::NotFound {
                    what: "enterprise",
                    key: code.to_owned(),
                });
            };
            (enterprise, "provider")
        } else {
            return Err(Error::Forbidden(
                "a solution is proposed by its provider or asked for by an enterprise",
            ));
        };
        if note.chars().count() > 1000 {
            return Err(Error::Invalid(vec![zhizao_core::FieldError::new(
                "note",
                Text::new("说明最长 1000 字", "the note has at most 1,000 characters"),
            )]));
        }
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let existing: Option<(i64, String)> = sqlx::query_as(
            "SELECT id, status FROM solution_adoptions WHERE solution_id = $1 AND enterprise_id = $2",
        )
        .bind(solution_id)
        .bind(enterprise)
        .fetch_optional(&mut *transaction)
        .await?;
        let id = match existing {
            Some((id, status)) if status == "declined" => {
                sqlx::query(
                    "UPDATE solution_adoptions SET status = 'proposed', proposed_side = $1, note = $2, proposed_at = $3, \
                     proposed_by = $4, accepted_at = NULL, updated_at = $3, version = version + 1 WHERE id = $5",
                )
                .bind(side)
                .bind(note.trim())
                .bind(now.as_millis())
                .bind(&principal.username)
                .bind(id)
                .execute(&mut *transaction)
                .await?;
                id
            }
            Some((id, _)) => {
                return Err(Error::Transition(Text::owned(
                    format!("该企业已有此方案的采用记录（编号 {id}）"),
                    format!("the enterprise already has adoption {id} of this solution"),
                )));
            }
            None => {
                let id = allocate_ids(&mut transaction, "solution_adoptions", 1).await?;
                sqlx::query(
                    "INSERT INTO solution_adoptions (id, solution_id, enterprise_id, status, proposed_side, note, \
                     proposed_at, proposed_by, updated_at) VALUES ($1, $2, $3, 'proposed', $4, $5, $6, $7, $6)",
                )
                .bind(id)
                .bind(solution_id)
                .bind(enterprise)
                .bind(side)
                .bind(note.trim())
                .bind(now.as_millis())
                .bind(&principal.username)
                .execute(&mut *transaction)
                .await?;
                id
            }
        };
        let mut changes = Changes::new();
        changes
            .created("solution", solution_id)
            .created("proposed_side", side);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "solution_adoption.proposed",
                "solution_adoption",
                id.to_string(),
            )
            .subject(enterprise)
            .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.adoption(principal, id).await
    }

    /// Accepts or declines a proposal (the side that did not propose), or reports an accepted
    /// adoption implemented (the provider). Audited.
    pub async fn step(
        &self,
        principal: &Principal,
        id: i64,
        step: Step,
        note: &str,
    ) -> Result<Adoption> {
        let adoption = self.adoption(principal, id).await?;
        let provider = policy::may_offer_solutions(principal, adoption.provider_id);
        let enterprise = policy::may_adopt_solutions(principal)
            && principal.organization_id == adoption.enterprise_id;
        let (from, to, words) = match step {
            Step::Accept => (
                AdoptionStatus::Proposed,
                AdoptionStatus::Accepted,
                ("接受", "accepted"),
            ),
            Step::Decline => (
                AdoptionStatus::Proposed,
                AdoptionStatus::Declined,
                ("谢绝", "declined"),
            ),
            Step::Implemented => (
                AdoptionStatus::Accepted,
                AdoptionStatus::Implemented,
                ("报告实施", "reported implemented"),
            ),
        };
        let may = match step {
            Step::Accept | Step::Decline => {
                (adoption.proposed_side == "provider" && enterprise)
                    || (adoption.proposed_side == "enterprise" && provider)
            }
            Step::Implemented => provider,
        };
        if !may {
            return Err(Error::Forbidden("the other side takes this step"));
        }
        if adoption.status != from {
            return Err(transition(adoption.status, words));
        }
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let mut update = SqlBuilder::new("UPDATE solution_adoptions SET status = ");
        update
            .push_bind(to.as_str())
            .push(", note = ")
            .push_bind(note.trim().chars().take(1000).collect::<String>())
            .push(", updated_at = ")
            .push_bind(now.as_millis())
            .push(", version = version + 1");
        match to {
            AdoptionStatus::Accepted => {
                update.push(", accepted_at = ").push_bind(now.as_millis());
            }
            AdoptionStatus::Implemented => {
                update
                    .push(", implemented_at = ")
                    .push_bind(now.as_millis());
            }
            _ => {}
        }
        update
            .push(" WHERE id = ")
            .push_bind(id)
            .push(" AND status = ")
            .push_bind(from.as_str());
        let done = update.query().execute(&mut *transaction).await?;
        if done.rows_affected() != 1 {
            return Err(Error::StaleVersion {
                current: adoption.version + 1,
            });
        }
        let mut changes = Changes::new();
        changes.field("status", from.as_str(), to.as_str());
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "solution_adoption.step",
                "solution_adoption",
                id.to_string(),
            )
            .subject(adoption.enterprise_id)
            .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.adoption(principal, id).await
    }

    /// An adoption the caller may verify now: its enterprise's, implemented.
    pub async fn verifiable(&self, principal: &Principal, id: i64) -> Result<Adoption> {
        let adoption = self.adoption(principal, id).await?;
        if !(policy::may_adopt_solutions(principal)
            && principal.organization_id == adoption.enterprise_id)
        {
            return Err(Error::Forbidden("the enterprise verifies what it adopted"));
        }
        if adoption.status != AdoptionStatus::Implemented {
            return Err(transition(adoption.status, ("验证", "verified")));
        }
        Ok(adoption)
    }

    /// Verifies an implemented adoption (its enterprise), citing `verification`; a project
    /// cited must be one of `completed_projects` (the enterprise's completed upgrade projects,
    /// as the projects domain lists them for it). Audited.
    pub async fn verify(
        &self,
        principal: &Principal,
        id: i64,
        verification: &Verification,
        completed_projects: &[(String, String)],
    ) -> Result<Adoption> {
        let adoption = self.verifiable(principal, id).await?;
        let verification = match verification {
            Verification::Project { number, .. } => {
                let Some((number, name)) = completed_projects.iter().find(|(n, _)| n == number)
                else {
                    return Err(Error::Invalid(vec![zhizao_core::FieldError::new(
                        "project",
                        Text::owned(
                            format!("“{number}”不是本企业已验收的技术改造项目"),
                            format!(
                                "{number:?} is not an upgrade project the enterprise completed"
                            ),
                        ),
                    )]));
                };
                Verification::Project {
                    number: number.clone(),
                    name: name.clone(),
                }
            }
            Verification::Figures(figures) => {
                let bad = figures.metric.trim().is_empty()
                    || figures.metric.chars().count() > 100
                    || figures.unit.chars().count() > 20
                    || figures.source.chars().count() > 2000
                    || !figures.before.is_finite()
                    || !figures.after.is_finite();
                if bad {
                    return Err(Error::Invalid(vec![zhizao_core::FieldError::new(
                        "figures",
                        Text::new(
                            "请填写指标名称（最长 100 字）、单位和前后两个数值",
                            "give the metric (at most 100 characters), its unit and two numbers",
                        ),
                    )]));
                }
                Verification::Figures(figures.clone())
            }
        };
        let stored =
            serde_json::to_string(&verification).map_err(|e| Error::Corrupt(e.to_string()))?;
        let (project, figures) = match verification {
            Verification::Project { .. } => (Some(stored), None),
            Verification::Figures(_) => (None, Some(stored)),
        };
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let done = sqlx::query(
            "UPDATE solution_adoptions SET status = 'verified', verified_at = $1, verified_project = $2, \
             verified_figures = $3, updated_at = $1, version = version + 1 WHERE id = $4 AND status = 'implemented'",
        )
        .bind(now.as_millis())
        .bind(project)
        .bind(figures)
        .bind(id)
        .execute(&mut *transaction)
        .await?;
        if done.rows_affected() != 1 {
            return Err(Error::StaleVersion {
                current: adoption.version + 1,
            });
        }
        let mut changes = Changes::new();
        changes.field("status", "implemented", "verified");
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "solution_adoption.verified",
                "solution_adoption",
                id.to_string(),
            )
            .subject(adoption.enterprise_id)
            .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.adoption(principal, id).await
    }
}
