//! `/v1/telephony/config/virtualExtensions`: list, create, read, change and delete virtual
//! extensions, read and set the mode, and validate numbers.

use super::error::{ApiError, ErrorBody};
use super::json::{ApiJson, Body, Params};
use super::Api;
use crate::services::settings;
use crate::services::virtual_extensions::{self as service, NumberState, Order, Selection};
use app::model::admin::Actor;
use app::model::{FieldError, Level, SortKey, VirtualExtension, VirtualExtensionInput, VirtualExtensionMode};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const TAG: &str = "Virtual Extensions";
/// Entries per page when `max` is not given, and at most.
const MAX_DEFAULT: u64 = 10;
const MAX_LIMIT: u64 = 1_000;
/// Past this offset a list is refused rather than scanned (nobody pages a million rows in).
const START_LIMIT: u64 = 10_000_000;

pub(super) fn routes() -> OpenApiRouter<Api> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, change, remove))
        .routes(routes!(read_settings, change_settings))
        .routes(routes!(validate_numbers))
}

/// A virtual extension as the cloud product's API has it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiVirtualExtension {
    pub id: String,
    pub extension: String,
    /// Location level: the location's routing prefix, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_prefix: Option<String>,
    /// What callers elsewhere dial: the routing prefix + the extension (organization level:
    /// the extension).
    pub esn: String,
    pub phone_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    pub display_name: String,
    #[schema(inline)]
    pub level: ApiLevel,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_name: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApiLevel {
    Organization,
    Location,
}

