//! Expert profiles (employer, topics, declared relations) and the assignment of experts to
//! applications without conflicts of interest.

use sqlx::AnyConnection;
use zhizao_core::{CreditCode, FieldError, Text};
use zhizao_db::allocate_ids;
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy;

use super::calls::call_status_error;
use super::model::*;
use crate::scoring::{ExpertCandidate, choose_experts};
use crate::{Error, Projects, Result};

pub(super) async fn expert_candidates(
    connection: &mut AnyConnection,
    call_id: i64,
) -> Result<Vec<ExpertCandidate>> {
    let rows: Vec<CandidateRow> = sqlx::query_as(
        "SELECT u.id AS user_id, p.affiliation_credit_code, p.fields, p.declared_relations, \
         (SELECT COUNT(*) FROM st_assignments s JOIN st_applications a ON a.id = s.application_id WHERE s.expert_user_id = u.id AND a.call_id = $1) AS load \
         FROM users u LEFT JOIN expert_profiles p ON p.user_id = u.id WHERE u.role = 'expert' AND u.disabled = 0 ORDER BY u.id",
    )
    .bind(call_id)
    .fetch_all(&mut *connection)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| ExpertCandidate {
            user_id: row.user_id,
            affiliation_credit_code: row.affiliation_credit_code,
            fields: row
                .fields
                .and_then(|f| serde_json::from_str(&f).ok())
                .unwrap_or_default(),
            declared_relations: row
                .declared_relations
                .and_then(|r| serde_json::from_str(&r).ok())
                .unwrap_or_default(),
            load: row.load as usize,
        })
        .collect())
}

#[derive(sqlx::FromRow)]
pub(super) struct CandidateRow {
    user_id: i64,
    affiliation_credit_code: Option<String>,
    fields: Option<String>,
    declared_relations: Option<String>,
    load: i64,
}

#[derive(sqlx::FromRow)]
pub(super) struct ProfileRow {
    affiliation_credit_code: Option<String>,
    affiliation_name: Option<String>,
    fields: Option<String>,
    declared_relations: Option<String>,
}

