//! `/v1/locations` (list, read, create) and `/v1/telephony/config/locations/{id}` (a location's
//! calling settings: its routing prefix), under the Locations page's rules.

use super::error::{ApiError, ErrorBody};
use super::json::{ApiJson, Body, Params};
use super::Api;
use crate::services::locations as service;
use app::model::admin::Actor;
use app::model::{AddressInput, Location, LocationAddress, LocationInput};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const TAG: &str = "Locations";
/// Locations per page when `max` is not given, and at most.
const MAX_DEFAULT: u64 = 100;
const MAX_LIMIT: u64 = 1_000;

pub(super) fn routes() -> OpenApiRouter<Api> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read))
        .routes(routes!(read_calling, change_calling))
}

/// A location's postal address (every part optional but the country, when it is known).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApiAddress {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 (`US`, `GB`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// A location as the cloud product's API has it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiLocation {
    pub id: String,
    pub name: String,
    pub address: ApiAddress,
    /// An IANA time zone name, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

impl ApiLocation {
    fn new(location: Location, address: LocationAddress) -> Self {
        Self {
            id: location.id,
            name: location.name,
            address: ApiAddress {
                address1: address.address1,
                address2: address.address2,
                city: address.city,
                state: address.state,
                postal_code: address.postal_code,
                country: location.country,
            },
            time_zone: address.time_zone,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LocationList {
    pub items: Vec<ApiLocation>,
}

/// The list's query parameters (documentation: they are read by [`Params`]).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct ListParams {
    /// Only locations whose name contains this (any case).
    name: Option<String>,
    /// Locations per page, 1 to 1,000 (default 100).
    max: Option<u64>,
    /// Zero-based offset of the first location.
    start: Option<u64>,
}

/// List locations by name (a location token: its own), a page at a time; a
/// `Link: <…>; rel="next"` header names the next page while there is one.
#[utoipa::path(
    get,
    path = "/locations",
    tag = TAG,
    params(ListParams),
    responses(
        (status = 200, description = "A page of locations", body = LocationList,
         headers(("Link" = String, description = "The next page, while there is one (RFC 8288)"))),
        (status = 400, description = "A malformed parameter", body = ErrorBody),
    )
)]
async fn list(
    State(api): State<Api>,
    Extension(actor): Extension<Actor>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response, ApiError> {
    let max = params.number("max", 1, MAX_LIMIT, MAX_DEFAULT)?;
    let start = params.number("start", 0, u64::from(u32::MAX), 0)?;
    let name = params.text("name");
    let wanted = usize::try_from(start + max).unwrap_or(usize::MAX);
    let (found, more) = service::with_addresses(&api.db, &actor, name, wanted).await?;
    let items: Vec<ApiLocation> = found
        .into_iter()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .map(|(location, address)| ApiLocation::new(location, address))
        .collect();
    let shown = items.len() as u64;
    let mut response = Json(LocationList { items }).into_response();
    if more {
        super::link_next(
            &mut response,
            &api,
            &headers,
            ("/locations", &params, &["name", "orgId"]),
            max,
            start + shown,
        );
    }
    Ok(response)
}

/// An id from the path (see [`super::json::path_id`]).
fn checked_id(id: &str) -> Result<&str, ApiError> {
    super::json::path_id(id, "location")
}

/// Read a location.
#[utoipa::path(
    get,
    path = "/locations/{id}",
    tag = TAG,
    params(("id" = String, Path, description = "The location's id")),
    responses(
        (status = 200, description = "The location", body = ApiLocation),
        (status = 404, description = "No such location (or not the token's)", body = ErrorBody),
    )
)]
async fn read(
    State(api): State<Api>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Result<Json<ApiLocation>, ApiError> {
    let (location, address) = service::get_with_address(&api.db, &actor, checked_id(&id)?).await?;
    Ok(Json(ApiLocation::new(location, address)))
}

/// A new location: a name and its country; the rest of the address and the time zone are
/// optional. `preferredLanguage` and `announcementLanguage`, which the cloud product asks for,
/// are accepted and not used (vext plays no announcements).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateLocation {
    pub name: String,
    pub address: ApiAddress,
    #[serde(default)]
    pub time_zone: Option<String>,
    // `preferredLanguage` and `announcementLanguage` are known keys (see `KEYS`) that serde
    // skips: vext has no use for them.
}