impl From<VirtualExtension> for ApiVirtualExtension {
    fn from(entry: VirtualExtension) -> Self {
        let routing_prefix = entry.routing_prefix.filter(|_| entry.level == Level::Location);
        let esn = format!("{}{}", routing_prefix.as_deref().unwrap_or_default(), entry.extension);
        Self {
            id: entry.id,
            extension: entry.extension,
            routing_prefix,
            esn,
            phone_number: entry.phone_number,
            first_name: entry.first_name,
            last_name: entry.last_name,
            display_name: entry.display_name,
            level: match entry.level {
                Level::Organization => ApiLevel::Organization,
                Level::Location => ApiLevel::Location,
            },
            location_id: entry.location_id,
            location_name: entry.location_name,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VirtualExtensionList {
    pub virtual_extensions: Vec<ApiVirtualExtension>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: String,
}

/// The list's query parameters (documentation: they are read by [`Params`]).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct ListParams {
    /// Entries per page, 1 to 1,000 (default 10).
    max: Option<u64>,
    /// Zero-based offset of the first entry.
    start: Option<u64>,
    /// `name`, `extension`, `phoneNumber` or `locationName`, each with an optional `-desc`.
    order: Option<String>,
    /// Only the entry with this extension.
    extension: Option<String>,
    /// Only the entry with this number (E.164).
    phone_number: Option<String>,
    /// Words of the display, first or last name (any case, accents optional).
    name: Option<String>,
    /// Only entries at the location with this name.
    location_name: Option<String>,
    /// Only entries at this location.
    location_id: Option<String>,
    /// Only organization-level entries (`true` or `false`, any case).
    org_level_only: Option<String>,
    /// This organization's id (`GET /v1/organizations/me`), or absent.
    org_id: Option<String>,
}

/// The filters a `Link` repeats, besides `max` and `start`.
const FILTERS: [&str; 8] =
    ["order", "extension", "phoneNumber", "name", "locationName", "locationId", "orgLevelOnly", "orgId"];

fn order(raw: Option<&str>) -> Result<(SortKey, bool), ApiError> {
    let Some(raw) = raw else { return Ok((SortKey::DisplayName, false)) };
    let (field, descending) = match raw.rsplit_once('-') {
        Some((field, dir)) if dir.eq_ignore_ascii_case("desc") => (field, true),
        Some((field, dir)) if dir.eq_ignore_ascii_case("asc") => (field, false),
        _ => (raw, false),
    };
    let sort = match field {
        "name" | "displayName" => SortKey::DisplayName,
        "firstName" => SortKey::FirstName,
        "lastName" => SortKey::LastName,
        "extension" => SortKey::Extension,
        "phoneNumber" => SortKey::PhoneNumber,
        "locationName" => SortKey::Location,
        _ => {
            return Err(ApiError::bad_request(format!(
                "order {raw:?} is not one vext sorts by: use name, extension, phoneNumber or locationName, optionally with -desc."
            )))
        }
    };
    Ok((sort, descending))
}

/// List virtual extensions, a page at a time; a `Link: <…>; rel="next"` header names the next
/// page while there is one.
#[utoipa::path(
    get,
    path = "/telephony/config/virtualExtensions",
    tag = TAG,
    params(ListParams),
    responses(
        (status = 200, description = "A page of entries", body = VirtualExtensionList,
         headers(("Link" = String, description = "The next page, while there is one (RFC 8288)"))),
        (status = 400, description = "A malformed parameter", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
    )
)]
async fn list(State(api): State<Api>, headers: HeaderMap, params: Params) -> Result<Response, ApiError> {
    let max = params.number("max", 1, MAX_LIMIT, MAX_DEFAULT)?;
    let start = params.number("start", 0, START_LIMIT, 0)?;
    let (sort, descending) = order(params.text("order"))?;
    let location_name = params.text("locationName");
    let location_id = params.text("locationId");
    let org_only = params.flag("orgLevelOnly")?;
    let scopes =
        [location_name.is_some(), location_id.is_some(), org_only].into_iter().filter(|s| *s).count();
    if scopes > 1 {
        return Err(ApiError::bad_request(
            "Give at most one of locationName, locationId and orgLevelOnly=true.",
        ));
    }
    let mut selection = Selection {
        name: params.text("name").map(str::to_string),
        extension: params.text("extension").map(str::to_string),
        phone_number: params.text("phoneNumber").map(str::to_string),
        level: org_only.then_some(Level::Organization),
        location: location_id.map(str::to_string),
        order: Order { sort, descending, offset: start, limit: max },
    };
    if let Some(name) = location_name {
        match crate::services::locations::find_by_name(&api.db, name).await? {
            Some(location) => selection.location = Some(location.id),
            // No such location: nothing is there.
            None => return Ok(Json(VirtualExtensionList { virtual_extensions: Vec::new() }).into_response()),
        }
    }
    let (entries, more) = service::select(&api.db, &selection).await?;
    let shown = entries.len() as u64;
    let mut response =
        Json(VirtualExtensionList { virtual_extensions: entries.into_iter().map(Into::into).collect() })
            .into_response();
    if more {
        let at = ("/telephony/config/virtualExtensions", &params, &FILTERS[..]);
        super::link_next(&mut response, &api, &headers, at, max, start + shown);
    }
    Ok(response)
}

/// A new virtual extension: `locationId` absent means organization level.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateBody {
    pub display_name: String,
    pub phone_number: String,
    pub extension: String,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub location_id: Option<String>,
}

impl Body for CreateBody {
    const KEYS: &'static [&'static str] =
        &["displayName", "phoneNumber", "extension", "firstName", "lastName", "locationId"];
}

/// Create a virtual extension.
#[utoipa::path(
    post,
    path = "/telephony/config/virtualExtensions",
    tag = TAG,
    request_body = CreateBody,
    responses(
        (status = 201, description = "Created", body = Created),
        (status = 400, description = "A rule broken (each field's problem in errors)", body = ErrorBody),
        (status = 403, description = "The token's role may not create it there", body = ErrorBody),
        (status = 409, description = "Extension or number in use", body = ErrorBody),
    )
)]
async fn create(
    State(api): State<Api>,
    Extension(actor): Extension<Actor>,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<Response, ApiError> {
    let location = body.location_id.unwrap_or_default();
    let input = VirtualExtensionInput {
        level: if location.trim().is_empty() { Level::Organization } else { Level::Location }
            .as_str()
            .to_string(),
        location,
        first_name: body.first_name.unwrap_or_default(),
        last_name: body.last_name.unwrap_or_default(),
        display_name: body.display_name,
        extension: body.extension,
        phone_number: body.phone_number,
    };
    let saved = service::create(&api.db, &actor, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id: saved.entry.id })).into_response())
}

