//! Sign-in and sessions, stored in the database so that every replica shares them.
//!
//! The cookie carries a 128-bit random token; the table keeps only its SHA-256. A session ends
//! after a period of inactivity, at an absolute lifetime, when its administrator is disabled,
//! or when their password changes.

use super::accounts::{self, verify_password, Admin};
use super::ServiceError;
use crate::store::begin_write;
use crate::store::entities::{admin_user, session, sign_in_failure};
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

/// Failed sign-ins allowed from one client for one email before that client backs off, and
/// the longest back-off.
const FREE_FAILURES: i32 = 5;
const MAX_LOCK: Duration = Duration::minutes(15);
/// Failure records older than this (and not locking anyone) are forgotten.
const FORGET_FAILURES_AFTER: Duration = Duration::hours(24);

/// Where a sign-in comes from, for the session row (and, later, the audit log).
pub use app::model::admin::ClientInfo as Client;

/// The one answer to every failed sign-in, so that it tells nothing about which part failed.
fn refused() -> ServiceError {
    AppError::Unauthorized.into()
}

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A real Argon2id hash to check unknown emails against, so they take as long as known ones.
/// Only a real hash is kept: if hashing is saturated the first time, this sign-in is refused
/// as busy (as a known email's would be) rather than every later unknown email answering fast.
async fn decoy_hash() -> Result<String, ServiceError> {
    static DECOY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DECOY.get() {
        return Ok(hash.clone());
    }
    let hash = accounts::hash_password("decoy password for unknown emails".into()).await?;
    Ok(DECOY.get_or_init(|| hash).clone())
}

/// Who a client is for counting failures and rate limits: its IPv4 address, or the /64 of an
/// IPv6 address (one subscriber line gets a whole /64, so counting single IPv6 addresses would
/// give one attacker 2^64 fresh counts).
pub fn client_key(ip: Option<&str>) -> String {
    use std::net::IpAddr;
    match ip.and_then(|ip| ip.parse::<IpAddr>().ok()) {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        None => "unknown".to_string(),
    }
}

/// The typed email as failures are counted under it (known or not, valid or not).
pub(super) fn failure_email(email: &str) -> String {
    email.trim().to_lowercase().chars().take(320).collect()
}

