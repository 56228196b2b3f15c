//! `/v1/telephony/config/actions/testCallRouting/invoke`: where a call from someone at a
//! location to a dialed string goes, in the cloud product's shape.

use super::error::{ApiError, ErrorBody};
use super::json::{ApiJson, Body};
use super::Api;
use crate::services::calls;
use app::model::dial_plan::RouteReport;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const TAG: &str = "Call Routing";
/// Longest dialed string taken (a SIP user part is rarely longer; this is far past any number).
const DESTINATION_MAX: usize = 64;

pub(super) fn routes() -> OpenApiRouter<Api> {
    OpenApiRouter::new().routes(routes!(test_call_routing))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestCallRoutingBody {
    /// The calling location's id (vext has no people: the originator is someone at this
    /// location). Absent or empty: organization level.
    #[serde(default)]
    pub originator_id: Option<String>,
    /// `USER`, `PEOPLE` or `TRUNK` (all read as "someone at the location").
    pub originator_type: String,
    /// Accepted for compatibility; not used (the location decides).
    #[serde(default)]
    #[allow(dead_code)]
    pub originator_number: Option<String>,
    /// What is dialed.
    pub destination: String,
}

impl Body for TestCallRoutingBody {
    const KEYS: &'static [&'static str] =
        &["originatorId", "originatorType", "originatorNumber", "destination"];
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestCallRoutingResult {
    /// `VIRTUAL_EXTENSION`, `VIRTUAL_EXTENSION_RANGE`, `PSTN_NUMBER`, `UNKNOWN_EXTENSION` or
    /// `UNKNOWN_NUMBER`.
    pub destination_type: String,
    /// The number actually called (empty when the call is rejected).
    pub routing_address: String,
    pub is_rejected: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_extension: Option<RoutedVirtualExtension>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_extension_range: Option<RoutedRange>,
}

/// Every key is present; an organization-level entry has empty location strings.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoutedVirtualExtension {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub display_name: String,
    pub location_name: String,
    pub location_id: String,
    pub phone_number: String,
    pub extension: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoutedRange {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub pattern: String,
    pub location_name: String,
    pub location_id: String,
}

impl From<RouteReport> for TestCallRoutingResult {
    fn from(report: RouteReport) -> Self {
        Self {
            destination_type: report.destination.as_str().to_string(),
            routing_address: report.routing_address,
            is_rejected: report.is_rejected,
            virtual_extension: report.virtual_extension.map(|m| RoutedVirtualExtension {
                id: m.entry.id,
                first_name: m.entry.first_name.unwrap_or_default(),
                last_name: m.entry.last_name.unwrap_or_default(),
                display_name: m.entry.display_name,
                location_name: m.location_name.unwrap_or_default(),
                location_id: m.entry.location_id.unwrap_or_default(),
                phone_number: m.entry.phone_number,
                extension: m.entry.extension,
            }),
            virtual_extension_range: report.range.map(|r| RoutedRange {
                id: r.id,
                name: r.name,
                prefix: r.prefix,
                pattern: r.pattern,
                location_name: r.location_name.unwrap_or_default(),
                location_id: r.location_id.unwrap_or_default(),
            }),
        }
    }
}

/// Test call routing: where a call from someone at `originatorId` to `destination` goes, and
/// the number it reaches. Changes nothing.
#[utoipa::path(
    post,
    path = "/telephony/config/actions/testCallRouting/invoke",
    tag = TAG,
    request_body = TestCallRoutingBody,
    responses(
        (status = 200, description = "Where the call goes", body = TestCallRoutingResult),
        (status = 400, description = "A malformed body, an unknown originatorType, or no such location", body = ErrorBody),
    )
)]
async fn test_call_routing(
    State(api): State<Api>,
    ApiJson(body): ApiJson<TestCallRoutingBody>,
) -> Result<Json<TestCallRoutingResult>, ApiError> {
    let kind = body.originator_type.trim();
    if !["USER", "PEOPLE", "TRUNK"].iter().any(|k| kind.eq_ignore_ascii_case(k)) {
        return Err(ApiError::bad_request(format!(
            "originatorType {kind:?} is not one vext takes: use USER, PEOPLE or TRUNK (each means someone at the originator's location)."
        )));
    }
    let destination = body.destination.trim();
    if destination.is_empty() || destination.chars().count() > DESTINATION_MAX {
        return Err(ApiError::bad_request(format!(
            "destination must be what is dialed: 1 to {DESTINATION_MAX} characters."
        )));
    }
    let from = body.originator_id.as_deref().map(str::trim).filter(|id| !id.is_empty());
    let report = calls::route(&api.dial_plans, &api.db, from, destination).await?;
    Ok(Json(report.into()))
}
