//! Administrator accounts as the rest of vext reads them: an account and its locations, and
//! its password, hashed with Argon2id off the async threads. Managing accounts is
//! `admins`; signing in is `sessions`; both read accounts here.

use super::ServiceError;
use crate::store::entities::{admin_location, admin_user};
use app::error::AppError;
use app::model::admin::{Actor, Role};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// An administrator as the rest of vext sees it (no hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Admin {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    /// Location ids, for location administrators.
    pub locations: Vec<String>,
}

impl Admin {
    /// This administrator acting, from `from` (a client address, or what acts for them), with
    /// `session` (its stored hash) when a request brought one.
    pub fn into_actor(self, from: Option<String>, session: Option<String>) -> Actor {
        Actor { id: self.id, email: self.email, role: self.role, locations: self.locations, from, session }
    }
}

/// Argon2 hashes running at once, at most: each takes 19 MiB and tens of milliseconds of CPU,
/// so a burst of sign-ins must queue rather than exhaust memory and the blocking pool.
const MAX_CONCURRENT_HASHES: usize = 4;
/// How long a hash waits for its turn before the request is refused as busy (429).
const HASH_QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(MAX_CONCURRENT_HASHES);

/// Runs `work` on a blocking thread once one of the hashing slots is free.
async fn with_hashing_slot<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ServiceError> {
    let permit = tokio::time::timeout(HASH_QUEUE_WAIT, HASHING.acquire())
        .await
        .map_err(|_| {
            tracing::warn!("password hashing queue full");
            ServiceError::from(AppError::TooManyRequests { retry_after_secs: 5 })
        })?
        .map_err(|e| ServiceError::Db(sea_orm::DbErr::Custom(format!("hashing semaphore closed: {e}"))))?;
    let result = tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ServiceError::Db(sea_orm::DbErr::Custom(format!("password hashing task failed: {e}"))));
    drop(permit);
    result
}

/// Hashes with Argon2id (the crate's defaults: 19 MiB, 2 passes, 1 lane) on a blocking thread:
/// a hash takes tens of milliseconds of CPU that must not stall the async workers.
///
/// Errors: `TooManyRequests` when the hashing slots stay taken for 10 s.
pub async fn hash_password(password: String) -> Result<String, ServiceError> {
    with_hashing_slot(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await?
    .map_err(|e| ServiceError::Db(sea_orm::DbErr::Custom(format!("password hashing failed: {e}"))))
}

/// Whether `password` matches a stored hash (on a blocking thread, like hashing).
///
/// Errors: `TooManyRequests` when the hashing slots stay taken for 10 s.
pub async fn verify_password(password: String, hash: String) -> Result<bool, ServiceError> {
    with_hashing_slot(move || {
        PasswordHash::new(&hash)
            .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
}

/// An administrator's row with their locations. An unknown stored role (which the CHECK
/// constraint prevents) reads as the least powerful one.
pub async fn load(db: &impl ConnectionTrait, row: admin_user::Model) -> Result<Admin, ServiceError> {
    let locations = admin_location::Entity::find()
        .filter(admin_location::Column::AdminId.eq(row.id.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.location_id)
        .collect();
    let role = row.role;
    Ok(Admin { id: row.id, email: row.email, role, disabled: row.disabled, locations })
}
