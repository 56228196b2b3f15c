//! API tokens: the REST API's credentials. A token has a name (the audit log's actor, "API token
//! N") and a role like an administrator's, checked by the same rules. Its secret is shown once;
//! only its SHA-256 is stored (the secret is 256 random bits, so a slow hash adds nothing).
//!
//! Checking a token costs no database round trip once it is known: [`TokenCache`] keeps what
//! a token may do and reads it again at most every [`RECHECK`], so a revocation made on any
//! replica is honoured on every other within that time. While the database does not answer, a
//! token checked before keeps its last answer (the phone systems' look-ups go on from memory).

use super::admins::{check_role_locations, resolve_locations};
use super::audit::{self, Snapshot, Target};
use super::sessions::token_hash;
use super::{require_full, rfc3339, ServiceError};
use crate::store::entities::{api_token, api_token_location, location};
use crate::store::{begin_write, new_id};
use app::error::AppError;
use app::model::admin::{Actor, Role};
use app::model::audit::AuditAction;
use app::model::token::{
    parse_expires_days, parse_token_name, ApiTokenInfo, ApiTokenInput, CreatedApiToken, TOKEN_PREFIX,
};
use app::model::{ErrorCode, Field, FieldError};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    Set, SqlErr,
};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// How long a token's rights are used without reading them again: a revocation on another
/// replica takes effect within this time.
pub const RECHECK: std::time::Duration = std::time::Duration::from_millis(500);
/// `last_used_at` is written at most this often per token (a write per request would
/// contend with imports for SQLite's one writer).
const LAST_USED_STEP: Duration = Duration::seconds(60);
/// Tokens remembered at most (unknown ones included); beyond, the cache starts over.
const CACHE_MAX: usize = 10_000;
/// How long a request whose token was checked before waits for the database to check it again;
/// past it (or when the database fails) the last answer stands until the next [`RECHECK`].
const RECHECK_WAIT: std::time::Duration = std::time::Duration::from_millis(250);
/// Secret bytes: 256 bits.
const SECRET_BYTES: usize = 32;

/// The audit log's name for what a token does.
pub fn actor_name(name: &str) -> String {
    format!("API token {name}")
}

/// The actor id a token acts under (never an administrator's id).
fn actor_id(token_id: &str) -> String {
    format!("token:{token_id}")
}

/// The token an actor is, when it is one.
pub fn token_id(actor: &Actor) -> Option<&str> {
    actor.id.strip_prefix("token:")
}

/// The actor token `id` is now (its role and locations as stored), or `None` when it is
/// revoked or expired: what an import it submitted runs as.
pub async fn current_actor(db: &impl ConnectionTrait, id: &str) -> Result<Option<Actor>, ServiceError> {
    let Some(row) = api_token::Entity::find_by_id(id.to_string())
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if row.expires_at.is_some_and(|at| at <= Utc::now()) {
        return Ok(None);
    }
    let locations = location_ids(db, &row.id).await?;
    Ok(Some(Actor {
        id: actor_id(&row.id),
        email: actor_name(&row.name),
        role: row.role,
        locations,
        from: Some("import task".to_string()),
        session: None,
    }))
}

fn new_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    OsRng.fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

/// Whether `secret` has the shape of a token (so that garbage costs no database read).
fn well_formed(secret: &str) -> bool {
    secret.len() == TOKEN_PREFIX.len() + 2 * SECRET_BYTES
        && secret.starts_with(TOKEN_PREFIX)
        && secret[TOKEN_PREFIX.len()..].bytes().all(|b| b.is_ascii_hexdigit())
}

fn not_found(id: &str) -> ServiceError {
    AppError::NotFound { what: format!("API token {id:?}") }.into()
}

/// What a known token may do, as last read.
#[derive(Clone)]
struct Known {
    /// `None`: no usable token has this secret (unknown, or revoked).
    grant: Option<Grant>,
    read_at: Instant,
}

#[derive(Clone)]
struct Grant {
    token_id: String,
    name: String,
    role: Role,
    locations: Vec<String>,
    expires_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
}

