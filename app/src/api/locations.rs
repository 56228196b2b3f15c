//! Server functions for locations.

use crate::error::AppError;
use crate::model::{Location, LocationInput, LocationRow};
use leptos::prelude::*;

/// Every location, by name (there are tens, not thousands).
#[server(endpoint = "list_locations")]
pub async fn list_locations() -> Result<Vec<Location>, AppError> {
    use super::backend::{actor, backend};
    actor()?;
    backend()?.list_locations().await
}

/// Every location with what depends on it, for the Locations page.
#[server(endpoint = "list_location_rows")]
pub async fn list_location_rows() -> Result<Vec<LocationRow>, AppError> {
    use super::backend::{actor, backend};
    actor()?;
    backend()?.location_rows().await
}

/// Creates a location (full administrators).
#[server(endpoint = "create_location")]
pub async fn create_location(input: LocationInput) -> Result<Location, AppError> {
    use super::backend::{actor, backend};
    let created = backend()?.create_location(&actor()?, input).await?;
    leptos_axum::redirect(crate::paths::LOCATIONS);
    Ok(created)
}

/// Changes a location's name, routing prefix or country (full administrators).
#[server(endpoint = "update_location")]
pub async fn update_location(id: String, input: LocationInput) -> Result<Location, AppError> {
    use super::backend::{actor, backend};
    let updated = backend()?.update_location(&actor()?, id, input).await?;
    leptos_axum::redirect(crate::paths::LOCATIONS);
    Ok(updated)
}

/// Deletes a location that no virtual extension or administrator depends on (full
/// administrators); otherwise the error says what to move first.
#[server(endpoint = "delete_location")]
pub async fn delete_location(id: String) -> Result<Location, AppError> {
    use super::backend::{actor, backend};
    backend()?.delete_location(&actor()?, id).await
}
