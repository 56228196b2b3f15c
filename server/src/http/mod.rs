//! The HTTP front: Leptos pages and server functions, static files, the downloads and uploads a
//! browser makes, and the middleware every request passes (body limit, panic guard,
//! compression, security headers, tracing).

pub mod auth;
pub mod export;
pub mod imports;
pub mod observe;
pub mod protect;
pub mod ratelimit;
pub mod v1;

use crate::config::{MetricsAccess, ServeArgs};
use crate::services::sessions::SessionPolicy;
use app::api::session::SessionCookie;
use app::error::AppError;
use app::{shell, App};
use auth::Gate;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use imports::Imports;
use leptos::prelude::*;
use leptos_axum::{generate_route_list_with_exclusions, LeptosRoutes};
use protect::Origins;
use ratelimit::RateLimiter;
use sea_orm::DatabaseConnection;
use std::any::Any;
use std::sync::Arc;
use tokio::sync::Notify;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;

/// A panic in a handler: logged, answered with a bare 500 that reveals nothing but the
/// request's id (which the log line also carries).
fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(non-string panic)");
    tracing::error!(panic = detail, "handler panicked");
    let id = crate::telemetry::request_id().unwrap_or_default();
    (StatusCode::INTERNAL_SERVER_ERROR, format!("Internal Server Error (request id {id})\n")).into_response()
}