/// Token checks without a database read per request (one per token per [`RECHECK`]).
#[derive(Default)]
pub struct TokenCache {
    known: Mutex<HashMap<String, Known>>,
}

impl TokenCache {
    pub fn new() -> Self {
        Self::default()
    }

    fn remember(&self, hash: String, grant: Option<Grant>, read_at: Instant) {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        if known.len() >= CACHE_MAX && !known.contains_key(&hash) {
            known.clear();
        }
        known.insert(hash, Known { grant, read_at });
    }

    /// The last answer for this hash, and whether it is recent enough to stand.
    fn recall(&self, hash: &str, now: Instant) -> Option<(Option<Grant>, bool)> {
        let known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        known.get(hash).map(|k| (k.grant.clone(), now.duration_since(k.read_at) < RECHECK))
    }

    /// Remembers what the database said of a token, and records its use (in the background:
    /// the request does not wait for that write).
    fn fresh(
        &self,
        db: &DatabaseConnection,
        hash: String,
        grant: Option<Grant>,
        now: Instant,
    ) -> Option<Grant> {
        if let Some(grant) = &grant {
            if grant.last_used_at.is_none_or(|at| Utc::now() - at >= LAST_USED_STEP) {
                tokio::spawn(touch(db.clone(), grant.token_id.clone()));
            }
        }
        self.remember(hash, grant.clone(), now);
        grant
    }

    /// The actor a bearer token acts as, from `from` (the client's address): `Unauthorized`
    /// when the token is malformed, unknown, revoked or expired (one answer for all, so that
    /// it tells nothing).
    pub async fn authenticate(
        &self,
        db: &DatabaseConnection,
        secret: &str,
        from: Option<String>,
    ) -> Result<Actor, ServiceError> {
        if !well_formed(secret) {
            return Err(AppError::Unauthorized.into());
        }
        let hash = token_hash(secret);
        let now = Instant::now();
        let grant = match self.recall(&hash, now) {
            Some((grant, true)) => grant,
            Some((last, false)) => {
                // Checked before: a database that is down or slow must not stop the requests
                // (the phone systems' look-ups answer from memory): the last answer stands.
                let read =
                    tokio::time::timeout(RECHECK_WAIT, read_grant(db, &hash)).await.unwrap_or_else(|_| {
                        Err(AppError::Network { message: "the database did not answer in time".to_string() }
                            .into())
                    });
                match read {
                    Ok(grant) => self.fresh(db, hash, grant, now),
                    Err(error) => {
                        tracing::warn!(%error, "cannot check an API token again: its last check stands");
                        self.remember(hash, last.clone(), now);
                        last
                    }
                }
            }
            None => {
                let grant = read_grant(db, &hash).await?;
                self.fresh(db, hash, grant, now)
            }
        };
        let Some(grant) = grant.filter(|g| g.expires_at.is_none_or(|at| at > Utc::now())) else {
            return Err(AppError::Unauthorized.into());
        };
        Ok(Actor {
            id: actor_id(&grant.token_id),
            email: actor_name(&grant.name),
            role: grant.role,
            locations: grant.locations,
            from,
            session: None,
        })
    }
}

/// The token with this secret hash, unless it is revoked.
async fn read_grant(db: &impl ConnectionTrait, hash: &str) -> Result<Option<Grant>, ServiceError> {
    let Some(row) = api_token::Entity::find()
        .filter(api_token::Column::SecretHash.eq(hash))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let locations = location_ids(db, &row.id).await?;
    Ok(Some(Grant {
        // An unknown stored role (which the CHECK constraint prevents) reads as the least one.
        role: row.role,
        token_id: row.id,
        name: row.name,
        locations,
        expires_at: row.expires_at,
        last_used_at: row.last_used_at,
    }))
}

