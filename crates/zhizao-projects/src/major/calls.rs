//! Calls for major projects: opened with topics, weighted criteria and a budget, moved from draft
//! to open, reviewing and decided.

use sqlx::AnyConnection;
use zhizao_core::{Fen, FieldError, Text};
use zhizao_db::{SqlBuilder, allocate_ids, unique_violation};
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy;

use super::model::*;
use crate::rules::is_iso_date;
use crate::scoring::validate_criteria;
use crate::{Error, Projects, Result};

pub(super) fn call_status_error(call: &Call, wanted: CallStatus) -> Error {
    Error::NotYet(Text::owned(
        format!(
            "专项“{}”当前为“{}”，此操作需在“{}”阶段进行",
            call.code,
            call.status.label().zh,
            wanted.label().zh
        ),
        format!(
            "call {} is {}; this needs it {wanted}",
            call.code, call.status
        ),
    ))
}

pub(super) fn validate_call(input: &CallInput) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let code = input.code.trim();
    if code.is_empty()
        || code.len() > 32
        || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        errors.push(FieldError::new(
            "code",
            Text::new(
                "编号只能由字母、数字和“-”组成，最长 32 个字符",
                "use only letters, digits and '-', at most 32 characters",
            ),
        ));
    }
    if input.title.trim().is_empty() || input.title.chars().count() > 200 {
        errors.push(FieldError::new(
            "title",
            Text::new("必填，最长 200 字", "required, at most 200 characters"),
        ));
    }
    if !(2000..=2100).contains(&input.year) {
        errors.push(FieldError::new(
            "year",
            Text::new(
                "年度须在 2000 至 2100 之间",
                "must be between 2000 and 2100",
            ),
        ));
    }
    if input.topics.is_empty()
        || input.topics.len() > 20
        || input
            .topics
            .iter()
            .any(|t| t.trim().is_empty() || t.chars().count() > 50)
    {
        errors.push(FieldError::new(
            "topics",
            Text::new(
                "须有 1 至 20 个方向，每个最长 50 字",
                "give 1 to 20 topics of at most 50 characters",
            ),
        ));
    }
    errors.extend(validate_criteria(&input.criteria));
    if !(Fen::new(1)..=Fen::MAX).contains(&input.budget_fen) {
        errors.push(FieldError::new(
            "budget_fen",
            Text::new("预算须大于零", "the budget must be more than zero"),
        ));
    }
    if !(1..=15).contains(&input.experts_per_application) {
        errors.push(FieldError::new(
            "experts_per_application",
            Text::new("每个项目 1 至 15 位专家", "1 to 15 experts per application"),
        ));
    }
    for (field, date) in [
        ("opens_on", &input.opens_on),
        ("closes_on", &input.closes_on),
    ] {
        if !is_iso_date(date) {
            errors.push(FieldError::new(
                field,
                Text::owned(
                    format!("“{date}”不是有效日期"),
                    format!("{date:?} is not a date (YYYY-MM-DD)"),
                ),
            ));
        }
    }
    if is_iso_date(&input.opens_on)
        && is_iso_date(&input.closes_on)
        && input.closes_on < input.opens_on
    {
        errors.push(FieldError::new(
            "closes_on",
            Text::new("截止日期早于开始日期", "closes before it opens"),
        ));
    }
    if let Some(due) = &input.review_due_on {
        if !is_iso_date(due) {
            errors.push(FieldError::new(
                "review_due_on",
                Text::owned(
                    format!("“{due}”不是有效日期"),
                    format!("{due:?} is not a date (YYYY-MM-DD)"),
                ),
            ));
        } else if is_iso_date(&input.closes_on) && due.as_str() <= input.closes_on.as_str() {
            errors.push(FieldError::new(
                "review_due_on",
                Text::new(
                    "评审截止日期须晚于申报截止日期",
                    "the review is due after the call closes",
                ),
            ));
        }
    }
    errors
}

pub(super) async fn call_by_code(
    connection: &mut AnyConnection,
    code: &str,
) -> Result<Option<Call>> {
    let mut select = SqlBuilder::new(CALL_COLUMNS);
    select.push(" WHERE code = ").push_bind(code);
    Ok(select
        .query_as::<CallRow>()
        .fetch_optional(&mut *connection)
        .await?
        .map(Call::from))
}

