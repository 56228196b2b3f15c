//! `/v1/telephony/config/virtualExtensionRanges`: list, create, read, change, delete and
//! validate virtual extension ranges, in the cloud product's shapes.

use super::error::{ApiError, ErrorBody};
use super::json::{ApiJson, Body, Params};
use super::virtual_extensions::{ApiLevel, Created};
use super::Api;
use crate::services::ranges::{self as service, RangeChange, RangeFilter, RangeSort};
use app::model::admin::Actor;
use app::model::range::{PatternAction, RangeFault, RangeInput, RangeItem, VirtualExtensionRange};
use app::model::{ErrorCode, Level};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const TAG: &str = "Virtual Extension Ranges";
const MAX_DEFAULT: u64 = 100;
const MAX_LIMIT: u64 = 1_000;
const START_LIMIT: u64 = 10_000_000;
const PATH: &str = "/telephony/config/virtualExtensionRanges";

pub(super) fn routes() -> OpenApiRouter<Api> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, change, remove))
        .routes(routes!(change_slash))
        .routes(routes!(validate))
}

/// A range in a list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiRangeSummary {
    pub id: String,
    pub name: String,
    pub prefix: String,
    #[schema(inline)]
    pub level: ApiLevel,
    /// Location level only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_name: Option<String>,
}

/// A range with its patterns.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiRange {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub patterns: Vec<String>,
    /// Location level only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
}

fn level(level: Level) -> ApiLevel {
    match level {
        Level::Organization => ApiLevel::Organization,
        Level::Location => ApiLevel::Location,
    }
}

impl From<VirtualExtensionRange> for ApiRangeSummary {
    fn from(r: VirtualExtensionRange) -> Self {
        Self {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            level: level(r.level),
            location_id: r.location_id,
            location_name: r.location_name,
        }
    }
}

impl From<VirtualExtensionRange> for ApiRange {
    fn from(r: VirtualExtensionRange) -> Self {
        Self {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            patterns: r.patterns,
            location_name: r.location_name,
            location_id: r.location_id,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RangeList {
    pub virtual_extension_ranges: Vec<ApiRangeSummary>,
}

/// The list's query parameters (documentation: they are read by [`Params`]).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct ListParams {
    /// Ranges per page, 1 to 1,000 (default 100).
    max: Option<u64>,
    /// Zero-based offset of the first range.
    start: Option<u64>,
    /// `name`, `prefix` or `locationName`, each with an optional `-desc`.
    order: Option<String>,
    /// Ranges whose name contains this (any case).
    name: Option<String>,
    /// Ranges whose prefix starts with this.
    prefix: Option<String>,
    /// Only ranges at this location.
    location_id: Option<String>,
    /// Only organization-level ranges (`true` or `false`).
    org_level_only: Option<String>,
    /// This organization's id, or absent.
    org_id: Option<String>,
}

const FILTERS: [&str; 6] = ["order", "name", "prefix", "locationId", "orgLevelOnly", "orgId"];

fn order(raw: Option<&str>) -> Result<(RangeSort, bool), ApiError> {
    let Some(raw) = raw else { return Ok((RangeSort::Name, false)) };
    let (field, descending) = match raw.rsplit_once(['-', ',']) {
        Some((field, dir)) if dir.eq_ignore_ascii_case("desc") => (field, true),
        Some((field, dir)) if dir.eq_ignore_ascii_case("asc") => (field, false),
        _ => (raw, false),
    };
    let sort = match field {
        "name" => RangeSort::Name,
        "prefix" => RangeSort::Prefix,
        "locationName" => RangeSort::LocationName,
        _ => {
            return Err(ApiError::bad_request(format!(
                "order {raw:?} is not one vext sorts by: use name, prefix or locationName, optionally with -desc."
            )))
        }
    };
    Ok((sort, descending))
}

/// List virtual extension ranges, a page at a time (a `Link` header names the next page).
#[utoipa::path(
    get,
    path = PATH,
    tag = TAG,
    params(ListParams),
    responses(
        (status = 200, description = "A page of ranges", body = RangeList,
         headers(("Link" = String, description = "The next page, while there is one (RFC 8288)"))),
        (status = 400, description = "A malformed parameter", body = ErrorBody),
    )
)]
async fn list(State(api): State<Api>, headers: HeaderMap, params: Params) -> Result<Response, ApiError> {
    let max = params.number("max", 1, MAX_LIMIT, MAX_DEFAULT)?;
    let start = params.number("start", 0, START_LIMIT, 0)?;
    let (sort, descending) = order(params.text("order"))?;
    let org_level_only = params.flag("orgLevelOnly")?;
    let location_id = params.text("locationId").map(str::to_string);
    if org_level_only && location_id.is_some() {
        return Err(ApiError::bad_request("Give locationId or orgLevelOnly=true, not both."));
    }
    let filter = RangeFilter {
        name: params.text("name").map(str::to_string),
        prefix: params.text("prefix").map(str::to_string),
        location_id,
        org_level_only,
        sort,
        descending,
        offset: start,
        limit: max,
    };
    let (ranges, more) = service::list(&api.db, &filter).await?;
    let shown = ranges.len() as u64;
    let mut response =
        Json(RangeList { virtual_extension_ranges: ranges.into_iter().map(Into::into).collect() })
            .into_response();
    if more {
        super::link_next(&mut response, &api, &headers, (PATH, &params, &FILTERS), max, start + shown);
    }
    Ok(response)
}

