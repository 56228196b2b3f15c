//! The crash test: a large import runs in the real `vext serve`, which is killed with SIGKILL at
//! several moments of it (just after the claim, while checking, while writing) and started
//! again each time. In the end the task has completed exactly once: every row applied, none
//! twice, one audit entry, and no task left stuck. Then SIGTERM mid-import: the import is rolled
//! back and given back within the grace period, and the next start finishes it.

use crate::common;

use app::model::admin::{Actor, Role};
use app::model::audit::{AuditAction, AuditQuery};
use app::model::csv::Limits;
use app::model::task::TaskStatus;
use app::model::ListQuery;
use common::{add_admin, full_admin, TestDb};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use server::services::import::{tasks, Board};
use server::services::{audit, virtual_extensions};
use server::store::entities::task;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Rows of the import: large enough that each kill lands inside it in a debug build.
const ROWS: usize = 20_000;
/// The shortest lease `vext serve` accepts; the test ends a killed worker's lease itself.
const LEASE_SECS: u64 = server::config::MIN_TASK_LEASE_SECS;

/// `ROWS` new organization-level entries; `area` keeps the numbers and extensions of two files
/// apart.
fn big_file(area: u32) -> Vec<u8> {
    let mut file =
        String::from("Action,Level,Location,First Name,Last Name,Display Name,Phone Number,Extension\r\n");
    for i in 0..ROWS {
        let extension = area as usize * 100_000 + i;
        file.push_str(&format!(
            "ADD,Organization,,Given{i},Family{i},Person {i},+1{area}{:07},{extension}\r\n",
            5_550_000 + i
        ));
    }
    file.into_bytes()
}

fn start(t: &TestDb, site: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_vext"))
        .arg("serve")
        .env("DATABASE_URL", &t.url)
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("LEPTOS_SITE_ROOT", site)
        .env("VEXT_TASK_LEASE_SECS", LEASE_SECS.to_string())
        .env("VEXT_SHUTDOWN_GRACE_SECS", "1")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start vext serve")
}

async fn status(t: &TestDb, admin: &Actor, id: &str) -> (TaskStatus, u64) {
    let task =
        tasks::get(&t.db, admin, &Board::default(), id, app::model::PageIndex::FIRST).await.unwrap().task;
    (task.status, task.added)
}

