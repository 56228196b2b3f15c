//! The REST API's error answer, the cloud product's shape:
//! `{"message": "...", "errors": [{"description": "...", "errorCode": 1234}], "trackingId": "..."}`
//! with the status that fits, and the `TrackingID` every answer carries.

use crate::services::ServiceError;
use app::error::AppError;
use app::model::ErrorCode;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

tokio::task_local! {
    /// The request's tracking id, for the error bodies made while it is handled.
    pub static TRACKING_ID: String;
}

/// The tracking id of the request being handled (empty outside one).
pub fn tracking_id() -> String {
    TRACKING_ID.try_with(Clone::clone).unwrap_or_default()
}

/// One problem: a description carrying the rule's message, and its stable number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorItem {
    pub description: String,
    pub error_code: u32,
}

/// The body of every refusal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    pub message: String,
    pub errors: Vec<ErrorItem>,
    pub tracking_id: String,
}

/// A refusal: status, message, the problems, and for 429 how long to wait.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub errors: Vec<ErrorItem>,
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    /// One problem with one code.
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            status,
            errors: vec![ErrorItem { description: message.clone(), error_code: code.number() }],
            message,
            retry_after_secs: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, message)
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, what)
    }

    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        Self {
            retry_after_secs: Some(retry_after_secs),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::TooManyRequests,
                format!(
                    "Too many requests with this token. Wait {retry_after_secs} seconds, then try again."
                ),
            )
        }
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        let code = match &error {
            AppError::Validation { .. } | AppError::BadRequest { .. } => ErrorCode::BadRequest,
            AppError::Conflict { .. } => ErrorCode::EditConflict,
            AppError::NotFound { .. } => ErrorCode::NotFound,
            AppError::Unauthorized => ErrorCode::Unauthorized,
            AppError::Forbidden => ErrorCode::Forbidden,
            AppError::TooManyRequests { .. } => ErrorCode::TooManyRequests,
            AppError::Busy => ErrorCode::Busy,
            AppError::Internal { .. } => ErrorCode::Internal,
            AppError::Network { .. } => ErrorCode::Network,
        };
        // A field rule broken is the client's request that is wrong: 400, as the cloud
        // product answers (the pages' server functions say 422).
        let status = match &error {
            AppError::Validation { .. } => StatusCode::BAD_REQUEST,
            other => StatusCode::from_u16(other.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        };
        let fields = error.field_errors();
        let errors = if fields.is_empty() {
            vec![ErrorItem { description: error.to_string(), error_code: code.number() }]
        } else {
            fields
                .iter()
                .map(|f| ErrorItem {
                    description: format!("{}: {}", f.field, f.message),
                    error_code: f.code.number(),
                })
                .collect()
        };
        let message = match fields {
            [] => error.to_string(),
            [one] => format!("{}: {}", one.field, one.message),
            many => format!("{} problems: {}", many.len(), error),
        };
        let retry_after_secs = match error {
            AppError::TooManyRequests { retry_after_secs } => Some(retry_after_secs),
            AppError::Busy => Some(5),
            _ => None,
        };
        Self { status, message, errors, retry_after_secs }
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        AppError::from(error).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { message: self.message, errors: self.errors, tracking_id: tracking_id() };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
