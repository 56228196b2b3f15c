//! `/v1/organizations/me`: the one organization a vext serves, and its id (what the optional
//! `orgId` query parameter must name).

use super::error::{ApiError, ErrorBody};
use super::Api;
use crate::services::settings;
use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<Api> {
    OpenApiRouter::new().routes(routes!(me))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiOrganization {
    /// Opaque and stable: the `orgId` other requests may give.
    pub id: String,
    pub display_name: String,
}

/// The organization this vext serves.
#[utoipa::path(
    get,
    path = "/organizations/me",
    tag = "Organizations",
    responses(
        (status = 200, description = "The organization", body = ApiOrganization),
        (status = 401, description = "No valid token", body = ErrorBody),
    )
)]
async fn me(State(api): State<Api>) -> Result<Json<ApiOrganization>, ApiError> {
    let organization = settings::organization(&api.db).await?;
    Ok(Json(ApiOrganization { id: organization.id, display_name: organization.display_name }))
}
