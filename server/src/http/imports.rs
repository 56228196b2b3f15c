//! Bulk Add in CSV over HTTP: the uploads (Validate and Submit, multipart with their own body
//! limit) and the errors download. The page calls them with `fetch`; without JavaScript the
//! form posts to Submit and is redirected to the Tasks list (or back, with the reason).

use super::auth::StatusResponse;
use crate::services::import::tasks;
use crate::services::import::{CheckError, CheckReport};
use app::error::AppError;
use app::model::admin::Actor;
use app::model::csv::Limits;
use app::model::query::encode_component;
use app::model::task::{routes, TaskRowError, UploadError, ValidationReport, VALIDATE_PROBLEMS_SHOWN};
use app::model::ErrorCode;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tokio::sync::Notify;

#[derive(Clone)]
pub struct Imports {
    pub db: DatabaseConnection,
    pub limits: Limits,
    /// Wakes this replica's worker when a task is queued.
    pub wake: Arc<Notify>,
    /// Administrators whose Validate runs now (one at a time each).
    pub validating: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
}

/// One administrator's Validate in progress; dropping it lets them validate again.
pub(crate) struct ValidateTurn {
    validating: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
    admin: String,
}

impl ValidateTurn {
    /// The administrator's turn, or `None` while their previous Validate still runs.
    pub(crate) fn take(
        validating: &Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
        admin: &str,
    ) -> Option<Self> {
        let mut set = validating.lock().unwrap_or_else(|p| p.into_inner());
        set.insert(admin.to_string())
            .then(|| Self { validating: validating.clone(), admin: admin.to_string() })
    }
}

impl Drop for ValidateTurn {
    fn drop(&mut self) {
        self.validating.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.admin);
    }
}

/// Room for the multipart framing and the other fields around the file.
const FORM_OVERHEAD: u64 = 64 * 1024;

/// The upload routes, with a body limit of the CSV size limit plus the form's framing (the
/// rest of the server keeps its smaller limit).
pub fn router(imports: Imports) -> Router {
    let limit = usize::try_from(imports.limits.max_bytes.saturating_add(FORM_OVERHEAD)).unwrap_or(usize::MAX);
    Router::new()
        .route(routes::SUBMIT, post(submit))
        .route(routes::VALIDATE, post(validate))
        .route("/api/imports/{id}/errors.csv", get(errors_csv))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(imports)
}

fn refuse(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Response {
    (status, Json(UploadError { code: code.as_str().to_string(), message: message.into() })).into_response()
}

/// A form the browser posted itself (no JavaScript): it wants a page, not JSON.
fn wants_page(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// What the form sent: the file (name and bytes) and the all-or-nothing option.
struct Upload {
    file_name: String,
    bytes: Vec<u8>,
    all_or_nothing: bool,
}

async fn read_upload(mut form: Multipart, limits: Limits) -> Result<Upload, Response> {
    let mut file = None;
    let mut all_or_nothing = false;
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        let status = e.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            refuse(status, ErrorCode::FileTooLarge, limits.too_large().message)
        } else {
            refuse(
                StatusCode::BAD_REQUEST,
                ErrorCode::UploadUnreadable,
                format!("The upload could not be read ({}). Choose the file again and retry.", e.body_text()),
            )
        }
    };
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("file") => {
                let name = field.file_name().unwrap_or("upload.csv").to_string();
                let bytes = field.bytes().await.map_err(unreadable)?;
                file = Some((name, bytes.to_vec()));
            }
            Some("all_or_nothing") => {
                let value = field.text().await.map_err(unreadable)?;
                all_or_nothing = matches!(value.trim(), "on" | "true" | "1" | "yes");
            }
            _ => {}
        }
    }
    let Some((file_name, bytes)) = file else {
        return Err(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::FileMissing,
            "Choose a CSV file to upload.",
        ));
    };
    if bytes.is_empty() {
        return Err(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::FileEmpty,
            "The file is empty. Start from virtual-extension-template.csv and fill in a row per virtual extension.",
        ));
    }
    if bytes.len() as u64 > limits.max_bytes {
        return Err(refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::FileTooLarge,
            limits.too_large().message,
        ));
    }
    Ok(Upload { file_name, bytes, all_or_nothing })
}

