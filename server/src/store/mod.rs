//! Storage: connecting to SQLite or PostgreSQL, migrations, entities.

pub mod backup;
pub mod entities;
pub mod migrations;
pub mod virtual_extensions;

use sea_orm::sqlx;
use sea_orm::{
    AccessMode, ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, IsolationLevel, SqliteTransactionMode, TransactionOptions, TransactionSession,
    TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub use migrations::Migrator;

/// The embedded default: a SQLite file under `data/`, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/vext.db";

/// Why the store could not be opened, in words an operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported DATABASE_URL {0:?}: use sqlite://PATH (e.g. sqlite://data/vext.db) or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    #[error("cannot create the database directory {path}: {source}")]
    CreateDir { path: PathBuf, source: std::io::Error },
    #[error("cannot open the database at {url}: {source}")]
    Connect { url: String, source: DbErr },
    #[error("the database schema is newer than this vext binary (it has migrations {unknown:?} that this version does not know). Run the newer vext, or restore a backup taken before the upgrade.")]
    SchemaTooNew { unknown: Vec<String> },
    #[error("database migration failed: {0}")]
    Migrate(DbErr),
}

/// Where a `sqlite:` URL points on disk (None for in-memory databases).
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// Hides a password in a database URL before it is logged or shown.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Opens a pool. SQLite gets WAL, a busy timeout, foreign keys and several connections
/// (SeaORM's SQLite default is one connection).
pub async fn connect(url: &str) -> Result<DatabaseConnection, StoreError> {
    let shown = redact_url(url);
    let mut options = ConnectOptions::new(url.to_string());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5));
    if url.starts_with("sqlite:") {
        if let Some(dir) = sqlite_path(url).and_then(|p| p.parent().map(PathBuf::from)) {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(&dir)
                    .map_err(|source| StoreError::CreateDir { path: dir.clone(), source })?;
            }
        }
        options.max_connections(8).min_connections(1).map_sqlx_sqlite_opts(|o| {
            o.create_if_missing(true)
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        });
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        options.max_connections(16).min_connections(1);
    } else {
        return Err(StoreError::UnsupportedUrl(shown));
    }
    Database::connect(options).await.map_err(|source| StoreError::Connect { url: shown, source })
}

/// Applies pending migrations, refusing a schema made by a newer vext. On PostgreSQL it runs
/// under an advisory lock in one transaction: replicas starting together migrate once (the
/// others wait, then find nothing to do), and a failed migration leaves the schema as it was.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), StoreError> {
    if db.get_database_backend() == DbBackend::Postgres {
        use sea_orm::ConnectionTrait;
        let txn = db.begin().await.map_err(StoreError::Migrate)?;
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({})", Lock::Migrations as i64))
            .await
            .map_err(StoreError::Migrate)?;
        refuse_newer(&txn).await?;
        Migrator::up(&txn, None).await.map_err(StoreError::Migrate)?;
        return txn.commit().await.map_err(StoreError::Migrate);
    }
    refuse_newer(db).await?;
    Migrator::up(db, None).await.map_err(StoreError::Migrate)
}

/// Refuses a schema that has migrations this binary does not know (made by a newer vext).
async fn refuse_newer(db: &impl TransactionTrait) -> Result<(), StoreError> {
    let known: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_string()).collect();
    // Read the table directly: the migrator itself fails with a vaguer message on unknown rows.
    // A missing table (a fresh database) reads as nothing applied; the read has a transaction
    // (a savepoint inside the migration's) of its own, so its failure spoils nothing.
    let read = db.begin().await.map_err(StoreError::Migrate)?;
    let applied = match sea_orm_migration::seaql_migrations::Entity::find().all(&read).await {
        Ok(applied) => {
            read.commit().await.map_err(StoreError::Migrate)?;
            applied
        }
        Err(_) => {
            read.rollback().await.map_err(StoreError::Migrate)?;
            Vec::new()
        }
    };
    let unknown: Vec<String> =
        applied.into_iter().map(|m| m.version).filter(|name| !known.contains(name)).collect();
    if !unknown.is_empty() {
        return Err(StoreError::SchemaTooNew { unknown });
    }
    Ok(())
}

/// Opens the store and brings its schema up to date: what `vext serve` does at start.
pub async fn open(url: &str) -> Result<DatabaseConnection, StoreError> {
    let db = connect(url).await?;
    migrate(&db).await?;
    Ok(db)
}

