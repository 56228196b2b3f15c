//! How server functions reach the server (server only).
//!
//! Each resource's file declares the port its server functions need (`VirtualExtensionsPort`
//! in `virtual_extensions.rs`, …), in the model's own types. The server implements every port
//! with its services and puts them in Leptos context with [`provide_ports`]; a server function
//! takes the one it needs with [`port`]. The REST API and the CLI call the same services, so
//! every way in applies the same rules.

use super::admins::AdminsPort;
use super::audit::AuditPort;
use super::calls::CallsPort;
use super::locations::LocationsPort;
use super::ranges::RangesPort;
use super::session::SessionsPort;
use super::settings::SettingsPort;
use super::tasks::TasksPort;
use super::tokens::TokensPort;
use super::virtual_extensions::VirtualExtensionsPort;
use crate::error::AppError;
use crate::model::admin::Actor;
use leptos::prelude::{provide_context, use_context};
use std::sync::Arc;

/// Puts `server` in the request's context as every port (the server calls this per request).
pub fn provide_ports<S>(server: Arc<S>)
where
    S: VirtualExtensionsPort
        + LocationsPort
        + SessionsPort
        + AdminsPort
        + AuditPort
        + TasksPort
        + TokensPort
        + CallsPort
        + RangesPort
        + SettingsPort,
{
    provide_context::<Arc<dyn VirtualExtensionsPort>>(server.clone());
    provide_context::<Arc<dyn LocationsPort>>(server.clone());
    provide_context::<Arc<dyn SessionsPort>>(server.clone());
    provide_context::<Arc<dyn AdminsPort>>(server.clone());
    provide_context::<Arc<dyn AuditPort>>(server.clone());
    provide_context::<Arc<dyn TasksPort>>(server.clone());
    provide_context::<Arc<dyn TokensPort>>(server.clone());
    provide_context::<Arc<dyn CallsPort>>(server.clone());
    provide_context::<Arc<dyn RangesPort>>(server.clone());
    provide_context::<Arc<dyn SettingsPort>>(server);
}

/// The port `P` from context, e.g. `port::<dyn TasksPort>()`. Missing means the server was
/// wired wrongly, never the client's fault.
pub fn port<P: ?Sized + Send + Sync + 'static>() -> Result<Arc<P>, AppError> {
    use_context::<Arc<P>>().ok_or_else(|| {
        tracing::error!(port = std::any::type_name::<P>(), "a port is missing from Leptos context");
        AppError::Internal { reference: "port-missing".to_string() }
    })
}

/// The signed-in administrator (the server's gate puts them on the request). Missing means
/// no session: `Unauthorized`.
pub fn actor() -> Result<Actor, AppError> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Actor>().cloned())
        .ok_or(AppError::Unauthorized)
}

/// Put on a sign-in request by the server's gate when its address made too many attempts: the
/// sign-in server function refuses it, so that a plain form post gets the sign-in page back
/// with the wait, like the browser does, instead of a bare JSON answer.
#[derive(Clone, Copy, Debug)]
pub struct SignInThrottled {
    pub retry_after_secs: u64,
}
