//! Server functions for Test Call Routing and Caller ID (every role may ask).

use crate::error::AppError;
use crate::model::dial_plan::{CallerIdReport, RouteReport};
use leptos::prelude::*;

/// Where a call dialed by someone at `from` (a location id; empty: the organization) goes.
#[server(endpoint = "route_call")]
pub async fn route_call(from: String, dialed: String) -> Result<RouteReport, AppError> {
    use super::backend::{actor, backend};
    actor()?;
    let from = Some(from.trim().to_string()).filter(|f| !f.is_empty());
    backend()?.route_call(from, dialed).await
}

/// What a phone at `to` (a location id; empty: the organization) shows when `calling` calls.
#[server(endpoint = "caller_id")]
pub async fn caller_id(calling: String, to: String) -> Result<CallerIdReport, AppError> {
    use super::backend::{actor, backend};
    actor()?;
    let to = Some(to.trim().to_string()).filter(|t| !t.is_empty());
    backend()?.caller_id(calling, to).await
}
