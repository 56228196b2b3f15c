//! Server functions for virtual extensions.

use crate::error::AppError;
use crate::model::directory::Verdict;
use crate::model::{
    ListQuery, SavedVirtualExtension, VirtualExtension, VirtualExtensionInput, VirtualExtensionPage,
};
use leptos::prelude::*;

/// One page of virtual extensions.
#[server(endpoint = "list_virtual_extensions")]
pub async fn list_virtual_extensions(query: ListQuery) -> Result<VirtualExtensionPage, AppError> {
    use super::backend::{actor, backend};
    actor()?;
    backend()?.list_virtual_extensions(query.normalized()).await
}

/// Validates with `app::model` (plus the server-only numbering-plan check and the directory's
/// conflicts) and stores the entry. A plain form post (no WASM yet) is redirected to the list.
#[server(endpoint = "create_virtual_extension")]
pub async fn create_virtual_extension(
    input: VirtualExtensionInput,
) -> Result<SavedVirtualExtension, AppError> {
    use super::backend::{actor, backend};
    let saved = backend()?.create_virtual_extension(&actor()?, input).await?;
    leptos_axum::redirect(crate::paths::VIRTUAL_EXTENSIONS);
    Ok(saved)
}

/// The server's full verdict on a form's values, changing nothing: what the form shows while
/// the admin types (numbering plan, extension or number in use, ESN clashes, warnings).
#[server(endpoint = "check_virtual_extension")]
pub async fn check_virtual_extension(input: VirtualExtensionInput) -> Result<Verdict, AppError> {
    use super::backend::{actor, backend};
    actor()?;
    backend()?.check_virtual_extension(input).await
}

/// One virtual extension, for its details (every signed-in role).
#[server(endpoint = "get_virtual_extension")]
pub async fn get_virtual_extension(id: String) -> Result<VirtualExtension, AppError> {
    use super::backend::{actor, backend};
    actor()?;
    backend()?.get_virtual_extension(id).await
}
