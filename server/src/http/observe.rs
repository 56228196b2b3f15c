//! What every request leaves behind for the operator: an id (`X-Request-Id`, in every log line
//! of the request and in its 500 answers), its metrics, and `/metrics` to read them.

use crate::config::MetricsAccess;
use crate::store::entities::{session, task};
use crate::telemetry::{self, names};
use app::model::task::TaskStatus;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use sea_orm::{ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait, QueryFilter};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::time::Instant;
use tracing::Instrument;

pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Gives the request its id (the client's or a proxy's when plain, else a new one), runs it in
/// a log span that carries the id, records its metrics, and puts the id on the answer.
pub async fn observe(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| telemetry::acceptable_request_id(v))
        .map(str::to_string)
        .unwrap_or_else(crate::store::new_id);
    // The route pattern, not the path: one series per route, whatever ids the paths carry.
    let route = request.extensions().get::<MatchedPath>().map_or("(unmatched)", |p| p.as_str()).to_string();
    let method = request.method().clone();
    let span =
        tracing::info_span!("request", request_id = %id, method = %method, path = %request.uri().path());
    let started = Instant::now();
    let mut response =
        telemetry::with_request_id(id.clone(), next.run(request).instrument(span.clone())).await;
    let elapsed = started.elapsed();
    let status = response.status();
    let labels = [("route", route), ("method", method.to_string())];
    metrics::counter!(
        names::HTTP_REQUESTS,
        &[labels[0].clone(), labels[1].clone(), ("status", status.as_u16().to_string())]
    )
    .increment(1);
    metrics::histogram!(names::HTTP_DURATION, &labels).record(elapsed.as_secs_f64());
    span.in_scope(|| {
        tracing::debug!(status = status.as_u16(), ms = elapsed.as_millis() as u64, "request finished")
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(X_REQUEST_ID.clone(), value);
    }
    response
}

/// What `/metrics` needs.
#[derive(Clone)]
pub struct Metrics {
    pub handle: PrometheusHandle,
    pub access: MetricsAccess,
    pub token: Option<String>,
    pub db: DatabaseConnection,
}

/// `/metrics` (Prometheus' text format) when metrics are on; nothing otherwise.
pub fn router(metrics: Option<Metrics>) -> Router {
    match metrics {
        Some(metrics) => Router::new().route("/metrics", get(scrape)).with_state(metrics),
        None => Router::new(),
    }
}

async fn scrape(State(metrics): State<Metrics>, request: Request) -> Response {
    if let Err(refusal) = allowed(&metrics, &request) {
        return refusal;
    }
    read_gauges(&metrics.db).await;
    let mut response = metrics.handle.render().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    response
}

/// Loopback: a client on this machine that did not come through a proxy. Token: the bearer
/// token, compared without a timing hint.
#[allow(clippy::result_large_err)]
fn allowed(metrics: &Metrics, request: &Request) -> Result<(), Response> {
    match metrics.access {
        MetricsAccess::Off => Err(StatusCode::NOT_FOUND.into_response()),
        MetricsAccess::Loopback => {
            let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
            let proxied = request.headers().contains_key("x-forwarded-for")
                || request.headers().contains_key("forwarded");
            if peer.is_some_and(|ip| ip.is_loopback()) && !proxied {
                Ok(())
            } else {
                Err((StatusCode::FORBIDDEN, "metrics are served to this machine only (metrics = loopback)\n")
                    .into_response())
            }
        }
        MetricsAccess::Token => {
            let given = request
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or_default();
            let expected = metrics.token.as_deref().unwrap_or_default();
            // Equal digests, compared whole: the time taken says nothing about the token.
            let same = Sha256::digest(given.as_bytes()) == Sha256::digest(expected.as_bytes());
            if same && !expected.is_empty() {
                Ok(())
            } else {
                let mut refused =
                    (StatusCode::UNAUTHORIZED, "metrics need Authorization: Bearer <metrics_token>\n")
                        .into_response();
                refused.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                Err(refused)
            }
        }
    }
}

/// The gauges read at each scrape: sessions and tasks (from the database, so every replica
/// reports the same), and this replica's connection pool.
async fn read_gauges(db: &DatabaseConnection) {
    let now = chrono::Utc::now();
    match session::Entity::find().filter(session::Column::ExpiresAt.gt(now)).count(db).await {
        Ok(n) => metrics::gauge!(names::SESSIONS).set(n as f64),
        Err(error) => tracing::warn!(%error, "metrics: cannot count sessions"),
    }
    for status in TaskStatus::ACTIVE {
        match task::Entity::find().filter(task::Column::Status.eq(status)).count(db).await {
            Ok(n) => metrics::gauge!(names::TASKS, "status" => status.as_str()).set(n as f64),
            Err(error) => tracing::warn!(%error, "metrics: cannot count tasks"),
        }
    }
    let (size, idle, max) = match db.get_database_backend() {
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle(), pool.options().get_max_connections())
        }
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle(), pool.options().get_max_connections())
        }
        _ => return,
    };
    let idle = idle as f64;
    metrics::gauge!(names::DB_CONNECTIONS, "state" => "idle").set(idle);
    metrics::gauge!(names::DB_CONNECTIONS, "state" => "in_use").set((f64::from(size) - idle).max(0.0));
    metrics::gauge!(names::DB_CONNECTIONS_MAX).set(f64::from(max));
}
