//! Sign-in and sessions, stored in the database so that every replica shares them.
//!
//! The cookie carries a 128-bit random token; the table keeps only its SHA-256. A session ends
//! after a period of inactivity, at an absolute lifetime, when its administrator is disabled,
//! or when their password changes.

use super::admins::{verify_password, Admin};
use super::ServiceError;
use crate::store::begin_write;
use crate::store::entities::{admin_user, session};
use app::error::AppError;
use app::model::admin::Email;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// How long sessions live. Defaults: 30 minutes idle, 12 hours at most.
#[derive(Clone, Copy, Debug)]
pub struct SessionPolicy {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self { idle: Duration::minutes(30), absolute: Duration::hours(12) }
    }
}

/// Failed sign-ins allowed before the account backs off, and the longest back-off.
const FREE_FAILURES: i32 = 5;
const MAX_LOCK: Duration = Duration::minutes(15);

/// Where a sign-in comes from, for the session row (and, later, the audit log).
pub use app::api::backend::ClientInfo as Client;

/// The one answer to every failed sign-in, so that it tells nothing about which part failed.
fn refused() -> ServiceError {
    AppError::Unauthorized.into()
}

fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn new_token() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A real Argon2id hash to check unknown emails against, so they take as long as known ones.
async fn decoy_hash() -> String {
    static DECOY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DECOY.get() {
        return hash.clone();
    }
    let hash =
        super::admins::hash_password("decoy password for unknown emails".into()).await.unwrap_or_default();
    DECOY.get_or_init(|| hash).clone()
}

/// Checks an email and password and opens a new session (a new token every time).
/// Every failure is `Unauthorized`, after the same amount of hashing work.
#[tracing::instrument(skip_all)]
pub async fn sign_in(
    db: &DatabaseConnection,
    email: &str,
    password: &str,
    client: &Client,
    policy: SessionPolicy,
    now: DateTime<Utc>,
) -> Result<(String, Admin), ServiceError> {
    let row = match Email::parse(email) {
        Ok(email) => {
            admin_user::Entity::find().filter(admin_user::Column::Email.eq(email.as_str())).one(db).await?
        }
        Err(_) => None,
    };
    let Some(row) = row else {
        verify_password(password.to_string(), decoy_hash().await).await;
        tracing::info!(
            outcome = "unknown email",
            ip = client.ip.as_deref().unwrap_or("unknown"),
            "sign-in refused"
        );
        return Err(refused());
    };
    let locked = row.locked_until.is_some_and(|until| until > now);
    let matches = verify_password(password.to_string(), row.password_hash.clone()).await;
    if locked || row.disabled || !matches {
        if !matches {
            // Back off: after FREE_FAILURES, 30 s doubling per failure, at most MAX_LOCK.
            let failures = row.failed_sign_ins.saturating_add(1);
            let lock = (failures > FREE_FAILURES).then(|| {
                let exponent = Ord::min(failures - FREE_FAILURES - 1, 10) as u32;
                now + Ord::min(Duration::seconds(30) * 2_i32.pow(exponent), MAX_LOCK)
            });
            // Increment in SQL, so that concurrent failures all count.
            admin_user::Entity::update_many()
                .col_expr(
                    admin_user::Column::FailedSignIns,
                    Expr::col(admin_user::Column::FailedSignIns).add(1),
                )
                .col_expr(admin_user::Column::LockedUntil, Expr::value(lock.or(row.locked_until)))
                .filter(admin_user::Column::Id.eq(row.id.as_str()))
                .exec(db)
                .await?;
        }
        let outcome = if row.disabled {
            "disabled"
        } else if locked {
            "locked"
        } else {
            "wrong password"
        };
        tracing::info!(admin = %row.id, outcome, ip = client.ip.as_deref().unwrap_or("unknown"), "sign-in refused");
        return Err(refused());
    }
    let token = new_token();
    let txn = begin_write(db).await?;
    admin_user::Entity::update_many()
        .col_expr(admin_user::Column::FailedSignIns, Expr::value(0))
        .col_expr(admin_user::Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(admin_user::Column::Id.eq(row.id.as_str()))
        .exec(&txn)
        .await?;
    session::ActiveModel {
        token_hash: Set(token_hash(&token)),
        admin_id: Set(row.id.clone()),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + policy.absolute),
        ip: Set(client.ip.clone()),
        user_agent: Set(client.user_agent.as_ref().map(|ua| ua.chars().take(400).collect())),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    tracing::info!(admin = %row.id, ip = client.ip.as_deref().unwrap_or("unknown"), "signed in");
    let admin = super::admins::load(db, row).await?;
    Ok((token, admin))
}

/// The administrator a session token belongs to, if the session is still good. Refreshes its
/// idle timer (at most once a minute, to spare the database a write per request).
pub async fn authenticate(
    db: &DatabaseConnection,
    token: &str,
    policy: SessionPolicy,
    now: DateTime<Utc>,
) -> Result<Option<Admin>, ServiceError> {
    let hash = token_hash(token);
    let Some(found) = session::Entity::find_by_id(hash.clone()).one(db).await? else { return Ok(None) };
    let Some(row) = admin_user::Entity::find_by_id(found.admin_id.clone()).one(db).await? else {
        return Ok(None);
    };
    let expired = now >= found.expires_at || now - found.last_seen_at >= policy.idle;
    if expired || row.disabled || found.created_at < row.password_changed_at {
        session::Entity::delete_by_id(hash).exec(db).await?;
        return Ok(None);
    }
    if now - found.last_seen_at >= Duration::minutes(1) {
        session::ActiveModel { token_hash: Set(hash), last_seen_at: Set(now), ..Default::default() }
            .update(db)
            .await?;
    }
    Ok(Some(super::admins::load(db, row).await?))
}

/// Ends one session.
pub async fn sign_out(db: &DatabaseConnection, token: &str) -> Result<(), ServiceError> {
    session::Entity::delete_by_id(token_hash(token)).exec(db).await?;
    Ok(())
}

/// The sessions of one administrator that are still good, most recent first.
pub async fn open_sessions(
    db: &impl ConnectionTrait,
    admin_id: &str,
    policy: SessionPolicy,
    now: DateTime<Utc>,
) -> Result<Vec<session::Model>, ServiceError> {
    Ok(session::Entity::find()
        .filter(session::Column::AdminId.eq(admin_id))
        .filter(session::Column::ExpiresAt.gt(now))
        .filter(session::Column::LastSeenAt.gt(now - policy.idle))
        .order_by_desc(session::Column::LastSeenAt)
        .all(db)
        .await?)
}

/// Ends every session of one administrator; returns how many.
pub async fn end_all(db: &impl ConnectionTrait, admin_id: &str) -> Result<u64, ServiceError> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::AdminId.eq(admin_id))
        .exec(db)
        .await?
        .rows_affected)
}

/// Ends one session of one administrator (by its stored hash); returns 0 or 1.
pub async fn end_one(db: &impl ConnectionTrait, admin_id: &str, hash: &str) -> Result<u64, ServiceError> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::AdminId.eq(admin_id))
        .filter(session::Column::TokenHash.eq(hash))
        .exec(db)
        .await?
        .rows_affected)
}

/// The stored hash of a cookie's token (names the session in `Actor::session`).
pub fn session_id(token: &str) -> String {
    token_hash(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_128_bit_random_and_stored_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
    }
}
