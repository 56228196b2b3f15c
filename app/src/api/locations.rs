//! Server functions for locations.

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::model::admin::Actor;
use crate::model::{Location, LocationInput, LocationRow};
use leptos::prelude::*;

/// What these server functions need from the server.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait LocationsPort: Send + Sync + 'static {
    async fn list(&self) -> Result<Vec<Location>, AppError>;
    /// Every location with what depends on it.
    async fn rows(&self) -> Result<Vec<LocationRow>, AppError>;
    async fn create(&self, actor: &Actor, input: LocationInput) -> Result<Location, AppError>;
    async fn update(&self, actor: &Actor, id: String, input: LocationInput) -> Result<Location, AppError>;
    async fn delete(&self, actor: &Actor, id: String) -> Result<Location, AppError>;
}

/// Every location, by name (there are tens, not thousands).
#[server(endpoint = "list_locations")]
pub async fn list_locations() -> Result<Vec<Location>, AppError> {
    use super::port::{actor, port};
    actor()?;
    port::<dyn LocationsPort>()?.list().await
}

/// Every location with what depends on it, for the Locations page.
#[server(endpoint = "list_location_rows")]
pub async fn list_location_rows() -> Result<Vec<LocationRow>, AppError> {
    use super::port::{actor, port};
    actor()?;
    port::<dyn LocationsPort>()?.rows().await
}

/// Creates a location (full administrators).
#[server(endpoint = "create_location")]
pub async fn create_location(input: LocationInput) -> Result<Location, AppError> {
    use super::port::{actor, port};
    let created = port::<dyn LocationsPort>()?.create(&actor()?, input).await?;
    leptos_axum::redirect(crate::paths::LOCATIONS);
    Ok(created)
}

/// Changes a location's name, routing prefix or country (full administrators).
#[server(endpoint = "update_location")]
pub async fn update_location(id: String, input: LocationInput) -> Result<Location, AppError> {
    use super::port::{actor, port};
    let updated = port::<dyn LocationsPort>()?.update(&actor()?, id, input).await?;
    leptos_axum::redirect(crate::paths::LOCATIONS);
    Ok(updated)
}

/// Deletes a location that no virtual extension or administrator depends on (full
/// administrators); otherwise the error says what to move first.
#[server(endpoint = "delete_location")]
pub async fn delete_location(id: String) -> Result<Location, AppError> {
    use super::port::{actor, port};
    port::<dyn LocationsPort>()?.delete(&actor()?, id).await
}
