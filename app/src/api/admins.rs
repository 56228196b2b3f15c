//! Server functions for the Administrators page. The services decide who may do what: full
//! administrators manage everyone; anyone may end their own sessions or set their own password.

use crate::error::AppError;
use crate::model::admin::{AdminAccount, AdminChange, AdminInput};
use leptos::prelude::*;

/// Every administrator with their open sessions (full and read-only administrators).
#[server(endpoint = "list_admins")]
pub async fn list_admins() -> Result<Vec<AdminAccount>, AppError> {
    use super::backend::{actor, backend};
    backend()?.admin_accounts(&actor()?).await
}

#[server(endpoint = "create_admin")]
pub async fn create_admin(input: AdminInput) -> Result<(), AppError> {
    use super::backend::{actor, backend};
    backend()?.create_admin(&actor()?, input).await
}

/// Changes an administrator's role and locations (location ids).
#[server(endpoint = "update_admin")]
pub async fn update_admin(id: String, change: AdminChange) -> Result<(), AppError> {
    use super::backend::{actor, backend};
    backend()?.update_admin(&actor()?, id, change.role, change.locations).await
}

#[server(endpoint = "set_admin_disabled")]
pub async fn set_admin_disabled(id: String, disabled: bool) -> Result<(), AppError> {
    use super::backend::{actor, backend};
    backend()?.set_admin_disabled(&actor()?, id, disabled).await
}

/// Sets a new password: one's own with the current one (`current`), or, as a full
/// administrator, someone else's without it.
#[server(endpoint = "reset_admin_password")]
pub async fn reset_admin_password(
    id: String,
    password: String,
    current: Option<String>,
) -> Result<(), AppError> {
    use super::backend::{actor, backend};
    backend()?.reset_admin_password(&actor()?, id, password, current).await
}

/// Ends one of an administrator's sessions, or (without `session`) all of them.
#[server(endpoint = "end_admin_sessions")]
pub async fn end_admin_sessions(id: String, session: Option<String>) -> Result<u64, AppError> {
    use super::backend::{actor, backend};
    backend()?.end_admin_sessions(&actor()?, id, session).await
}
