//! What an operator watches: the request id every log line of a request carries, and the
//! Prometheus metrics (the `metrics` crate's macros record them wherever they happen; with no
//! recorder installed, when `/metrics` is off, they cost next to nothing).

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

tokio::task_local! {
    /// The id of the request being handled.
    static REQUEST_ID: String;
}

/// The id of the request being handled, if any (an internal error's reference is this id, so
/// the answer, the response header and the log lines all name the same one).
pub fn request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Runs `future` as the handling of request `id`.
pub async fn with_request_id<F: std::future::Future>(id: String, future: F) -> F::Output {
    REQUEST_ID.scope(id, future).await
}

/// A client's own request id is kept when it is short and plain (a proxy's, say), so that its
/// logs and vext's can be joined; anything else is replaced, so nothing odd reaches a log line.
pub fn acceptable_request_id(given: &str) -> bool {
    !given.is_empty()
        && given.len() <= 128
        && given
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'/' | b'+' | b'='))
}

/// Metric names, in one place (the README lists them).
pub mod names {
    /// Counter: HTTP requests by `route` (the matched route pattern), `method` and `status`.
    pub const HTTP_REQUESTS: &str = "vext_http_requests_total";
    /// Histogram (seconds): HTTP request latency by `route` and `method`.
    pub const HTTP_DURATION: &str = "vext_http_request_duration_seconds";
    /// Counter: sign-ins by `outcome`: signed_in, wrong_password, unknown_email, disabled,
    /// backing_off, rate_limited.
    pub const SIGN_INS: &str = "vext_sign_ins_total";
    /// Counter: finished imports by `outcome` (completed, completed_with_errors, failed).
    pub const IMPORTS: &str = "vext_imports_total";
    /// Counter: rows of finished imports by `result` (added, updated, deleted, unchanged, failed).
    pub const IMPORT_ROWS: &str = "vext_import_rows_total";
    /// Counter: imports this replica gave up because another took their task over.
    pub const IMPORT_LEASES_LOST: &str = "vext_import_leases_lost_total";
    /// Gauge (read at each scrape): sessions that have not expired.
    pub const SESSIONS: &str = "vext_sessions";
    /// Gauge (read at each scrape): import tasks waiting or running, by `status`.
    pub const TASKS: &str = "vext_import_tasks";
    /// Gauges (read at each scrape): this replica's database connections by `state` (idle,
    /// in_use), and the most it may open.
    pub const DB_CONNECTIONS: &str = "vext_db_connections";
    pub const DB_CONNECTIONS_MAX: &str = "vext_db_connections_max";
}

/// The Prometheus recorder, installed once per process on first use (several routers in one
/// test process share it).
pub fn prometheus() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full(names::HTTP_DURATION.to_string()),
                    &[0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0],
                )
                .unwrap_or_else(|_| unreachable!("the bucket list is not empty"))
                .build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!(
                    "another metrics recorder is installed: /metrics shows only what this one records"
                );
            }
            describe();
            handle
        })
        .clone()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(names::HTTP_REQUESTS, "HTTP requests by matched route, method and status");
    describe_histogram!(
        names::HTTP_DURATION,
        Unit::Seconds,
        "HTTP request latency by matched route and method"
    );
    describe_counter!(names::SIGN_INS, "Sign-in attempts by outcome");
    describe_counter!(names::IMPORTS, "Finished CSV imports by outcome");
    describe_counter!(names::IMPORT_ROWS, "Rows of finished CSV imports by result");
    describe_counter!(
        names::IMPORT_LEASES_LOST,
        "Imports given up because another replica took their task over"
    );
    describe_gauge!(names::SESSIONS, "Sessions that have not expired (all replicas)");
    describe_gauge!(names::TASKS, "Import tasks waiting or running, by status (all replicas)");
    describe_gauge!(names::DB_CONNECTIONS, "This replica's database connections by state");
    describe_gauge!(names::DB_CONNECTIONS_MAX, "The most database connections this replica opens");
}
