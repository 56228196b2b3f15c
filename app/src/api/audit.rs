//! Server functions for the audit log (the CSV export is a plain GET route on the server).

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::model::admin::Actor;
use crate::model::audit::{AuditEntry, AuditPage, AuditQuery};
use leptos::prelude::*;

/// What these server functions need from the server.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait AuditPort: Send + Sync + 'static {
    async fn page(&self, actor: &Actor, query: AuditQuery) -> Result<AuditPage, AppError>;
    /// Everyone who appears in the audit log: (id, name).
    async fn actors(&self, actor: &Actor) -> Result<Vec<(String, String)>, AppError>;
    /// One entry's changes, newest first (the audit log's readers only).
    async fn entry_history(&self, actor: &Actor, id: String) -> Result<Vec<AuditEntry>, AppError>;
}

/// One page of the audit log, newest first (full and read-only administrators).
#[server(endpoint = "list_audit")]
pub async fn list_audit(query: AuditQuery) -> Result<AuditPage, AppError> {
    use super::port::{actor, port};
    port::<dyn AuditPort>()?.page(&actor()?, query).await
}

/// Everyone who appears in the audit log, for the "Who" filter: (id, name).
#[server(endpoint = "list_audit_actors")]
pub async fn list_audit_actors() -> Result<Vec<(String, String)>, AppError> {
    use super::port::{actor, port};
    port::<dyn AuditPort>()?.actors(&actor()?).await
}

/// One virtual extension's history, newest first (those who may read the audit log).
#[server(endpoint = "virtual_extension_history")]
pub async fn virtual_extension_history(id: String) -> Result<Vec<AuditEntry>, AppError> {
    use super::port::{actor, port};
    port::<dyn AuditPort>()?.entry_history(&actor()?, id).await
}
