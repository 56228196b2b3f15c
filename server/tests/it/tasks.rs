//! CSV imports as tasks, on SQLite and PostgreSQL: submit (one task per file while it runs),
//! the worker's lease (a stale holder writes nothing), the outcome and its row errors, and the
//! errors download that goes back in after fixing.

use crate::common;

use app::model::admin::{Actor, Role};
use app::model::csv::Limits;
use app::model::task::TaskStatus;
use app::model::{ErrorCode, ListQuery};
use common::{actor_as, add_admin, TestDb};
use server::services::import::CheckError;
use server::services::import::{tasks, Board};
use server::services::import::{Ran, Worker};
use server::services::virtual_extensions;
use std::time::Duration;

const HEADER: &str = "Action,Level,Location,First Name,Last Name,Display Name,Phone Number,Extension\r\n";

async fn importer(t: &TestDb, email: &str) -> Actor {
    let admin = add_admin(&t.db, email, Role::Full, &[], "a long enough password").await.unwrap();
    Actor {
        id: admin.id,
        email: admin.email,
        role: Role::Full,
        locations: Vec::new(),
        from: Some("192.0.2.9".into()),
        session: None,
    }
}

async fn count(t: &TestDb) -> u64 {
    virtual_extensions::list(&t.db, &ListQuery::default()).await.unwrap().total
}

fn worker(t: &TestDb, lease: Duration) -> Worker {
    Worker::new(t.db.clone(), Board::default(), lease)
}