/// An id from the path (see [`super::json::path_id`]).
fn checked_id(id: &str) -> Result<&str, ApiError> {
    super::json::path_id(id, "virtual extension")
}

/// Read a virtual extension.
#[utoipa::path(
    get,
    path = "/telephony/config/virtualExtensions/{id}",
    tag = TAG,
    params(("id" = String, Path, description = "The virtual extension's id")),
    responses(
        (status = 200, description = "The entry", body = ApiVirtualExtension),
        (status = 404, description = "No such entry", body = ErrorBody),
    )
)]
async fn read(State(api): State<Api>, Path(id): Path<String>) -> Result<Json<ApiVirtualExtension>, ApiError> {
    let entry = service::get(&api.db, checked_id(&id)?).await?;
    Ok(Json(entry.into()))
}

/// A change: absent keys keep their value; `null` or `""` clears a first or last name.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeBody {
    #[serde(default, deserialize_with = "super::json::present")]
    pub first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::json::present")]
    pub last_name: Option<Option<String>>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub phone_number: Option<String>,
    #[serde(default)]
    pub extension: Option<String>,
}

impl Body for ChangeBody {
    const KEYS: &'static [&'static str] =
        &["firstName", "lastName", "displayName", "phoneNumber", "extension"];
}

/// Change a virtual extension's names, extension or number (its level and location stay).
#[utoipa::path(
    put,
    path = "/telephony/config/virtualExtensions/{id}",
    tag = TAG,
    params(("id" = String, Path, description = "The virtual extension's id")),
    request_body = ChangeBody,
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "A rule broken", body = ErrorBody),
        (status = 404, description = "No such entry", body = ErrorBody),
        (status = 409, description = "Extension or number in use, or changed meanwhile", body = ErrorBody),
    )
)]
async fn change(
    State(api): State<Api>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ChangeBody>,
) -> Result<StatusCode, ApiError> {
    let current = service::get(&api.db, checked_id(&id)?).await?;
    let mut input = current.to_input();
    if let Some(first) = body.first_name {
        input.first_name = first.unwrap_or_default();
    }
    if let Some(last) = body.last_name {
        input.last_name = last.unwrap_or_default();
    }
    if let Some(display) = body.display_name {
        input.display_name = display;
    }
    if let Some(number) = body.phone_number {
        input.phone_number = number;
    }
    if let Some(extension) = body.extension {
        input.extension = extension;
    }
    service::update(&api.db, &actor, &current.id, current.version, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Delete a virtual extension.
#[utoipa::path(
    delete,
    path = "/telephony/config/virtualExtensions/{id}",
    tag = TAG,
    params(("id" = String, Path, description = "The virtual extension's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "The token's role may not delete it", body = ErrorBody),
        (status = 404, description = "No such entry", body = ErrorBody),
    )
)]
async fn remove(
    State(api): State<Api>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = checked_id(&id)?.to_string();
    let outcome = service::delete(&api.db, &actor, std::slice::from_ref(&id)).await?;
    if outcome.deleted == 0 {
        return Err(ApiError::not_found("No virtual extension has that id; it may have been deleted."));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The organization's virtual extension mode.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ModeSettings {
    /// `STANDARD` (the default), or `ENHANCED` (only where the PSTN provider supports the
    /// network signalling it needs).
    #[schema(inline)]
    pub mode: ApiMode,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApiMode {
    Standard,
    Enhanced,
}

impl Body for ModeSettings {
    const KEYS: &'static [&'static str] = &["mode"];
}

/// Read the virtual extension mode.
#[utoipa::path(
    get,
    path = "/telephony/config/virtualExtensions/settings",
    tag = TAG,
    responses((status = 200, description = "The mode", body = ModeSettings))
)]
async fn read_settings(State(api): State<Api>) -> Result<Json<ModeSettings>, ApiError> {
    let mode = match settings::virtual_extension_mode(&api.db).await? {
        VirtualExtensionMode::Standard => ApiMode::Standard,
        VirtualExtensionMode::Enhanced => ApiMode::Enhanced,
    };
    Ok(Json(ModeSettings { mode }))
}