impl Projects {
    /// Calls the caller may see: all for the city, the others once opened.
    pub async fn calls(&self, principal: &Principal) -> Result<Vec<Call>> {
        let mut select = SqlBuilder::new(CALL_COLUMNS);
        if !policy::may_manage_programmes(principal) {
            select.push(" WHERE status <> 'draft'");
        }
        select.push(" ORDER BY year DESC, code");
        Ok(select
            .query_as::<CallRow>()
            .fetch_all(self.db.pool())
            .await?
            .into_iter()
            .map(Call::from)
            .collect())
    }

    /// One call, if the caller may see it.
    pub async fn call(&self, principal: &Principal, code: &str) -> Result<Call> {
        let mut connection = self.db.pool().acquire().await?;
        match call_by_code(&mut connection, code).await? {
            Some(call)
                if call.status != CallStatus::Draft || policy::may_manage_programmes(principal) =>
            {
                Ok(call)
            }
            _ => Err(Error::not_found("call", code)),
        }
    }

    /// Opens a call as a draft (city staff).
    pub async fn create_call(&self, principal: &Principal, input: &CallInput) -> Result<Call> {
        if !policy::may_manage_programmes(principal) {
            return Err(Error::Forbidden("only city staff open calls"));
        }
        let errors = validate_call(input);
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let mut transaction = self.db.begin().await?;
        let id = allocate_ids(&mut transaction, "st_calls", 1).await?;
        let now = self.clock.now();
        let inserted = sqlx::query(
            "INSERT INTO st_calls (id, code, title, year, topics, criteria, budget_fen, experts_per_application, opens_on, closes_on, status, created_at, updated_at, version, \
             review_due_on, blind_review) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'draft', $11, $11, 1, $12, $13)",
        )
        .bind(id)
        .bind(input.code.trim())
        .bind(input.title.trim())
        .bind(input.year)
        .bind(serde_json::to_string(&input.topics.iter().map(|t| t.trim()).collect::<Vec<_>>()).unwrap_or_default())
        .bind(serde_json::to_string(&input.criteria).unwrap_or_default())
        .bind(input.budget_fen.get())
        .bind(input.experts_per_application)
        .bind(&input.opens_on)
        .bind(&input.closes_on)
        .bind(now.as_millis())
        .bind(input.review_due_on.as_deref())
        .bind(zhizao_db::Flag(input.blind_review))
        .execute(&mut *transaction)
        .await;
        if let Err(error) = inserted {
            if unique_violation(&error).is_some() {
                return Err(Error::DuplicateCode {
                    what: "call",
                    code: input.code.trim().to_owned(),
                });
            }
            return Err(error.into());
        }
        let mut changes = Changes::new();
        changes
            .created("title", input.title.trim())
            .created("budget_fen", input.budget_fen)
            .created(
                "criteria",
                serde_json::to_value(&input.criteria).unwrap_or_default(),
            );
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("st_call.created", "st_call", input.code.trim()).changes(changes),
        )
        .await?;
        let call = call_by_code(&mut transaction, input.code.trim())
            .await?
            .ok_or_else(|| Error::not_found("call", &input.code))?;
        transaction.commit().await?;
        Ok(call)
    }

    /// Moves a call on: draft → open → reviewing (experts are assigned) → decided (city staff).
    pub async fn set_call_status(
        &self,
        principal: &Principal,
        code: &str,
        status: CallStatus,
    ) -> Result<Call> {
        let call = self.call(principal, code).await?;
        if !policy::may_manage_programmes(principal) {
            return Err(Error::Forbidden("only city staff move calls on"));
        }
        if call.status.next() != Some(status) {
            return Err(Error::NotYet(Text::owned(
                format!(
                    "专项状态须依次经过草稿、申报中、评审中、已决定，不能从“{}”改为“{}”",
                    call.status.label().zh,
                    status.label().zh
                ),
                format!(
                    "a call goes draft → open → reviewing → decided; {} cannot become {status:?}",
                    call.status
                ),
            )));
        }
        let mut transaction = self.db.begin().await?;
        let now = self.clock.now();
        let updated = sqlx::query("UPDATE st_calls SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND status = $4")
            .bind(status.as_str())
            .bind(now.as_millis())
            .bind(call.id)
            .bind(call.status.as_str())
            .execute(&mut *transaction)
            .await?;
        if updated.rows_affected() == 0 {
            return Err(Error::StaleVersion {
                what: "call",
                key: code.to_owned(),
                current: call.version + 1,
            });
        }
        let mut changes = Changes::new();
        changes.field("status", call.status, status);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("st_call.status_changed", "st_call", code).changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.call(principal, code).await
    }
}