/// Records that a token was used (at most once per [`LAST_USED_STEP`], see `fresh`). A busy
/// database only delays the record, or loses it.
async fn touch(db: DatabaseConnection, token_id: String) {
    let written = api_token::Entity::update_many()
        .col_expr(api_token::Column::LastUsedAt, Expr::value(Utc::now()))
        .filter(api_token::Column::Id.eq(token_id.as_str()))
        .exec(&db)
        .await;
    if let Err(error) = written {
        tracing::debug!(%error, token = %token_id, "last use of an API token not recorded");
    }
}

async fn location_ids(db: &impl ConnectionTrait, token_id: &str) -> Result<Vec<String>, ServiceError> {
    Ok(api_token_location::Entity::find()
        .filter(api_token_location::Column::TokenId.eq(token_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.location_id)
        .collect())
}

/// Every token, newest first (full administrators).
pub async fn list(db: &DatabaseConnection, actor: &Actor) -> Result<Vec<ApiTokenInfo>, ServiceError> {
    require_full(actor, "see API tokens")?;
    let rows = api_token::Entity::find().order_by_desc(api_token::Column::CreatedAt).all(db).await?;
    let names: HashMap<String, String> =
        location::Entity::find().all(db).await?.into_iter().map(|l| (l.id, l.name)).collect();
    let mut assigned: HashMap<String, Vec<String>> = HashMap::new();
    for link in api_token_location::Entity::find().all(db).await? {
        let name = names.get(&link.location_id).cloned().unwrap_or(link.location_id);
        assigned.entry(link.token_id).or_default().push(name);
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let mut locations = assigned.remove(&row.id).unwrap_or_default();
            locations.sort();
            info(row, locations)
        })
        .collect())
}

fn info(row: api_token::Model, locations: Vec<String>) -> ApiTokenInfo {
    ApiTokenInfo {
        role: row.role,
        id: row.id,
        name: row.name,
        locations,
        created_by: row.created_by,
        created_at: rfc3339(row.created_at),
        last_used_at: row.last_used_at.map(rfc3339),
        expired: row.expires_at.is_some_and(|at| at <= Utc::now()),
        expires_at: row.expires_at.map(rfc3339),
        revoked_at: row.revoked_at.map(rfc3339),
    }
}

fn token_snapshot(info: &ApiTokenInfo) -> Snapshot {
    Snapshot::new()
        .with("Name", info.name.clone())
        .with("Role", info.role.label())
        .with("Locations", info.locations.join(", "))
        .with("Expires", info.expires_at.clone().unwrap_or_else(|| "never".to_string()))
}

/// The names of a token's locations, sorted.
async fn location_names(db: &impl ConnectionTrait, token_id: &str) -> Result<Vec<String>, ServiceError> {
    let mut names = Vec::new();
    for id in location_ids(db, token_id).await? {
        if let Some(l) = location::Entity::find_by_id(id).one(db).await? {
            names.push(l.name);
        }
    }
    names.sort();
    Ok(names)
}

