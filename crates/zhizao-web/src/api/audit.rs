//! The audit log.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_identity::audit::{AuditFilter, AuditRecord};

use super::tokens::parse_rfc3339;
use super::{PageOf, Paging, rfc3339};
use crate::AppState;
use crate::auth::Caller;
use crate::extract::ApiQuery;
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(audit_log))
}

/// An audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AuditEntryDto {
    id: i64,
    occurred_at: String,
    actor: String,
    /// `web`, `api`, `cli` or `system`.
    channel: String,
    ip: String,
    /// e.g. `enterprise.updated`, `user.role_changed`, `session.login_failed`.
    action: String,
    entity_type: String,
    entity_key: String,
    /// `{"field": {"before": …, "after": …}}`.
    #[schema(value_type = Object)]
    changes: serde_json::Value,
    note: String,
}

impl From<AuditRecord> for AuditEntryDto {
    fn from(record: AuditRecord) -> Self {
        AuditEntryDto {
            id: record.id,
            occurred_at: rfc3339(record.occurred_at),
            changes: serde_json::from_str(&record.changes).unwrap_or(serde_json::Value::Null),
            actor: record.actor_username,
            channel: record.channel,
            ip: record.ip,
            action: record.action,
            entity_type: record.entity_type,
            entity_key: record.entity_key,
            note: record.note,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    /// Acting user name.
    actor: Option<String>,
    /// Action, or a prefix ending in `.` such as `user.`.
    action: Option<String>,
    entity_type: Option<String>,
    entity_key: Option<String>,
    /// From this instant (RFC 3339).
    from: Option<String>,
    /// Until this instant (RFC 3339, exclusive).
    until: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
}

/// Browses the audit log, newest first. City administrators only.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = PageOf<AuditEntryDto>), (status = 403, body = crate::problem::Problem)))]
async fn audit_log(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<PageOf<AuditEntryDto>>, ApiError> {
    let instant = |field: &str, value: Option<&str>| -> Result<_, ApiError> {
        match value.filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(text) => parse_rfc3339(text).map(Some).ok_or_else(|| {
                ApiError::malformed(format!("{field} must be an RFC 3339 instant, got {text:?}"))
            }),
        }
    };
    let non_empty = |v: Option<String>| v.filter(|s| !s.is_empty());
    let filter = AuditFilter {
        from: instant("from", query.from.as_deref())?,
        until: instant("until", query.until.as_deref())?,
        actor: non_empty(query.actor),
        action: non_empty(query.action),
        entity_type: non_empty(query.entity_type),
        entity_key: non_empty(query.entity_key),
    };
    let paging = Paging {
        page: query.page,
        page_size: query.page_size,
    };
    let page = state
        .identity()
        .audit_log(&principal, &filter, paging.request())
        .await?;
    Ok(Json(PageOf::from_page(page, AuditEntryDto::from)))
}
