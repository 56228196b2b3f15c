//! The one error type every server function returns. Internals never reach the client.

use crate::model::{Field, FieldError};
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppError {
    /// The input broke a rule; each error names its field.
    #[error("{}", summarize(fields))]
    Validation { fields: Vec<FieldError> },
    /// The input is valid on its own but clashes with stored data (an extension or number in use).
    #[error("{}", summarize(fields))]
    Conflict { fields: Vec<FieldError> },
    #[error("{what} was not found; it may have been deleted.")]
    NotFound { what: String },
    /// A request that no form of vext sends (malformed arguments).
    #[error("The request was malformed: {message}")]
    BadRequest { message: String },
    #[error("Sign in to continue.")]
    Unauthorized,
    #[error("Your role does not allow this.")]
    Forbidden,
    /// Too many attempts from one place (sign-in): wait, then try again.
    #[error("Too many attempts from your address. Wait {retry_after_secs} seconds, then try again.")]
    TooManyRequests { retry_after_secs: u64 },
    /// Another change holds the database (SQLite: one writer at a time, and a large import
    /// writes for seconds): nothing was changed, and the same request will work shortly.
    #[error("vext is busy writing another change (a large CSV import, most likely). Nothing was changed: wait a few seconds, then try again.")]
    Busy,
    /// Logged on the server under `reference`; the client sees only the reference.
    #[error("Something went wrong on the server (reference {reference}). Try again; if it persists, give the reference to your administrator.")]
    Internal { reference: String },
    /// The browser could not reach the server or understand its answer.
    #[error("Could not reach vext: {message}. Check your connection and try again.")]
    Network { message: String },
}

fn summarize(fields: &[FieldError]) -> String {
    fields.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join(" ")
}

impl AppError {
    pub fn validation(fields: Vec<FieldError>) -> Self {
        AppError::Validation { fields }
    }

    /// The field-keyed errors, if this error has any.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            AppError::Validation { fields } | AppError::Conflict { fields } => fields,
            _ => &[],
        }
    }

    /// The first error message for one field, for showing beside its input.
    pub fn message_for(&self, field: Field) -> Option<&str> {
        self.field_errors().iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Validation { .. } => 422,
            AppError::Conflict { .. } => 409,
            AppError::NotFound { .. } => 404,
            AppError::BadRequest { .. } => 400,
            AppError::Unauthorized => 401,
            AppError::Forbidden => 403,
            AppError::TooManyRequests { .. } => 429,
            AppError::Internal { .. } => 500,
            AppError::Busy | AppError::Network { .. } => 503,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(message)
            | ServerFnErrorErr::MissingArg(message)
            | ServerFnErrorErr::UnsupportedRequestMethod(message) => AppError::BadRequest { message },
            // On the server, a request that cannot be read or decoded (a body of invalid UTF-8,
            // say) is the client's mistake, not a network failure.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Request(message) | ServerFnErrorErr::Deserialization(message) => {
                AppError::BadRequest { message }
            }
            #[cfg(not(feature = "ssr"))]
            ServerFnErrorErr::Request(message) | ServerFnErrorErr::Deserialization(message) => {
                AppError::Network { message }
            }
            ServerFnErrorErr::Response(message) => AppError::Network { message },
            _other => {
                // The text may describe internals: log it, send only a category.
                #[cfg(feature = "ssr")]
                tracing::error!(error = %_other, "server function failed");
                AppError::Internal { reference: "server-function".to_string() }
            }
        }
    }
}