/// Counts one failed sign-in of `email` from `client`; past FREE_FAILURES, that client (only)
/// backs off: 30 s doubling per failure, at most MAX_LOCK. One write, whether or not the
/// email belongs to anyone, so that both answers wait for the same database work.
pub(super) async fn record_failure(
    db: &DatabaseConnection,
    email: &str,
    client: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    use sea_orm::sea_query::OnConflict;
    let txn = begin_write(db).await?;
    // Increment in SQL, so that concurrent failures all count (the row stays locked until commit).
    sign_in_failure::Entity::insert(sign_in_failure::ActiveModel {
        email: Set(email.to_string()),
        client: Set(client.to_string()),
        failures: Set(1),
        locked_until: Set(None),
        last_failed_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([sign_in_failure::Column::Email, sign_in_failure::Column::Client])
            .value(
                sign_in_failure::Column::Failures,
                Expr::col((sign_in_failure::Entity, sign_in_failure::Column::Failures)).add(1),
            )
            .update_column(sign_in_failure::Column::LastFailedAt)
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let failures = sign_in_failure::Entity::find_by_id((email.to_string(), client.to_string()))
        .one(&txn)
        .await?
        .map_or(1, |row| row.failures);
    if failures > FREE_FAILURES {
        let exponent = Ord::min(failures - FREE_FAILURES - 1, 10) as u32;
        let until = now + Ord::min(Duration::seconds(30) * 2_i32.pow(exponent), MAX_LOCK);
        sign_in_failure::Entity::update_many()
            .col_expr(sign_in_failure::Column::LockedUntil, Expr::value(until))
            .filter(sign_in_failure::Column::Email.eq(email))
            .filter(sign_in_failure::Column::Client.eq(client))
            .exec(&txn)
            .await?;
    }
    // Forget old failures (an index on last_failed_at keeps this cheap).
    sign_in_failure::Entity::delete_many()
        .filter(sign_in_failure::Column::LastFailedAt.lt(now - FORGET_FAILURES_AFTER))
        .filter(
            sign_in_failure::Column::LockedUntil.is_null().or(sign_in_failure::Column::LockedUntil.lt(now)),
        )
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Whether `client` is backing off from `email` after repeated failures.
pub(super) async fn is_paused(
    db: &impl ConnectionTrait,
    email: &str,
    client: &str,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    Ok(sign_in_failure::Entity::find_by_id((email.to_string(), client.to_string()))
        .one(db)
        .await?
        .and_then(|row| row.locked_until)
        .is_some_and(|until| until > now))
}

/// Lifts every back-off on `email` (a new password, an account enabled again).
pub async fn clear_failures(db: &impl ConnectionTrait, email: &str) -> Result<(), ServiceError> {
    sign_in_failure::Entity::delete_many()
        .filter(sign_in_failure::Column::Email.eq(failure_email(email)))
        .exec(db)
        .await?;
    Ok(())
}

/// Until when sign-ins to `email` are paused for some client (the latest such pause), if any.
pub async fn paused_until(
    db: &impl ConnectionTrait,
    email: &str,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, ServiceError> {
    Ok(sign_in_failure::Entity::find()
        .filter(sign_in_failure::Column::Email.eq(failure_email(email)))
        .filter(sign_in_failure::Column::LockedUntil.gt(now))
        .order_by_desc(sign_in_failure::Column::LockedUntil)
        .one(db)
        .await?
        .and_then(|row| row.locked_until))
}

/// Checks an email and password and opens a new session (a new token every time).
///
/// Failures are counted per email *and* client (see [`client_key`]): a client that keeps
/// failing is refused for a while even with the right password, but nobody else is, so a
/// stranger cannot lock an administrator out. Every failure is `Unauthorized`, after the same
/// hashing and the same database write whether or not the email belongs to anyone.
///
/// Errors: `Unauthorized`; `TooManyRequests` when password hashing is saturated.
#[tracing::instrument(skip_all)]
pub async fn sign_in(
    db: &DatabaseConnection,
    email: &str,
    password: &str,
    client: &Client,
    policy: SessionPolicy,
    now: DateTime<Utc>,
) -> Result<(String, Admin), ServiceError> {
    let typed = failure_email(email);
    let from = client_key(client.ip.as_deref());
    let paused = is_paused(db, &typed, &from, now).await?;
    let row = match Email::parse(email) {
        Ok(email) => {
            admin_user::Entity::find().filter(admin_user::Column::Email.eq(email.as_str())).one(db).await?
        }
        Err(_) => None,
    };
    // An unknown email is checked against a real hash, so it takes as long as a known one.
    let hash = match &row {
        Some(row) => row.password_hash.clone(),
        None => decoy_hash().await?,
    };
    let matches = verify_password(password.to_string(), hash).await? && row.is_some();
    let row = match row {
        Some(row) if matches && !paused && !row.disabled => row,
        row => {
            if !matches {
                record_failure(db, &typed, &from, now).await?;
            }
            let outcome = match &row {
                None => "unknown_email",
                Some(row) if row.disabled => "disabled",
                Some(_) if paused => "backing_off",
                Some(_) => "wrong_password",
            };
            let admin = row.as_ref().map_or("", |row| row.id.as_str());
            tracing::info!(admin, outcome, client = %from, "sign-in refused");
            metrics::counter!(crate::telemetry::names::SIGN_INS, "outcome" => outcome).increment(1);
            return Err(refused());
        }
    };
    let token = new_token();
    let txn = begin_write(db).await?;
    // A success from this client ends its own back-off (not other clients').
    sign_in_failure::Entity::delete_many()
        .filter(sign_in_failure::Column::Email.eq(typed.as_str()))
        .filter(sign_in_failure::Column::Client.eq(from.as_str()))
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
    tracing::info!(admin = %row.id, client = %from, "signed in");
    metrics::counter!(crate::telemetry::names::SIGN_INS, "outcome" => "signed_in").increment(1);
    let admin = accounts::load(db, row).await?;
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
    let ended = if now >= found.expires_at {
        Some("absolute lifetime reached")
    } else if now - found.last_seen_at >= policy.idle {
        Some("idle timeout")
    } else if row.disabled {
        Some("administrator disabled")
    } else if found.created_at < row.password_changed_at {
        Some("password changed")
    } else {
        None
    };
    if let Some(reason) = ended {
        session::Entity::delete_by_id(hash).exec(db).await?;
        tracing::info!(admin = %row.id, reason, "session ended");
        return Ok(None);
    }
    if now - found.last_seen_at >= Duration::minutes(1) {
        session::ActiveModel { token_hash: Set(hash), last_seen_at: Set(now), ..Default::default() }
            .update(db)
            .await?;
    }
    Ok(Some(accounts::load(db, row).await?))
}

/// Ends one session.
pub async fn sign_out(db: &DatabaseConnection, token: &str) -> Result<(), ServiceError> {
    let hash = token_hash(token);
    if let Some(found) = session::Entity::find_by_id(hash.clone()).one(db).await? {
        session::Entity::delete_by_id(hash).exec(db).await?;
        tracing::info!(admin = %found.admin_id, "signed out");
    }
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
    fn clients_are_ipv4_addresses_or_ipv6_slash_64s() {
        assert_eq!(client_key(Some("198.51.100.7")), "198.51.100.7");
        assert_eq!(client_key(Some("::ffff:198.51.100.7")), "198.51.100.7");
        let a = client_key(Some("2001:db8:1:2:aaaa::1"));
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(client_key(Some("2001:db8:1:2:ffff:ffff:ffff:ffff")), a, "the same /64");
        assert_ne!(client_key(Some("2001:db8:1:3::1")), a, "the next /64");
        assert_eq!(client_key(None), "unknown");
        assert_eq!(client_key(Some("not an address")), "unknown");
    }

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