fn check_error(error: CheckError) -> Response {
    match error {
        CheckError::File(file) => {
            let status = if file.code == ErrorCode::FileTooLarge {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            refuse(status, file.code, file.message)
        }
        CheckError::Service(error) => AppError::from(error).status_response(),
    }
}

fn validation_report(report: CheckReport) -> ValidationReport {
    let s = report.summary;
    ValidationReport {
        rows: s.rows,
        add: s.add,
        update: s.update,
        delete: s.delete,
        unchanged: s.unchanged,
        failed: s.failed,
        warnings: s.warnings,
        total_problems: report.problems.len() as u64,
        problems: report
            .problems
            .into_iter()
            .take(VALIDATE_PROBLEMS_SHOWN)
            .map(|p| TaskRowError {
                row: p.row,
                column: p.column.to_string(),
                code: p.code.as_str().to_string(),
                message: p.message,
                is_error: p.severity == crate::services::import::Severity::Error,
            })
            .collect(),
    }
}

/// `POST /api/imports/validate`: the dry run.
async fn validate(
    State(imports): State<Imports>,
    Extension(actor): Extension<Actor>,
    form: Multipart,
) -> Response {
    // A Validate reads and checks the whole file: one at a time per administrator, so a loop
    // of them cannot take the database from everyone else.
    let Some(_turn) = ValidateTurn::take(&imports.validating, &actor.id) else {
        let mut response = refuse(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::ValidateInProgress,
            "Your previous Validate is still running. Wait for its result, then try again.",
        );
        response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(5u64));
        return response;
    };
    let upload = match read_upload(form, imports.limits).await {
        Ok(upload) => upload,
        Err(response) => return response,
    };
    match tasks::validate(&imports.db, &actor, &upload.bytes, imports.limits).await {
        Ok(report) => Json(validation_report(report)).into_response(),
        Err(error) => check_error(error),
    }
}

/// `POST /api/imports`: stores the file as a task (JSON `Submitted`), or for a plain form post
/// redirects to the Tasks list.
async fn submit(
    State(imports): State<Imports>,
    Extension(actor): Extension<Actor>,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    let page = wants_page(&headers);
    let back = |response: Response| -> Response {
        if !page {
            return response;
        }
        // Back to the form with the reason (read from the JSON answer's message).
        let status = response.status();
        let reason = match status {
            StatusCode::PAYLOAD_TOO_LARGE => imports.limits.too_large().message,
            StatusCode::FORBIDDEN => "Your role does not allow importing.".to_string(),
            StatusCode::TOO_MANY_REQUESTS => format!(
                "You already have {} imports waiting or running. Submit this file when one of them has finished (see Tasks).",
                tasks::ACTIVE_TASKS_PER_ADMIN
            ),
            _ => "The file was not accepted: validate it to see why.".to_string(),
        };
        Redirect::to(&format!("{}?error={}", app::paths::BULK_ADD, encode_component(&reason))).into_response()
    };
    let upload = match read_upload(form, imports.limits).await {
        Ok(upload) => upload,
        Err(response) => return back(response),
    };
    let submitted = tasks::submit(
        &imports.db,
        &actor,
        &upload.file_name,
        upload.bytes,
        upload.all_or_nothing,
        imports.limits,
    )
    .await;
    match submitted {
        Ok(submitted) => {
            imports.wake.notify_one();
            if page {
                let duplicate = if submitted.duplicate { "&duplicate=1" } else { "" };
                Redirect::to(&format!("{}?submitted={}{duplicate}", app::paths::TASKS, submitted.task_id))
                    .into_response()
            } else {
                let status = if submitted.duplicate { StatusCode::OK } else { StatusCode::CREATED };
                (status, Json(submitted)).into_response()
            }
        }
        Err(CheckError::File(file)) if page => {
            Redirect::to(&format!("{}?error={}", app::paths::BULK_ADD, encode_component(&file.message)))
                .into_response()
        }
        Err(error) => back(check_error(error)),
    }
}

/// `GET /api/imports/{id}/errors.csv`.
async fn errors_csv(
    State(imports): State<Imports>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Response {
    match tasks::errors_csv(&imports.db, &actor, &id).await {
        Ok((name, bytes)) => {
            let ascii: String = name
                .chars()
                .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' { c } else { '_' })
                .collect();
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!(
                            "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
                            encode_component(&name)
                        ),
                    ),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                ],
                bytes,
            )
                .into_response()
        }
        Err(error) => AppError::from(error).status_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_validate_at_a_time_per_administrator() {
        let validating = Arc::default();
        let first = ValidateTurn::take(&validating, "ann").expect("Ann's first");
        assert!(ValidateTurn::take(&validating, "ann").is_none(), "Ann waits for her first");
        let bob = ValidateTurn::take(&validating, "bob");
        assert!(bob.is_some(), "Bob has his own turn");
        drop(first);
        assert!(ValidateTurn::take(&validating, "ann").is_some(), "Ann's turn again");
    }
}
