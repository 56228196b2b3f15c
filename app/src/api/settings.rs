//! Server functions for organization settings.

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::model::admin::Actor;
use crate::model::VirtualExtensionMode;
use leptos::prelude::*;

/// What these server functions need from the server.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait SettingsPort: Send + Sync + 'static {
    async fn mode(&self) -> Result<VirtualExtensionMode, AppError>;
    /// Returns the previous mode.
    async fn set_mode(
        &self,
        actor: &Actor,
        mode: VirtualExtensionMode,
    ) -> Result<VirtualExtensionMode, AppError>;
}

#[server(endpoint = "get_virtual_extension_mode")]
pub async fn get_virtual_extension_mode() -> Result<VirtualExtensionMode, AppError> {
    use super::port::{actor, port};
    actor()?;
    port::<dyn SettingsPort>()?.mode().await
}

/// Sets the mode (full administrators); returns the previous one.
#[server(endpoint = "set_virtual_extension_mode")]
pub async fn set_virtual_extension_mode(
    mode: VirtualExtensionMode,
) -> Result<VirtualExtensionMode, AppError> {
    use super::port::{actor, port};
    port::<dyn SettingsPort>()?.set_mode(&actor()?, mode).await
}
