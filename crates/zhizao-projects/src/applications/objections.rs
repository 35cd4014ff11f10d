//! Objections raised during the public notice, and how each was resolved.

use zhizao_core::Text;
use zhizao_db::allocate_ids;
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry};
use zhizao_identity::policy::{self};

use crate::model::Objection;
use crate::workflow::Status;
use crate::{Error, Projects, Result};

use super::fetch_in_scope;

impl Projects {
    /// Records an objection received while the application is on public notice (city staff).
    pub async fn add_objection(
        &self,
        principal: &Principal,
        number: &str,
        objector: &str,
        content: &str,
    ) -> Result<Objection> {
        let mut transaction = self.db.begin().await?;
        let current = fetch_in_scope(&mut transaction, principal, number).await?;
        if !policy::may_manage_programmes(principal) {
            return Err(Error::Forbidden("objections are recorded by city staff"));
        }
        if current.status != Status::PublicNotice {
            return Err(Error::NotYet(Text::new(
                "只有公示中的申报可以登记异议",
                "objections are recorded only while the application is on public notice",
            )));
        }
        let content = content.trim();
        if content.is_empty() || content.chars().count() > 4000 {
            return Err(Error::invalid(
                "content",
                Text::new(
                    "异议内容必填，最长 4000 字",
                    "required, at most 4000 characters",
                ),
            ));
        }
        let objector = objector.trim();
        if objector.chars().count() > 200 {
            return Err(Error::invalid(
                "objector",
                Text::new("最长 200 字", "at most 200 characters"),
            ));
        }
        let id = allocate_ids(&mut transaction, "project_objections", 1).await?;
        let now = self.clock.now();
        sqlx::query(
            "INSERT INTO project_objections (id, application_id, received_at, recorded_by, objector, content) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(current.id)
        .bind(now.as_millis())
        .bind(&principal.username)
        .bind(objector)
        .bind(content)
        .execute(&mut *transaction)
        .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "project_application.objection_recorded",
                "project_application",
                &current.number,
            )
            .subject(current.enterprise_id)
            .note(content),
        )
        .await?;
        transaction.commit().await?;
        Ok(Objection {
            id,
            received_at: now,
            recorded_by: principal.username.clone(),
            objector: objector.to_owned(),
            content: content.to_owned(),
            resolved_at: None,
            resolved_by: None,
            resolution: None,
        })
    }

    /// Records how an objection was resolved (city staff).
    pub async fn resolve_objection(
        &self,
        principal: &Principal,
        number: &str,
        objection_id: i64,
        resolution: &str,
    ) -> Result<()> {
        let mut transaction = self.db.begin().await?;
        let current = fetch_in_scope(&mut transaction, principal, number).await?;
        if !policy::may_manage_programmes(principal) {
            return Err(Error::Forbidden("objections are resolved by city staff"));
        }
        let resolution = resolution.trim();
        if resolution.is_empty() || resolution.chars().count() > 4000 {
            return Err(Error::invalid(
                "resolution",
                Text::new(
                    "处理意见必填，最长 4000 字",
                    "required, at most 4000 characters",
                ),
            ));
        }
        let now = self.clock.now();
        let updated = sqlx::query(
            "UPDATE project_objections SET resolved_at = $1, resolved_by = $2, resolution = $3 \
             WHERE id = $4 AND application_id = $5 AND resolved_at IS NULL",
        )
        .bind(now.as_millis())
        .bind(&principal.username)
        .bind(resolution)
        .bind(objection_id)
        .bind(current.id)
        .execute(&mut *transaction)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(Error::not_found(
                "open objection",
                &objection_id.to_string(),
            ));
        }
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "project_application.objection_resolved",
                "project_application",
                &current.number,
            )
            .subject(current.enterprise_id)
            .note(resolution),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }
}
