//! Backups of a SQLite database while vext serves (`VACUUM INTO`: one consistent snapshot, writers
//! carry on), and restoring one while no server uses the database. PostgreSQL has `pg_dump` and
//! `pg_restore` for both (the README gives the lines).
//!
//! "No server uses it" is an advisory lock on a file beside the database (`<database>.lock`,
//! which stays put while the database file itself is replaced): every `vext serve` holds a
//! shared lock on it for its whole life, and a restore an exclusive one, so neither can start
//! while the other runs (the kernel drops the lock of a process that dies).

use super::{connect, sqlite_path, Migrator, StoreError};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use sea_orm_migration::MigratorTrait;
use std::fs::File;
use std::path::{Path, PathBuf};

/// Why a backup or a restore did not happen, and what to do instead.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "vext backs up SQLite databases; for PostgreSQL use its own tools, which take a consistent copy while vext serves: \
         pg_dump --format=custom --file {out} '{url}' (and pg_restore --clean --dbname '{url}' {out} to restore)"
    )]
    Postgres { url: String, out: String },
    #[error("{} already exists: choose a new file name (a backup never overwrites a file)", .0.display())]
    Exists(PathBuf),
    #[error("the path {} is not valid UTF-8: choose a plain file name", .0.display())]
    Path(PathBuf),
    #[error(
        "a vext server is using {}: stop it (systemctl stop vext, or the process), then restore; the server's next \
         start uses the restored database",
        .0.display()
    )]
    InUse(PathBuf),
    #[error("{} is being restored: start vext once `vext restore` has finished", .0.display())]
    Restoring(PathBuf),
    #[error("{} is not a vext backup: {reason}", path.display())]
    NotABackup { path: PathBuf, reason: String },
    #[error("{} {action}: {source}", path.display())]
    Io { path: PathBuf, action: &'static str, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
}

fn io<'a>(path: &'a Path, action: &'static str) -> impl FnOnce(std::io::Error) -> BackupError + 'a {
    move |source| BackupError::Io { path: path.to_path_buf(), action, source }
}

/// What a backup wrote.
#[derive(Debug)]
pub struct Backup {
    pub path: PathBuf,
    pub bytes: u64,
    pub migrations: usize,
}

/// The lock file of a SQLite database, opened (and created, with its directory) for locking.
fn lock_file(database: &Path) -> Result<File, BackupError> {
    if let Some(dir) = database.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(dir, "cannot be created"))?;
    }
    let path = with_suffix(database, ".lock");
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io(&path, "cannot be opened"))
}

/// The lock a serving process holds on its SQLite database until it exits (none for
/// PostgreSQL). Take it before opening the database; refused while a restore runs.
pub fn hold_for_serving(url: &str) -> Result<Option<File>, BackupError> {
    let Some(database) = sqlite_path(url) else { return Ok(None) };
    let file = lock_file(&database)?;
    match file.try_lock_shared() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(BackupError::Restoring(database)),
        Err(std::fs::TryLockError::Error(error)) => Err(io(&database, "cannot be locked")(error)),
    }
}

/// Writes a consistent copy of the database to `out` while the server goes on serving, then
/// checks the copy (`PRAGMA integrity_check`).
pub async fn backup(db: &DatabaseConnection, url: &str, out: &Path) -> Result<Backup, BackupError> {
    if db.get_database_backend() != DbBackend::Sqlite {
        let out = out.display().to_string();
        return Err(BackupError::Postgres { url: super::redact_url(url), out });
    }
    if out.exists() {
        return Err(BackupError::Exists(out.to_path_buf()));
    }
    let text = out.to_str().ok_or_else(|| BackupError::Path(out.to_path_buf()))?;
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(dir, "cannot be created"))?;
    }
    // One read transaction: the copy is the database as of one commit, whatever writes follow.
    let literal = text.replace('\'', "''");
    db.execute_unprepared(&format!("VACUUM INTO '{literal}'")).await?;
    let migrations = check(out).await?;
    let bytes = std::fs::metadata(out).map_err(io(out, "cannot be read"))?.len();
    Ok(Backup { path: out.to_path_buf(), bytes, migrations })
}

