//! `/v1/vext/route`, `/v1/vext/callerId` and `/v1/vext/directory`: what a SIP proxy, a PBX
//! and desk phones ask vext, answered from the dial-plan snapshot in memory.
//!
//! Built for what such systems can do: the token may come as the password of HTTP Basic
//! authentication (any user name), as phones and proxies often only put credentials into a URL;
//! the route and caller-ID look-ups answer plain text when asked (`?format=text` or
//! `Accept: text/plain`), read without a JSON parser; and "nothing matches" is a `404` with an
//! empty body, so a dialplan branches on the status alone. Look-ups are not rate limited (a
//! proxy asks at its call rate) and are logged at debug level.

use super::error::{ApiError, ErrorBody};
use super::json::Params;
use super::Api;
use crate::services::phones::{self, CallerIdAnswer, DirectoryPage, Listing, RouteAnswer};
use app::model::admin::Actor;
use app::model::dial_plan::{MatchedEntry, MatchedRange, ShownAs};
use app::model::sip_safe;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Serialize;
use std::borrow::Cow;
use std::fmt::Write as _;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const TAG: &str = "Phone systems";
/// Entries on one page of a Cisco directory (what the phones show at most).
pub const CISCO_PAGE: usize = 32;
/// Longest Cisco `Name`, `Title` and `Prompt`, in characters.
const CISCO_TEXT_MAX: usize = 32;
/// A JSON directory page: entries by default, at most.
const JSON_PAGE: u64 = 100;
const JSON_PAGE_MAX: u64 = 1000;

/// The look-ups' paths under `/v1`.
const PATHS: [&str; 3] = ["/vext/route", "/vext/callerId", "/vext/directory"];

/// Is this request path (with or without its `/v1`) one of the look-ups?
pub(super) fn is_lookup(path: &str) -> bool {
    let path = path.strip_prefix("/v1").unwrap_or(path);
    PATHS.contains(&path.trim_end_matches('/'))
}

pub(super) fn routes() -> OpenApiRouter<Api> {
    OpenApiRouter::new().routes(routes!(route)).routes(routes!(caller_id)).routes(routes!(directory))
}

/// JSON, or one value per line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Text,
}

/// `?format=text|json`, else `Accept` (text when `text/plain` comes before `application/json`).
fn format(params: &Params, headers: &HeaderMap) -> Result<Format, ApiError> {
    match params.text("format") {
        Some(f) if f.eq_ignore_ascii_case("text") => return Ok(Format::Text),
        Some(f) if f.eq_ignore_ascii_case("json") => return Ok(Format::Json),
        Some(f) => {
            return Err(ApiError::bad_request(format!(
                "format is {f:?}: give text (one value per line) or json."
            )))
        }
        None => {}
    }
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let first = accept
        .split(',')
        .map(|m| m.split(';').next().unwrap_or("").trim())
        .find(|m| m.eq_ignore_ascii_case("text/plain") || m.eq_ignore_ascii_case("application/json"));
    Ok(match first {
        Some(m) if m.eq_ignore_ascii_case("text/plain") => Format::Text,
        _ => Format::Json,
    })
}