/// Waits until the task has been claimed (its stored status leaves Queued) or finished.
async fn wait_for_claim(t: &TestDb, admin: &Actor, id: &str) -> TaskStatus {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, _) = status(t, admin, id).await;
        if status != TaskStatus::Queued || Instant::now() > deadline {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn run(t: &TestDb) {
    let site = tempfile::tempdir().unwrap();
    let created =
        add_admin(&t.db, "crash@example.com", Role::Full, &[], "a long enough password").await.unwrap();
    let admin = Actor {
        id: created.id,
        email: created.email,
        role: Role::Full,
        locations: Vec::new(),
        from: None,
        session: None,
    };
    let submitted =
        tasks::submit(&t.db, &admin, "big.csv", big_file(201), false, Limits::default()).await.unwrap();
    let id = submitted.task_id;

    // SIGKILL at several moments after the worker claims the task (0 ms: between the claim and
    // its transaction's first statement; later ones inside the check and the writes).
    let mut kills = 0;
    for delay_ms in [0u64, 150, 600, 1_500, 3_000, 5_000, 8_000] {
        let mut child = start(t, site.path());
        let claimed = wait_for_claim(t, &admin, &id).await;
        if claimed.is_active() {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        }
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        kills += 1;
        let (now, added) = status(t, &admin, &id).await;
        let stored = virtual_extensions::list(&t.db, &ListQuery::default()).await.unwrap().total;
        // All or nothing at every kill: either the task committed whole or nothing is stored.
        match now {
            TaskStatus::Completed => assert_eq!((added, stored), (ROWS as u64, ROWS as u64)),
            other => {
                assert!(other.is_active(), "killed at {delay_ms} ms: {other:?}");
                assert_eq!(stored, 0, "killed at {delay_ms} ms: a half-applied import");
            }
        }
        eprintln!(
            "{}: SIGKILL {delay_ms} ms after the claim: task {now:?}, {stored} entries",
            t.backend_name()
        );
        if now == TaskStatus::Completed {
            break;
        }
        // The killed worker's lease runs out (as it would LEASE_SECS later), so the next start
        // claims the task at once.
        let expired = chrono::Utc::now() - chrono::Duration::seconds(1);
        task::Entity::update_many()
            .col_expr(task::Column::LeaseExpiresAt, Expr::value(expired))
            .filter(task::Column::Id.eq(id.as_str()))
            .filter(task::Column::LeaseToken.is_not_null())
            .exec(&t.db)
            .await
            .unwrap();
    }
    assert!(kills >= 2, "the import finished before the second kill: make it larger");

    // A last start runs it to the end.
    let started = Instant::now();
    let mut child = start(t, site.path());
    let deadline = Instant::now() + Duration::from_secs(240);
    while status(t, &admin, &id).await.0.is_active() {
        assert!(Instant::now() < deadline, "the task never finished after the restarts");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!(
        "{}: uninterrupted, the import took {:?} (with the start)",
        t.backend_name(),
        started.elapsed()
    );
    child.kill().ok();
    child.wait().unwrap();
    let (done, added) = status(t, &admin, &id).await;
    assert_eq!((done, added), (TaskStatus::Completed, ROWS as u64));
    assert_eq!(virtual_extensions::list(&t.db, &ListQuery::default()).await.unwrap().total, ROWS as u64);
    let query = AuditQuery { what: AuditAction::ImportApplied.as_str().to_string(), ..Default::default() };
    let applied = audit::list(&t.db, &full_admin(), &query).await.unwrap();
    assert_eq!(applied.total, 1, "the import was applied exactly once");

    // SIGTERM mid-import: the import gets the grace period (1 s here), is rolled back, and its
    // task is queued again at once (no waiting for a lease), so the next start finishes it.
    let again =
        tasks::submit(&t.db, &admin, "second.csv", big_file(202), false, Limits::default()).await.unwrap();
    let mut child = start(t, site.path());
    assert!(wait_for_claim(t, &admin, &again.task_id).await.is_active());
    tokio::time::sleep(Duration::from_millis(100)).await;
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let stopped = Instant::now();
    let exit = child.wait().unwrap();
    let took = stopped.elapsed();
    assert!(took < Duration::from_secs(10), "shutdown took {took:?}");
    assert!(exit.success(), "vext exits cleanly on SIGTERM: {exit:?}");
    let (after_term, _) = status(t, &admin, &again.task_id).await;
    let stored = virtual_extensions::list(&t.db, &ListQuery::default()).await.unwrap().total;
    match after_term {
        // Finished within the grace period: applied whole.
        TaskStatus::Completed => assert_eq!(stored, 2 * ROWS as u64),
        // Rolled back and given back: nothing of it stored, and no lease to wait for.
        TaskStatus::Queued => assert_eq!(stored, ROWS as u64),
        // On a loaded machine the process's hard exit (grace + 5 s) can come before the worker
        // gives the task back: rolled back all the same, and the lease hands it to the next
        // start (below), as after a SIGKILL.
        TaskStatus::Validating | TaskStatus::Importing => assert_eq!(stored, ROWS as u64),
        other => panic!("after SIGTERM the task is {other:?}"),
    }
    eprintln!("{}: SIGTERM mid-import: task {after_term:?} after {took:?}", t.backend_name());
    let mut child = start(t, site.path());
    let deadline = Instant::now() + Duration::from_secs(240);
    while status(t, &admin, &again.task_id).await.0.is_active() {
        assert!(Instant::now() < deadline, "the second task never finished");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child.kill().ok();
    child.wait().unwrap();
    assert_eq!(virtual_extensions::list(&t.db, &ListQuery::default()).await.unwrap().total, 2 * ROWS as u64);
}

on_both_databases! {
    async fn sigkill_at_any_moment_completes_the_import_exactly_once(t: &TestDb) {
        run(t).await;
    }
}