/// server_fn answers every error with 500. vext's errors know their status (422 for a
/// validation error, 409 for a conflict, 400 for malformed arguments, …): use it, wherever in
/// the server function the error arose.
async fn server_fn_error_status(response: Response) -> Response {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key("serverfnerror")
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1024 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let AppError::TooManyRequests { retry_after_secs } = error {
            parts.headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Liveness: the process answers HTTP (restart it if not). Whether it can serve is `/readyz`.
async fn healthz() -> &'static str {
    "ok"
}

/// What `/readyz` looks at.
#[derive(Clone)]
struct Readiness {
    db: DatabaseConnection,
    dial_plans: Arc<crate::services::calls::DialPlans>,
}

/// Ready to serve: the database answers, its schema is this binary's, and the in-memory
/// directory is current. `503` with the reasons otherwise (a stale directory still answers
/// the look-ups, from the last snapshot).
async fn readyz(State(ready): State<Readiness>) -> Response {
    use crate::services::calls::Freshness;
    use sea_orm_migration::MigratorTrait;
    const WAIT: std::time::Duration = std::time::Duration::from_secs(2);
    let mut problems: Vec<String> = Vec::new();
    let database = match tokio::time::timeout(WAIT, ready.db.ping()).await {
        Ok(Ok(())) => "ok".to_string(),
        Ok(Err(error)) => {
            problems.push("the database does not answer".to_string());
            error.to_string()
        }
        Err(_) => {
            problems.push("the database does not answer".to_string());
            format!("no answer within {} s", WAIT.as_secs())
        }
    };
    let pending =
        tokio::time::timeout(WAIT, crate::store::Migrator::get_pending_migrations_read_only(&ready.db)).await;
    let migrations = match pending {
        Ok(Ok(pending)) if pending.is_empty() => "current".to_string(),
        Ok(Ok(pending)) => {
            problems.push(format!("{} migrations have not run", pending.len()));
            format!("{} pending", pending.len())
        }
        _ => "unknown".to_string(),
    };
    if ready.dial_plans.health() == Freshness::NotLoaded {
        let _ = tokio::time::timeout(WAIT, ready.dial_plans.current(&ready.db)).await;
    }
    let directory = match ready.dial_plans.health() {
        Freshness::Fresh { version } => serde_json::json!({ "fresh": true, "version": version }),
        Freshness::Stale { version, for_secs, error } => {
            problems.push(format!("the directory in memory is stale: not confirmed for {for_secs} s"));
            serde_json::json!({ "fresh": false, "version": version, "staleForSecs": for_secs, "error": error })
        }
        Freshness::NotLoaded => {
            problems.push("the directory is not loaded".to_string());
            serde_json::json!({ "fresh": false })
        }
    };
    let status = if problems.is_empty() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = serde_json::json!({
        "status": if problems.is_empty() { "ready" } else { "not ready" },
        "problems": problems,
        "database": database,
        "migrations": migrations,
        "directory": directory,
    });
    (status, axum::Json(body)).into_response()
}

/// What the HTTP front shares with the rest of this replica: the import worker's wake-up and
/// board, and the dial-plan snapshot.
#[derive(Clone, Default)]
pub struct Jobs {
    /// Wakes the worker when a task is queued.
    pub wake: Arc<Notify>,
    /// The progress of the tasks the worker runs.
    pub board: crate::services::import::Board,
    /// The dial-plan snapshot (one per process: the pages and the REST API share it).
    pub dial_plans: Arc<crate::services::calls::DialPlans>,
}

/// Builds the whole application router.
pub fn router(options: LeptosOptions, db: DatabaseConnection, args: &ServeArgs, jobs: Jobs) -> Router {
    let origins = Origins::from_config(args.public_origin.as_deref());
    let https = origins.public.iter().any(|o| o.starts_with("https://"));
    let cookie = SessionCookie::for_https(https);
    let gate = Gate {
        db: db.clone(),
        cookie,
        policy: SessionPolicy::default(),
        trust_forwarded_for: args.trust_forwarded_for,
        sign_in_limit: Arc::new(RateLimiter::new(args.sign_in_limit, std::time::Duration::from_secs(60))),
    };
    // "/" is a plain HTTP redirect (the router's <Redirect> covers client-side navigation).
    let routes = generate_route_list_with_exclusions(App, Some(vec!["/".to_string()]));
    let services = Arc::new(crate::ports::Services {
        db: db.clone(),
        board: jobs.board.clone(),
        dial_plans: jobs.dial_plans.clone(),
    });
    let context = move || {
        app::api::port::provide_ports(services.clone());
        provide_context(cookie);
    };
    // Plain axum routes beside Leptos': health, and downloads a browser saves as files.
    let readiness = Readiness { db: db.clone(), dial_plans: jobs.dial_plans.clone() };
    let plain = Router::new()
        .route("/healthz", get(healthz))
        .merge(Router::new().route("/readyz", get(readyz)).with_state(readiness))
        .merge(export::router(db.clone()));
    // Uploads have their own body limit (the CSV size limit), outside the general one.
    let uploads = imports::router(Imports {
        db: db.clone(),
        limits: args.csv.limits(),
        wake: jobs.wake.clone(),
        validating: Default::default(),
    });
    // The REST API: its own authentication (API tokens, no cookies, so no cross-site guard),
    // body limit and error answers.
    let metrics_db = db.clone();
    let api = v1::router(v1::Api {
        db,
        tokens: Arc::new(crate::services::tokens::TokenCache::new()),
        limits: Arc::new(ratelimit::TokenBuckets::new(args.api_rate, args.api_burst)),
        public_origin: origins.public.first().cloned(),
        trust_forwarded_for: args.trust_forwarded_for,
        organization: Default::default(),
        imports: v1::ImportJobs {
            limits: args.csv.limits(),
            wake: jobs.wake,
            board: jobs.board,
            validating: Default::default(),
        },
        dial_plans: jobs.dial_plans,
        phone_books: Default::default(),
    });
    let home = Router::new().route("/", get(|| async { Redirect::to(app::paths::VIRTUAL_EXTENSIONS) }));
    // Prometheus metrics, when on: outside the session gate (a scraper has no session).
    let metrics = (args.metrics != MetricsAccess::Off).then(|| observe::Metrics {
        handle: crate::telemetry::prometheus(),
        access: args.metrics,
        token: args.metrics_token.clone(),
        db: metrics_db,
    });
    Router::new()
        .leptos_routes_with_context(&options, routes, context, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options)
        .merge(plain)
        .merge(home)
        .layer(RequestBodyLimitLayer::new(args.body_limit))
        .merge(uploads)
        .layer(middleware::map_response(server_fn_error_status))
        .layer(middleware::from_fn_with_state(gate, auth::gate))
        .layer(middleware::from_fn_with_state(Arc::new(origins), protect::guard))
        .merge(api)
        .merge(observe::router(metrics))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn(auth::no_store))
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            https.then(|| HeaderValue::from_static("max-age=31536000; includeSubDomains")),
        ))
        .layer(middleware::from_fn(observe::observe))
}
