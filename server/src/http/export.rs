//! Downloads that are plain GET routes (a browser saves them as files): the audit log and the
//! virtual extensions as CSV.

use super::auth::StatusResponse;
use crate::services::{audit, ServiceError};
use app::error::AppError;
use app::model::admin::Actor;
use app::model::audit::AuditQuery;
use app::model::VirtualExtension;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use futures_util::StreamExt;
use sea_orm::DatabaseConnection;
use std::future::Future;

/// The download routes.
pub fn router(db: DatabaseConnection) -> Router {
    Router::new()
        .route("/api/audit.csv", get(audit_csv))
        .route("/api/virtual_extensions.csv", get(virtual_extensions_csv))
        .with_state(db)
}

/// Rows read from the database per step of the download.
const BATCH: u64 = 1_000;

fn csv_line(cells: impl IntoIterator<Item = String>) -> Result<Bytes, csv::Error> {
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
    let download = Download {
        file_name: format!("vext-audit-{}.csv", chrono::Utc::now().format("%Y-%m-%d")),
        header: audit::CSV_HEADER.map(str::to_string).to_vec(),
        record: audit::csv_record,
        start: 0,
        advance: |index, _| index + 1,
    };
    download
        .stream(move |index| {
            let (db, actor, query) = (db.clone(), actor.clone(), query.clone());
            async move { audit::export_batch(&db, &actor, &query, BATCH, index, until).await }
        })
        .await
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
    let download = Download {
        file_name: format!("virtual-extensions-{}.csv", chrono::Utc::now().format("%Y-%m-%d")),
        header: Column::ALL.map(|c| c.header().to_string()).to_vec(),
        record: export_record,
        start: None,
        // Keyset paging: the batch after the last id seen.
        advance: |_, batch: &[VirtualExtension]| batch.last().map(|entry| entry.id.clone()),
    };
    download
        .stream(move |after: Option<String>| {
            let (db, query) = (db.clone(), query.clone());
            async move { export_batch(&db, &query, after.as_deref(), BATCH).await }
        })
        .await
}

/// A CSV file streamed in batches of `BATCH` rows: a byte order mark (for spreadsheets), the
/// header, then each batch's records, until a batch comes back short.
struct Download<T, R, C> {
    file_name: String,
    header: Vec<String>,
    record: fn(&T) -> R,
    /// Where the first batch starts, and where the batch after `batch` does.
    start: C,
    advance: fn(C, &[T]) -> C,
}

impl<T, R, C> Download<T, R, C>
where
    T: Send + 'static,
    R: IntoIterator<Item = String> + 'static,
    C: Clone + Send + 'static,
{
    /// The download, reading each batch with `fetch`. The first is read before answering, so
    /// that a refusal or a bad filter is a status; a later failure cuts the body short, so
    /// that the browser reports a failed download rather than saving a partial file as whole.
    async fn stream<F, Fut>(self, fetch: F) -> Response
    where
        F: Fn(C) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<T>, ServiceError>> + Send,
    {
        let Download { file_name, header, record, start, advance } = self;
        let first = match fetch(start.clone()).await {
            Ok(first) => first,
            Err(error) => return AppError::from(error).status_response(),
        };
        let head = futures_util::stream::iter([
            Ok::<Bytes, std::io::Error>(Bytes::from_static("\u{feff}".as_bytes())),
            Ok(csv_line(header).unwrap_or_default()),
        ]);
        let fetch = std::sync::Arc::new(fetch);
        let rows = futures_util::stream::unfold(Some((start, Some(first))), move |step| {
            let fetch = fetch.clone();
            async move {
                let (cursor, prefetched) = step?;
                let batch = match prefetched {
                    Some(batch) => batch,
                    None => match fetch(cursor.clone()).await {
                        Ok(batch) => batch,
                        Err(error) => {
                            let error = AppError::from(error);
                            return Some((Err(std::io::Error::other(error.to_string())), None));
                        }
                    },
                };
                if batch.is_empty() {
                    return None;
                }
                let mut chunk = Vec::new();
                for item in &batch {
                    chunk.extend_from_slice(&csv_line(record(item)).unwrap_or_default());
                }
                let next = (batch.len() as u64 == BATCH).then(|| (advance(cursor, &batch), None));
                Some((Ok(Bytes::from(chunk)), next))
            }
        });
        (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            // Fused: the compression layer may poll again after the end, which `unfold` forbids.
            Body::from_stream(StreamExt::fuse(StreamExt::chain(head, rows))),
        )
            .into_response()
    }
}