fn plain(lines: &[&str]) -> Response {
    let mut body = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    for line in lines {
        body.push_str(line);
        body.push('\n');
    }
    ([(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"))], body).into_response()
}

/// Nothing matches: `404`, no body.
fn nothing() -> Response {
    StatusCode::NOT_FOUND.into_response()
}

fn required<'a>(params: &'a Params, name: &str, what: &str) -> Result<&'a str, ApiError> {
    params
        .text(name)
        .ok_or_else(|| ApiError::bad_request(format!("Query parameter {name} is missing: give {what}.")))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RouteLookup {
    /// The number to send the call to.
    pub number: String,
    /// `VIRTUAL_EXTENSION`, `VIRTUAL_EXTENSION_RANGE` or `PSTN_NUMBER`.
    pub destination_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_extension: Option<LookupEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_extension_range: Option<LookupRange>,
    /// Enhanced mode: the extension the provider's signalling carries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signalled_extension: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LookupEntry {
    pub id: String,
    pub display_name: String,
    pub extension: String,
    pub phone_number: String,
    /// Absent at organization level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_name: Option<String>,
}

impl From<MatchedEntry> for LookupEntry {
    fn from(m: MatchedEntry) -> Self {
        Self {
            id: m.entry.id,
            display_name: m.entry.display_name,
            extension: m.entry.extension,
            phone_number: m.entry.phone_number,
            location_id: m.entry.location_id,
            location_name: m.location_name,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LookupRange {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub pattern: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_name: Option<String>,
}

impl From<MatchedRange> for LookupRange {
    fn from(r: MatchedRange) -> Self {
        Self {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            pattern: r.pattern,
            location_id: r.location_id,
            location_name: r.location_name,
        }
    }
}

/// Where a call goes: the number to send it to. `location` is the caller's location (id or
/// name; absent: organization level); `dialed` is what they dialed. Plain text: that number on
/// one line. `404` with no body when the call is rejected (unknown extension, not a number).
#[utoipa::path(
    get,
    path = "/vext/route",
    tag = TAG,
    params(
        ("location" = Option<String>, Query, description = "The caller's location, id or name"),
        ("dialed" = String, Query, description = "What was dialed"),
        ("format" = Option<String>, Query, description = "`text` (one line) or `json` (the default)"),
    ),
    responses(
        (status = 200, description = "The number to call", body = RouteLookup),
        (status = 404, description = "Nothing matches: no body"),
        (status = 400, description = "No dialed, or no such location", body = ErrorBody),
    ),
    security(("bearer" = []), ("basic" = []))
)]
async fn route(
    State(api): State<Api>,
    Extension(actor): Extension<Actor>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response, ApiError> {
    let format = format(&params, &headers)?;
    let dialed = required(&params, "dialed", "what was dialed")?;
    let answer = phones::route(&api.dial_plans, &api.db, &actor, params.text("location"), dialed).await?;
    let RouteAnswer { destination, number: Some(number), virtual_extension, range, signalled_extension } =
        answer
    else {
        return Ok(nothing());
    };
    Ok(match format {
        Format::Text => plain(&[number.as_str()]),
        Format::Json => Json(RouteLookup {
            number,
            destination_type: destination.as_str().to_string(),
            virtual_extension: virtual_extension.map(Into::into),
            virtual_extension_range: range.map(Into::into),
            signalled_extension,
        })
        .into_response(),
    })
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallerIdLookup {
    /// The name the phone shows.
    pub name: String,
    /// The number it shows and calls back: the extension, the ESN or the phone number.
    pub number: String,
    /// `EXTENSION`, `ESN` or `PHONE_NUMBER`.
    #[schema(value_type = String)]
    pub shown_as: ShownAs,
    /// The calling number as the directory holds it.
    pub calling_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_extension_id: Option<String>,
    /// Enhanced mode: the range the number is in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_extension_range_id: Option<String>,
}

/// Whose name and extension a calling number carries, for a phone at `location` (id or name;
/// absent: organization level). Plain text: the name on the first line, made safe for a SIP
/// header's quoted display name (`app::model::sip_safe`: `"` as `'`, no `\`), the number to
/// show on the second; JSON carries the name as it is. `404` with no body when no virtual extension has the number.
#[utoipa::path(
    get,
    path = "/vext/callerId",
    tag = TAG,
    params(
        ("number" = String, Query, description = "The calling number: E.164, national, or E.164 without its +"),
        ("location" = Option<String>, Query, description = "The callee's location, id or name"),
        ("format" = Option<String>, Query, description = "`text` (name, then number) or `json` (the default)"),
    ),
    responses(
        (status = 200, description = "The name and number to show", body = CallerIdLookup),
        (status = 404, description = "Not a virtual extension's number: no body"),
        (status = 400, description = "No number, or no such location", body = ErrorBody),
    ),
    security(("bearer" = []), ("basic" = []))
)]
async fn caller_id(
    State(api): State<Api>,
    Extension(actor): Extension<Actor>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response, ApiError> {
    let format = format(&params, &headers)?;
    let number = required(&params, "number", "the calling number")?;
    let found = phones::caller_id(&api.dial_plans, &api.db, &actor, params.text("location"), number).await?;
    let Some(CallerIdAnswer { name, number, shown_as, calling_number, virtual_extension_id, range_id }) =
        found
    else {
        return Ok(nothing());
    };
    Ok(match format {
        Format::Text => plain(&[sip_safe(&name).as_str(), number.as_str()]),
        Format::Json => Json(CallerIdLookup {
            name,
            number,
            shown_as,
            calling_number,
            virtual_extension_id,
            virtual_extension_range_id: range_id,
        })
        .into_response(),
    })
}

/// The phone directory formats.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Book {
    Json,
    Yealink,
    Cisco,
    /// Cisco's search form (`CiscoIPPhoneInput`), which asks for the start of a name.
    CiscoSearch,
}

impl Book {
    fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let Some(raw) = raw else { return Ok(Book::Json) };
        Ok(match raw.to_ascii_lowercase().as_str() {
            "json" => Book::Json,
            "yealink" => Book::Yealink,
            "cisco" => Book::Cisco,
            "cisco-search" => Book::CiscoSearch,
            _ => {
                return Err(ApiError::bad_request(format!(
                    "format is {raw:?}: give json, yealink, cisco or cisco-search."
                )))
            }
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryBody {
    /// The location whose phones dial these numbers; absent: organization level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Entries matching `name`, on all pages.
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    pub items: Vec<DirectoryItem>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryItem {
    pub id: String,
    pub display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// What a phone at the location dials.
    pub number: String,
    /// `EXTENSION`, `ESN` or `PHONE_NUMBER`.
    #[schema(value_type = String)]
    pub dialed_as: ShownAs,
    pub phone_number: String,
}

impl From<Listing> for DirectoryItem {
    fn from(l: Listing) -> Self {
        Self {
            id: l.id,
            display_name: l.display_name,
            first_name: l.first_name,
            last_name: l.last_name,
            number: l.number,
            dialed_as: l.dialed_as,
            phone_number: l.phone_number,
        }
    }
}

/// The phone directory: every virtual extension as phones at `location` (id or name; absent:
/// organization level) dial it (extension, ESN, or else its number), sorted by display name.
/// `format`: `json` (pages of `max`, default 100), `yealink` (Yealink's remote phone book, all
/// entries unless `max` is given), `cisco` (`CiscoIPPhoneDirectory`, 32 entries a page, with
/// Dial, Next, Previous, Search and Exit soft keys) or `cisco-search` (the Cisco search form).
/// `name`: only entries whose display, first or last name starts with it (any case, accents
/// ignored). `page`: from 1.
#[utoipa::path(
    get,
    path = "/vext/directory",
    tag = TAG,
    params(
        ("location" = Option<String>, Query, description = "The phones' location, id or name"),
        ("format" = Option<String>, Query, description = "json (default), yealink, cisco or cisco-search"),
        ("name" = Option<String>, Query, description = "The start of a display, first or last name"),
        ("page" = Option<u64>, Query, description = "The page, from 1"),
        ("max" = Option<u64>, Query, description = "Entries a page (json, yealink); cisco shows 32"),
    ),
    responses(
        (status = 200, description = "The directory (JSON, or XML for phones)", body = DirectoryBody),
        (status = 400, description = "An unknown format, or no such location", body = ErrorBody),
    ),
    security(("bearer" = []), ("basic" = []))
)]
async fn directory(
    State(api): State<Api>,
    Extension(actor): Extension<Actor>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response, ApiError> {
    let book = Book::parse(params.text("format"))?;
    let location = params.text("location");
    if book == Book::CiscoSearch {
        // Only a form: but a location the token may not read is refused here too.
        phones::location(&api.dial_plans, &api.db, &actor, location).await?;
        return Ok(xml(cisco_search(&api, &headers, &params)));
    }
    let page = params.number("page", 1, u32::MAX as u64, 1)? as usize;
    let per_page = match book {
        Book::Cisco => Some(CISCO_PAGE),
        Book::Json => Some(params.number("max", 1, JSON_PAGE_MAX, JSON_PAGE)? as usize),
        _ => params
            .text("max")
            .map(|_| params.number("max", 1, u32::MAX as u64, 1))
            .transpose()?
            .map(|m| m as usize),
    };
    let name = params.text("name");
    let found =
        phones::directory(&api.dial_plans, &api.phone_books, &api.db, &actor, location, name, page, per_page)
            .await?;
    Ok(match book {
        Book::Json => Json(DirectoryBody {
            location: found.location,
            total: found.total,
            page: found.page,
            pages: found.pages,
            items: found.items.into_iter().map(Into::into).collect(),
        })
        .into_response(),
        Book::Yealink => xml(yealink(&found)),
        _ => xml(cisco(&api, &headers, &params, &found)),
    })
}

fn xml(body: String) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("text/xml; charset=utf-8"))], body).into_response()
}

/// `text` for XML character data or an attribute value.
fn escape(text: &str) -> Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// At most `max` characters of `text` (Cisco phones refuse longer fields).
fn clip(text: &str, max: usize) -> &str {
    text.char_indices().nth(max).map_or(text, |(end, _)| &text[..end])
}

const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

fn yealink(found: &DirectoryPage) -> String {
    let mut out = String::with_capacity(128 + found.items.len() * 96);
    out.push_str(XML_DECLARATION);
    out.push_str("<YealinkIPPhoneDirectory>\n");
    for item in &found.items {
        let _ = writeln!(
            out,
            "<DirectoryEntry><Name>{}</Name><Telephone>{}</Telephone></DirectoryEntry>",
            escape(&item.display_name),
            escape(&item.number)
        );
    }
    out.push_str("</YealinkIPPhoneDirectory>\n");
    out
}

/// This directory's URL with `changes` applied to its query (for the soft keys).
fn directory_url(api: &Api, headers: &HeaderMap, params: &Params, changes: &[(&str, &str)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for name in ["location", "format", "name", "page"] {
        let value = changes.iter().find(|(k, _)| *k == name).map(|(_, v)| *v).or_else(|| params.text(name));
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            query.append_pair(name, value);
        }
    }
    format!("{}/v1/vext/directory?{}", super::origin(api, headers), query.finish())
}

fn soft_key(out: &mut String, name: &str, url: &str, position: usize) {
    let _ = writeln!(
        out,
        "<SoftKeyItem><Name>{}</Name><URL>{}</URL><Position>{position}</Position></SoftKeyItem>",
        escape(name),
        escape(url)
    );
}

fn cisco(api: &Api, headers: &HeaderMap, params: &Params, found: &DirectoryPage) -> String {
    let mut out = String::with_capacity(1024 + found.items.len() * 96);
    out.push_str(XML_DECLARATION);
    out.push_str("<CiscoIPPhoneDirectory>\n");
    let title = match &found.location {
        Some(name) => format!("Directory: {name}"),
        None => "Directory".to_string(),
    };
    let prompt = match found.total {
        0 => "No entries".to_string(),
        total if found.pages > 1 => format!("Page {} of {} ({total})", found.page, found.pages),
        1 => "1 entry".to_string(),
        total => format!("{total} entries"),
    };
    let _ = writeln!(
        out,
        "<Title>{}</Title>\n<Prompt>{}</Prompt>",
        escape(clip(&title, CISCO_TEXT_MAX)),
        escape(clip(&prompt, CISCO_TEXT_MAX))
    );
    for item in &found.items {
        let _ = writeln!(
            out,
            "<DirectoryEntry><Name>{}</Name><Telephone>{}</Telephone></DirectoryEntry>",
            escape(clip(&item.display_name, CISCO_TEXT_MAX)),
            escape(&item.number)
        );
    }
    let mut position = 1;
    let mut key = |out: &mut String, name: &str, url: &str| {
        soft_key(out, name, url, position);
        position += 1;
    };
    if !found.items.is_empty() {
        key(&mut out, "Dial", "SoftKey:Dial");
    }
    if found.page < found.pages {
        let next = (found.page + 1).to_string();
        key(&mut out, "Next", &directory_url(api, headers, params, &[("page", &next)]));
    }
    if found.page > 1 {
        let previous = (found.page - 1).min(found.pages).to_string();
        key(&mut out, "Previous", &directory_url(api, headers, params, &[("page", &previous)]));
    }
    key(
        &mut out,
        "Search",
        &directory_url(api, headers, params, &[("format", "cisco-search"), ("name", ""), ("page", "")]),
    );
    key(&mut out, "Exit", "SoftKey:Exit");
    out.push_str("</CiscoIPPhoneDirectory>\n");
    out
}

/// Cisco's form asking for the start of a name; its answer is the `cisco` directory searched.
fn cisco_search(api: &Api, headers: &HeaderMap, params: &Params) -> String {
    let target = directory_url(api, headers, params, &[("format", "cisco"), ("name", ""), ("page", "")]);
    let mut out = String::with_capacity(512);
    out.push_str(XML_DECLARATION);
    let _ = writeln!(
        out,
        "<CiscoIPPhoneInput>\n<Title>Search the directory</Title>\n<Prompt>Enter the start of a name</Prompt>\n\
         <URL>{}</URL>\n<InputItem><DisplayName>Name</DisplayName><QueryStringParam>name</QueryStringParam>\
         <DefaultValue></DefaultValue><InputFlags>A</InputFlags></InputItem>\n</CiscoIPPhoneInput>",
        escape(&target)
    );
    out
}
