//! `/v1/vext/imports`: Bulk Add in CSV for scripts (vext's own, not in the cloud product). The
//! body is the file itself (`text/csv`, the template's format); the import runs as a task like
//! one submitted on the page, and its state, counts and errors are read back here.

use super::error::{ApiError, ErrorBody};
use super::json::Params;
use super::{origin, Api};
use crate::http::imports::ValidateTurn;
use crate::services::import::tasks;
use crate::services::import::{CheckError, Severity};
use app::model::admin::Actor;
use app::model::task::{TaskStatus, TaskSummary};
use app::model::ErrorCode;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const TAG: &str = "Imports (vext)";
/// Problems a validation report lists at most (the counts cover all).
const PROBLEMS_SHOWN: usize = 1_000;

pub(super) fn routes(limits: app::model::csv::Limits) -> OpenApiRouter<Api> {
    let body_limit = usize::try_from(limits.max_bytes).unwrap_or(usize::MAX);
    OpenApiRouter::new()
        .routes(routes!(submit))
        .routes(routes!(validate))
        .routes(routes!(status))
        .routes(routes!(errors_csv))
        // The file is the body: the CSV size limit, not the JSON one.
        .layer(DefaultBodyLimit::max(body_limit))
}

/// The CSV body, or why it is not one.
fn csv_body(api: &Api, headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
    if !matches!(media.as_deref(), Some("text/csv" | "application/csv" | "text/plain")) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::BadRequest,
            "Send the CSV file itself as the body, with Content-Type: text/csv (UTF-8, the format of \
             virtual-extension-template.csv).",
        ));
    }
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::FileTooLarge,
                api.imports.limits.too_large().message,
            )
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::UploadUnreadable,
                format!("The body could not be read ({}). Send the file again.", rejection.body_text()),
            )
        }
    })?;
    if bytes.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::FileEmpty,
            "The body is empty. Send a CSV file in the format of virtual-extension-template.csv, a row per virtual extension.",
        ));
    }
    Ok(bytes)
}

fn check_error(error: CheckError) -> ApiError {
    match error {
        CheckError::File(file) => {
            let status = if file.code == ErrorCode::FileTooLarge {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::BAD_REQUEST
            };
            ApiError::new(status, file.code, file.message)
        }
        CheckError::Service(error) => error.into(),
    }
}

/// The submit's query parameters (documentation: they are read by [`Params`]).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct SubmitParams {
    /// `true`: if any row has an error, change nothing (default `false`: the valid rows are applied).
    all_or_nothing: Option<String>,
    /// The name the Tasks list shows (default `api-import.csv`).
    file_name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    /// The import task's id.
    pub id: String,
}

/// Submit a CSV file as an import task. The same file while its task is still queued or
/// running answers that task's id. The task's URL is in the `Location` header.
#[utoipa::path(
    post,
    path = "/vext/imports",
    tag = TAG,
    params(SubmitParams),
    request_body(content = String, content_type = "text/csv", description = "The file, in the template's format"),
    responses(
        (status = 202, description = "Queued (or already queued)", body = Accepted,
         headers(("Location" = String, description = "The task: GET it for its state"))),
        (status = 400, description = "The file is unusable (encoding, header, row limit)", body = ErrorBody),
        (status = 403, description = "The token's role may not import", body = ErrorBody),
        (status = 413, description = "Larger than the CSV size limit", body = ErrorBody),
        (status = 415, description = "Not text/csv", body = ErrorBody),
        (status = 429, description = "Too many of this token's imports waiting", body = ErrorBody),
    )
)]
async fn submit(
    State(api): State<Api>,
    Extension(actor): Extension<Actor>,
    headers: HeaderMap,
    params: Params,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let all_or_nothing = params.flag("allOrNothing")?;
    let file_name = params.text("fileName").unwrap_or("api-import.csv").to_string();
    let bytes = csv_body(&api, &headers, body)?;
    let submitted =
        tasks::submit(&api.db, &actor, &file_name, bytes.to_vec(), all_or_nothing, api.imports.limits)
            .await
            .map_err(check_error)?;
    api.imports.wake.notify_one();
    let mut response =
        (StatusCode::ACCEPTED, Json(Accepted { id: submitted.task_id.clone() })).into_response();
    let location = format!("{}/v1/vext/imports/{}", origin(&api, &headers), submitted.task_id);
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// An import task's state.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportState {
    pub id: String,
    pub file_name: String,
    /// `QUEUED`, `VALIDATING`, `IMPORTING`, `COMPLETED`, `COMPLETED_WITH_ERRORS` or `FAILED`.
    pub state: String,
    /// Whether the task is done (any of the last three states).
    pub finished: bool,
    pub all_or_nothing: bool,
    pub total_rows: u64,
    pub processed_rows: u64,
    /// 0 to 100.
    pub progress: u64,
    pub added: u64,
    pub updated: u64,
    pub deleted: u64,
    pub unchanged: u64,
    pub failed: u64,
    pub warnings: u64,
    /// Row problems recorded (errors and warnings): `errors.csv` has the rows in error.
    pub problems: u64,
    /// Who submitted it ("API token N", or an administrator's email).
    pub submitted_by: String,
    pub submitted_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    /// Why a failed task changed nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn state_name(status: TaskStatus) -> &'static str {
    match status {
        TaskStatus::Queued => "QUEUED",
        TaskStatus::Validating => "VALIDATING",
        TaskStatus::Importing => "IMPORTING",
        TaskStatus::Completed => "COMPLETED",
        TaskStatus::CompletedWithErrors => "COMPLETED_WITH_ERRORS",
        TaskStatus::Failed => "FAILED",
    }
}

