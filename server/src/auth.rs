//! The gate in front of everything: no page or server function answers without a session.
//! Pages redirect to the sign-in page (and back afterwards); server functions answer 401.

use crate::services::sessions::{self, SessionPolicy};
use app::api::session::SessionCookie;
use app::error::AppError;
use app::model::admin::Actor;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use sea_orm::DatabaseConnection;

#[derive(Clone)]
pub struct Gate {
    pub db: DatabaseConnection,
    pub cookie: SessionCookie,
    pub policy: SessionPolicy,
}

/// What anyone may reach: the sign-in page and its server function, static files, health.
fn is_public(path: &str) -> bool {
    matches!(path, "/sign-in" | "/api/sign_in" | "/healthz" | "/favicon.svg")
        || path.starts_with("/pkg/")
        || path.starts_with("/readme/")
}

pub async fn gate(State(gate): State<Gate>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    // Static files, health and the sign-in page need no session: spare them the lookups.
    if is_public(&path) {
        return next.run(request).await;
    }
    let token =
        gate.cookie.read(request.headers().get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()));
    let admin = match token {
        Some(token) => {
            match sessions::authenticate(&gate.db, &token, gate.policy, chrono::Utc::now()).await {
                Ok(admin) => admin,
                Err(error) => return AppError::from(error).status_response(),
            }
        }
        None => None,
    };
    match admin {
        Some(admin) => {
            request.extensions_mut().insert(Actor {
                id: admin.id,
                email: admin.email,
                role: admin.role,
                locations: admin.locations,
            });
            next.run(request).await
        }
        None if path.starts_with("/api/") => AppError::Unauthorized.status_response(),
        None => {
            let target = request.uri().path_and_query().map_or(path.clone(), |pq| pq.as_str().to_string());
            let encoded: String = target
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            Redirect::to(&format!("/sign-in?next={encoded}")).into_response()
        }
    }
}

/// An `AppError` as a JSON response with its status (what server functions send, too).
trait StatusResponse {
    fn status_response(self) -> Response;
}

impl StatusResponse for AppError {
    fn status_response(self) -> Response {
        let status = StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_string(&self).unwrap_or_else(|_| "{}".to_string());
        (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    }
}
