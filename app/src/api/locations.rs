//! Server functions for locations.

use crate::error::AppError;
use crate::model::Location;
use leptos::prelude::*;

/// Every location, by name (there are tens, not thousands).
#[server(endpoint = "list_locations")]
pub async fn list_locations() -> Result<Vec<Location>, AppError> {
    use super::backend::{actor, backend};
    actor()?;
    backend()?.list_locations().await
}
