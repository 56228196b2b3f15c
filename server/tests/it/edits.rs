//! Editing, moving and deleting virtual extensions, and the locations' whole life, through the
//! services on SQLite and PostgreSQL: the rules of create apply again, concurrent edits are
//! never silently overwritten, and every change is audited.

use crate::common;

use app::error::AppError;
use app::model::admin::Role;
use app::model::audit::{AuditAction, AuditQuery};
use app::model::{ErrorCode, Level, Location, LocationInput, VirtualExtension, VirtualExtensionInput};
use common::{actor_as, add_admin, full_admin, TestDb};
use server::services::{audit, locations, virtual_extensions, ServiceError};

fn error<T: std::fmt::Debug>(result: Result<T, ServiceError>) -> AppError {
    AppError::from(result.expect_err("refused"))
}

fn codes(error: &AppError) -> Vec<ErrorCode> {
    error.field_errors().iter().map(|e| e.code).collect()
}

fn org(display_name: &str, extension: &str, number: &str) -> VirtualExtensionInput {
    VirtualExtensionInput {
        level: "ORGANIZATION".into(),
        display_name: display_name.into(),
        extension: extension.into(),
        phone_number: number.into(),
        ..Default::default()
    }
}

fn at(location: &Location, display_name: &str, extension: &str, number: &str) -> VirtualExtensionInput {
    VirtualExtensionInput {
        level: "LOCATION".into(),
        location: location.id.clone(),
        ..org(display_name, extension, number)
    }
}

async fn location(t: &TestDb, name: &str, prefix: &str) -> Location {
    let input = LocationInput {
        name: name.into(),
        routing_prefix: prefix.into(),
        country: "US".into(),
        ..Default::default()
    };
    locations::create(&t.db, &full_admin(), &input).await.unwrap()
}

async fn create(t: &TestDb, input: VirtualExtensionInput) -> VirtualExtension {
    virtual_extensions::create(&t.db, &full_admin(), &input).await.unwrap().entry
}

async fn actions(t: &TestDb) -> Vec<AuditAction> {
    audit::list(&t.db, &full_admin(), &AuditQuery::default())
        .await
        .unwrap()
        .items
        .iter()
        .map(|e| e.action)
        .collect()
}