impl Body for CreateLocation {
    const KEYS: &'static [&'static str] =
        &["name", "address", "timeZone", "preferredLanguage", "announcementLanguage"];
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: String,
}

/// Create a location (full administrators' tokens).
#[utoipa::path(
    post,
    path = "/locations",
    tag = TAG,
    request_body = CreateLocation,
    responses(
        (status = 201, description = "Created", body = Created),
        (status = 400, description = "A rule broken (each field's problem in errors)", body = ErrorBody),
        (status = 403, description = "Only a full administrator's token", body = ErrorBody),
        (status = 409, description = "The name is in use", body = ErrorBody),
    )
)]
async fn create(
    State(api): State<Api>,
    Extension(actor): Extension<Actor>,
    ApiJson(body): ApiJson<CreateLocation>,
) -> Result<Response, ApiError> {
    let a = body.address;
    let input =
        LocationInput { name: body.name, country: a.country.unwrap_or_default(), ..Default::default() };
    let address = AddressInput {
        address1: a.address1.unwrap_or_default(),
        address2: a.address2.unwrap_or_default(),
        city: a.city.unwrap_or_default(),
        state: a.state.unwrap_or_default(),
        postal_code: a.postal_code.unwrap_or_default(),
        time_zone: body.time_zone.unwrap_or_default(),
    };
    let created = service::create_at(&api.db, &actor, &input, &address).await?;
    Ok((StatusCode::CREATED, Json(Created { id: created.id })).into_response())
}

/// A location's calling settings.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallingSettings {
    pub id: String,
    pub name: String,
    /// The digits callers at other locations dial before an extension here (the ESN's start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_prefix: Option<String>,
    /// The digit that reaches an outside line, when the location has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outside_dial_digit: Option<String>,
}

/// Read a location's calling settings.
#[utoipa::path(
    get,
    path = "/telephony/config/locations/{id}",
    tag = TAG,
    params(("id" = String, Path, description = "The location's id")),
    responses(
        (status = 200, description = "The calling settings", body = CallingSettings),
        (status = 404, description = "No such location (or not the token's)", body = ErrorBody),
    )
)]
async fn read_calling(
    State(api): State<Api>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Result<Json<CallingSettings>, ApiError> {
    let (location, _) = service::get_with_address(&api.db, &actor, checked_id(&id)?).await?;
    Ok(Json(CallingSettings {
        id: location.id,
        name: location.name,
        routing_prefix: location.routing_prefix,
        outside_dial_digit: location.outside_dial_digit.map(String::from),
    }))
}

/// A change of calling settings: `routingPrefix` and `outsideDialDigit`; an absent key keeps
/// its value, `null` or `""` removes it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeCalling {
    #[serde(default, deserialize_with = "super::json::present")]
    pub routing_prefix: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::json::present")]
    pub outside_dial_digit: Option<Option<String>>,
}

impl Body for ChangeCalling {
    const KEYS: &'static [&'static str] = &["routingPrefix", "outsideDialDigit"];
}

/// Change a location's routing prefix or outside dial digit (full administrators' tokens),
/// under the Locations page's rules: prefix digits, no overlap with another location's, and no
/// ESN that would equal an organization-level extension; one digit 0–9 to dial outside.
#[utoipa::path(
    put,
    path = "/telephony/config/locations/{id}",
    tag = TAG,
    params(("id" = String, Path, description = "The location's id")),
    request_body = ChangeCalling,
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "Not a routing prefix", body = ErrorBody),
        (status = 403, description = "Only a full administrator's token", body = ErrorBody),
        (status = 404, description = "No such location", body = ErrorBody),
        (status = 409, description = "In use, overlapping, or clashing with an extension", body = ErrorBody),
    )
)]
async fn change_calling(
    State(api): State<Api>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ChangeCalling>,
) -> Result<StatusCode, ApiError> {
    crate::services::require_full(&actor, "change a location")?;
    let (current, _) = service::get_with_address(&api.db, &actor, checked_id(&id)?).await?;
    let mut input = current.to_input();
    if let Some(prefix) = body.routing_prefix {
        input.routing_prefix = prefix.unwrap_or_default();
    }
    if let Some(digit) = body.outside_dial_digit {
        input.outside_dial_digit = digit.unwrap_or_default();
    }
    service::update(&api.db, &actor, &current.id, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}
