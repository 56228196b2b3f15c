//! Reading a request's JSON body and query strictly: a body that is not JSON, a value of the
//! wrong type, a key the resource does not have, or an oversized body each get a 4xx saying
//! which and why (never the framework's plain-text rejection).

use super::error::ApiError;
use app::model::ErrorCode;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;

/// Largest JSON body, in bytes.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// A JSON body of `T`, whose keys are exactly those `T` has.
pub struct ApiJson<T>(pub T);

/// A body type: the keys it has (anything else is refused by name).
pub trait Body: DeserializeOwned {
    const KEYS: &'static [&'static str];
}

impl<S: Send + Sync, T: Body> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| {
                let v = v.trim();
                v.eq_ignore_ascii_case("application/json") || v.to_ascii_lowercase().ends_with("+json")
            });
        if !json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::BadRequest,
                "The body must be JSON: send Content-Type: application/json.",
            ));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::BadRequest,
                    format!("The body is larger than {BODY_LIMIT} bytes."),
                )
            } else {
                ApiError::bad_request(format!("The body could not be read: {}", rejection.body_text()))
            }
        })?;
        parse(&bytes).map(ApiJson)
    }
}

/// For `#[serde(default, deserialize_with = "…")]` on an `Option<Option<String>>`: a key
/// that is present, `Some(None)` for `null`, told apart from a missing key (`None`, the default).
pub fn present<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<String>>, D::Error> {
    use serde::Deserialize;
    Option::<String>::deserialize(deserializer).map(Some)
}

/// `bytes` as a `T`: a JSON object with only `T`'s keys, each of the right type.
pub fn parse<T: Body>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("The body is not valid JSON: {e}.")))?;
    let Some(object) = value.as_object() else {
        return Err(ApiError::bad_request("The body must be a JSON object ({...})."));
    };
    let unknown: Vec<&str> = object.keys().map(String::as_str).filter(|k| !T::KEYS.contains(k)).collect();
    if !unknown.is_empty() {
        let shown: Vec<String> = unknown.iter().take(10).map(|k| format!("{:?}", truncate(k))).collect();
        return Err(ApiError::bad_request(format!(
            "Unknown key{} {}: this resource has {}.",
            if unknown.len() == 1 { "" } else { "s" },
            shown.join(", "),
            T::KEYS.join(", ")
        )));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        ApiError::bad_request(format!("{path}: {inner}."))
    })
}

fn truncate(key: &str) -> String {
    if key.chars().count() > 40 {
        format!("{}…", key.chars().take(40).collect::<String>())
    } else {
        key.to_string()
    }
}

/// A request's query parameters (repeated ones keep their first value; unknown ones are
/// ignored, as the cloud product does).
pub struct Params(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        Ok(Params(form_urlencoded::parse(query.as_bytes()).into_owned().collect()))
    }
}

impl Params {
    /// The parameter's value, trimmed; `None` when absent or empty.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    }

    /// A whole number from `min` to `max`, or `default` when absent.
    pub fn number(&self, name: &str, min: u64, max: u64, default: u64) -> Result<u64, ApiError> {
        let Some(raw) = self.text(name) else { return Ok(default) };
        match raw.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::bad_request(format!(
                "Query parameter {name} is {:?}: give a whole number from {min} to {max}.",
                truncate(raw)
            ))),
        }
    }

    /// `true` or `false` in any case, or `false` when absent.
    pub fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.text(name) {
            None => Ok(false),
            Some(raw) if raw.eq_ignore_ascii_case("true") => Ok(true),
            Some(raw) if raw.eq_ignore_ascii_case("false") => Ok(false),
            Some(raw) => Err(ApiError::bad_request(format!(
                "Query parameter {name} is {:?}: give true or false.",
                truncate(raw)
            ))),
        }
    }

    /// Every parameter in `names` that was given, in order (for a `Link` that repeats them).
    pub fn given<'a>(&'a self, names: &'a [&str]) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        names.iter().filter_map(move |&n| self.text(n).map(|v| (n, v)))
    }
}

/// An id from a path, refused (404) before any lookup when it cannot be one of vext's: empty,
/// or longer than any id vext gives. `what` names the resource in the answer.
pub fn path_id<'a>(id: &'a str, what: &str) -> Result<&'a str, ApiError> {
    if id.is_empty() || id.len() > 64 {
        return Err(ApiError::not_found(format!("No {what} has that id.")));
    }
    Ok(id)
}