/// A new range: `locationId` absent means organization level.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateBody {
    pub name: String,
    pub prefix: String,
    #[serde(default)]
    pub patterns: Vec<String>,
    #[serde(default)]
    pub location_id: Option<String>,
}

impl Body for CreateBody {
    const KEYS: &'static [&'static str] = &["name", "prefix", "patterns", "locationId"];
}

/// Create a virtual extension range.
#[utoipa::path(
    post,
    path = PATH,
    tag = TAG,
    request_body = CreateBody,
    responses(
        (status = 201, description = "Created", body = Created),
        (status = 400, description = "A rule broken (each problem in errors; 27854: more than 100 patterns)", body = ErrorBody),
        (status = 403, description = "The token's role may not create it there", body = ErrorBody),
        (status = 409, description = "Name in use, or a pattern overlapping another range or an ESN", body = ErrorBody),
    )
)]
async fn create(
    State(api): State<Api>,
    Extension(actor): Extension<Actor>,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<Response, ApiError> {
    let input = RangeInput {
        name: body.name,
        prefix: body.prefix,
        patterns: body.patterns,
        location: body.location_id.unwrap_or_default(),
    };
    let saved = service::create(&api.db, &actor, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id: saved.range.id })).into_response())
}

fn checked_id(id: &str) -> Result<&str, ApiError> {
    super::json::path_id(id, "virtual extension range")
}

/// Read a virtual extension range.
#[utoipa::path(
    get,
    path = "/telephony/config/virtualExtensionRanges/{id}",
    tag = TAG,
    params(("id" = String, Path, description = "The range's id")),
    responses(
        (status = 200, description = "The range", body = ApiRange),
        (status = 404, description = "No such range", body = ErrorBody),
    )
)]
async fn read(State(api): State<Api>, Path(id): Path<String>) -> Result<Json<ApiRange>, ApiError> {
    Ok(Json(service::get(&api.db, checked_id(&id)?).await?.into()))
}

/// A change: absent keys keep their value; `patterns` needs `action`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeBody {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub prefix: Option<String>,
    #[serde(default)]
    pub patterns: Option<Vec<String>>,
    /// `ADD`, `REMOVE` or `REPLACE`: what to do with `patterns`.
    #[serde(default)]
    pub action: Option<String>,
}

impl Body for ChangeBody {
    const KEYS: &'static [&'static str] = &["name", "prefix", "patterns", "action"];
}

/// Change a range's name, prefix or patterns.
#[utoipa::path(
    put,
    path = "/telephony/config/virtualExtensionRanges/{id}",
    tag = TAG,
    params(("id" = String, Path, description = "The range's id")),
    request_body = ChangeBody,
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "A rule broken (27854: more than 100 patterns in all)", body = ErrorBody),
        (status = 404, description = "No such range", body = ErrorBody),
        (status = 409, description = "Name in use, or a pattern overlapping", body = ErrorBody),
    )
)]
async fn change(
    State(api): State<Api>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ChangeBody>,
) -> Result<StatusCode, ApiError> {
    let id = checked_id(&id)?;
    let patterns = match (body.patterns, body.action.as_deref()) {
        (None, None) => None,
        (Some(patterns), Some(action)) => match PatternAction::parse(action) {
            Some(action) => Some((action, patterns)),
            None => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::ActionInvalid,
                    format!("action {action:?} is not one vext knows: use ADD, REMOVE or REPLACE."),
                ))
            }
        },
        (Some(_), None) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::ActionInvalid,
                "patterns needs an action: ADD, REMOVE or REPLACE.",
            ))
        }
        (None, Some(_)) => return Err(ApiError::bad_request("action needs the patterns it acts on.")),
    };
    let change = RangeChange { name: body.name, prefix: body.prefix, patterns, version: None };
    service::update(&api.db, &actor, id, &change).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Change a range (the cloud product's path, with its trailing `/`).
#[utoipa::path(
    put,
    path = "/telephony/config/virtualExtensionRanges/{id}/",
    tag = TAG,
    params(("id" = String, Path, description = "The range's id")),
    request_body = ChangeBody,
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "A rule broken", body = ErrorBody),
        (status = 404, description = "No such range", body = ErrorBody),
    )
)]
async fn change_slash(
    state: State<Api>,
    actor: Extension<Actor>,
    id: Path<String>,
    body: ApiJson<ChangeBody>,
) -> Result<StatusCode, ApiError> {
    change(state, actor, id, body).await
}

