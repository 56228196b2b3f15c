//! The rules that need the database: conflicts, ESNs, warnings, hints, the mode, and the CSV
//! checker agreeing with the form. On SQLite and PostgreSQL.

use crate::common;

use app::error::AppError;
use app::model::{ErrorCode, Field, Location, LocationInput, VirtualExtensionInput};
use common::TestDb;
use sea_orm::{ConnectionTrait, Statement};
use server::services::import::{self, CheckReport, Severity};
use server::services::{locations, virtual_extensions};

fn form(level: &str, location: &str, display: &str, ext: &str, phone: &str) -> VirtualExtensionInput {
    VirtualExtensionInput {
        level: level.into(),
        location: location.into(),
        display_name: display.into(),
        extension: ext.into(),
        phone_number: phone.into(),
        ..Default::default()
    }
}

async fn add_location(t: &TestDb, name: &str, prefix: &str, country: &str) -> Location {
    let new = LocationInput {
        name: name.into(),
        routing_prefix: prefix.into(),
        country: country.into(),
        ..Default::default()
    };
    locations::create(&t.db, &common::full_admin(), &new).await.expect("create location")
}

async fn create_codes(t: &TestDb, input: VirtualExtensionInput) -> Vec<ErrorCode> {
    match virtual_extensions::create(&t.db, &common::full_admin(), &input).await {
        Ok(_) => vec![],
        Err(e) => AppError::from(e).field_errors().iter().map(|e| e.code).collect(),
    }
}

async fn check_csv(t: &TestDb, text: &str) -> CheckReport {
    import::check(&t.db, &common::full_admin(), text.as_bytes(), Default::default())
        .await
        .expect("a usable file")
}

fn problems(report: &CheckReport) -> Vec<(u64, &'static str, ErrorCode)> {
    report.problems.iter().map(|p| (p.row, p.column, p.code)).collect()
}

const HEADER: &str = "Action,Level,Location,First Name,Last Name,Display Name,Phone Number,Extension\n";