/// Starts a transaction that will write. On SQLite it takes the write lock at BEGIN
/// (IMMEDIATE), so concurrent writers wait on busy_timeout instead of failing mid-transaction.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            db.begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
        }
        _ => db.begin().await,
    }
}

/// Starts a read-only transaction that sees one snapshot of the database for its whole life,
/// and takes no lock that would stop writers (SQLite's WAL: a deferred BEGIN, whose snapshot
/// starts at the first read; PostgreSQL: REPEATABLE READ, READ ONLY). For long reads that
/// must be consistent, such as checking a CSV file.
pub async fn begin_snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            db.begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly)).await
        }
        _ => db.begin().await,
    }
}

/// What a write transaction may serialize on, for rules that span rows and that no unique
/// index can express (the last full administrator; ESNs against organization extensions;
/// overlapping routing prefixes).
#[derive(Clone, Copy, Debug)]
pub enum Lock {
    Administrators = 727_001,
    Directory = 727_002,
    /// Held while a replica migrates the schema.
    Migrations = 727_003,
}

/// How long a transaction waits for a lock that another holds, on both databases (SQLite's
/// busy timeout is the same): then the request is answered "busy, try again" instead of
/// holding a pooled connection for as long as the other writer takes.
pub const LOCK_WAIT_SECS: u64 = 5;

/// Takes `lock` until the transaction ends (PostgreSQL advisory lock, so replicas on one
/// database agree), waiting at most [`LOCK_WAIT_SECS`] for it and for any row lock after it.
/// SQLite needs nothing: [`begin_write`] already serializes its writers.
pub async fn serialize(txn: &DatabaseTransaction, lock: Lock) -> Result<(), DbErr> {
    use sea_orm::ConnectionTrait;
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared(&format!("SET LOCAL lock_timeout = '{LOCK_WAIT_SECS}s'")).await?;
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({})", lock as i64)).await?;
    }
    Ok(())
}

/// The PostgreSQL channel on which every directory change is announced when it commits.
pub const DIRECTORY_CHANNEL: &str = "vext_directory";

/// Changes to the directory this process has committed (see [`DirectoryChange`]).
static DIRECTORY_CHANGES: AtomicU64 = AtomicU64::new(0);

/// How many directory changes this process has committed so far: when it moves, a dial-plan
/// snapshot of this process may be stale.
pub fn directory_changes() -> u64 {
    DIRECTORY_CHANGES.load(Ordering::Acquire)
}

/// Tells this process's dial-plan snapshots that the directory may have changed. Call it after
/// the commit (a snapshot that looks before the commit would see the old version, and keep it).
pub fn directory_changed() {
    DIRECTORY_CHANGES.fetch_add(1, Ordering::AcqRel);
}

/// A change to the directory in a transaction: when dropped (after the commit, or after a
/// rollback, where looking again is merely unneeded) it calls [`directory_changed`].
#[must_use = "hold it until the transaction has committed: dropping it tells this process's dial plans to look again"]
pub struct DirectoryChange(());

impl Drop for DirectoryChange {
    fn drop(&mut self) {
        directory_changed();
    }
}

/// Takes the directory lock for a change to what the dial plan reads (entries, ranges,
/// locations, the mode), and marks the directory changed: a dial-plan snapshot built at an
/// earlier `directory_version` is stale once this transaction commits (see `services::calls`).
/// On PostgreSQL the commit also announces it on [`DIRECTORY_CHANNEL`], for other replicas.
pub async fn lock_directory(txn: &DatabaseTransaction) -> Result<DirectoryChange, DbErr> {
    use sea_orm::ConnectionTrait;
    serialize(txn, Lock::Directory).await?;
    txn.execute_unprepared("UPDATE org_settings SET directory_version = directory_version + 1 WHERE id = 1")
        .await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        // Delivered at commit, once however often the transaction asks.
        txn.execute_unprepared(&format!("NOTIFY {DIRECTORY_CHANNEL}")).await?;
    }
    Ok(DirectoryChange(()))
}

/// A new opaque id (UUID v7: time-ordered, so inserts stay index-friendly).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths() {
        assert_eq!(sqlite_path("sqlite://data/vext.db"), Some(PathBuf::from("data/vext.db")));
        assert_eq!(sqlite_path("sqlite:///tmp/x.db?mode=rwc"), Some(PathBuf::from("/tmp/x.db")));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://x"), None);
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("sqlite://data/vext.db"), "sqlite://data/vext.db");
    }
}