impl Projects {
    /// Every expert with their profile (city staff).
    pub async fn experts(&self, principal: &Principal) -> Result<Vec<ExpertProfile>> {
        if !policy::may_manage_programmes(principal) {
            return Err(Error::Forbidden("only city staff manage experts"));
        }
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT username FROM users WHERE role = 'expert' ORDER BY username",
        )
        .fetch_all(self.db.pool())
        .await?;
        let mut experts = Vec::with_capacity(names.len());
        for name in names {
            experts.push(self.expert_profile(principal, &name).await?);
        }
        Ok(experts)
    }

    /// An expert's profile (city staff).
    pub async fn expert_profile(
        &self,
        principal: &Principal,
        username: &str,
    ) -> Result<ExpertProfile> {
        if !policy::may_manage_programmes(principal) {
            return Err(Error::not_found("expert", username));
        }
        let row: Option<ProfileRow> = sqlx::query_as(
            "SELECT p.affiliation_credit_code, p.affiliation_name, p.fields, p.declared_relations FROM users u \
             LEFT JOIN expert_profiles p ON p.user_id = u.id WHERE u.username = $1 AND u.role = 'expert'",
        )
        .bind(username)
        .fetch_optional(self.db.pool())
        .await?;
        let Some(row) = row else {
            return Err(Error::not_found("expert", username));
        };
        Ok(ExpertProfile {
            username: username.to_owned(),
            affiliation_credit_code: row.affiliation_credit_code,
            affiliation_name: row.affiliation_name.unwrap_or_default(),
            fields: row
                .fields
                .and_then(|f| serde_json::from_str(&f).ok())
                .unwrap_or_default(),
            declared_relations: row
                .declared_relations
                .and_then(|r| serde_json::from_str(&r).ok())
                .unwrap_or_default(),
        })
    }

    /// Sets an expert's profile (city staff): credit codes are checked.
    pub async fn save_expert_profile(
        &self,
        principal: &Principal,
        profile: &ExpertProfile,
    ) -> Result<ExpertProfile> {
        let current = self.expert_profile(principal, &profile.username).await?;
        let mut errors = Vec::new();
        let affiliation = match profile
            .affiliation_credit_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            Some(code) => match CreditCode::parse(code) {
                Ok(code) => Some(code.to_string()),
                Err(error) => {
                    errors.push(FieldError::new(
                        "affiliation_credit_code",
                        Text::owned(error.to_string(), error.to_string()),
                    ));
                    None
                }
            },
            None => None,
        };
        let mut relations = Vec::new();
        for (index, code) in profile.declared_relations.iter().enumerate() {
            match CreditCode::parse(code) {
                Ok(code) => relations.push(code.to_string()),
                Err(error) => errors.push(FieldError::new(
                    format!("declared_relations[{index}]"),
                    Text::owned(error.to_string(), error.to_string()),
                )),
            }
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let user_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(&profile.username)
            .fetch_one(self.db.pool())
            .await?;
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        sqlx::query("DELETE FROM expert_profiles WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *transaction)
            .await?;
        sqlx::query("INSERT INTO expert_profiles (user_id, affiliation_credit_code, affiliation_name, fields, declared_relations, updated_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(user_id)
            .bind(affiliation.clone())
            .bind(profile.affiliation_name.trim())
            .bind(serde_json::to_string(&profile.fields).unwrap_or_default())
            .bind(serde_json::to_string(&relations).unwrap_or_default())
            .bind(now.as_millis())
            .execute(&mut *transaction)
            .await?;
        let mut changes = Changes::new();
        changes
            .field(
                "affiliation_credit_code",
                &current.affiliation_credit_code,
                &affiliation,
            )
            .field(
                "declared_relations",
                &current.declared_relations,
                &relations,
            )
            .field("fields", &current.fields, &profile.fields);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("expert.profile_changed", "user", &profile.username).changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.expert_profile(principal, &profile.username).await
    }

    /// Assigns experts to every submitted application of a call under review (city staff),
    /// never one with a conflict of interest.
    pub async fn assign_experts(
        &self,
        principal: &Principal,
        code: &str,
    ) -> Result<AssignmentReport> {
        let call = self.call(principal, code).await?;
        if !policy::may_manage_programmes(principal) {
            return Err(Error::Forbidden("only city staff assign experts"));
        }
        if call.status != CallStatus::Reviewing {
            return Err(call_status_error(&call, CallStatus::Reviewing));
        }
        let mut transaction = self.db.begin().await?;
        // New applications, and those under review still short of experts (after a profile
        // change or new experts joining the pool).
        let applications: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT a.id, a.number, e.credit_code, a.topic FROM st_applications a JOIN enterprises e ON e.id = a.enterprise_id \
             WHERE a.call_id = $1 AND a.status IN ('submitted', 'under_review') ORDER BY a.number",
        )
        .bind(call.id)
        .fetch_all(&mut *transaction)
        .await?;
        let mut candidates = expert_candidates(&mut transaction, call.id).await?;
        let wanted = call.experts_per_application as usize;
        let now = self.clock.now();
        let mut report = AssignmentReport {
            assigned: 0,
            short: Vec::new(),
        };
        for (application_id, number, credit_code, topic) in applications {
            let assigned: Vec<i64> = sqlx::query_scalar(
                "SELECT expert_user_id FROM st_assignments WHERE application_id = $1",
            )
            .bind(application_id)
            .fetch_all(&mut *transaction)
            .await?;
            let missing = wanted.saturating_sub(assigned.len());
            if missing == 0 {
                continue;
            }
            let available: Vec<ExpertCandidate> = candidates
                .iter()
                .filter(|c| !assigned.contains(&c.user_id))
                .cloned()
                .collect();
            let chosen = choose_experts(&available, &credit_code, &topic, missing);
            if chosen.len() < missing {
                report
                    .short
                    .push((number.clone(), assigned.len() + chosen.len()));
            }
            for expert in &chosen {
                let id = allocate_ids(&mut transaction, "st_assignments", 1).await?;
                sqlx::query("INSERT INTO st_assignments (id, application_id, expert_user_id, assigned_at) VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(application_id)
                    .bind(expert)
                    .bind(now.as_millis())
                    .execute(&mut *transaction)
                    .await?;
                if let Some(candidate) = candidates.iter_mut().find(|c| c.user_id == *expert) {
                    candidate.load += 1;
                }
                report.assigned += 1;
            }
            sqlx::query("UPDATE st_applications SET status = 'under_review', updated_at = $1, version = version + 1 WHERE id = $2 AND status = 'submitted'")
                .bind(now.as_millis())
                .bind(application_id)
                .execute(&mut *transaction)
                .await?;
        }
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("st_call.experts_assigned", "st_call", code).note(format!(
                "{} assignment(s); short: {:?}",
                report.assigned, report.short
            )),
        )
        .await?;
        transaction.commit().await?;
        Ok(report)
    }
}