/// Makes a token (full administrators; the command line too). The secret is in the answer and
/// nowhere else.
///
/// Errors: `Forbidden`, `Validation` (name, role, locations, expiry), `Conflict` (NAME_IN_USE:
/// token names are unique, revoked ones included, so that the audit log names one token).
#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &ApiTokenInput,
) -> Result<CreatedApiToken, ServiceError> {
    require_full(actor, "create API tokens")?;
    let mut errors = Vec::new();
    let name = parse_token_name(&input.name).map_err(|e| errors.push(e)).ok();
    let role = Role::parse(&input.role).map_err(|e| errors.push(e)).ok();
    let days = parse_expires_days(&input.expires_days).map_err(|e| errors.push(e)).ok();
    if let Some(role) = role {
        check_role_locations(role, &input.locations, &mut errors);
    }
    let location_ids = resolve_locations(db, &input.locations, &mut errors).await?;
    let (Some(name), Some(role), Some(days), true) = (name, role, days, errors.is_empty()) else {
        return Err(AppError::validation(errors).into());
    };
    let in_use = || -> ServiceError {
        AppError::Conflict {
            fields: vec![FieldError::new(
                Field::Name,
                ErrorCode::NameInUse,
                format!(
                    "An API token named {name:?} exists already (revoked tokens keep their names, so that the audit log names one token): choose another name."
                ),
            )],
        }
        .into()
    };
    let now = Utc::now();
    let secret = new_secret();
    let row = api_token::ActiveModel {
        id: Set(new_id()),
        name: Set(name.clone()),
        secret_hash: Set(token_hash(&secret)),
        role: Set(role),
        created_by_id: Set((actor.id != audit::COMMAND_LINE_ID).then(|| actor.id.clone())),
        created_by: Set(actor.email.chars().take(300).collect()),
        created_at: Set(now),
        last_used_at: Set(None),
        expires_at: Set(days.map(|d| now + Duration::days(i64::from(d)))),
        revoked_at: Set(None),
    };
    let txn = begin_write(db).await?;
    let row = match row.insert(&txn).await {
        Ok(row) => row,
        Err(error) => {
            txn.rollback().await?;
            return Err(match error.sql_err() {
                Some(SqlErr::UniqueConstraintViolation(_)) => in_use(),
                _ => error.into(),
            });
        }
    };
    for location_id in &location_ids {
        api_token_location::ActiveModel {
            token_id: Set(row.id.clone()),
            location_id: Set(location_id.clone()),
        }
        .insert(&txn)
        .await?;
    }
    let names = location_names(&txn, &row.id).await?;
    let token = info(row, names);
    let after = token_snapshot(&token);
    audit::record(
        &txn,
        actor,
        AuditAction::ApiTokenCreated,
        Target { id: &token.id, label: token.name.clone() },
        None,
        Some(&after),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(token = %token.id, by = %actor.id, role = role.as_str(), "API token created");
    Ok(CreatedApiToken { token, secret })
}

/// Revokes a token (full administrators): every replica refuses it within [`RECHECK`].
/// Revoking a revoked token changes nothing.
///
/// Errors: `Forbidden`, `NotFound`.
#[tracing::instrument(skip_all)]
pub async fn revoke(db: &DatabaseConnection, actor: &Actor, id: &str) -> Result<ApiTokenInfo, ServiceError> {
    require_full(actor, "revoke API tokens")?;
    let txn = begin_write(db).await?;
    let row = api_token::Entity::find_by_id(id.to_string()).one(&txn).await?.ok_or_else(|| not_found(id))?;
    let names = location_names(&txn, &row.id).await?;
    if row.revoked_at.is_some() {
        txn.rollback().await?;
        return Ok(info(row, names));
    }
    let mut revoking: api_token::ActiveModel = row.into();
    revoking.revoked_at = Set(Some(Utc::now()));
    let row = revoking.update(&txn).await?;
    let token = info(row, names);
    let before = token_snapshot(&token);
    audit::record(
        &txn,
        actor,
        AuditAction::ApiTokenRevoked,
        Target { id: &token.id, label: token.name.clone() },
        Some(&before),
        Some(&before.clone().with("Revoked", token.revoked_at.clone().unwrap_or_default())),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(token = %token.id, by = %actor.id, "API token revoked");
    Ok(token)
}

/// The token named `name` or with id `name` (the command line's `vext token revoke`).
pub async fn find(db: &impl ConnectionTrait, name: &str) -> Result<ApiTokenInfo, ServiceError> {
    let row = match api_token::Entity::find_by_id(name.to_string()).one(db).await? {
        Some(row) => row,
        None => api_token::Entity::find()
            .filter(api_token::Column::Name.eq(name.trim()))
            .one(db)
            .await?
            .ok_or_else(|| not_found(name))?,
    };
    let names = location_names(db, &row.id).await?;
    Ok(info(row, names))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_256_random_bits_with_the_vext_prefix() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert!(well_formed(&a), "{a}");
        assert_eq!(a.len(), 5 + 64);
        for bad in
            ["", "vext_", "Bearer x", &a[..a.len() - 1], &a.replace("vext_", "vexd_"), &format!("{a}0")]
        {
            assert!(!well_formed(bad), "{bad}");
        }
        assert!(!well_formed(&format!("vext_{}", "g".repeat(64))));
    }
}
