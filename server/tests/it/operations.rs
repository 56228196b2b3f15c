//! Running vext: a SQLite backup taken under write load holds every row committed before it,
//! restores whole, and is refused while a server uses the database; finished import tasks are
//! pruned after their retention while their audit entries stay.

use crate::common;

use app::model::audit::AuditQuery;
use app::model::csv::Limits;
use app::model::task::TaskStatus;
use app::model::{ListQuery, VirtualExtensionInput};
use common::{add_admin, full_admin, TestDb};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement};
use server::services::import::{tasks, Board, Ran, Worker};
use server::services::{audit, virtual_extensions};
use server::store::backup::{self, BackupError};
use server::store::entities::task;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn entry(n: u32) -> VirtualExtensionInput {
    VirtualExtensionInput {
        level: "Organization".into(),
        display_name: format!("Writer {n}"),
        extension: format!("{}", 70_000 + n),
        phone_number: format!("+1202556{n:04}"),
        ..Default::default()
    }
}

/// Every virtual extension id in the SQLite database at `url`, and its integrity check.
async fn ids_and_integrity(path: &std::path::Path) -> (BTreeSet<String>, String) {
    let db = backup::open_read_only(path).await.unwrap();
    let query = |sql: &str| Statement::from_string(DbBackend::Sqlite, sql.to_string());
    let ids = db
        .query_all_raw(query("SELECT id FROM virtual_extension"))
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap())
        .collect();
    let integrity = db
        .query_one_raw(query("PRAGMA integrity_check"))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<String>(0)
        .unwrap();
    db.close().await.unwrap();
    (ids, integrity)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_holds_every_committed_row_and_restores_whole() {
    let t = TestDb::sqlite().await;
    let committed = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (db, committed, stop) = (t.db.clone(), committed.clone(), stop.clone());
        tokio::spawn(async move {
            let admin = full_admin();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let created = virtual_extensions::create(&db, &admin, &entry(n)).await.expect("a write");
                committed.lock().unwrap().push(created.entry.id);
                n += 1;
            }
        })
    };
    while committed.lock().unwrap().len() < 40 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let before: Vec<String> = committed.lock().unwrap().clone();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("backups/vext-backup.db");
    let made = backup::backup(&t.db, &t.url, &out).await.unwrap();
    let during = committed.lock().unwrap().len();
    // The writer goes on after the backup too.
    while committed.lock().unwrap().len() < during + 20 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    let all: BTreeSet<String> = committed.lock().unwrap().iter().cloned().collect();
    assert!(made.bytes > 0 && made.migrations > 0, "{made:?}");

    let (in_backup, integrity) = ids_and_integrity(&out).await;
    assert_eq!(integrity, "ok");
    for id in &before {
        assert!(in_backup.contains(id), "a row committed before the backup is in it");
    }
    assert!(in_backup.is_subset(&all), "nothing in the backup that was never committed");
    assert!(in_backup.len() < all.len(), "rows committed after the backup are not in it");

    // A second backup to the same file is refused: a backup never overwrites.
    let again = backup::backup(&t.db, &t.url, &out).await.unwrap_err();
    assert!(matches!(again, BackupError::Exists(_)), "{again}");

    // While a server holds the database, a restore is refused and changes nothing.
    let serving = backup::hold_for_serving(&t.url).unwrap();
    let refused = backup::restore(&t.url, &out).await.unwrap_err();
    assert!(matches!(refused, BackupError::InUse(_)), "{refused}");
    assert!(refused.to_string().contains("stop it"), "{refused}");
    drop(serving);
    t.db.clone().close().await.unwrap();

    let restored = backup::restore(&t.url, &out).await.unwrap();
    let database = server::store::sqlite_path(&t.url).unwrap();
    let (now, integrity) = ids_and_integrity(&database).await;
    assert_eq!(integrity, "ok");
    assert_eq!(now, in_backup, "the restored database is the backup, row for row");
    // The database it replaced is kept, with every row (its log folded in).
    let kept = restored.previous.expect("the replaced database is kept");
    let (in_kept, integrity) = ids_and_integrity(&kept).await;
    assert_eq!((in_kept, integrity.as_str()), (all, "ok"));
    // And a server may use it again: the store opens (and migrates) it.
    let reopened = server::store::open(&t.url).await.unwrap();
    let listed = virtual_extensions::list(&reopened, &ListQuery::default()).await.unwrap();
    assert_eq!(listed.total as usize, in_backup.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_refuses_what_is_not_a_whole_vext_backup() {
    let t = TestDb::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.db");
    std::fs::write(&text, "not a database at all").unwrap();
    let refused = backup::restore(&t.url, &text).await.unwrap_err();
    assert!(matches!(refused, BackupError::NotABackup { .. }), "{refused}");
    // A SQLite file without vext's schema.
    let other = dir.path().join("other.db");
    let db = server::store::connect(&format!("sqlite://{}", other.display())).await.unwrap();
    db.execute_unprepared("CREATE TABLE t (x INTEGER)").await.unwrap();
    db.close().await.unwrap();
    let refused = backup::restore(&t.url, &other).await.unwrap_err();
    assert!(refused.to_string().contains("no vext schema"), "{refused}");
    // A backup made by a newer vext (a migration this one does not know).
    let newer = dir.path().join("newer.db");
    backup::backup(&t.db, &t.url, &newer).await.unwrap();
    let db = server::store::connect(&format!("sqlite://{}", newer.display())).await.unwrap();
    db.execute_unprepared(
        "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m29990101_000000_future', 0)",
    )
    .await
    .unwrap();
    db.close().await.unwrap();
    let refused = backup::restore(&t.url, &newer).await.unwrap_err();
    assert!(refused.to_string().contains("made by a newer vext"), "{refused}");
    // The database itself is not a backup of itself.
    let database = server::store::sqlite_path(&t.url).unwrap();
    let refused = backup::restore(&t.url, &database).await.unwrap_err();
    assert!(refused.to_string().contains("the database itself"), "{refused}");
    // Nothing was touched: the database is still there and whole.
    let (_, integrity) = ids_and_integrity(&server::store::sqlite_path(&t.url).unwrap()).await;
    assert_eq!(integrity, "ok");
}

on_both_databases! {
    async fn finished_tasks_past_their_retention_are_deleted_and_their_audit_stays(t: &TestDb) {
        let admin = add_admin(&t.db, "keeper@example.com", app::model::admin::Role::Full, &[], "a long enough password").await.unwrap();
        let actor = app::model::admin::Actor {
            id: admin.id,
            email: admin.email,
            role: app::model::admin::Role::Full,
            locations: Vec::new(),
            from: None,
            session: None,
        };
        let header = "Action,Level,Location,First Name,Last Name,Display Name,Phone Number,Extension\r\n";
        let submit = |name: &'static str, row: &'static str| {
            let (db, actor) = (t.db.clone(), actor.clone());
            async move {
                let file = format!("{header}{row}\r\n").into_bytes();
                tasks::submit(&db, &actor, name, file, false, Limits::default()).await.unwrap().task_id
            }
        };
        let worker = Worker::new(t.db.clone(), Board::default(), Duration::from_secs(60));
        let old = submit("old.csv", "ADD,Organization,,,,Old,+12025570001,7101").await;
        assert_eq!(worker.run_once().await.unwrap(), Some(Ran::Finished(TaskStatus::Completed)));
        let failed = submit("old-failed.csv", "ADD,Organization,,,,,+12025570002,7102").await;
        assert_eq!(worker.run_once().await.unwrap(), Some(Ran::Finished(TaskStatus::Failed)));
        let recent = submit("recent.csv", "ADD,Organization,,,,Recent,+12025570003,7103").await;
        assert_eq!(worker.run_once().await.unwrap(), Some(Ran::Finished(TaskStatus::Completed)));
        let waiting = submit("waiting.csv", "ADD,Organization,,,,Waiting,+12025570004,7104").await;
        // The first two finished 100 days ago; the one waiting was submitted then, too.
        let long_ago = chrono::Utc::now() - chrono::Duration::days(100);
        let set = |column: task::Column, ids: Vec<String>| {
            task::Entity::update_many().col_expr(column, Expr::value(long_ago)).filter(task::Column::Id.is_in(ids)).exec(&t.db)
        };
        set(task::Column::FinishedAt, vec![old.clone(), failed.clone()]).await.unwrap();
        set(task::Column::CreatedAt, vec![waiting.clone()]).await.unwrap();
        let problems_before = count(t, &format!("SELECT COUNT(*) FROM task_row_error WHERE task_id = '{failed}'")).await;
        assert_eq!(problems_before, 1);

        let cutoff = chrono::Utc::now() - chrono::Duration::days(90);
        assert_eq!(tasks::prune_finished(&t.db, cutoff).await.unwrap(), 2);
        let left: BTreeSet<String> = tasks::list(&t.db, &actor, &Board::default()).await.unwrap().into_iter().map(|s| s.id).collect();
        assert_eq!(left, BTreeSet::from([recent.clone(), waiting.clone()]), "recent and unfinished tasks stay");
        assert_eq!(count(t, &format!("SELECT COUNT(*) FROM task_row_error WHERE task_id = '{failed}'")).await, 0, "its row problems went with it");
        // The import's audit entry (and the entries it made) stay.
        let query = AuditQuery { what: "import.applied".into(), ..Default::default() };
        let events = audit::list(&t.db, &actor, &query).await.unwrap();
        assert!(events.items.iter().any(|e| e.target_id == old), "the audit entry of a deleted task stays");
        assert_eq!(virtual_extensions::list(&t.db, &ListQuery::default()).await.unwrap().total, 2);
        assert_eq!(tasks::prune_finished(&t.db, cutoff).await.unwrap(), 0, "nothing more to delete");
    }
}

async fn count(t: &TestDb, sql: &str) -> i64 {
    let row =
        t.db.query_one_raw(Statement::from_string(t.db.get_database_backend(), sql.to_string()))
            .await
            .unwrap()
            .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// The fixture a release left (see scripts/upgrade-fixture), copied to a fresh folder.
fn release_fixture(version: &str) -> (tempfile::TempDir, String) {
    let fixture = format!("{}/tests/fixtures/vext-{version}.db", env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vext.db");
    std::fs::copy(&fixture, &path).unwrap_or_else(|e| panic!("{fixture}: {e}"));
    (dir, format!("sqlite://{}", path.display()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_made_by_release_0_1_0_migrates_and_reads_back_whole() {
    use app::model::admin::Role;
    use server::services::{calls, locations, sessions, settings, tokens};
    let (_dir, url) = release_fixture("0.1.0");
    // What `vext serve` does at start: migrate forward, then serve.
    let db = server::store::open(&url).await.expect("the current vext opens a 0.1.0 database");
    let rows = locations::rows(&db).await.unwrap();
    let mut names: Vec<&str> = rows.iter().map(|r| r.location.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["Austin", "Dallas"]);
    let dallas = rows.iter().find(|r| r.location.name == "Dallas").unwrap().location.clone();
    assert_eq!((dallas.routing_prefix.as_deref(), dallas.outside_dial_digit), (Some("8214"), Some('9')));
    assert_eq!(
        settings::virtual_extension_mode(&db).await.unwrap(),
        app::model::VirtualExtensionMode::Enhanced
    );
    let listed = virtual_extensions::list(&db, &ListQuery::default()).await.unwrap();
    let mut entries: Vec<(String, String, String)> = listed
        .items
        .iter()
        .map(|e| (e.display_name.clone(), e.extension.clone(), e.phone_number.clone()))
        .collect();
    entries.sort();
    assert_eq!(
        entries,
        [
            ("Ana Souza (Remote)".to_string(), "4001".to_string(), "+12015550123".to_string()),
            ("Bo Lee".to_string(), "4002".to_string(), "+12145550188".to_string()),
            ("Front Desk Austin".to_string(), "4003".to_string(), "+15125550100".to_string()),
        ]
    );
    // The search index came along: a name finds its entry.
    let found = virtual_extensions::list(&db, &ListQuery { search: "souza".into(), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(found.total, 1);
    // The administrators sign in with their passwords; the location administrator keeps Dallas.
    let (_, owner) = sessions::sign_in(
        &db,
        "owner@example.com",
        "upgrade fixture passphrase",
        &Default::default(),
        Default::default(),
        chrono::Utc::now(),
    )
    .await
    .expect("the 0.1.0 password still signs in");
    assert_eq!(owner.role, Role::Full);
    let (_, local) = sessions::sign_in(
        &db,
        "dallas@example.com",
        "upgrade fixture passphrase",
        &Default::default(),
        Default::default(),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!((local.role, local.locations.len()), (Role::Location, 1));
    let admin = full_admin();
    let token = tokens::list(&db, &admin).await.unwrap();
    assert_eq!(token.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["Kamailio"]);
    // Calls route as before: Bo Lee's ESN from Austin reaches his number.
    let plans = calls::DialPlans::default();
    let austin = rows.iter().find(|r| r.location.name == "Austin").unwrap().location.id.clone();
    let routed = calls::route(&plans, &db, Some(&austin), "82144002").await.unwrap();
    assert_eq!(routed.routing_address, "+12145550188");
    // The audit log keeps the import and the changes before it.
    let events = audit::list(&db, &admin, &AuditQuery::default()).await.unwrap();
    assert!(
        events.items.iter().any(|e| e.action.as_str() == "import.applied"),
        "{:?}",
        events.items.iter().map(|e| e.action.as_str()).collect::<Vec<_>>()
    );
}
