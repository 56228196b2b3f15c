//! The CSV import engine and the export, on SQLite and PostgreSQL: valid rows are applied in
//! one transaction, bad rows are reported and skipped (or the whole file refused), and an
//! export imports back unchanged.

use crate::common;

use app::error::AppError;
use app::model::admin::Role;
use app::model::audit::{AuditAction, AuditQuery};
use app::model::{ErrorCode, ListQuery, LocationInput};
use common::{actor_as, full_admin, TestDb};
use server::services::import::CheckError;
use server::services::import::{import, ImportOptions, ImportOutcome};
use server::services::{audit, locations, virtual_extensions};

const HEADER: &str = "Action,Level,Location,First Name,Last Name,Display Name,Phone Number,Extension\n";

async fn run(t: &TestDb, body: &str, all_or_nothing: bool) -> ImportOutcome {
    let file = format!("{HEADER}{body}");
    import(
        &t.db,
        &full_admin(),
        "test.csv",
        file.as_bytes(),
        ImportOptions { all_or_nothing, ..Default::default() },
    )
    .await
    .unwrap()
}

async fn names(t: &TestDb) -> Vec<String> {
    let query = ListQuery { per_page: 100, ..Default::default() };
    virtual_extensions::list(&t.db, &query).await.unwrap().items.into_iter().map(|e| e.display_name).collect()
}