on_both_databases! {
    async fn a_submitted_file_runs_once_and_keeps_its_errors(t: &TestDb) {
        let admin = importer(t, "importer@example.com").await;
        let file = format!(
            "{HEADER}ADD,Organization,,Ann,Lee,Ann Lee,+12015550101,4001\r\n\
             ADD,Organization,,,,Clash,+12015550102,4001\r\n\
             ADD,Organization,,\"Bo, Jr\",,\"Bo \"\"B\"\" Jr\",+12015550103,4003\r\n\
             ADD,Organization,,,,Too,many,cells,here\r\n"
        );
        let first = tasks::submit(&t.db, &admin, "team.csv", file.clone().into_bytes(), false, Limits::default())
            .await
            .unwrap();
        assert!(!first.duplicate);
        // The same file again while it is queued: no second task.
        let again = tasks::submit(&t.db, &admin, "team-copy.csv", file.clone().into_bytes(), false, Limits::default())
            .await
            .unwrap();
        assert_eq!((again.task_id.as_str(), again.duplicate), (first.task_id.as_str(), true));
        let board = Board::default();
        let listed = tasks::list(&t.db, &admin, &board).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0].status, listed[0].total_rows, listed[0].file_name.as_str()), (TaskStatus::Queued, 4, "team.csv"));
        assert_eq!(count(t).await, 0, "nothing is applied before a worker runs the task");

        let w = worker(t, Duration::from_secs(60));
        assert_eq!(w.run_once().await.unwrap(), Some(Ran::Finished(TaskStatus::CompletedWithErrors)));
        assert_eq!(w.run_once().await.unwrap(), None, "a finished task is not run again");
        assert_eq!(count(t).await, 2);
        // The import's audit event names its task; each entry's history has its part.
        let query = app::model::audit::AuditQuery { what: "import.applied".into(), ..Default::default() };
        let events = server::services::audit::list(&t.db, &actor_as(Role::ReadOnly, &[]), &query).await.unwrap();
        assert_eq!(events.items.len(), 1);
        assert_eq!((events.items[0].target_id.as_str(), events.items[0].target_label.as_str()), (first.task_id.as_str(), "team.csv"));
        let ann = virtual_extensions::list(&t.db, &ListQuery { search: "Ann Lee".into(), ..Default::default() }).await.unwrap();
        let history = virtual_extensions::history(&t.db, &admin, &ann.items[0].id).await.unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!((history[0].action, history[0].actor.as_str()), (app::model::audit::AuditAction::VirtualExtensionCreated, "importer@example.com"));

        let detail = tasks::get(&t.db, &admin, &board, &first.task_id, app::model::PageIndex::FIRST).await.unwrap();
        let task = &detail.task;
        assert_eq!((task.added, task.updated, task.deleted, task.failed), (2, 0, 0, 2));
        assert_eq!((task.processed_rows, task.status), (4, TaskStatus::CompletedWithErrors));
        assert!(task.finished_at.is_some());
        let problems: Vec<(u64, &str)> = detail.problems.iter().map(|p| (p.row, p.code.as_str())).collect();
        assert_eq!(problems, [(3, "EXTENSION_DUPLICATE_IN_FILE"), (5, "ROW_FIELD_COUNT")]);

        // Download errors: the failed rows as the file had them, plus an Error column.
        let (name, bytes) = tasks::errors_csv(&t.db, &admin, &first.task_id).await.unwrap();
        assert_eq!(name, "team-errors.csv");
        let text = String::from_utf8(bytes).unwrap();
        let text = text.strip_prefix('\u{feff}').expect("a BOM for spreadsheets");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], format!("{},Error", HEADER.trim_end()));
        // The number gets the spreadsheet's text marker (formula injection); the reader takes it off.
        assert!(lines[1].starts_with("ADD,Organization,,,,Clash,'+12015550102,4001,"), "{}", lines[1]);
        assert!(lines[1].contains("EXTENSION_DUPLICATE_IN_FILE"), "{}", lines[1]);
        assert!(lines[2].starts_with("ADD,Organization,,,,Too,many,cells,here,"), "{}", lines[2]);
        assert_eq!(lines.len(), 3);

        // Fixed in the spreadsheet (the Error column left in), the file goes back in.
        let fixed = text.replace(",Clash,'+12015550102,4001,", ",Clash,'+12015550102,4002,").replace(
            "ADD,Organization,,,,Too,many,cells,here,",
            "ADD,Organization,,,,Fixed,+12015550104,4004,",
        );
        let second = tasks::submit(&t.db, &admin, "team-errors.csv", fixed.into_bytes(), false, Limits::default())
            .await
            .unwrap();
        assert!(!second.duplicate);
        assert_eq!(w.run_once().await.unwrap(), Some(Ran::Finished(TaskStatus::Completed)));
        assert_eq!(count(t).await, 4);
        // Imported rows are in the search index (SQLite: numbered by the import itself), beside
        // one saved through the form.
        let input = app::model::VirtualExtensionInput {
            level: "Organization".into(),
            display_name: "Annette Form".into(),
            extension: "4010".into(),
            phone_number: "+12015550110".into(),
            ..Default::default()
        };
        virtual_extensions::create(&t.db, &admin, &input).await.unwrap();
        let found = |search: &str| {
            let query = ListQuery { search: search.to_string(), ..Default::default() };
            let db = t.db.clone();
            async move {
                let mut names: Vec<String> =
                    virtual_extensions::list(&db, &query).await.unwrap().items.into_iter().map(|e| e.display_name).collect();
                names.sort();
                names
            }
        };
        assert_eq!(found("ann").await, ["Ann Lee", "Annette Form"]);
        assert_eq!(found("fixed").await, ["Fixed"]);
        assert_eq!(found("0104").await, ["Fixed"]);

        // Once finished, the same file may be submitted again (a new task; its rows now clash).
        let third = tasks::submit(&t.db, &admin, "team.csv", file.into_bytes(), false, Limits::default()).await.unwrap();
        assert!(!third.duplicate);
        assert_ne!(third.task_id, first.task_id);
        assert_eq!(w.run_once().await.unwrap(), Some(Ran::Finished(TaskStatus::Failed)));
        let failed = tasks::get(&t.db, &admin, &board, &third.task_id, app::model::PageIndex::FIRST).await.unwrap().task;
        assert!(failed.error.as_deref().unwrap_or_default().contains("every row had an error"), "{:?}", failed.error);
        assert_eq!(count(t).await, 5);
        let listed = tasks::list(&t.db, &admin, &board).await.unwrap();
        assert_eq!(listed.first().map(|t| t.id.as_str()), Some(third.task_id.as_str()), "newest first");
    }

    async fn all_or_nothing_changes_nothing_when_a_row_fails(t: &TestDb) {
        let admin = importer(t, "strict@example.com").await;
        let file = format!("{HEADER}ADD,Organization,,,,Good,+12015550101,4001\r\nADD,Organization,,,,,+12015550102,4002\r\n");
        let submitted = tasks::submit(&t.db, &admin, "strict.csv", file.into_bytes(), true, Limits::default()).await.unwrap();
        let w = worker(t, Duration::from_secs(60));
        assert_eq!(w.run_once().await.unwrap(), Some(Ran::Finished(TaskStatus::Failed)));
        assert_eq!(count(t).await, 0);
        let detail = tasks::get(&t.db, &admin, &Board::default(), &submitted.task_id, app::model::PageIndex::FIRST).await.unwrap();
        assert_eq!((detail.task.added, detail.task.failed), (0, 1));
        assert!(detail.task.error.unwrap().contains("Reject the whole file"));
        assert_eq!(detail.problems[0].code, "DISPLAY_NAME_REQUIRED");
    }

    async fn a_stale_lease_writes_nothing_and_the_task_runs_once(t: &TestDb) {
        let admin = importer(t, "lease@example.com").await;
        let mut file = HEADER.to_string();
        for i in 0..50 {
            file.push_str(&format!("ADD,Organization,,,,Desk {i},+1201555{i:04},{}\r\n", 5000 + i));
        }
        tasks::submit(&t.db, &admin, "desks.csv", file.into_bytes(), false, Limits::default()).await.unwrap();
        // Worker A claims, then stalls (as if paused or cut off) past its lease.
        let a = worker(t, Duration::from_millis(300));
        let stale = a.claim().await.unwrap().expect("A claims the queued task");
        let b = worker(t, Duration::from_secs(60));
        assert!(b.claim().await.unwrap().is_none(), "a held lease is not taken");
        tokio::time::sleep(Duration::from_millis(1200)).await;
        // B takes over the expired lease and completes the task.
        assert_eq!(b.run_once().await.unwrap(), Some(Ran::Finished(TaskStatus::Completed)));
        assert_eq!(count(t).await, 50);
        // A wakes up and runs what it claimed: its fenced completion matches nothing.
        assert_eq!(a.execute(stale).await.unwrap(), Ran::LeaseLost);
        assert_eq!(count(t).await, 50, "no row applied twice");
        let listed = tasks::list(&t.db, &admin, &Board::default()).await.unwrap();
        assert_eq!((listed[0].status, listed[0].added), (TaskStatus::Completed, 50));
    }

    async fn an_import_longer_than_its_lease_keeps_it_and_runs_once(t: &TestDb) {
        const ROWS: u64 = 20_000;
        let admin = importer(t, "long@example.com").await;
        let mut file = HEADER.to_string();
        for i in 0..ROWS {
            file.push_str(&format!("ADD,Organization,,,,Desk {i},+120255{i:05},{}\r\n", 60_000 + i));
        }
        let submitted = tasks::submit(&t.db, &admin, "long.csv", file.into_bytes(), false, Limits::default()).await.unwrap();
        // A's lease is far shorter than its import: it must keep renewing it.
        let lease = Duration::from_secs(1);
        let a = worker(t, lease);
        let started = std::time::Instant::now();
        let claim = a.claim().await.unwrap().expect("A claims the task");
        let running = tokio::spawn(async move { a.execute(claim).await });
        // Another replica keeps trying to claim it, and reads the stored progress.
        let b = worker(t, Duration::from_secs(60));
        let mut stored_rows = 0;
        while !running.is_finished() {
            // SQLite: the import's write lock makes B's claim wait or give up busy; either way, no claim.
            if let Ok(claimed) = b.claim().await {
                assert!(claimed.is_none(), "a task whose import renews its lease is not taken over");
            }
            let task = tasks::get(&t.db, &admin, &Board::default(), &submitted.task_id, app::model::PageIndex::FIRST).await.unwrap().task;
            if task.status.is_active() {
                stored_rows = stored_rows.max(task.processed_rows);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let took = started.elapsed();
        assert_eq!(running.await.unwrap().unwrap(), Ran::Finished(TaskStatus::Completed));
        assert_eq!(count(t).await, ROWS);
        // SQLite: the import's write lock is the fence (B's claims wait for it), no renewals.
        if t.db.get_database_backend() == sea_orm::DbBackend::Postgres {
            // Without renewals B takes the task over as soon as the lease runs out.
            assert!(took > lease * 3 / 2, "the import took {took:?}, too short to outlive its {lease:?} lease: grow the file");
            eprintln!("an import of {took:?} kept a {lease:?} lease");
            // The renewals also store the progress, for the Tasks lists of other replicas.
            assert!(stored_rows > 0, "no progress stored while the import ran");
        }
    }

    async fn unusable_files_and_roles_are_refused_at_submit(t: &TestDb) {
        let admin = importer(t, "picky@example.com").await;
        let refused = |r: Result<app::model::task::Submitted, CheckError>| match r {
            Err(CheckError::File(e)) => e.code,
            other => panic!("expected a file error, got {other:?}"),
        };
        let latin1 = b"Action,Level,Location,First Name,Last Name,Display Name,Phone Number,Extension\r\nADD,Organization,,Jos\xe9,,Jos\xe9,+12015550101,4001\r\n".to_vec();
        assert_eq!(refused(tasks::submit(&t.db, &admin, "x.csv", latin1, false, Limits::default()).await), ErrorCode::FileNotUtf8);
        let mut long = HEADER.to_string();
        for i in 0..3 {
            long.push_str(&format!("ADD,Organization,,,,D{i},+1201555010{i},400{i}\r\n"));
        }
        let small = Limits { max_bytes: 1024 * 1024, max_rows: 2 };
        assert_eq!(refused(tasks::submit(&t.db, &admin, "x.csv", long.clone().into_bytes(), false, small).await), ErrorCode::FileTooManyRows);
        let tiny = Limits { max_bytes: 64, max_rows: 100 };
        assert_eq!(refused(tasks::submit(&t.db, &admin, "x.csv", long.clone().into_bytes(), false, tiny).await), ErrorCode::FileTooLarge);
        assert_eq!(refused(tasks::submit(&t.db, &admin, "x.csv", b"Name,Number\r\n".to_vec(), false, Limits::default()).await), ErrorCode::HeaderUnknownColumn);
        let result = tasks::submit(&t.db, &actor_as(Role::ReadOnly, &[]), "x.csv", long.clone().into_bytes(), false, Limits::default()).await;
        assert!(matches!(result, Err(CheckError::Service(_))), "read-only administrators may not import");
        assert!(tasks::list(&t.db, &actor_as(Role::Location, &[]), &Board::default()).await.unwrap().is_empty());
        assert!(tasks::list(&t.db, &admin, &Board::default()).await.unwrap().is_empty(), "nothing was queued");
        // Validate checks without queuing anything.
        let report = tasks::validate(&t.db, &admin, long.as_bytes(), Limits::default()).await.unwrap();
        assert_eq!((report.summary.rows, report.summary.add), (3, 3));
        assert!(tasks::list(&t.db, &admin, &Board::default()).await.unwrap().is_empty());
    }

    async fn a_submitter_disabled_meanwhile_imports_nothing(t: &TestDb) {
        let admin = importer(t, "leaving@example.com").await;
        let _other = importer(t, "staying@example.com").await;
        let file = format!("{HEADER}ADD,Organization,,,,Desk,+12015550101,4001\r\n");
        let submitted = tasks::submit(&t.db, &admin, "x.csv", file.into_bytes(), false, Limits::default()).await.unwrap();
        server::services::admins::set_disabled(&t.db, &common::full_admin(), &admin.id, true).await.unwrap();
        let w = worker(t, Duration::from_secs(60));
        assert_eq!(w.run_once().await.unwrap(), Some(Ran::Finished(TaskStatus::Failed)));
        assert_eq!(count(t).await, 0);
        let task = tasks::get(&t.db, &common::full_admin(), &Board::default(), &submitted.task_id, app::model::PageIndex::FIRST).await.unwrap().task;
        assert!(task.error.unwrap().contains("no longer an active administrator who may change virtual extensions"));
    }
}

on_both_databases! {
    async fn location_administrators_import_their_own_locations_only(t: &TestDb) {
        use app::model::LocationInput;
        let mut ids = Vec::new();
        for (name, prefix) in [("Dallas", "8214"), ("Austin", "8300")] {
            let input = LocationInput { name: name.into(), routing_prefix: prefix.into(), country: "US".into(), ..Default::default() };
            let location = server::services::locations::create(&t.db, &common::full_admin(), &input).await.unwrap();
            ids.push(location.id);
        }
        let created = add_admin(&t.db, "dallas@example.com", Role::Location, &ids[..1], "a long enough password").await.unwrap();
        let dallas = Actor {
            id: created.id,
            email: created.email,
            role: Role::Location,
            locations: created.locations,
            from: None,
            session: None,
        };
        let full = importer(t, "boss@example.com").await;
        let theirs = format!(
            "{HEADER}ADD,Location,Dallas,,,Dallas Desk,+12145550101,100\r\n\
             ADD,Location,Austin,,,Austin Desk,+15125550101,100\r\n\
             ADD,Organization,,,,Head Office,+12015550101,4001\r\n"
        );
        let report = tasks::validate(&t.db, &dallas, theirs.as_bytes(), Limits::default()).await.unwrap();
        let codes: Vec<(u64, &str, ErrorCode)> = report.problems.iter().map(|p| (p.row, p.column, p.code)).collect();
        assert_eq!(
            codes,
            [(3, "Location", ErrorCode::OutsideYourLocations), (4, "Level", ErrorCode::OutsideYourLocations)]
        );
        let own = tasks::submit(&t.db, &dallas, "dallas.csv", theirs.clone().into_bytes(), false, Limits::default()).await.unwrap();
        let boss = format!("{HEADER}ADD,Organization,,,,Boss Line,+12015550199,4999\r\n");
        let other = tasks::submit(&t.db, &full, "boss.csv", boss.into_bytes(), false, Limits::default()).await.unwrap();
        let w = worker(t, Duration::from_secs(60));
        assert_eq!(w.run_once().await.unwrap(), Some(Ran::Finished(TaskStatus::CompletedWithErrors)));
        assert_eq!(w.run_once().await.unwrap(), Some(Ran::Finished(TaskStatus::Completed)));
        assert_eq!(count(t).await, 2, "Dallas Desk and Boss Line");
        // A location administrator sees their own tasks only; read-only administrators all.
        let mine: Vec<String> = tasks::list(&t.db, &dallas, &Board::default()).await.unwrap().into_iter().map(|t| t.file_name).collect();
        assert_eq!(mine, ["dallas.csv"]);
        assert!(tasks::get(&t.db, &dallas, &Board::default(), &other.task_id, app::model::PageIndex::FIRST).await.is_err());
        assert!(tasks::errors_csv(&t.db, &dallas, &other.task_id).await.is_err());
        assert!(tasks::errors_csv(&t.db, &dallas, &own.task_id).await.is_ok());
        let everyone = tasks::list(&t.db, &actor_as(Role::ReadOnly, &[]), &Board::default()).await.unwrap();
        assert_eq!(everyone.len(), 2);
    }
}

on_both_databases! {
    // Validate checks against a snapshot and takes no lock: while an import holds the database
    // (SQLite's write lock, PostgreSQL's directory lock) with rows not yet committed, Validate
    // answers at once, from what is committed; once the import commits, it sees its rows.
    async fn validate_reads_a_snapshot_beside_a_running_import(t: &TestDb) {
        use server::services::import::{import_in, ImportOptions, Progress};
        let admin = importer(t, "busy@example.com").await;
        let file = format!("{HEADER}ADD,Organization,,,,Ann,+12015550101,4001\r\n");
        let holder = server::store::begin_write(&t.db).await.unwrap();
        let held = import_in(&holder, &admin, None, "held.csv", file.as_bytes(), ImportOptions::default(), &Progress::default(), None)
            .await
            .unwrap();
        assert!(held.applied);
        let validate = tasks::validate(&t.db, &admin, file.as_bytes(), Limits::default());
        let report = tokio::time::timeout(Duration::from_secs(20), validate)
            .await
            .expect("Validate does not wait for the import's locks")
            .unwrap();
        assert_eq!((report.summary.add, report.summary.failed), (1, 0), "the uncommitted row is not seen");
        holder.commit().await.unwrap();
        let report = tasks::validate(&t.db, &admin, file.as_bytes(), Limits::default()).await.unwrap();
        assert_eq!((report.summary.add, report.summary.failed), (0, 1), "the committed row is");
    }
}

on_both_databases! {
    // The row problems of a file in which every row fails go to the task chunk by chunk (not
    // held until the end): all of them stored, in row order, across the check's chunks, and
    // with "Reject the whole file" too (nothing applied, every problem kept).
    async fn every_failing_row_keeps_its_problem_across_chunks(t: &TestDb) {
        let admin = importer(t, "many@example.com").await;
        let rows = server::services::import::CHUNK_ROWS + 500;
        let mut file = HEADER.to_string();
        for i in 0..rows {
            // No display name: DISPLAY_NAME_REQUIRED on every row.
            file.push_str(&format!("ADD,Organization,,,,,+1201{}{:04},{}\r\n", 200 + i / 10_000, i % 10_000, 10_000 + i));
        }
        for all_or_nothing in [false, true] {
            let submitted =
                tasks::submit(&t.db, &admin, "broken.csv", file.clone().into_bytes(), all_or_nothing, Limits::NONE)
                    .await
                    .unwrap();
            let w = worker(t, Duration::from_secs(60));
            assert_eq!(w.run_once().await.unwrap(), Some(Ran::Finished(TaskStatus::Failed)));
            let board = Board::default();
            let first = tasks::get(&t.db, &admin, &board, &submitted.task_id, app::model::PageIndex::FIRST).await.unwrap();
            assert_eq!((first.task.failed, first.total_problems), (rows as u64, rows as u64), "all-or-nothing: {all_or_nothing}");
            let last_page = app::model::PageIndex::new((rows as u64 - 1) / app::model::task::TASK_ERRORS_PAGE);
            let last = tasks::get(&t.db, &admin, &board, &submitted.task_id, last_page).await.unwrap();
            let numbers: Vec<u64> = first.problems.iter().chain(&last.problems).map(|p| p.row).collect();
            let expected: Vec<u64> = (2..2 + app::model::task::TASK_ERRORS_PAGE)
                .chain(last_page.offset(app::model::task::TASK_ERRORS_PAGE) + 2..rows as u64 + 2)
                .collect();
            assert_eq!(numbers, expected, "in row order, the header being row 1");
            assert!(last.problems.iter().all(|p| p.code == "DISPLAY_NAME_REQUIRED" && p.is_error));
        }
        assert_eq!(count(t).await, 0);
    }
}