on_both_databases! {
    async fn an_edit_changes_every_field_bumps_the_version_and_is_audited(t: &TestDb) {
        let ann = create(t, org("Ann", "4001", "+12015550101")).await;
        assert_eq!(ann.version, 1);
        let mut input = ann.to_input();
        input.first_name = "Ann".into();
        input.last_name = "Lee".into();
        input.display_name = "Ann Lee (remote)".into();
        input.extension = "4011".into();
        input.phone_number = "+12015550111".into();
        let saved = virtual_extensions::update(&t.db, &full_admin(), &ann.id, 1, &input).await.unwrap().entry;
        assert_eq!(saved.version, 2);
        let stored = virtual_extensions::get(&t.db, &ann.id).await.unwrap();
        assert_eq!(stored, saved);
        assert_eq!((stored.extension.as_str(), stored.phone_number.as_str()), ("4011", "+12015550111"));
        assert_eq!(stored.last_name.as_deref(), Some("Lee"));
        // The search follows the new names.
        let found = virtual_extensions::list(&t.db, &app::model::ListQuery { search: "remote".into(), ..Default::default() })
            .await
            .unwrap();
        assert_eq!(found.total, 1);

        let history = virtual_extensions::history(&t.db, &full_admin(), &ann.id).await.unwrap();
        assert_eq!(history[0].action, AuditAction::VirtualExtensionUpdated);
        let ext = history[0].changes.iter().find(|c| c.field == "Extension").unwrap();
        assert_eq!((ext.before.as_deref(), ext.after.as_deref()), (Some("4001"), Some("4011")));

        // Saving the same values again writes nothing and keeps the version.
        let again = virtual_extensions::update(&t.db, &full_admin(), &ann.id, 2, &input).await.unwrap().entry;
        assert_eq!(again.version, 2);
        assert_eq!(virtual_extensions::history(&t.db, &full_admin(), &ann.id).await.unwrap().len(), 2);
    }

    async fn a_stale_edit_is_refused_and_changes_nothing(t: &TestDb) {
        let ann = create(t, org("Ann", "4001", "+12015550101")).await;
        let mut first = ann.to_input();
        first.display_name = "Ann (first)".into();
        let mut second = ann.to_input();
        second.display_name = "Ann (second)".into();
        virtual_extensions::update(&t.db, &full_admin(), &ann.id, 1, &first).await.unwrap();
        // The second admin edited version 1 too.
        let refused = error(virtual_extensions::update(&t.db, &full_admin(), &ann.id, 1, &second).await);
        assert_eq!(refused.status(), 409);
        assert_eq!(codes(&refused), [ErrorCode::EditConflict]);
        assert!(refused.field_errors()[0].message.contains("it is now version 2"), "{refused}");
        let stored = virtual_extensions::get(&t.db, &ann.id).await.unwrap();
        assert_eq!((stored.display_name.as_str(), stored.version), ("Ann (first)", 2));
        // Knowing the current version, the second admin may save deliberately.
        let saved = virtual_extensions::update(&t.db, &full_admin(), &ann.id, 2, &second).await.unwrap();
        assert_eq!(saved.entry.display_name, "Ann (second)");

        // Gone meanwhile: not found, not a conflict.
        virtual_extensions::delete(&t.db, &full_admin(), std::slice::from_ref(&ann.id)).await.unwrap();
        assert_eq!(error(virtual_extensions::update(&t.db, &full_admin(), &ann.id, 3, &second).await).status(), 404);
    }

    async fn concurrent_edits_of_one_version_let_exactly_one_through(t: &TestDb) {
        let ann = create(t, org("Ann", "4001", "+12015550101")).await;
        let edits = (0..6).map(|i| {
            let (db, id) = (t.db.clone(), ann.id.clone());
            let mut input = ann.to_input();
            input.display_name = format!("Ann {i}");
            tokio::spawn(async move { virtual_extensions::update(&db, &full_admin(), &id, 1, &input).await })
        });
        let mut ok = 0;
        for edit in edits.collect::<Vec<_>>() {
            match edit.await.unwrap() {
                Ok(_) => ok += 1,
                Err(e) => assert_eq!(codes(&AppError::from(e)), [ErrorCode::EditConflict]),
            }
        }
        assert_eq!(ok, 1, "one edit of version 1 wins; the rest are told");
        assert_eq!(virtual_extensions::get(&t.db, &ann.id).await.unwrap().version, 2);
    }

    async fn an_edit_obeys_the_rules_of_create(t: &TestDb) {
        let dallas = location(t, "Dallas", "8214").await;
        let ann = create(t, org("Ann", "4001", "+12015550101")).await;
        create(t, org("Bob", "4002", "+12015550102")).await;
        create(t, org("Org 8214100", "8214100", "+12015550103")).await;
        let mut input = ann.to_input();
        input.extension = "4002".into();
        input.phone_number = "+12015550102".into();
        input.display_name = String::new();
        // Field rules first (nothing else is asked until the fields are right).
        assert_eq!(codes(&error(virtual_extensions::update(&t.db, &full_admin(), &ann.id, 1, &input).await)), [ErrorCode::DisplayNameRequired]);
        input.display_name = "Ann".into();
        let clash = error(virtual_extensions::update(&t.db, &full_admin(), &ann.id, 1, &input).await);
        assert_eq!(clash.status(), 409);
        assert_eq!(codes(&clash), [ErrorCode::ExtensionInUse, ErrorCode::PhoneNumberInUse]);
        // Moving to Dallas as extension 100 would make ESN 8214100, an organization extension.
        let esn = at(&dallas, "Ann", "100", "+12015550101");
        assert_eq!(codes(&error(virtual_extensions::update(&t.db, &full_admin(), &ann.id, 1, &esn).await)), [ErrorCode::ExtensionConflictsWithEsn]);
        // Its own extension and number are no conflict, for the live check either.
        let verdict = virtual_extensions::check(&t.db, &ann.to_input(), Some(&ann.id)).await.unwrap();
        assert!(verdict.is_ok(), "{verdict:?}");
        let as_new = virtual_extensions::check(&t.db, &ann.to_input(), None).await.unwrap();
        assert_eq!(codes(&AppError::Conflict { fields: as_new.errors }), [ErrorCode::ExtensionInUse, ErrorCode::PhoneNumberInUse]);
        assert_eq!(virtual_extensions::get(&t.db, &ann.id).await.unwrap(), ann, "nothing changed");
    }

    async fn entries_move_between_levels_and_locations(t: &TestDb) {
        let dallas = location(t, "Dallas", "8214").await;
        let austin = location(t, "Austin", "8300").await;
        let ann = create(t, org("Ann", "4001", "+12015550101")).await;
        // Organization → Dallas.
        let moved = virtual_extensions::update(&t.db, &full_admin(), &ann.id, 1, &at(&dallas, "Ann", "4001", "+12015550101")).await.unwrap().entry;
        assert_eq!((moved.level, moved.location_name.as_deref()), (Level::Location, Some("Dallas")));
        // Dallas → Austin: the same extension is free there.
        create(t, at(&dallas, "Dallas 4002", "4002", "+12015550102")).await;
        let moved = virtual_extensions::update(&t.db, &full_admin(), &ann.id, 2, &at(&austin, "Ann", "4001", "+12015550101")).await.unwrap().entry;
        assert_eq!(moved.location_id.as_deref(), Some(austin.id.as_str()));
        // Austin → organization.
        let moved = virtual_extensions::update(&t.db, &full_admin(), &ann.id, 3, &org("Ann", "4001", "+12015550101")).await.unwrap().entry;
        assert_eq!((moved.level, moved.location_id), (Level::Organization, None));
        let history = virtual_extensions::history(&t.db, &full_admin(), &ann.id).await.unwrap();
        assert_eq!(history.iter().filter(|e| e.action == AuditAction::VirtualExtensionMoved).count(), 3);
        let last = history[0].changes.iter().find(|c| c.field == "Location").unwrap();
        assert_eq!((last.before.as_deref(), last.after.as_deref()), (Some("Austin"), Some("")));
        // A location that no longer exists.
        let mut gone = at(&dallas, "Ann", "4001", "+12015550101");
        gone.location = "no-such-location".into();
        assert_eq!(codes(&error(virtual_extensions::update(&t.db, &full_admin(), &ann.id, 4, &gone).await)), [ErrorCode::LocationNotFound]);
    }

    async fn roles_decide_who_edits_moves_and_deletes_what(t: &TestDb) {
        let dallas = location(t, "Dallas", "8214").await;
        let austin = location(t, "Austin", "8300").await;
        let org_entry = create(t, org("Org", "4001", "+12015550101")).await;
        let here = create(t, at(&dallas, "Here", "100", "+12015550102")).await;
        let there = create(t, at(&austin, "There", "100", "+12015550103")).await;
        let local = actor_as(Role::Location, &[&dallas.id]);
        let viewer = actor_as(Role::ReadOnly, &[]);

        let mut rename = here.to_input();
        rename.display_name = "Here (renamed)".into();
        assert_eq!(error(virtual_extensions::update(&t.db, &viewer, &here.id, 1, &rename).await), AppError::Forbidden);
        let saved = virtual_extensions::update(&t.db, &local, &here.id, 1, &rename).await.unwrap();
        assert_eq!(saved.entry.version, 2);
        // Not to another location, not to organization level, and nothing of another location.
        let away = at(&austin, "Here", "101", "+12015550102");
        assert_eq!(error(virtual_extensions::update(&t.db, &local, &here.id, 2, &away).await), AppError::Forbidden);
        assert_eq!(error(virtual_extensions::update(&t.db, &local, &here.id, 2, &org("Here", "4009", "+12015550102")).await), AppError::Forbidden);
        assert_eq!(error(virtual_extensions::update(&t.db, &local, &there.id, 1, &there.to_input()).await), AppError::Forbidden);
        assert_eq!(error(virtual_extensions::update(&t.db, &local, &org_entry.id, 1, &org_entry.to_input()).await), AppError::Forbidden);

        // Deletes are all or nothing: one entry elsewhere refuses the lot.
        let both = [here.id.clone(), there.id.clone()];
        assert_eq!(error(virtual_extensions::delete(&t.db, &local, &both).await), AppError::Forbidden);
        assert_eq!(error(virtual_extensions::delete(&t.db, &viewer, std::slice::from_ref(&here.id)).await), AppError::Forbidden);
        assert!(virtual_extensions::get(&t.db, &here.id).await.is_ok());
        let done = virtual_extensions::delete(&t.db, &local, std::slice::from_ref(&here.id)).await.unwrap();
        assert_eq!((done.deleted, done.already_gone), (1, 0));
    }

    async fn several_entries_are_deleted_at_once_and_each_is_audited(t: &TestDb) {
        let mut ids = Vec::new();
        for i in 0..5 {
            ids.push(create(t, org(&format!("Entry {i}"), &format!("40{i:02}"), &format!("+120155501{i:02}"))).await.id);
        }
        virtual_extensions::delete(&t.db, &full_admin(), &ids[..1]).await.unwrap();
        // One of the four was deleted by someone else already; duplicates count once.
        let mut asked = ids.clone();
        asked.push(ids[1].clone());
        let done = virtual_extensions::delete(&t.db, &full_admin(), &asked).await.unwrap();
        assert_eq!((done.deleted, done.already_gone), (4, 1));
        let page = virtual_extensions::list(&t.db, &Default::default()).await.unwrap();
        assert_eq!(page.total, 0);
        let deleted = actions(t).await.into_iter().filter(|a| *a == AuditAction::VirtualExtensionDeleted).count();
        assert_eq!(deleted, 5);
        let history = virtual_extensions::history(&t.db, &full_admin(), &ids[2]).await.unwrap();
        let name = history[0].changes.iter().find(|c| c.field == "Display Name").unwrap();
        assert_eq!((name.before.as_deref(), name.after.as_deref()), (Some("Entry 2"), None));
        // Nothing to delete, or too much at once: a clear 400.
        assert_eq!(error(virtual_extensions::delete(&t.db, &full_admin(), &[]).await).status(), 400);
        let many: Vec<String> = (0..=app::model::DELETE_MAX).map(|i| i.to_string()).collect();
        assert_eq!(error(virtual_extensions::delete(&t.db, &full_admin(), &many).await).status(), 400);
    }

    async fn the_search_index_follows_creates_edits_deletes_and_vacuum(t: &TestDb) {
        let search = |term: &str| {
            let (db, term) = (t.db.clone(), term.to_string());
            async move {
                let query = app::model::ListQuery { search: term, ..Default::default() };
                let page = virtual_extensions::list(&db, &query).await.unwrap();
                page.items.into_iter().map(|e| e.display_name).collect::<Vec<_>>()
            }
        };
        let ann = create(t, org("Ann Quinlan", "4001", "+12015550101")).await;
        let bob = create(t, org("Bob Quist", "4002", "+12015550102")).await;
        assert_eq!(search("qui").await, ["Ann Quinlan", "Bob Quist"]);
        assert_eq!(search("5550102").await, ["Bob Quist"]);
        let mut renamed = ann.to_input();
        renamed.display_name = "Ann Zephyr".into();
        renamed.phone_number = "+12015550199".into();
        virtual_extensions::update(&t.db, &full_admin(), &ann.id, 1, &renamed).await.unwrap();
        assert_eq!(search("qui").await, ["Bob Quist"]);
        assert_eq!(search("zephyr").await, ["Ann Zephyr"]);
        assert_eq!(search("5550199").await, ["Ann Zephyr"]);
        assert!(search("5550101").await.is_empty(), "the old number is gone from the index");
        virtual_extensions::delete(&t.db, &full_admin(), std::slice::from_ref(&bob.id)).await.unwrap();
        assert!(search("quist").await.is_empty());
        // SQLite may renumber a table's implicit rowids on VACUUM; the index keys are its own.
        t.exec("VACUUM").await.unwrap();
        let cy = create(t, org("Cy Quinn", "4003", "+12015550103")).await;
        assert_eq!(search("quinn").await, ["Cy Quinn"]);
        assert_eq!(search("zephyr").await, ["Ann Zephyr"]);
        virtual_extensions::delete(&t.db, &full_admin(), &[cy.id.clone(), ann.id.clone()]).await.unwrap();
        assert!(search("quinn").await.is_empty() && search("zephyr").await.is_empty());
    }

    async fn locations_are_edited_under_their_rules_and_audited(t: &TestDb) {
        let dallas = location(t, "Dallas", "8214").await;
        let austin = location(t, "Austin", "8300").await;
        let edit = |name: &str, prefix: &str| LocationInput { name: name.into(), routing_prefix: prefix.into(), country: "US".into(), ..Default::default() };

        let renamed = locations::update(&t.db, &full_admin(), &dallas.id, &edit("Dallas HQ", "8214")).await.unwrap();
        assert_eq!(renamed.name, "Dallas HQ");
        // Keeping its own name and prefix is no conflict; taking another's is.
        locations::update(&t.db, &full_admin(), &dallas.id, &edit("Dallas HQ", "8214")).await.unwrap();
        assert_eq!(codes(&error(locations::update(&t.db, &full_admin(), &dallas.id, &edit("Austin", "8214")).await)), [ErrorCode::NameInUse]);
        assert_eq!(codes(&error(locations::update(&t.db, &full_admin(), &dallas.id, &edit("Dallas HQ", "8300")).await)), [ErrorCode::RoutingPrefixInUse]);
        assert_eq!(codes(&error(locations::update(&t.db, &full_admin(), &dallas.id, &edit("Dallas HQ", "83")).await)), [ErrorCode::RoutingPrefixOverlaps]);

        // A new prefix gives every entry there a new ESN: none may equal an organization extension.
        create(t, at(&dallas, "Dallas 100", "100", "+12015550101")).await;
        create(t, org("Org 9100", "9100", "+12015550102")).await;
        let clash = error(locations::update(&t.db, &full_admin(), &dallas.id, &edit("Dallas HQ", "9")).await);
        assert_eq!(codes(&clash), [ErrorCode::ExtensionConflictsWithEsn]);
        assert!(clash.field_errors()[0].message.contains("ESN 9100"), "{clash}");
        locations::update(&t.db, &full_admin(), &dallas.id, &edit("Dallas HQ", "7")).await.unwrap();

        // Only full administrators.
        let local = actor_as(Role::Location, &[&dallas.id]);
        assert_eq!(error(locations::update(&t.db, &local, &dallas.id, &edit("Mine", "7")).await), AppError::Forbidden);
        assert_eq!(error(locations::delete(&t.db, &local, &austin.id).await), AppError::Forbidden);
        assert_eq!(error(locations::update(&t.db, &full_admin(), "missing", &edit("X", "")).await).status(), 404);

        let log = actions(t).await;
        assert_eq!(log.iter().filter(|a| **a == AuditAction::LocationUpdated).count(), 2, "{log:?}");
        // The list joins names: entries show the new name at once.
        let entry = virtual_extensions::list(&t.db, &Default::default()).await.unwrap();
        assert!(entry.items.iter().any(|e| e.location_name.as_deref() == Some("Dallas HQ")));
    }

    async fn a_location_in_use_is_not_deleted_and_says_why(t: &TestDb) {
        let dallas = location(t, "Dallas", "8214").await;
        let entry = create(t, at(&dallas, "Dallas 100", "100", "+12015550101")).await;
        add_admin(&t.db, "dallas@example.com", Role::Location, std::slice::from_ref(&dallas.id), "a long passphrase").await.unwrap();
        let rows = locations::rows(&t.db).await.unwrap();
        assert_eq!((rows[0].virtual_extensions, rows[0].administrators), (1, 1));

        let refused = error(locations::delete(&t.db, &full_admin(), &dallas.id).await);
        assert_eq!(refused.status(), 409);
        assert_eq!(codes(&refused), [ErrorCode::LocationInUse]);
        let message = &refused.field_errors()[0].message;
        assert!(message.contains("1 virtual extension is still at this location"), "{message}");
        assert!(message.contains("1 location administrator manages it"), "{message}");

        // Move the entry to organization level, change the administrator: then it goes.
        virtual_extensions::update(&t.db, &full_admin(), &entry.id, 1, &org("Dallas 100", "4100", "+12015550101")).await.unwrap();
        let still = error(locations::delete(&t.db, &full_admin(), &dallas.id).await);
        assert!(!still.field_errors()[0].message.contains("virtual extension"), "{still}");
        let admin = server::services::admins::find_by_email(&t.db, "dallas@example.com").await.unwrap();
        let change = app::model::admin::AdminChange { role: "READ_ONLY".into(), locations: vec![] };
        server::services::admins::update(&t.db, &full_admin(), &admin.id, &change).await.unwrap();
        let gone = locations::delete(&t.db, &full_admin(), &dallas.id).await.unwrap();
        assert_eq!(gone.name, "Dallas");
        assert!(locations::list(&t.db).await.unwrap().is_empty());
        assert_eq!(actions(t).await[0], AuditAction::LocationDeleted);
        assert_eq!(error(locations::delete(&t.db, &full_admin(), &dallas.id).await).status(), 404);
    }
}
