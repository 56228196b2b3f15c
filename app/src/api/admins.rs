//! Server functions for the Administrators page. The services decide who may do what: full
//! administrators manage everyone; anyone may end their own sessions or set their own password.

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::model::admin::Actor;
use crate::model::admin::{AdminAccount, AdminChange, AdminInput};
use leptos::prelude::*;

/// What these server functions need from the server.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait AdminsPort: Send + Sync + 'static {
    async fn list(&self, actor: &Actor) -> Result<Vec<AdminAccount>, AppError>;
    async fn create(&self, actor: &Actor, input: AdminInput) -> Result<(), AppError>;
    async fn change(&self, actor: &Actor, id: String, change: AdminChange) -> Result<(), AppError>;
    async fn set_disabled(&self, actor: &Actor, id: String, disabled: bool) -> Result<(), AppError>;
    /// `current` is the actor's own password, required when `id` is the actor.
    async fn reset_password(
        &self,
        actor: &Actor,
        id: String,
        password: String,
        current: Option<String>,
    ) -> Result<(), AppError>;
    /// Ends one session (`session`) or all of them; returns how many ended.
    async fn end_sessions(&self, actor: &Actor, id: String, session: Option<String>)
        -> Result<u64, AppError>;
}

/// Every administrator with their open sessions (full and read-only administrators).
#[server(endpoint = "list_admins")]
pub async fn list_admins() -> Result<Vec<AdminAccount>, AppError> {
    use super::port::{actor, port};
    port::<dyn AdminsPort>()?.list(&actor()?).await
}

#[server(endpoint = "create_admin")]
pub async fn create_admin(input: AdminInput) -> Result<(), AppError> {
    use super::port::{actor, port};
    port::<dyn AdminsPort>()?.create(&actor()?, input).await
}

/// Changes an administrator's role and locations (location ids).
#[server(endpoint = "update_admin")]
pub async fn update_admin(id: String, change: AdminChange) -> Result<(), AppError> {
    use super::port::{actor, port};
    port::<dyn AdminsPort>()?.change(&actor()?, id, change).await
}

#[server(endpoint = "set_admin_disabled")]
pub async fn set_admin_disabled(id: String, disabled: bool) -> Result<(), AppError> {
    use super::port::{actor, port};
    port::<dyn AdminsPort>()?.set_disabled(&actor()?, id, disabled).await
}

/// Sets a new password: one's own with the current one (`current`), or, as a full
/// administrator, someone else's without it.
#[server(endpoint = "reset_admin_password")]
pub async fn reset_admin_password(
    id: String,
    password: String,
    current: Option<String>,
) -> Result<(), AppError> {
    use super::port::{actor, port};
    port::<dyn AdminsPort>()?.reset_password(&actor()?, id, password, current).await
}

/// Ends one of an administrator's sessions, or (without `session`) all of them.
#[server(endpoint = "end_admin_sessions")]
pub async fn end_admin_sessions(id: String, session: Option<String>) -> Result<u64, AppError> {
    use super::port::{actor, port};
    port::<dyn AdminsPort>()?.end_sessions(&actor()?, id, session).await
}