/// Opens `path` read-only and checks that it is a sound SQLite database made by this or an
/// earlier vext: returns its number of applied migrations.
pub async fn check(path: &Path) -> Result<usize, BackupError> {
    let not = |reason: String| BackupError::NotABackup { path: path.to_path_buf(), reason };
    if !path.is_file() {
        return Err(not("no such file".to_string()));
    }
    let db = open_read_only(path).await.map_err(|e| not(format!("SQLite cannot open it ({e})")))?;
    let result = async {
        let integrity = db
            .query_one_raw(Statement::from_string(DbBackend::Sqlite, "PRAGMA integrity_check"))
            .await
            .map_err(|e| not(format!("SQLite cannot read it ({e})")))?
            .and_then(|row| row.try_get_by_index::<String>(0).ok())
            .unwrap_or_default();
        if integrity != "ok" {
            return Err(not(format!("PRAGMA integrity_check says {integrity:?}")));
        }
        let applied: Vec<String> = db
            .query_all_raw(Statement::from_string(DbBackend::Sqlite, "SELECT version FROM seaql_migrations"))
            .await
            .map_err(|_| not("it has no vext schema (no seaql_migrations table)".to_string()))?
            .into_iter()
            .filter_map(|row| row.try_get_by_index::<String>(0).ok())
            .collect();
        let known: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_string()).collect();
        let unknown: Vec<&String> = applied.iter().filter(|m| !known.contains(m)).collect();
        if !unknown.is_empty() {
            return Err(not(format!(
                "it was made by a newer vext (migrations {unknown:?} are unknown to this one): restore it with that version"
            )));
        }
        Ok(applied.len())
    }
    .await;
    db.close().await.ok();
    result
}

/// One read-only connection to a SQLite file, changing nothing in it (no journal mode set, no
/// file created).
pub async fn open_read_only(path: &Path) -> Result<DatabaseConnection, BackupError> {
    let text = path.to_str().ok_or_else(|| BackupError::Path(path.to_path_buf()))?;
    let mut options = sea_orm::ConnectOptions::new(format!("sqlite://{text}"));
    options
        .sqlx_logging(false)
        .max_connections(1)
        .min_connections(0)
        .map_sqlx_sqlite_opts(|o| o.read_only(true).create_if_missing(false));
    Ok(sea_orm::Database::connect(options).await?)
}

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    pub database: PathBuf,
    /// Where the database it replaced was kept, if there was one.
    pub previous: Option<PathBuf>,
    pub migrations: usize,
}

/// Replaces the SQLite database of `url` with the backup `from`, while no server uses it. The
/// database it replaces is kept beside it (`….before-restore-<time>`), with its write-ahead log
/// folded in first, so nothing is lost either way. Older backups are brought up to date by the
/// next start's migrations.
pub async fn restore(url: &str, from: &Path) -> Result<Restored, BackupError> {
    let Some(database) = sqlite_path(url) else {
        let out = from.display().to_string();
        return Err(BackupError::Postgres { url: super::redact_url(url), out });
    };
    let same = |a: &Path, b: &Path| matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b);
    if same(from, &database) {
        return Err(BackupError::NotABackup {
            path: from.to_path_buf(),
            reason: "it is the database itself: name a file written by `vext backup`".to_string(),
        });
    }
    let log = with_suffix(from, "-wal");
    if std::fs::metadata(&log).is_ok_and(|m| m.len() > 0) {
        return Err(BackupError::NotABackup {
            path: from.to_path_buf(),
            reason: format!(
                "it is a live database with writes still in {} (a copy of it could be torn): make a backup with `vext backup --out FILE`",
                log.display()
            ),
        });
    }
    let migrations = check(from).await?;
    // No server may start while the files move: hold the database exclusively.
    let lock = lock_file(&database)?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => return Err(BackupError::InUse(database)),
        Err(std::fs::TryLockError::Error(error)) => return Err(io(&database, "cannot be locked")(error)),
    }
    let previous = if database.exists() {
        // Fold the write-ahead log into the file, so the kept copy is whole on its own.
        let db = connect(url).await?;
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await?;
        db.close().await.ok();
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let kept = with_suffix(&database, &format!(".before-restore-{stamp}"));
        std::fs::rename(&database, &kept).map_err(io(&database, "cannot be moved aside"))?;
        Some(kept)
    } else {
        None
    };
    // Whatever log files remain belong to the database moved aside, never to the backup.
    for suffix in ["-wal", "-shm"] {
        let stale = with_suffix(&database, suffix);
        if let Err(error) = std::fs::remove_file(&stale) {
            if error.kind() != std::io::ErrorKind::NotFound {
                return Err(io(&stale, "cannot be removed")(error));
            }
        }
    }
    // Copy, flush, then rename: a crash leaves either no database or the whole backup.
    let partial = with_suffix(&database, ".restoring");
    std::fs::copy(from, &partial).map_err(io(&partial, "cannot be written"))?;
    File::open(&partial).and_then(|f| f.sync_all()).map_err(io(&partial, "cannot be flushed"))?;
    std::fs::rename(&partial, &database).map_err(io(&database, "cannot be written"))?;
    if let Some(dir) = database.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir).and_then(|d| d.sync_all()).ok();
    }
    drop(lock);
    Ok(Restored { database, previous, migrations })
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}