impl ImportState {
    fn new(task: TaskSummary, problems: u64) -> Self {
        Self {
            progress: task.percent(),
            finished: !task.status.is_active(),
            state: state_name(task.status).to_string(),
            id: task.id,
            file_name: task.file_name,
            all_or_nothing: task.all_or_nothing,
            total_rows: task.total_rows,
            processed_rows: task.processed_rows,
            added: task.added,
            updated: task.updated,
            deleted: task.deleted,
            unchanged: task.unchanged,
            failed: task.failed,
            warnings: task.warnings,
            problems,
            submitted_by: task.submitted_by,
            submitted_at: task.submitted_at,
            finished_at: task.finished_at,
            error: task.error,
        }
    }
}

/// An id from the path (see [`super::json::path_id`]).
fn checked_id(id: &str) -> Result<&str, ApiError> {
    super::json::path_id(id, "import task")
}

/// Read an import task's state, counts and progress.
#[utoipa::path(
    get,
    path = "/vext/imports/{id}",
    tag = TAG,
    params(("id" = String, Path, description = "The task's id")),
    responses(
        (status = 200, description = "The task", body = ImportState),
        (status = 404, description = "No such task (or another's, for a location token)", body = ErrorBody),
    )
)]
async fn status(
    State(api): State<Api>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Result<Json<ImportState>, ApiError> {
    let detail =
        tasks::get(&api.db, &actor, &api.imports.board, checked_id(&id)?, app::model::PageIndex::FIRST)
            .await?;
    Ok(Json(ImportState::new(detail.task, detail.total_problems)))
}

/// The rows of a task that failed, as the file had them, with an Error column saying what to
/// fix (UTF-8 with a BOM): fix them and submit the file again.
#[utoipa::path(
    get,
    path = "/vext/imports/{id}/errors.csv",
    tag = TAG,
    params(("id" = String, Path, description = "The task's id")),
    responses(
        (status = 200, description = "The rows in error", content_type = "text/csv", body = String),
        (status = 404, description = "No such task", body = ErrorBody),
    )
)]
async fn errors_csv(
    State(api): State<Api>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (_, bytes) = tasks::errors_csv(&api.db, &actor, checked_id(&id)?).await?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], bytes).into_response())
}

/// Validate's report: what the file would do, and each row's problems.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ValidationReport {
    /// `true` when no row has an error (warnings allowed).
    pub valid: bool,
    pub rows: u64,
    pub add: u64,
    pub update: u64,
    pub delete: u64,
    pub unchanged: u64,
    pub failed: u64,
    pub warnings: u64,
    /// Problems in all; `problems` lists the first 1,000.
    pub total_problems: u64,
    pub problems: Vec<RowProblem>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RowProblem {
    /// The file's line number of the row (the header is row 1).
    pub row: u64,
    pub column: String,
    /// `ERROR` (the row is not applied) or `WARNING` (it is).
    pub severity: String,
    pub code: String,
    pub error_code: u32,
    pub message: String,
}

/// Check every row of a CSV file against the rules, the directory and the other rows, changing
/// nothing (one at a time per token).
#[utoipa::path(
    post,
    path = "/vext/imports/validate",
    tag = TAG,
    request_body(content = String, content_type = "text/csv", description = "The file, in the template's format"),
    responses(
        (status = 200, description = "The report", body = ValidationReport),
        (status = 400, description = "The file is unusable", body = ErrorBody),
        (status = 413, description = "Larger than the CSV size limit", body = ErrorBody),
        (status = 415, description = "Not text/csv", body = ErrorBody),
        (status = 429, description = "This token's previous validation still runs", body = ErrorBody),
    )
)]
async fn validate(
    State(api): State<Api>,
    Extension(actor): Extension<Actor>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ValidationReport>, ApiError> {
    let bytes = csv_body(&api, &headers, body)?;
    let Some(_turn) = ValidateTurn::take(&api.imports.validating, &actor.id) else {
        return Err(ApiError {
            retry_after_secs: Some(5),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::ValidateInProgress,
                "This token's previous validation is still running. Wait for its report, then try again.",
            )
        });
    };
    let report = tasks::validate(&api.db, &actor, &bytes, api.imports.limits).await.map_err(check_error)?;
    let s = &report.summary;
    Ok(Json(ValidationReport {
        valid: report.is_valid(),
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
            .take(PROBLEMS_SHOWN)
            .map(|p| RowProblem {
                row: p.row,
                column: p.column.to_string(),
                severity: if p.severity == Severity::Error { "ERROR" } else { "WARNING" }.to_string(),
                code: p.code.as_str().to_string(),
                error_code: p.code.number(),
                message: p.message,
            })
            .collect(),
    }))
}
