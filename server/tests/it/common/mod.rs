//! Test databases: a fresh SQLite file, and a throwaway PostgreSQL database on the local server.
//!
//! PostgreSQL is found at `VEXT_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`).
//! When none answers, PostgreSQL tests say so loudly and pass; with `CI=true` they fail instead.

#![allow(dead_code)]

pub mod web;

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement};
use std::io::Write;
use std::sync::{Once, OnceLock};
use std::time::Duration;

pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

pub struct TestDb {
    pub db: DatabaseConnection,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

fn pg_admin_url() -> String {
    std::env::var("VEXT_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_string())
}

/// The URL of another database on the same server as `admin_url`.
fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = admin_url.split_once('?').map_or((admin_url, None), |(b, q)| (b, Some(q)));
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}

static WARNED: Once = Once::new();
/// Whether PostgreSQL answered the first probe, so that a missing server costs one timeout.
static PG_UP: OnceLock<bool> = OnceLock::new();

async fn connect_admin(url: &str) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let mut options = ConnectOptions::new(url.to_string());
    options
        .max_connections(1)
        .connect_timeout(Duration::from_secs(3))
        .acquire_timeout(Duration::from_secs(3))
        .sqlx_logging(false);
    Database::connect(options).await
}

impl TestDb {
    /// A migrated SQLite database in a new temporary directory.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/vext.db", dir.path().display());
        let db = server::store::open(&url).await.expect("open sqlite");
        Self { db, url, cleanup: Cleanup::Sqlite(dir) }
    }

    /// A migrated, empty PostgreSQL database, dropped when this value is.
    pub async fn postgres() -> Option<Self> {
        let admin_url = pg_admin_url();
        if PG_UP.get() == Some(&false) {
            return None;
        }
        let admin = match connect_admin(&admin_url).await {
            Ok(admin) => {
                let _ = PG_UP.set(true);
                admin
            }
            Err(error) => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("CI=true but PostgreSQL is unreachable at {admin_url}: {error}");
                }
                let _ = PG_UP.set(false);
                WARNED.call_once(|| {
                    // Straight to stderr: libtest captures eprintln! of passing tests.
                    let _ = writeln!(
                        std::io::stderr(),
                        "\n!!!!!!!! POSTGRESQL TESTS NOT RUN: no server at {admin_url} ({error}).\n\
                         !!!!!!!! Set VEXT_TEST_PG_URL or start PostgreSQL; CI always runs them.\n"
                    );
                });
                return None;
            }
        };
        let name = format!("vext_test_{}", uuid::Uuid::now_v7().simple());
        admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
        let url = with_database(&admin_url, &name);
        let db = server::store::open(&url).await.expect("open postgres");
        Some(Self { db, url, cleanup: Cleanup::Postgres { admin_url, name } })
    }

    pub fn backend_name(&self) -> &'static str {
        match self.cleanup {
            Cleanup::Sqlite(_) => "sqlite",
            Cleanup::Postgres { .. } => "postgres",
        }
    }

    /// Runs raw SQL (to prove the database itself enforces an invariant).
    pub async fn exec(&self, sql: &str) -> Result<(), sea_orm::DbErr> {
        self.db
            .execute_raw(Statement::from_string(self.db.get_database_backend(), sql.to_string()))
            .await
            .map(|_| ())
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs outside async (maybe while unwinding): use a runtime of our own.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                runtime.block_on(async {
                    let admin = connect_admin(&admin_url).await.ok()?;
                    admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await
                        .ok()
                })
            })
            .join();
        }
    }
}

/// A full administrator, for services that ask who is acting.
pub fn full_admin() -> app::model::admin::Actor {
    app::model::admin::Actor {
        id: "test-admin".into(),
        email: "admin@example.com".into(),
        role: app::model::admin::Role::Full,
        locations: Vec::new(),
        from: Some("192.0.2.1".into()),
        session: None,
    }
}

/// An actor with `role` (location administrators at `locations`, by id).
pub fn actor_as(role: app::model::admin::Role, locations: &[&str]) -> app::model::admin::Actor {
    app::model::admin::Actor {
        id: format!("test-{}", role.as_str().to_lowercase()),
        email: format!("{}@example.com", role.as_str().to_lowercase()),
        role,
        locations: locations.iter().map(|l| l.to_string()).collect(),
        from: Some("192.0.2.2".into()),
        session: None,
    }
}

/// Creates an administrator as a full administrator would.
pub async fn add_admin(
    db: &sea_orm::DatabaseConnection,
    email: &str,
    role: app::model::admin::Role,
    locations: &[String],
    password: impl Into<String>,
) -> Result<server::services::accounts::Admin, server::services::ServiceError> {
    let input = app::model::admin::AdminInput {
        email: email.to_string(),
        role: role.as_str().to_string(),
        locations: locations.to_vec(),
        password: password.into(),
    };
    server::services::admins::create(db, &full_admin(), input).await
}

/// Runs one async test body against SQLite and PostgreSQL, as two named tests.
#[macro_export]
macro_rules! on_both_databases {
    ($(async fn $name:ident($db:ident: &TestDb) $body:block)*) => {
        $(
            mod $name {
                use super::*;

                async fn body($db: &TestDb) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let db = TestDb::sqlite().await;
                    body(&db).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(db) = TestDb::postgres().await {
                        body(&db).await;
                    }
                }
            }
        )*
    };
}

#[test]
fn database_urls_are_rewritten() {
    assert_eq!(with_database("postgres://u@h:5432/test", "x"), "postgres://u@h:5432/x");
    assert_eq!(with_database("postgres://u@h/test?sslmode=disable", "x"), "postgres://u@h/x?sslmode=disable");
}
