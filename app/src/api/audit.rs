//! Server functions for the audit log (the CSV export is a plain GET route on the server).

use crate::error::AppError;
use crate::model::audit::{AuditEntry, AuditPage, AuditQuery};
use leptos::prelude::*;

/// One page of the audit log, newest first (full and read-only administrators).
#[server(endpoint = "list_audit")]
pub async fn list_audit(query: AuditQuery) -> Result<AuditPage, AppError> {
    use super::backend::{actor, backend};
    backend()?.audit_page(&actor()?, query).await
}

/// Everyone who appears in the audit log, for the "Who" filter: (id, name).
#[server(endpoint = "list_audit_actors")]
pub async fn list_audit_actors() -> Result<Vec<(String, String)>, AppError> {
    use super::backend::{actor, backend};
    backend()?.audit_actors(&actor()?).await
}

/// One virtual extension's history, newest first (those who may read the audit log).
#[server(endpoint = "virtual_extension_history")]
pub async fn virtual_extension_history(id: String) -> Result<Vec<AuditEntry>, AppError> {
    use super::backend::{actor, backend};
    backend()?.virtual_extension_history(&actor()?, id).await
}
