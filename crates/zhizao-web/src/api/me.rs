//! The caller.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Caller;
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me))
}

/// The signed-in caller.
#[derive(Debug, Serialize, ToSchema)]
struct Me {
    username: String,
    display_name: String,
    /// `city_admin`, `city_staff`, `town_staff`, `platform_staff`, `enterprise_user` or `expert`.
    role: String,
    organization_code: String,
    /// `city`, `town`, `platform`, `enterprise` or `expert_panel`.
    organization_kind: String,
    organization_name: String,
    /// `zh-CN` or `en`.
    language: String,
}

/// Who am I?
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, body = Me), (status = 401, body = crate::problem::Problem)))]
async fn me(Caller(principal): Caller) -> Result<Json<Me>, ApiError> {
    Ok(Json(Me {
        username: principal.username,
        display_name: principal.display_name,
        role: principal.role.as_str().to_owned(),
        organization_code: principal.organization_code,
        organization_kind: principal.organization_kind.as_str().to_owned(),
        organization_name: principal.organization_name,
        language: principal.language.tag().to_owned(),
    }))
}