/// Set the virtual extension mode (full administrators' tokens).
#[utoipa::path(
    put,
    path = "/telephony/config/virtualExtensions/settings",
    tag = TAG,
    request_body = ModeSettings,
    responses(
        (status = 204, description = "Set"),
        (status = 400, description = "Not a mode", body = ErrorBody),
        (status = 403, description = "Only a full administrator's token", body = ErrorBody),
    )
)]
async fn change_settings(
    State(api): State<Api>,
    Extension(actor): Extension<Actor>,
    ApiJson(body): ApiJson<ModeSettings>,
) -> Result<StatusCode, ApiError> {
    let mode = match body.mode {
        ApiMode::Standard => VirtualExtensionMode::Standard,
        ApiMode::Enhanced => VirtualExtensionMode::Enhanced,
    };
    settings::set_virtual_extension_mode(&api.db, &actor, mode).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Most numbers one validation takes.
const VALIDATE_MAX: usize = 1_000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ValidateNumbers {
    pub phone_numbers: Vec<String>,
}

impl Body for ValidateNumbers {
    const KEYS: &'static [&'static str] = &["phoneNumbers"];
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ValidatedNumbers {
    /// `OK` when every number is valid and unused, else `ERRORS`.
    pub status: String,
    /// With `ERRORS`: one entry per number given, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number_status: Option<Vec<NumberStatus>>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NumberStatus {
    pub phone_number: String,
    /// `VALID`, `INVALID`, `DUPLICATE` (an entry has it) or `DUPLICATE_IN_LIST`.
    pub state: String,
    /// The rule's number (0 for a valid number).
    pub error_code: u32,
    pub message: String,
}

/// Check numbers before using them: each must be valid under the organization's mode and not
/// be an entry's number already. Changes nothing.
#[utoipa::path(
    post,
    path = "/telephony/config/virtualExtensions/actions/validateNumbers/invoke",
    tag = TAG,
    request_body = ValidateNumbers,
    responses(
        (status = 200, description = "The verdict on each number", body = ValidatedNumbers),
        (status = 400, description = "No list, or more than 1,000 numbers", body = ErrorBody),
    )
)]
async fn validate_numbers(
    State(api): State<Api>,
    ApiJson(body): ApiJson<ValidateNumbers>,
) -> Result<Json<ValidatedNumbers>, ApiError> {
    let numbers = body.phone_numbers;
    if numbers.is_empty() || numbers.len() > VALIDATE_MAX {
        return Err(ApiError::bad_request(format!(
            "phoneNumbers has {} numbers: give 1 to {VALIDATE_MAX}.",
            numbers.len()
        )));
    }
    let states = service::check_numbers(&api.db, &numbers).await?;
    if states.iter().all(|s| *s == NumberState::Valid) {
        return Ok(Json(ValidatedNumbers { status: "OK".into(), phone_number_status: None }));
    }
    let describe = |state: &str, error: FieldError| (state.to_string(), error.code.number(), error.message);
    let statuses = numbers
        .into_iter()
        .zip(states)
        .map(|(phone_number, state)| {
            let (state, error_code, message) = match state {
                NumberState::Valid => {
                    ("VALID".to_string(), 0, "Valid, and no virtual extension has it.".to_string())
                }
                NumberState::Invalid(e) => describe("INVALID", e),
                NumberState::Duplicate(e) => describe("DUPLICATE", e),
                NumberState::DuplicateInList(e) => describe("DUPLICATE_IN_LIST", e),
            };
            NumberStatus { phone_number, state, error_code, message }
        })
        .collect();
    Ok(Json(ValidatedNumbers { status: "ERRORS".into(), phone_number_status: Some(statuses) }))
}