on_both_databases! {
    async fn esn_collisions_are_refused_and_shadowing_is_a_warning(t: &TestDb) {
        let dallas = add_location(t, "Dallas", "8214", "US").await;
        virtual_extensions::create(&t.db, &common::full_admin(), &form("ORGANIZATION", "", "Org 4001", "4001", "+12015550001")).await.unwrap();
        virtual_extensions::create(&t.db, &common::full_admin(), &form("ORGANIZATION", "", "Org ESN-like", "82144002", "+12015550002")).await.unwrap();
        // Dallas 4002 would be dialled as 82144002 from elsewhere: taken at organization level.
        assert_eq!(
            create_codes(t, form("LOCATION", &dallas.id, "Dallas 4002", "4002", "+12015550003")).await,
            [ErrorCode::ExtensionConflictsWithEsn]
        );
        // Dallas 4001 equals an organization-level extension: allowed, with a warning.
        let saved = virtual_extensions::create(&t.db, &common::full_admin(), &form("LOCATION", &dallas.id, "Dallas 4001", "4001", "+12015550004"))
            .await
            .unwrap();
        assert_eq!(saved.warnings.iter().map(|w| w.code).collect::<Vec<_>>(), [ErrorCode::ExtensionShadowsOrganization]);
        // And the other way round: an organization extension equal to Dallas' ESN 82144001.
        assert_eq!(
            create_codes(t, form("ORGANIZATION", "", "Clash", "82144001", "+12015550005")).await,
            [ErrorCode::ExtensionConflictsWithEsn]
        );
    }

    async fn national_numbers_are_answered_with_their_e164_form(t: &TestDb) {
        let dallas = add_location(t, "Dallas", "", "US").await;
        let error = AppError::from(
            virtual_extensions::create(&t.db, &common::full_admin(), &form("LOCATION", &dallas.id, "A", "4001", "(214) 555-0100")).await.unwrap_err(),
        );
        assert_eq!(error.status(), 422);
        let message = error.message_for(Field::PhoneNumber).unwrap();
        assert!(message.contains("+12145550100"), "{message}");
    }

    async fn enhanced_mode_accepts_numbers_outside_the_public_plan(t: &TestDb) {
        let unassigned = form("ORGANIZATION", "", "Provider route", "4001", "+10995550123");
        assert_eq!(create_codes(t, unassigned.clone()).await, [ErrorCode::PhoneNumberInvalid]);
        t.db.execute_raw(Statement::from_string(t.db.get_database_backend(), "UPDATE org_settings SET virtual_extension_mode = 'ENHANCED'".to_string()))
            .await
            .unwrap();
        assert_eq!(create_codes(t, unassigned).await, Vec::<ErrorCode>::new());
        assert_eq!(
            create_codes(t, form("ORGANIZATION", "", "Spaces", "4002", "+1 099 555 0124")).await,
            [ErrorCode::PhoneNumberFormatting],
            "Enhanced keeps Standard's syntax"
        );
    }

    async fn check_changes_nothing_and_gives_the_create_verdict(t: &TestDb) {
        virtual_extensions::create(&t.db, &common::full_admin(), &form("ORGANIZATION", "", "A", "4001", "+12015550001")).await.unwrap();
        let verdict = virtual_extensions::check(&t.db, &form("ORGANIZATION", "", "B", "4001", "+12015550001"), None).await.unwrap();
        assert_eq!(verdict.errors.iter().map(|e| e.code).collect::<Vec<_>>(), [ErrorCode::ExtensionInUse, ErrorCode::PhoneNumberInUse]);
        let clean = virtual_extensions::check(&t.db, &form("ORGANIZATION", "", "B", "4002", "+12015550002"), None).await.unwrap();
        assert!(clean.is_ok());
        let page = virtual_extensions::list(&t.db, &Default::default()).await.unwrap();
        assert_eq!(page.total, 1);
    }

    // The form asks while the admin types, so a half-filled draft is judged, not refused: a
    // location level with no location yet, or one that does not exist, is a verdict's errors.
    async fn check_judges_a_half_filled_draft_instead_of_refusing_it(t: &TestDb) {
        let draft = virtual_extensions::check(&t.db, &form("LOCATION", "", "", "", ""), None).await.unwrap();
        let codes: Vec<_> = draft.errors.iter().map(|e| (e.field, e.code)).collect();
        assert!(codes.contains(&(Field::Location, ErrorCode::LocationRequired)), "{codes:?}");
        assert!(codes.contains(&(Field::DisplayName, ErrorCode::DisplayNameRequired)), "{codes:?}");
        let gone = virtual_extensions::check(&t.db, &form("LOCATION", "no-such-location", "A", "4001", "+12015550001"), None)
            .await
            .unwrap();
        assert_eq!(gone.errors.iter().map(|e| e.code).collect::<Vec<_>>(), [ErrorCode::LocationNotFound]);
    }

    async fn csv_check_reports_every_problem_by_row_and_column(t: &TestDb) {
        add_location(t, "Dallas", "8214", "US").await;
        virtual_extensions::create(&t.db, &common::full_admin(), &form("ORGANIZATION", "", "Existing", "4001", "+12015550001")).await.unwrap();
        let text = format!(
            "{HEADER}\
             ,Organization,,,,New Person,+12015550010,4100\n\
             ,Organization,,,,Dup Ext,+12015550011,4001\n\
             ,Location,Dalas,,,Typo,+12015550012,4101\n\
             ,Location,Dallas,,,National,(214) 555-0100,4102\n\
             ,Organization,,,,Twice,+12015550010,4103\n\
             ,Organization,,,,Again,+12015550013,4100\n\
             update,Organization,,,,Existing,+12015550001,4001\n\
             update,Organization,,,,Renamed,+12015550001,4001\n\
             delete,Location,Dallas,,,,,4999\n\
             ,Location,Dallas,,,Shadow,+12015550014,4001\n\
             ,Organization,,,,\"{}\",+12015550015,4104\n\
             ,Organization,,,,Short row\n",
            "x".repeat(61)
        );
        let report = check_csv(t, &text).await;
        assert_eq!(
            problems(&report),
            [
                (3, "Extension", ErrorCode::ExtensionInUse),
                (4, "Location", ErrorCode::LocationNotFound),
                (5, "Phone Number", ErrorCode::PhoneNumberMissingPlus),
                (6, "Phone Number", ErrorCode::PhoneNumberDuplicateInFile),
                (7, "Extension", ErrorCode::ExtensionDuplicateInFile),
                (9, "Extension", ErrorCode::ExtensionDuplicateInFile),
                (10, "Extension", ErrorCode::VirtualExtensionNotFound),
                (11, "Extension", ErrorCode::ExtensionShadowsOrganization),
                (12, "Display Name", ErrorCode::DisplayNameTooLong),
                (13, "Row", ErrorCode::RowFieldCount),
            ]
        );
        assert_eq!(report.problems[7].severity, Severity::Warning);
        assert!(report.problems[1].message.contains("Did you mean \"Dallas\"?"), "{}", report.problems[1].message);
        assert!(report.problems[2].message.contains("+12145550100"), "{}", report.problems[2].message);
        let s = &report.summary;
        assert_eq!((s.rows, s.add, s.update, s.unchanged, s.delete, s.failed, s.warnings), (12, 2, 0, 1, 0, 9, 1));
        assert!(!report.is_valid());
        let page = virtual_extensions::list(&t.db, &Default::default()).await.unwrap();
        assert_eq!(page.total, 1, "checking changes nothing");
    }

    async fn csv_rows_apply_top_to_bottom(t: &TestDb) {
        virtual_extensions::create(&t.db, &common::full_admin(), &form("ORGANIZATION", "", "Old", "4001", "+12015550001")).await.unwrap();
        virtual_extensions::create(&t.db, &common::full_admin(), &form("ORGANIZATION", "", "Gone", "4009", "+12015550009")).await.unwrap();
        // Renumber 4001, then give its old number to a new entry; delete 4009 and reuse its number.
        let report = check_csv(t, &format!(
            "{HEADER}update,Organization,,,,Old,+12015550002,4001\n\
             add,Organization,,,,Takes the old number,+12015550001,4002\n\
             delete,Organization,,,,,,4009\n\
             add,Organization,,,,Reuses,+12015550009,4010\n"
        )).await;
        assert!(report.is_valid(), "{:?}", report.problems);
        assert_eq!((report.summary.update, report.summary.add, report.summary.delete), (1, 2, 1));
        // In the other order, the number is still taken when the ADD is read.
        let report = check_csv(t, &format!(
            "{HEADER}add,Organization,,,,Too early,+12015550001,4002\n\
             update,Organization,,,,Old,+12015550002,4001\n"
        )).await;
        assert_eq!(problems(&report), [(2, "Phone Number", ErrorCode::PhoneNumberInUse)]);
        // One extension in two rows is refused, even as DELETE then ADD.
        let report = check_csv(t, &format!(
            "{HEADER}delete,Organization,,,,,,4001\n\
             add,Organization,,,,New,+12015550003,4001\n"
        )).await;
        assert_eq!(problems(&report), [(3, "Extension", ErrorCode::ExtensionDuplicateInFile)]);
    }

    async fn the_checker_and_the_form_agree(t: &TestDb) {
        let dallas = add_location(t, "Dallas", "8214", "US").await;
        virtual_extensions::create(&t.db, &common::full_admin(), &form("ORGANIZATION", "", "Taken", "4001", "+12015550001")).await.unwrap();
        let cases: [(&str, &str, &str, &str, &str); 8] = [
            ("Organization", "", "Fine", "4100", "+12015550100"),
            ("Organization", "", "", "4101", "+12015550101"),
            ("Organization", "", "X", "1", "+12015550102"),
            ("Organization", "", "X", "4103", "12015550103"),
            ("Organization", "", "X", "4001", "+12015550001"),
            ("Location", "Dallas", "X", "4104", "+10995550104"),
            ("Location", "", "X", "4105", "+12015550105"),
            ("Organization", "", "Bad\u{202E}name", "4106", "+1 201 555 0106"),
        ];
        for (level, location, display, ext, phone) in cases {
            let location_id = if location.is_empty() { String::new() } else { dallas.id.clone() };
            let input = form(level, &location_id, display, ext, phone);
            let verdict = virtual_extensions::check(&t.db, &input, None).await.unwrap();
            let form_codes: Vec<ErrorCode> = verdict.errors.iter().map(|e| e.code).collect();
            let mut csv = csv::Writer::from_writer(Vec::new());
            csv.write_record(HEADER.trim().split(',')).unwrap();
            csv.write_record(["", level, location, "", "", display, phone, ext]).unwrap();
            let text = String::from_utf8(csv.into_inner().unwrap()).unwrap();
            let report = check_csv(t, &text).await;
            let csv_codes: Vec<ErrorCode> =
                report.problems.iter().filter(|p| p.severity == Severity::Error).map(|p| p.code).collect();
            assert_eq!(csv_codes, form_codes, "{level} {location:?} {display:?} {ext:?} {phone:?}");
        }
    }
}