/// Everything, exported the way `vext csv export` and the download write it.
async fn export(t: &TestDb) -> String {
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    writer.write_record(HEADER.trim_end().split(',')).unwrap();
    let mut after: Option<String> = None;
    loop {
        let batch = virtual_extensions::export_batch(&t.db, &ListQuery::default(), after.as_deref(), 2)
            .await
            .unwrap();
        let Some(last) = batch.last() else { break };
        after = Some(last.id.clone());
        for entry in &batch {
            writer.write_record(virtual_extensions::export_record(entry)).unwrap();
        }
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

async fn dallas(t: &TestDb) {
    let input = LocationInput {
        name: "Dallas".into(),
        routing_prefix: "8214".into(),
        country: "US".into(),
        ..Default::default()
    };
    locations::create(&t.db, &full_admin(), &input).await.unwrap();
}

on_both_databases! {
    async fn valid_rows_are_applied_together_and_bad_rows_reported(t: &TestDb) {
        dallas(t).await;
        let outcome = run(t, "\
ADD,Organization,,Ann,Lee,Ann Lee,+12015550101,4001
,Location,Dallas,,,Dallas Desk,+12015550102,100
ADD,Organization,,,,Clash,+12015550103,4001
ADD,Location,Dalas,,,Typo,+12015550104,101
ADD,Organization,,,,,+12015550105,4005
", false).await;
        assert!(outcome.applied);
        let s = &outcome.report.summary;
        assert_eq!((s.rows, s.add, s.failed), (5, 2, 3));
        let codes: Vec<(u64, ErrorCode)> = outcome.report.problems.iter().map(|p| (p.row, p.code)).collect();
        assert_eq!(
            codes,
            [(4, ErrorCode::ExtensionDuplicateInFile), (5, ErrorCode::LocationNotFound), (6, ErrorCode::DisplayNameRequired)]
        );
        assert_eq!(names(t).await, ["Ann Lee", "Dallas Desk"]);

        // UPDATE, DELETE and ADD in one file; a delete frees the number a later add takes (the
        // unique index on numbers holds at every step of the apply).
        let outcome = run(t, "\
UPDATE,Organization,,Ann,Lee,Ann Lee-Smith,+12015550111,4001
DELETE,Location,Dallas,,,,,100
ADD,Location,Dallas,,,New Desk,+12015550102,101
UPDATE,Organization,,,,Nobody,+12015550199,4999
", false).await;
        let s = &outcome.report.summary;
        assert_eq!((s.update, s.delete, s.add, s.failed), (1, 1, 1, 1));
        assert_eq!(outcome.report.problems[0].code, ErrorCode::VirtualExtensionNotFound);
        assert_eq!(names(t).await, ["Ann Lee-Smith", "New Desk"]);
        let ann = virtual_extensions::list(&t.db, &ListQuery { search: "smith".into(), ..Default::default() }).await.unwrap();
        assert_eq!((ann.items[0].phone_number.as_str(), ann.items[0].version), ("+12015550111", 2));

        // One audit entry per applied file, with its counts.
        let log = audit::list(&t.db, &full_admin(), &AuditQuery::default()).await.unwrap();
        let imports: Vec<_> = log.items.iter().filter(|e| e.action == AuditAction::ImportApplied).collect();
        assert_eq!(imports.len(), 2);
        assert_eq!(imports[0].target_label, "test.csv");
        let added = imports[0].changes.iter().find(|c| c.field == "Added").unwrap();
        assert_eq!(added.after.as_deref(), Some("1"));
    }

    async fn all_or_nothing_refuses_the_whole_file_for_one_bad_row(t: &TestDb) {
        let outcome = run(t, "\
ADD,Organization,,,,Good,+12015550101,4001
ADD,Organization,,,,Bad,+1201555,4002
", true).await;
        assert!(!outcome.applied);
        assert_eq!(outcome.report.summary.failed, 1);
        assert!(names(t).await.is_empty(), "nothing applied");
        // The same file without the option applies the good row.
        let outcome = run(t, "ADD,Organization,,,,Good,+12015550101,4001\nADD,Organization,,,,Bad,+1201555,4002\n", false).await;
        assert!(outcome.applied);
        assert_eq!(names(t).await, ["Good"]);
    }

    async fn an_export_imports_back_unchanged(t: &TestDb) {
        dallas(t).await;
        run(t, "\
ADD,Organization,,Ann,Lee,Ann Lee,+12015550101,4001
ADD,Location,Dallas,,,\"Desk, \"\"front\"\"\",+12015550102,100
ADD,Organization,,,,=SUM(A1),+12015550103,4003
ADD,Organization,,-Dash,@At,Zoë Ångström,+12015550104,4004
ADD,Organization,,,,Line one,+12015550105,4005
ADD,Organization,,,,'Ohana,+12015550106,4006
", false).await;
        let exported = export(t).await;
        // Formula-looking cells are inert; the validated phone numbers stay as they are.
        assert!(exported.contains(",'=SUM(A1),+12015550103,4003"), "{exported}");
        assert!(exported.contains(",'-Dash,'@At,Zoë Ångström,"), "{exported}");
        assert!(exported.starts_with("Action,Level,Location"));
        assert!(exported.contains(",''Ohana,+12015550106,4006"), "{exported}");
        assert_eq!(exported.lines().filter(|l| l.starts_with("UPDATE,")).count(), 6);

        let outcome = import(&t.db, &full_admin(), "export.csv", exported.as_bytes(), ImportOptions::default()).await.unwrap();
        let s = &outcome.report.summary;
        assert_eq!((s.rows, s.unchanged, s.update, s.add, s.failed), (6, 6, 0, 0, 0), "{:?}", outcome.report.problems);
        assert!(!outcome.applied, "nothing to change");
        assert_eq!(names(t).await, ["'Ohana", "=SUM(A1)", "Ann Lee", "Desk, \"front\"", "Line one", "Zoë Ångström"]);
    }

    async fn read_only_administrators_do_not_import_and_location_ones_only_their_rows(t: &TestDb) {
        let file = format!("{HEADER}ADD,Organization,,,,Ann,+12015550101,4001\n");
        match import(&t.db, &actor_as(Role::ReadOnly, &[]), "x.csv", file.as_bytes(), ImportOptions::default()).await {
            Err(CheckError::Service(e)) => assert_eq!(AppError::from(e), AppError::Forbidden),
            other => panic!("read-only: {other:?}"),
        }
        // A location administrator's organization-level row is refused, row by row.
        let outcome = import(&t.db, &actor_as(Role::Location, &[]), "x.csv", file.as_bytes(), ImportOptions::default())
            .await
            .unwrap();
        assert!(!outcome.applied);
        assert_eq!(outcome.report.problems[0].code, ErrorCode::OutsideYourLocations);
        // A file that is unusable as a whole changes nothing and says why.
        match import(&t.db, &full_admin(), "x.csv", "Name\nAnn\n".as_bytes(), ImportOptions::default()).await {
            Err(CheckError::File(e)) => assert_eq!(e.code, ErrorCode::HeaderUnknownColumn),
            other => panic!("{other:?}"),
        }
        assert!(names(t).await.is_empty());
    }

    async fn each_entry_an_import_changes_has_it_in_its_history(t: &TestDb) {
        let admin = app::model::admin::Actor { from: Some("198.51.100.7".into()), ..full_admin() };
        dallas(t).await;
        let ann = virtual_extensions::create(
            &t.db,
            &full_admin(),
            &app::model::VirtualExtensionInput {
                level: "ORGANIZATION".into(),
                display_name: "Ann".into(),
                extension: "4001".into(),
                phone_number: "+12015550101".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .entry;
        let file = format!(
            "{HEADER}UPDATE,Organization,,Ann,Lee,\"Ann \"\"Quote\"\" Lee\",+12015550101,4001\n\
             ADD,Location,Dallas,,,Bob,+12015550102,4002\n"
        );
        let outcome = import(&t.db, &admin, "team.csv", file.as_bytes(), ImportOptions::default()).await.unwrap();
        assert_eq!((outcome.report.summary.update, outcome.report.summary.add), (1, 1));
        let bob = virtual_extensions::list(&t.db, &ListQuery { search: "Bob".into(), ..Default::default() })
            .await
            .unwrap()
            .items
            .remove(0);
        let leavers = format!("{HEADER}DELETE,Location,Dallas,,,,,4002\n");
        assert!(import(&t.db, &admin, "leavers.csv", leavers.as_bytes(), ImportOptions::default()).await.unwrap().applied);

        let history = virtual_extensions::history(&t.db, &admin, &ann.id).await.unwrap();
        let actions: Vec<AuditAction> = history.iter().map(|e| e.action).collect();
        assert_eq!(actions, [AuditAction::VirtualExtensionUpdated, AuditAction::VirtualExtensionCreated]);
        let changed: Vec<(&str, Option<&str>, Option<&str>)> =
            history[0].changes.iter().map(|c| (c.field.as_str(), c.before.as_deref(), c.after.as_deref())).collect();
        assert_eq!(
            changed,
            [("First Name", Some(""), Some("Ann")), ("Last Name", Some(""), Some("Lee")), ("Display Name", Some("Ann"), Some("Ann \"Quote\" Lee"))]
        );
        assert_eq!((history[0].source.as_str(), history[0].import_file.as_deref()), ("198.51.100.7", Some("team.csv")));
        assert_eq!(history[1].import_file, None, "made on the page");
        assert_eq!(history[0].target_label, "Ann \"Quote\" Lee (4001)");

        let history = virtual_extensions::history(&t.db, &admin, &bob.id).await.unwrap();
        let actions: Vec<AuditAction> = history.iter().map(|e| e.action).collect();
        assert_eq!(actions, [AuditAction::VirtualExtensionDeleted, AuditAction::VirtualExtensionCreated]);
        assert_eq!(history[0].import_file.as_deref(), Some("leavers.csv"));
        let location = history[1].changes.iter().find(|c| c.field == "Location").unwrap();
        assert_eq!(location.after.as_deref(), Some("Dallas"));
        assert!(history[0].changes.iter().all(|c| c.after.is_none()), "a deletion shows what was there");

        // Nothing applied, nothing recorded: an all-or-nothing file with a bad row.
        let file = format!("{HEADER}ADD,Organization,,,,Cy,+12015550103,4003\nADD,Organization,,,,Bad,+1201,4004\n");
        let options = ImportOptions { all_or_nothing: true, ..Default::default() };
        assert!(!import(&t.db, &admin, "bad.csv", file.as_bytes(), options).await.unwrap().applied);
        let query = AuditQuery { what: "import.applied".into(), ..Default::default() };
        assert_eq!(audit::list(&t.db, &full_admin(), &query).await.unwrap().total, 2, "one event per applied import");
    }

    async fn an_added_entrys_snapshot_is_the_one_its_next_change_starts_from(t: &TestDb) {
        // An add's snapshot is made from the checked row, an update's or a deletion's before
        // from the entry loaded back from the database: both say the same of the same entry,
        // whatever its fields hold (quotes, backslashes, letters beyond ASCII).
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        use server::store::entities::import_change;
        let input = LocationInput {
            name: "Z\u{fc}rich \"Ost\" \\ Nord".into(),
            routing_prefix: "8215".into(),
            country: "CH".into(),
            ..Default::default()
        };
        locations::create(&t.db, &full_admin(), &input).await.unwrap();
        run(t, "\
ADD,Organization,,,,Plain,+12015550131,4031
ADD,Location,\"Z\u{fc}rich \"\"Ost\"\" \\ Nord\",\u{141}ukasz,\"O'Brien \\ \"\"Jr\"\"\",\"\u{141}ukasz \u{1f389}, \"\"Jr\"\"\",+41445551234,4032
ADD,Organization,,Ann,,\u{65e5}\u{672c} Ann,+12015550133,4033
", false).await;
        let added = import_change::Entity::find().filter(import_change::Column::Before.is_null()).all(&t.db).await.unwrap();
        assert_eq!(added.len(), 3);
        let outcome = run(t, "\
UPDATE,Organization,,,,Plain again,+12015550131,4031
DELETE,Location,\"Z\u{fc}rich \"\"Ost\"\" \\ Nord\",,,,,4032
UPDATE,Organization,,Ann,,Ann,+12015550133,4033
", false).await;
        assert_eq!((outcome.report.summary.update, outcome.report.summary.delete), (2, 1), "{:?}", outcome.report.problems);
        let values = |json: &str| serde_json::from_str::<Vec<String>>(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        for add in added {
            let next = import_change::Entity::find()
                .filter(import_change::Column::EntryId.eq(add.entry_id.as_str()))
                .filter(import_change::Column::Before.is_not_null())
                .one(&t.db)
                .await
                .unwrap()
                .expect("the entry's next change");
            let (made_by_database, made_by_vext) = (values(add.after.as_deref().unwrap()), values(next.before.as_deref().unwrap()));
            assert_eq!(made_by_database, made_by_vext);
            assert_eq!(made_by_database.len(), app::model::audit::RECORDED_FIELDS.len());
        }
        let history = virtual_extensions::list(&t.db, &ListQuery { search: "Plain".into(), ..Default::default() }).await.unwrap();
        let history = virtual_extensions::history(&t.db, &full_admin(), &history.items[0].id).await.unwrap();
        let created: Vec<(&str, Option<&str>)> = history[1].changes.iter().map(|c| (c.field.as_str(), c.after.as_deref())).collect();
        assert_eq!(created, [("Level", Some("Organization")), ("Display Name", Some("Plain")), ("Extension", Some("4031")), ("Phone Number", Some("+12015550131"))]);
    }

    async fn a_file_that_turns_unreadable_chunks_in_changes_nothing(t: &TestDb) {
        // The import reads ahead while it writes: a row that cannot be read, several chunks
        // into the file, stops it with the row's number, and what was written before is undone.
        use server::services::import::CHUNK_ROWS;
        let bad_row = 3 * CHUNK_ROWS + 7;
        let mut file = HEADER.as_bytes().to_vec();
        for i in 0..bad_row + 10 {
            if i + 2 == bad_row {
                file.extend_from_slice(b"ADD,Organization,,,,Caf\xe9,+12015550100,4000\n");
                continue;
            }
            file.extend_from_slice(format!("ADD,Organization,,,,Person {i},+1201{:07},{}\n", 3_000_000 + i, 10_000 + i).as_bytes());
        }
        match import(&t.db, &full_admin(), "broken.csv", file.as_slice(), ImportOptions::default()).await {
            Err(CheckError::File(e)) => {
                assert_eq!(e.code, ErrorCode::FileNotUtf8);
                assert!(e.message.contains(&bad_row.to_string()), "{}", e.message);
            }
            other => panic!("{other:?}"),
        }
        assert!(names(t).await.is_empty());
        let query = AuditQuery { what: "import.applied".into(), ..Default::default() };
        assert_eq!(audit::list(&t.db, &full_admin(), &query).await.unwrap().total, 0);
    }

    async fn numbers_handed_down_a_chain_of_updates_in_one_file(t: &TestDb) {
        // Entries made in the reverse of the file's order, so that neither the table's order
        // nor the ids' order is the file's.
        run(t, "\
ADD,Organization,,,,Cy,+12015550103,4003
ADD,Organization,,,,Bo,+12015550102,4002
ADD,Organization,,,,Al,+12015550101,4001
", false).await;
        // Each row takes the number the row above gave up: applied in any other order than
        // the file's, a number would be held twice for a moment.
        let outcome = run(t, "\
UPDATE,Organization,,,,Al,+12015550109,4001
UPDATE,Organization,,,,Bo,+12015550101,4002
UPDATE,Organization,,,,Cy,+12015550102,4003
", true).await;
        assert!(outcome.applied, "{:?}", outcome.report.problems);
        assert_eq!(outcome.report.summary.update, 3);
        let entries = virtual_extensions::list(&t.db, &ListQuery::default()).await.unwrap().items;
        let numbers: Vec<(&str, &str, i32)> =
            entries.iter().map(|e| (e.display_name.as_str(), e.phone_number.as_str(), e.version)).collect();
        assert_eq!(numbers, [("Al", "+12015550109", 2), ("Bo", "+12015550101", 2), ("Cy", "+12015550102", 2)]);
    }

    async fn a_chunk_is_checked_against_the_one_being_written_beside_it(t: &TestDb) {
        // The import checks chunk N + 1 while chunk N is written: rows on either side of a
        // chunk boundary meet through the changes laid over what was loaded, not the database.
        use server::services::import::{check, CHUNK_ROWS};
        dallas(t).await;
        let stored = "ADD,Organization,,,,Leaver,+12015550120,4020\nADD,Organization,,,,Mover,+12015550121,4021\n";
        run(t, stored, false).await;
        let filler = |i: usize| format!("ADD,Location,Dallas,,,Filler {i},+1201{:07},{}\n", 3_000_000 + i, 10_000 + i);
        // The last three rows of the first chunk (rows 2..=CHUNK_ROWS + 1 are the first chunk's).
        let mut body: String = (0..CHUNK_ROWS - 3).map(filler).collect();
        body.push_str("DELETE,Organization,,,,,,4020\n");
        body.push_str("UPDATE,Organization,,,,Mover,+12015550122,4021\n");
        body.push_str("ADD,Organization,,,,Org,+12015550123,821420000\n");
        // The first rows of the second chunk: the numbers the delete and the update freed, the
        // number the update took, and a Dallas extension whose ESN (8214 + 20000) the
        // organization entry just above took.
        body.push_str("ADD,Organization,,,,Took deleted number,+12015550120,4030\n");
        body.push_str("ADD,Organization,,,,Took moved number,+12015550121,4031\n");
        body.push_str("ADD,Organization,,,,Same number,+12015550122,4032\n");
        body.push_str("ADD,Location,Dallas,,,Esn,+12015550124,20000\n");
        let file = format!("{HEADER}{body}");
        let first_of_second = CHUNK_ROWS as u64 + 2;

        let validated = check(&t.db, &full_admin(), file.as_bytes(), Default::default()).await.unwrap();
        let outcome = import(&t.db, &full_admin(), "edge.csv", file.as_bytes(), ImportOptions::default()).await.unwrap();
        assert_eq!(validated, outcome.report, "Validate predicts the import exactly");
        let problems: Vec<(u64, ErrorCode)> = outcome.report.problems.iter().map(|p| (p.row, p.code)).collect();
        assert_eq!(
            problems,
            [
                (first_of_second + 2, ErrorCode::PhoneNumberDuplicateInFile),
                (first_of_second + 3, ErrorCode::ExtensionConflictsWithEsn),
            ]
        );
        let s = &outcome.report.summary;
        assert_eq!((s.delete, s.update, s.add, s.failed), (1, 1, CHUNK_ROWS as u64 - 3 + 1 + 2, 2));
        let query = |search: &str| ListQuery { search: search.into(), ..Default::default() };
        for (name, number) in [
            ("Took deleted number", "+12015550120"),
            ("Took moved number", "+12015550121"),
            ("Mover", "+12015550122"),
        ] {
            let found = virtual_extensions::list(&t.db, &query(name)).await.unwrap().items;
            assert_eq!(found.len(), 1, "{name}");
            assert_eq!(found[0].phone_number, number, "{name}");
        }
        assert!(virtual_extensions::list(&t.db, &query("Leaver")).await.unwrap().items.is_empty());
    }

    async fn rows_far_apart_are_checked_against_each_other_across_chunks(t: &TestDb) {
        use server::services::import::{check, CHUNK_ROWS};
        dallas(t).await;
        run(t, "ADD,Organization,,,,Old,+12015550100,4000\nADD,Organization,,,,Moved,+12015550110,4100\n", false).await;
        // Rows a few chunks apart: each later row meets an earlier one that is no longer in
        // the chunk being checked.
        let filler = |i: usize| format!("ADD,Location,Dallas,,,Filler {i},+1201{:07},{}\n", 3_000_000 + i, 10_000 + i);
        let mut body = String::from("DELETE,Organization,,,,,,4000\n");
        body.push_str("ADD,Organization,,,,First,+12015550101,4001\n");
        body.push_str("UPDATE,Organization,,,,Moved,+12015550111,4100\n");
        for i in 0..CHUNK_ROWS * 2 {
            body.push_str(&filler(i));
        }
        // Numbers the first chunk freed (one deleted, one changed away): free for later rows,
        // although Validate's snapshot still has them where they were.
        body.push_str("ADD,Organization,,,,Freed by delete,+12015550100,4003\n");
        body.push_str("ADD,Organization,,,,Freed by update,+12015550110,4004\n");
        let late = CHUNK_ROWS * 2 + 7;
        // The extension the first row deleted, the number the second row took, and an ESN
        // (8214 + 10001) equal to an organization extension added three chunks up.
        body.push_str("ADD,Organization,,,,Again,+12015550199,4000\n");
        body.push_str("ADD,Organization,,,,Twice,+12015550101,4002\n");
        body.push_str("ADD,Organization,,,,Esn,+12015550198,821410001\n");
        let file = format!("{HEADER}{body}");

        let validated = check(&t.db, &full_admin(), file.as_bytes(), Default::default()).await.unwrap();
        assert_eq!(names(t).await, ["Moved", "Old"], "Validate writes nothing");
        let outcome = import(&t.db, &full_admin(), "far.csv", file.as_bytes(), ImportOptions::default()).await.unwrap();
        assert_eq!(validated, outcome.report, "Validate predicts the import exactly");
        let problems: Vec<(u64, ErrorCode)> = outcome.report.problems.iter().map(|p| (p.row, p.code)).collect();
        assert_eq!(
            problems,
            [
                (late as u64, ErrorCode::ExtensionDuplicateInFile),
                (late as u64 + 1, ErrorCode::PhoneNumberDuplicateInFile),
                (late as u64 + 2, ErrorCode::ExtensionConflictsWithEsn),
            ]
        );
        assert!(outcome.report.problems[1].message.starts_with("Row 3 "), "{}", outcome.report.problems[1].message);
        let s = &outcome.report.summary;
        assert_eq!((s.delete, s.update, s.add, s.failed), (1, 1, 3 + CHUNK_ROWS as u64 * 2, 3));

        // All or nothing: a bad row in the last chunk leaves the earlier chunks unwritten.
        let before = virtual_extensions::list(&t.db, &ListQuery::default()).await.unwrap().total;
        let mut body: String = (0..CHUNK_ROWS + 10).map(|i| filler(10_000 + i)).collect();
        body.push_str("ADD,Organization,,,,Bad,+1201555,4999\n");
        let file = format!("{HEADER}{body}");
        let options = ImportOptions { all_or_nothing: true, ..Default::default() };
        let outcome = import(&t.db, &full_admin(), "bad.csv", file.as_bytes(), options).await.unwrap();
        assert!(!outcome.applied);
        assert_eq!(outcome.report.summary.add, CHUNK_ROWS as u64 + 10);
        assert_eq!(virtual_extensions::list(&t.db, &ListQuery::default()).await.unwrap().total, before);
    }
}
