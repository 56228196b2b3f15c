//! The rules applied against the store: one module per resource. Every way in (server
//! functions, the CLI, the REST API, the phone systems' look-ups) calls these, so all apply the
//! same checks, including who may do what: every function that changes something takes the
//! acting `Actor`. The arrows between these modules run one way (no two import each other).

pub mod accounts;
pub mod admins;
pub mod audit;
pub mod calls;
pub mod directory;
pub mod error;
pub mod import;
pub mod locations;
pub mod phones;
pub mod ranges;
pub mod search;
pub mod sessions;
pub mod settings;
pub mod tokens;
pub mod virtual_extensions;

pub use error::ServiceError;

use app::error::AppError;
use app::model::admin::Actor;

/// Refuses `what` to `actor`, and logs the refusal (who, role, what; never a secret).
pub fn forbidden(actor: &Actor, what: &str) -> ServiceError {
    tracing::warn!(
        admin = %actor.id,
        role = actor.role.as_str(),
        from = actor.from.as_deref().unwrap_or("command line"),
        what,
        "authorization refused"
    );
    AppError::Forbidden.into()
}

/// A stored time as pages and exports show it: RFC 3339, UTC, whole seconds.
pub fn rfc3339(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Full administrators only (settings, locations, administrators).
pub fn require_full(actor: &Actor, what: &str) -> Result<(), ServiceError> {
    if actor.is_full() {
        Ok(())
    } else {
        Err(forbidden(actor, what))
    }
}
