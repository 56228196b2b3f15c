//! Server functions for Test Call Routing and Caller ID (every role may ask).

use crate::error::AppError;
use crate::model::dial_plan::{CallerIdReport, RouteReport};
use leptos::prelude::*;

/// What these server functions need from the server.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait CallsPort: Send + Sync + 'static {
    /// Test Call Routing: where a call from someone at `from` (a location id, or the
    /// organization) to `dialed` goes.
    async fn route(&self, from: Option<String>, dialed: String) -> Result<RouteReport, AppError>;
    /// Caller ID: what a phone at `to` shows for a call from `calling`.
    async fn caller_id(&self, calling: String, to: Option<String>) -> Result<CallerIdReport, AppError>;
}

/// Where a call dialed by someone at `from` (a location id; empty: the organization) goes.
#[server(endpoint = "route_call")]
pub async fn route_call(from: String, dialed: String) -> Result<RouteReport, AppError> {
    use super::port::{actor, port};
    actor()?;
    let from = Some(from.trim().to_string()).filter(|f| !f.is_empty());
    port::<dyn CallsPort>()?.route(from, dialed).await
}

/// What a phone at `to` (a location id; empty: the organization) shows when `calling` calls.
#[server(endpoint = "caller_id")]
pub async fn caller_id(calling: String, to: String) -> Result<CallerIdReport, AppError> {
    use super::port::{actor, port};
    actor()?;
    let to = Some(to.trim().to_string()).filter(|t| !t.is_empty());
    port::<dyn CallsPort>()?.caller_id(calling, to).await
}