mod roles {
    use super::*;
    use app::model::admin::{Actor, Role};

    fn actor(role: Role, locations: &[&str]) -> Actor {
        Actor {
            id: "x".into(),
            email: "x@example.com".into(),
            role,
            locations: locations.iter().map(|s| s.to_string()).collect(),
            from: None,
            session: None,
        }
    }

    on_both_databases! {
        async fn each_role_changes_exactly_what_it_may(t: &TestDb) {
            let dallas = add_location(t, "Dallas", "", "US").await;
            let austin = add_location(t, "Austin", "", "US").await;
            let forbidden = |result: Result<app::model::SavedVirtualExtension, server::services::ServiceError>| {
                matches!(result.map_err(AppError::from), Err(AppError::Forbidden))
            };
            let read_only = actor(Role::ReadOnly, &[]);
            assert!(forbidden(virtual_extensions::create(&t.db, &read_only, &form("ORGANIZATION", "", "A", "4001", "+12015550001")).await));
            let local = actor(Role::Location, &[&dallas.id]);
            assert!(forbidden(virtual_extensions::create(&t.db, &local, &form("ORGANIZATION", "", "A", "4001", "+12015550001")).await));
            assert!(forbidden(virtual_extensions::create(&t.db, &local, &form("LOCATION", &austin.id, "A", "4001", "+12015550001")).await));
            virtual_extensions::create(&t.db, &local, &form("LOCATION", &dallas.id, "A", "4001", "+12015550001")).await.expect("own location");
            let page = virtual_extensions::list(&t.db, &Default::default()).await.unwrap();
            assert_eq!(page.total, 1, "refused creates wrote nothing");
        }
    }
}