/// Delete a virtual extension range.
#[utoipa::path(
    delete,
    path = "/telephony/config/virtualExtensionRanges/{id}",
    tag = TAG,
    params(("id" = String, Path, description = "The range's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "The token's role may not delete it", body = ErrorBody),
        (status = 404, description = "No such range", body = ErrorBody),
    )
)]
async fn remove(
    State(api): State<Api>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    service::delete(&api.db, &actor, checked_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What to validate: a new range, or (with `rangeId`) a change to one. Absent parts of a new
/// range are not checked; of an existing one, its stored values stand in.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ValidateBody {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub prefix: Option<String>,
    #[serde(default)]
    pub patterns: Vec<String>,
    #[serde(default)]
    pub location_id: Option<String>,
    #[serde(default)]
    pub range_id: Option<String>,
}

impl Body for ValidateBody {
    const KEYS: &'static [&'static str] = &["name", "prefix", "patterns", "locationId", "rangeId"];
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Validated {
    /// `OK` or `ERRORS`.
    pub status: String,
    /// With `ERRORS`: one entry per item at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_extension_range_validation_status: Option<Vec<ItemStatus>>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ItemStatus {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// `DUPLICATE`, `DUPLICATE_IN_LIST`, `INVALID` or `LIMIT_EXCEEDED`.
    pub status: String,
    /// The rule's number, as a string (as the cloud product writes it).
    pub error_code: String,
    pub message: String,
}

fn item_status(fault: RangeFault) -> ItemStatus {
    let status = match fault.error.code {
        ErrorCode::PatternDuplicateInList => "DUPLICATE_IN_LIST",
        ErrorCode::RangeNameInUse | ErrorCode::PatternOverlaps | ErrorCode::PatternConflictsWithEsn => {
            "DUPLICATE"
        }
        ErrorCode::PatternLimitExceeded => "LIMIT_EXCEEDED",
        _ => "INVALID",
    };
    let (mut name, mut prefix, mut pattern) = (None, None, None);
    match fault.item {
        RangeItem::Name(v) => name = Some(v),
        RangeItem::Prefix(v) => prefix = Some(v),
        RangeItem::Pattern(v) if v.is_empty() => {}
        RangeItem::Pattern(v) => pattern = Some(v),
        RangeItem::Location(_) => {}
    }
    ItemStatus {
        name,
        prefix,
        pattern,
        status: status.to_string(),
        error_code: fault.error.code.number().to_string(),
        message: fault.error.message,
    }
}

/// Validate a range's name, prefix and patterns before creating or changing it. Changes nothing.
#[utoipa::path(
    post,
    path = "/telephony/config/virtualExtensionRanges/actions/validate/invoke",
    tag = TAG,
    request_body = ValidateBody,
    responses(
        (status = 200, description = "OK, or each item at fault", body = Validated),
        (status = 400, description = "A malformed body, or an unknown location", body = ErrorBody),
        (status = 404, description = "No range has rangeId", body = ErrorBody),
    )
)]
async fn validate(
    State(api): State<Api>,
    ApiJson(body): ApiJson<ValidateBody>,
) -> Result<Json<Validated>, ApiError> {
    let stored = match body.range_id.as_deref().map(str::trim).filter(|id| !id.is_empty()) {
        Some(id) => Some(service::get(&api.db, checked_id(id)?).await?),
        None => None,
    };
    let given = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
    let name = given(body.name).or_else(|| stored.as_ref().map(|r| r.name.clone()));
    let prefix = given(body.prefix).or_else(|| stored.as_ref().map(|r| r.prefix.clone()));
    let location = match &stored {
        Some(range) => range.location_id.clone().unwrap_or_default(),
        None => body.location_id.unwrap_or_default(),
    };
    // What was not given is not judged: stand-ins that pass, whose faults are dropped.
    let input = RangeInput {
        name: name.clone().unwrap_or_else(|| format!("validate {}", crate::store::new_id())),
        prefix: prefix.clone().unwrap_or_else(|| "+1".to_string()),
        patterns: body.patterns,
        location,
    };
    let verdict = service::validate(&api.db, &input, stored.as_ref().map(|r| r.id.as_str())).await?;
    let mut faults = Vec::new();
    for fault in verdict.errors {
        match &fault.item {
            RangeItem::Name(_) if name.is_none() => {}
            RangeItem::Prefix(_) if prefix.is_none() => {}
            RangeItem::Location(_) => return Err(app::error::AppError::validation(vec![fault.error]).into()),
            _ => faults.push(item_status(fault)),
        }
    }
    if faults.is_empty() {
        return Ok(Json(Validated { status: "OK".into(), virtual_extension_range_validation_status: None }));
    }
    Ok(Json(Validated { status: "ERRORS".into(), virtual_extension_range_validation_status: Some(faults) }))
}
