//! Downloads that are plain GET routes (a browser saves them as files): the audit log and the
//! virtual extensions as CSV.

use super::auth::StatusResponse;
use crate::services::audit;
use app::error::AppError;
use app::model::admin::Actor;
use app::model::audit::AuditQuery;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use futures_util::StreamExt;
use sea_orm::DatabaseConnection;

/// The download routes.
pub fn router(db: DatabaseConnection) -> Router {
    Router::new()
        .route("/api/audit.csv", get(audit_csv))
        .route("/api/virtual_extensions.csv", get(virtual_extensions_csv))
        .with_state(db)
}

/// Rows read from the database per step of the download.
const BATCH: u64 = 1_000;

fn csv_line(cells: &[String]) -> Result<Bytes, csv::Error> {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    writer.write_record(cells)?;
    writer.into_inner().map(Bytes::from).map_err(|e| csv::Error::from(e.into_error()))
}

/// `GET /api/audit.csv?actor=…&what=…&target=…&from=…&to=…`: every entry the filters select,
/// newest first, streamed in batches. Full and read-only administrators.
pub async fn audit_csv(
    State(db): State<DatabaseConnection>,
    Extension(actor): Extension<Actor>,
    Query(mut query): Query<AuditQuery>,
) -> Response {
    query.page = app::model::PageIndex::FIRST;
    // Entries written while the download runs are left out, so batches never shift.
    let until = chrono::Utc::now();
    // Refusals and bad filters answer with a status before the download starts.
    let first = match audit::export_batch(&db, &actor, &query, BATCH, 0, until).await {
        Ok(first) => first,
        Err(error) => return AppError::from(error).status_response(),
    };
    let header = csv_line(&audit::CSV_HEADER.map(str::to_string)).unwrap_or_default();
    let head = futures_util::stream::iter([
        Ok::<Bytes, std::io::Error>(Bytes::from_static("\u{feff}".as_bytes())),
        Ok(header),
    ]);
    let rows = futures_util::stream::unfold(Step::Next(0, Some(first)), move |step| {
        let (db, actor, query) = (db.clone(), actor.clone(), query.clone());
        async move {
            let Step::Next(index, prefetched) = step else { return None };
            let entries = match prefetched {
                Some(entries) => entries,
                None => match audit::export_batch(&db, &actor, &query, BATCH, index, until).await {
                    Ok(entries) => entries,
                    // Mid-download the status is sent: cut the body short so the browser
                    // reports a failed download rather than saving a partial file as whole.
                    Err(error) => {
                        let error = AppError::from(error);
                        return Some((Err(std::io::Error::other(error.to_string())), Step::Done));
                    }
                },
            };
            if entries.is_empty() {
                return None;
            }
            let mut chunk = Vec::new();
            for entry in &entries {
                chunk.extend_from_slice(&csv_line(&audit::csv_record(entry)).unwrap_or_default());
            }
            let next = if (entries.len() as u64) < BATCH { Step::Done } else { Step::Next(index + 1, None) };
            Some((Ok(Bytes::from(chunk)), next))
        }
    });
    let day = chrono::Utc::now().format("%Y-%m-%d");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"vext-audit-{day}.csv\"")),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        // Fused: the compression layer may poll again after the end, which `unfold` forbids.
        Body::from_stream(StreamExt::fuse(StreamExt::chain(head, rows))),
    )
        .into_response()
}

/// Where a download stands: the next batch (maybe already read), or finished.
enum Step {
    Next(u64, Option<Vec<app::model::audit::AuditEntry>>),
    Done,
}

/// `GET /api/virtual_extensions.csv?q=…&level=…&location=…`: the entries the list's search and
/// filters select (all of them without), in the template's format: importing the file again
/// changes nothing. Streamed in batches, in creation order. Every signed-in role.
pub async fn virtual_extensions_csv(
    State(db): State<DatabaseConnection>,
    Extension(_actor): Extension<Actor>,
    Query(params): Query<std::collections::HashMap<String, String>>,
) -> Response {
    use crate::services::virtual_extensions::{export_batch, export_record};
    use app::model::csv::Column;
    let query = app::model::ListQuery::from_params(|name| params.get(name).cloned());
    let first = match export_batch(&db, &query, None, BATCH).await {
        Ok(first) => first,
        Err(error) => return AppError::from(error).status_response(),
    };
    let header = csv_line(&Column::ALL.map(|c| c.header().to_string())).unwrap_or_default();
    let head = futures_util::stream::iter([
        Ok::<Bytes, std::io::Error>(Bytes::from_static("\u{feff}".as_bytes())),
        Ok(header),
    ]);
    let rows = futures_util::stream::unfold(Some((None::<String>, Some(first))), move |step| {
        let (db, query) = (db.clone(), query.clone());
        async move {
            let (after, prefetched) = step?;
            let entries = match prefetched {
                Some(entries) => entries,
                None => match export_batch(&db, &query, after.as_deref(), BATCH).await {
                    Ok(entries) => entries,
                    Err(error) => {
                        let error = AppError::from(error);
                        return Some((Err(std::io::Error::other(error.to_string())), None));
                    }
                },
            };
            let last = entries.last()?.id.clone();
            let mut chunk = Vec::new();
            for entry in &entries {
                chunk.extend_from_slice(&csv_line(&export_record(entry)).unwrap_or_default());
            }
            let next = ((entries.len() as u64) == BATCH).then_some((Some(last), None));
            Some((Ok(Bytes::from(chunk)), next))
        }
    });
    let day = chrono::Utc::now().format("%Y-%m-%d");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"virtual-extensions-{day}.csv\"")),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(StreamExt::fuse(StreamExt::chain(head, rows))),
    )
        .into_response()
}
