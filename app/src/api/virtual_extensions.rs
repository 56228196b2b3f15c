//! Server functions for virtual extensions.

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::model::admin::Actor;
use crate::model::directory::Verdict;
use crate::model::{
    DeleteOutcome, ListQuery, SavedVirtualExtension, VirtualExtension, VirtualExtensionInput,
    VirtualExtensionPage,
};
use leptos::prelude::*;

/// What these server functions need from the server.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait VirtualExtensionsPort: Send + Sync + 'static {
    async fn list(&self, query: ListQuery) -> Result<VirtualExtensionPage, AppError>;
    async fn get(&self, id: String) -> Result<VirtualExtension, AppError>;
    /// Validates `input` under the organization's mode, checks it against the directory and
    /// stores it.
    async fn create(
        &self,
        actor: &Actor,
        input: VirtualExtensionInput,
    ) -> Result<SavedVirtualExtension, AppError>;
    /// The full verdict on `input` (field rules, numbering plan, conflicts), changing nothing.
    async fn check(&self, input: VirtualExtensionInput, editing: Option<String>)
        -> Result<Verdict, AppError>;
    /// Saves an edit made to `version` of entry `id`; a newer version means `Conflict` (EDIT_CONFLICT).
    async fn update(
        &self,
        actor: &Actor,
        id: String,
        version: i32,
        input: VirtualExtensionInput,
    ) -> Result<SavedVirtualExtension, AppError>;
    async fn delete(&self, actor: &Actor, ids: Vec<String>) -> Result<DeleteOutcome, AppError>;
}

/// `path` with the list's search, filters and page of the page the save came from (its
/// Referer): the redirect after a save (which the browser follows with or without the WASM)
/// returns to the list the admin was working in.
#[cfg(feature = "ssr")]
fn list_from_referer(path: &str) -> String {
    let referer = use_context::<http::request::Parts>()
        .and_then(|parts| parts.headers.get(http::header::REFERER)?.to_str().ok().map(str::to_string));
    referer.map(|r| ListQuery::from_url(&r)).unwrap_or_default().on_path(path)
}

/// One page of virtual extensions.
#[server(endpoint = "list_virtual_extensions")]
pub async fn list_virtual_extensions(query: ListQuery) -> Result<VirtualExtensionPage, AppError> {
    use super::port::{actor, port};
    actor()?;
    port::<dyn VirtualExtensionsPort>()?.list(query.normalized()).await
}

/// Validates with `app::model` (plus the server-only numbering-plan check and the directory's
/// conflicts) and stores the entry. A plain form post (no WASM yet) is redirected to the list.
#[server(endpoint = "create_virtual_extension")]
pub async fn create_virtual_extension(
    input: VirtualExtensionInput,
) -> Result<SavedVirtualExtension, AppError> {
    use super::port::{actor, port};
    let saved = port::<dyn VirtualExtensionsPort>()?.create(&actor()?, input).await?;
    leptos_axum::redirect(&list_from_referer(crate::paths::VIRTUAL_EXTENSIONS));
    Ok(saved)
}

/// The server's full verdict on a form's values, changing nothing: what the form shows while
/// the admin types (numbering plan, extension or number in use, ESN clashes, warnings).
/// `editing` is the entry being edited, if any (its own values are no conflict).
#[server(endpoint = "check_virtual_extension")]
pub async fn check_virtual_extension(
    input: VirtualExtensionInput,
    #[server(default)] editing: Option<String>,
) -> Result<Verdict, AppError> {
    use super::port::{actor, port};
    actor()?;
    port::<dyn VirtualExtensionsPort>()?.check(input, editing).await
}

/// Saves an edit (any field, including a move between levels or locations). `version` is the
/// version the admin edited: if someone else saved since, nothing is written and the answer
/// is a conflict (EDIT_CONFLICT). A plain form post is redirected to the entry's details.
#[server(endpoint = "update_virtual_extension")]
pub async fn update_virtual_extension(
    id: String,
    version: i32,
    input: VirtualExtensionInput,
) -> Result<SavedVirtualExtension, AppError> {
    use super::port::{actor, port};
    let saved = port::<dyn VirtualExtensionsPort>()?.update(&actor()?, id, version, input).await?;
    leptos_axum::redirect(&list_from_referer(&crate::paths::virtual_extension(&saved.entry.id)));
    Ok(saved)
}

/// Deletes the named entries, all or none (a location administrator may delete only entries at
/// their locations).
#[server(endpoint = "delete_virtual_extensions")]
pub async fn delete_virtual_extensions(ids: Vec<String>) -> Result<DeleteOutcome, AppError> {
    use super::port::{actor, port};
    port::<dyn VirtualExtensionsPort>()?.delete(&actor()?, ids).await
}

/// One virtual extension, for its details (every signed-in role).
#[server(endpoint = "get_virtual_extension")]
pub async fn get_virtual_extension(id: String) -> Result<VirtualExtension, AppError> {
    use super::port::{actor, port};
    actor()?;
    port::<dyn VirtualExtensionsPort>()?.get(id).await
}
