//! The gate in front of everything: no page or server function answers without a session.
//! Pages redirect to the sign-in page (and back afterwards); server functions answer 401.

use super::ratelimit::RateLimiter;
use crate::services::sessions::{self, SessionPolicy};
use app::api::port::SignInThrottled;
use app::api::session::SessionCookie;
use app::error::AppError;
use app::model::admin::ClientInfo;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use sea_orm::DatabaseConnection;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

/// A path in a query value: encoded like any value, but its slashes stay readable.
const PATH: &percent_encoding::AsciiSet = &app::model::query::COMPONENT.remove(b'/');

#[derive(Clone)]
pub struct Gate {
    pub db: DatabaseConnection,
    pub cookie: SessionCookie,
    pub policy: SessionPolicy,
    /// Take the client's address from `X-Forwarded-For` (set by a trusted reverse proxy).
    pub trust_forwarded_for: bool,
    pub sign_in_limit: Arc<RateLimiter>,
}

/// The client's address: the right-most `X-Forwarded-For` entry when a trusted proxy sets it
/// (the one that proxy saw; entries to its left are the client's say-so), else the peer.
pub fn client_address(request: &Request, trust_forwarded_for: bool) -> Option<String> {
    if trust_forwarded_for {
        let forwarded = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|v| !v.is_empty())
            .and_then(|v| v.parse::<std::net::IpAddr>().ok());
        if let Some(ip) = forwarded {
            return Some(ip.to_string());
        }
    }
    request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip().to_string())
}

/// What anyone may reach: the sign-in page and its server function, static files, health.
fn is_public(path: &str) -> bool {
    matches!(path, "/sign-in" | "/api/sign_in" | "/healthz" | "/readyz") || is_static_file(path)
}

/// The site's own files, the same for everyone (the only answers a cache may keep).
pub fn is_static_file(path: &str) -> bool {
    matches!(path, "/favicon.svg" | "/virtual-extension-template.csv")
        || path.starts_with("/pkg/")
        || path.starts_with("/readme/")
}

/// Nothing but the site's own files may be kept by a browser or a proxy cache: pages, server
/// function answers and downloads carry personal data (ASVS 14.3.2).
pub async fn no_store(request: Request, next: Next) -> Response {
    let cacheable = is_static_file(request.uri().path());
    let mut response = next.run(request).await;
    if !cacheable {
        response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    }
    response
}

pub async fn gate(State(gate): State<Gate>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let ip = client_address(&request, gate.trust_forwarded_for);
    if path == "/api/sign_in" && request.method() == Method::POST {
        // One count per IPv4 address or IPv6 /64 (one subscriber's whole range).
        let client = sessions::client_key(ip.as_deref());
        if let Err(wait) = gate.sign_in_limit.check(&client, Instant::now()) {
            tracing::warn!(%client, "sign-in refused: too many attempts from this address");
            metrics::counter!(crate::telemetry::names::SIGN_INS, "outcome" => "rate_limited").increment(1);
            // The server function refuses it (429 with Retry-After to a script; the sign-in
            // page with the wait to a form post), before any password is looked at.
            request.extensions_mut().insert(SignInThrottled { retry_after_secs: wait.as_secs().max(1) });
        }
    }
    let user_agent =
        request.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string);
    request.extensions_mut().insert(ClientInfo { ip: ip.clone(), user_agent });
    // Static files, health and the sign-in page need no session: spare them the lookups.
    if is_public(&path) {
        return next.run(request).await;
    }
    let token =
        gate.cookie.read(request.headers().get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()));
    let admin = match &token {
        Some(token) => match sessions::authenticate(&gate.db, token, gate.policy, chrono::Utc::now()).await {
            Ok(admin) => admin,
            Err(error) => return AppError::from(error).status_response(),
        },
        None => None,
    };
    match admin {
        Some(admin) => {
            request.extensions_mut().insert(admin.into_actor(ip, token.as_deref().map(sessions::session_id)));
            next.run(request).await
        }
        None if path.starts_with("/api/") => AppError::Unauthorized.status_response(),
        None => {
            let target = request.uri().path_and_query().map_or(path.clone(), |pq| pq.as_str().to_string());
            let encoded = percent_encoding::utf8_percent_encode(&target, PATH);
            Redirect::to(&format!("/sign-in?next={encoded}")).into_response()
        }
    }
}

/// An `AppError` as a JSON response with its status (what server functions send, too).
pub(crate) trait StatusResponse {
    fn status_response(self) -> Response;
}

impl StatusResponse for AppError {
    fn status_response(self) -> Response {
        let status = StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_string(&self).unwrap_or_else(|_| "{}".to_string());
        let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
        if let AppError::TooManyRequests { retry_after_secs } = self {
            response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after_secs));
        }
        response
    }
}
