//! Server functions for virtual extensions.

use crate::error::AppError;
use crate::model::{ListQuery, VirtualExtension, VirtualExtensionInput, VirtualExtensionPage};
use leptos::prelude::*;

/// One page of virtual extensions.
#[server(endpoint = "list_virtual_extensions")]
pub async fn list_virtual_extensions(query: ListQuery) -> Result<VirtualExtensionPage, AppError> {
    use super::backend::{backend, respond};
    respond(async { backend()?.list_virtual_extensions(query.normalized()).await }.await)
}

/// Validates with `app::model` (plus the server-only numbering-plan check) and stores the entry.
/// A plain form post (no WASM yet) is redirected back to the list.
#[server(endpoint = "create_virtual_extension")]
pub async fn create_virtual_extension(input: VirtualExtensionInput) -> Result<VirtualExtension, AppError> {
    use super::backend::{backend, respond};
    respond(
        async {
            let new = input.validate().map_err(AppError::validation)?;
            let created = backend()?.create_virtual_extension(new).await?;
            leptos_axum::redirect(crate::paths::VIRTUAL_EXTENSIONS);
            Ok(created)
        }
        .await,
    )
}
