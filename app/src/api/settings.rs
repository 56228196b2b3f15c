//! Server functions for organization settings.

use crate::error::AppError;
use crate::model::VirtualExtensionMode;
use leptos::prelude::*;

#[server(endpoint = "get_virtual_extension_mode")]
pub async fn get_virtual_extension_mode() -> Result<VirtualExtensionMode, AppError> {
    use super::backend::{actor, backend};
    actor()?;
    backend()?.virtual_extension_mode().await
}

/// Sets the mode (full administrators); returns the previous one.
#[server(endpoint = "set_virtual_extension_mode")]
pub async fn set_virtual_extension_mode(
    mode: VirtualExtensionMode,
) -> Result<VirtualExtensionMode, AppError> {
    use super::backend::{actor, backend};
    backend()?.set_virtual_extension_mode(&actor()?, mode).await
}
