//! Administrators and the audit log, through the services: who may manage whom, what ends
//! sessions, and that every change is recorded with its before and after values.

use crate::common;

use app::error::AppError;
use app::model::admin::{Actor, AdminChange, Role};
use app::model::audit::{AuditAction, AuditQuery};
use app::model::{ErrorCode, LocationInput, VirtualExtensionInput, VirtualExtensionMode};
use common::{actor_as, add_admin, full_admin, TestDb};
use server::services::{admins, audit, locations, sessions, settings, virtual_extensions, ServiceError};

const PASSWORD: &str = "a long passphrase";

fn error<T: std::fmt::Debug>(result: Result<T, ServiceError>) -> AppError {
    AppError::from(result.expect_err("refused"))
}

/// A change to `role` at `locations`, as the Administrators page sends it.
fn change(role: &str, locations: &[String]) -> AdminChange {
    AdminChange { role: role.to_string(), locations: locations.to_vec() }
}

fn codes(error: AppError) -> Vec<ErrorCode> {
    error.field_errors().iter().map(|e| e.code).collect()
}

/// The actor a signed-in administrator becomes.
fn as_actor(admin: &server::services::accounts::Admin) -> Actor {
    Actor {
        id: admin.id.clone(),
        email: admin.email.clone(),
        role: admin.role,
        locations: admin.locations.clone(),
        from: Some("198.51.100.7".into()),
        session: None,
    }
}

async fn sign_in(t: &TestDb, email: &str, password: &str) -> Result<String, AppError> {
    sessions::sign_in(&t.db, email, password, &Default::default(), Default::default(), chrono::Utc::now())
        .await
        .map(|(token, _)| token)
        .map_err(AppError::from)
}

async fn is_signed_in(t: &TestDb, token: &str) -> bool {
    sessions::authenticate(&t.db, token, Default::default(), chrono::Utc::now()).await.unwrap().is_some()
}

fn entry(display_name: &str, extension: &str, number: &str) -> VirtualExtensionInput {
    VirtualExtensionInput {
        level: "ORGANIZATION".into(),
        display_name: display_name.into(),
        extension: extension.into(),
        phone_number: number.into(),
        ..Default::default()
    }
}

on_both_databases! {
    async fn every_change_is_recorded_with_who_where_and_the_values(t: &TestDb) {
        let ann = add_admin(&t.db, "ann@example.com", Role::Full, &[], PASSWORD).await.unwrap();
        let ann = as_actor(&ann);
        let dallas = locations::create(
            &t.db,
            &ann,
            &LocationInput { name: "Dallas".into(), routing_prefix: "8214".into(), country: "US".into(), ..Default::default() },
        )
        .await
        .unwrap();
        let saved = virtual_extensions::create(&t.db, &ann, &entry("Ann Remote", "4001", "+12015550101")).await.unwrap();
        settings::set_virtual_extension_mode(&t.db, &ann, VirtualExtensionMode::Enhanced).await.unwrap();
        // Setting the mode it already has records nothing.
        settings::set_virtual_extension_mode(&t.db, &ann, VirtualExtensionMode::Enhanced).await.unwrap();
        // A refused change leaves no entry.
        error(virtual_extensions::create(&t.db, &ann, &entry("Clash", "4001", "+12015550102")).await);

        let page = audit::list(&t.db, &ann, &AuditQuery::default()).await.unwrap();
        let actions: Vec<AuditAction> = page.items.iter().map(|e| e.action).collect();
        assert_eq!(
            actions,
            [AuditAction::ModeChanged, AuditAction::VirtualExtensionCreated, AuditAction::LocationCreated, AuditAction::AdministratorCreated],
            "newest first"
        );
        let created = &page.items[1];
        assert_eq!(created.actor, "ann@example.com");
        assert_eq!(created.actor_id.as_deref(), Some(ann.id.as_str()));
        assert_eq!(created.source, "198.51.100.7");
        assert_eq!(created.target_id, saved.entry.id);
        assert_eq!(created.target_label, "Ann Remote (4001)");
        let display = created.changes.iter().find(|c| c.field == "Display Name").unwrap();
        assert_eq!((display.before.as_deref(), display.after.as_deref()), (None, Some("Ann Remote")));
        let mode = &page.items[0].changes[0];
        assert_eq!((mode.before.as_deref(), mode.after.as_deref()), (Some("Standard"), Some("Enhanced")));
        assert_eq!(page.items[2].target_label, "Dallas");
        let admin_added = &page.items[3];
        assert_eq!(admin_added.actor, "admin@example.com", "the test's full administrator added Ann");

        // The entry's own history.
        let history = virtual_extensions::history(&t.db, &ann, &saved.entry.id).await.unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].action, AuditAction::VirtualExtensionCreated);
        assert!(dallas.id.len() > 10);
    }

    async fn the_audit_log_filters_by_who_what_target_and_day(t: &TestDb) {
        let ann = as_actor(&add_admin(&t.db, "ann@example.com", Role::Full, &[], PASSWORD).await.unwrap());
        let bob = as_actor(&add_admin(&t.db, "bob@example.com", Role::Full, &[], PASSWORD).await.unwrap());
        virtual_extensions::create(&t.db, &ann, &entry("Zoë 100% Remote", "4001", "+12015550101")).await.unwrap();
        virtual_extensions::create(&t.db, &bob, &entry("Key_Customer", "4002", "+12015550102")).await.unwrap();
        settings::set_virtual_extension_mode(&t.db, &bob, VirtualExtensionMode::Enhanced).await.unwrap();
        let find = |query: AuditQuery| {
            let (db, ann) = (t.db.clone(), ann.clone());
            async move {
                audit::list(&db, &ann, &query).await.map(|p| p.items.into_iter().map(|e| e.target_label).collect::<Vec<_>>())
            }
        };
        assert_eq!(
            find(AuditQuery { actor: bob.id.clone(), ..Default::default() }).await.unwrap(),
            ["Virtual extension mode", "Key_Customer (4002)"]
        );
        assert_eq!(
            find(AuditQuery { what: "virtual_extension".into(), ..Default::default() }).await.unwrap(),
            ["Key_Customer (4002)", "Zoë 100% Remote (4001)"]
        );
        assert_eq!(
            find(AuditQuery { what: "settings.mode_changed".into(), ..Default::default() }).await.unwrap(),
            ["Virtual extension mode"]
        );
        // Case-insensitive substring; % and _ are literal characters, not wildcards.
        assert_eq!(find(AuditQuery { target: "REMOTE".into(), ..Default::default() }).await.unwrap(), ["Zoë 100% Remote (4001)"]);
        assert_eq!(find(AuditQuery { target: "100%".into(), ..Default::default() }).await.unwrap(), ["Zoë 100% Remote (4001)"]);
        assert_eq!(find(AuditQuery { target: "y_c".into(), ..Default::default() }).await.unwrap(), ["Key_Customer (4002)"]);
        assert!(find(AuditQuery { target: "y%c".into(), ..Default::default() }).await.unwrap().is_empty());
        let today = chrono::Utc::now().date_naive();
        let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
        assert_eq!(find(AuditQuery { from: day(today), to: day(today), ..Default::default() }).await.unwrap().len(), 5);
        assert!(find(AuditQuery { to: day(today.pred_opt().unwrap()), ..Default::default() }).await.unwrap().is_empty());
        assert!(find(AuditQuery { from: day(today.succ_opt().unwrap()), ..Default::default() }).await.unwrap().is_empty());
        for bad in [
            AuditQuery { from: "27/11/2026".into(), ..Default::default() },
            AuditQuery { to: "2026-02-30".into(), ..Default::default() },
            AuditQuery { what: "virtual_extension.exploded".into(), ..Default::default() },
        ] {
            assert!(matches!(find(bad.clone()).await.map_err(AppError::from), Err(AppError::BadRequest { .. })), "{bad:?}");
        }
        let who = audit::actors(&t.db, &ann).await.unwrap();
        assert!(who.iter().any(|(id, name)| *id == bob.id && name == "bob@example.com"));
    }

    async fn only_full_and_read_only_administrators_read_the_log(t: &TestDb) {
        let query = AuditQuery::default();
        assert!(audit::list(&t.db, &actor_as(Role::ReadOnly, &[]), &query).await.is_ok());
        assert_eq!(error(audit::list(&t.db, &actor_as(Role::Location, &["L1"]), &query).await), AppError::Forbidden);
        assert!(admins::accounts(&t.db, &actor_as(Role::ReadOnly, &[])).await.is_ok());
        assert_eq!(error(admins::accounts(&t.db, &actor_as(Role::Location, &["L1"])).await), AppError::Forbidden);
    }

    async fn only_full_administrators_manage_administrators_settings_and_locations(t: &TestDb) {
        let bob = add_admin(&t.db, "bob@example.com", Role::ReadOnly, &[], PASSWORD).await.unwrap();
        let new_location = || LocationInput { name: "Austin".into(), ..Default::default() };
        for actor in [actor_as(Role::ReadOnly, &[]), actor_as(Role::Location, &["L1"])] {
            let input = app::model::admin::AdminInput {
                email: "eve@example.com".into(),
                role: "full".into(),
                password: PASSWORD.into(),
                ..Default::default()
            };
            assert_eq!(error(admins::create(&t.db, &actor, input).await), AppError::Forbidden);
            assert_eq!(error(admins::update(&t.db, &actor, &bob.id, &change("full", &[])).await), AppError::Forbidden);
            assert_eq!(error(admins::set_disabled(&t.db, &actor, &bob.id, true).await), AppError::Forbidden);
            assert_eq!(error(admins::reset_password(&t.db, &actor, &bob.id, "new long passphrase".into(), None).await), AppError::Forbidden);
            assert_eq!(error(admins::end_sessions(&t.db, &actor, &bob.id, None).await), AppError::Forbidden);
            assert_eq!(
                error(settings::set_virtual_extension_mode(&t.db, &actor, VirtualExtensionMode::Enhanced).await),
                AppError::Forbidden
            );
            assert_eq!(error(locations::create(&t.db, &actor, &new_location()).await), AppError::Forbidden);
        }
        assert_eq!(settings::virtual_extension_mode(&t.db).await.unwrap(), VirtualExtensionMode::Standard);
        assert!(locations::list(&t.db).await.unwrap().is_empty());
        assert_eq!(admins::list(&t.db).await.unwrap().len(), 1, "nothing was added");
        // Anyone may end their own sessions and set their own password.
        let bob_actor = as_actor(&bob);
        let token = sign_in(t, "bob@example.com", PASSWORD).await.unwrap();
        // One's own password only with the current one: a stolen session is not enough.
        let own = |current: Option<&str>| {
            admins::reset_password(&t.db, &bob_actor, &bob.id, "bob's own new passphrase".into(), current.map(str::to_string))
        };
        assert_eq!(codes(error(own(None).await)), [ErrorCode::CurrentPasswordRequired]);
        assert_eq!(codes(error(own(Some("")).await)), [ErrorCode::CurrentPasswordRequired]);
        assert_eq!(codes(error(own(Some("not my password")).await)), [ErrorCode::CurrentPasswordIncorrect]);
        assert!(is_signed_in(t, &token).await, "a refused change ends nothing");
        assert!(sign_in(t, "bob@example.com", "bob's own new passphrase").await.is_err(), "and changes nothing");
        own(Some(PASSWORD)).await.unwrap();
        assert!(!is_signed_in(t, &token).await, "a new password ends the old sessions");
        let token = sign_in(t, "bob@example.com", "bob's own new passphrase").await.unwrap();
        assert_eq!(admins::end_sessions(&t.db, &bob_actor, &bob.id, None).await.unwrap(), 1);
        assert!(!is_signed_in(t, &token).await);
    }

    async fn roles_change_and_the_last_full_administrator_stays(t: &TestDb) {
        let dallas = locations::create(&t.db, &full_admin(), &LocationInput { name: "Dallas".into(), ..Default::default() })
            .await
            .unwrap();
        let ann = as_actor(&add_admin(&t.db, "ann@example.com", Role::Full, &[], PASSWORD).await.unwrap());
        let bob = add_admin(&t.db, "bob@example.com", Role::ReadOnly, &[], PASSWORD).await.unwrap();
        // Location administrators need locations; others may not have any.
        assert_eq!(codes(error(admins::update(&t.db, &ann, &bob.id, &change("location", &[])).await)), [ErrorCode::LocationRequired]);
        assert_eq!(
            codes(error(admins::update(&t.db, &ann, &bob.id, &change("read-only", std::slice::from_ref(&dallas.id))).await)),
            [ErrorCode::LocationNotAllowed]
        );
        assert_eq!(codes(error(admins::update(&t.db, &ann, &bob.id, &change("owner", &[])).await)), [ErrorCode::RoleInvalid]);
        let moved = admins::update(&t.db, &ann, &bob.id, &change("location", std::slice::from_ref(&dallas.id))).await.unwrap();
        assert_eq!((moved.role, moved.locations.clone()), (Role::Location, vec![dallas.id.clone()]));
        let history = audit::history(&t.db, app::model::audit::TargetKind::Administrator, &bob.id, 10).await.unwrap();
        assert_eq!(history[0].action, AuditAction::AdministratorUpdated);
        let role = history[0].changes.iter().find(|c| c.field == "Role").unwrap();
        assert_eq!((role.before.as_deref(), role.after.as_deref()), (Some("Read-only administrator"), Some("Location administrator")));
        assert!(history[0].changes.iter().any(|c| c.field == "Locations" && c.after.as_deref() == Some("Dallas")));
        assert_eq!(error(admins::update(&t.db, &ann, "no-such-id", &change("full", &[])).await), AppError::NotFound { what: "That administrator".into() });

        // The test's own full administrator is not an account: Ann is the only full one.
        assert_eq!(codes(error(admins::update(&t.db, &ann, &ann.id, &change("read-only", &[])).await)), [ErrorCode::LastFullAdministrator]);
        assert_eq!(codes(error(admins::set_disabled(&t.db, &ann, &ann.id, true).await)), [ErrorCode::OwnAccount]);
        admins::update(&t.db, &ann, &bob.id, &change("full", &[])).await.unwrap();
        // With Bob full, Ann may step down; then Bob is the last one.
        admins::update(&t.db, &ann, &ann.id, &change("read-only", &[])).await.unwrap();
        let bob_actor = Actor { role: Role::Full, ..as_actor(&bob) };
        assert_eq!(codes(error(admins::update(&t.db, &bob_actor, &bob.id, &change("read-only", &[])).await)), [ErrorCode::LastFullAdministrator]);
        assert_eq!(codes(error(admins::set_disabled(&t.db, &full_admin(), &bob.id, true).await)), [ErrorCode::LastFullAdministrator]);
    }

    async fn disabling_ends_sessions_and_re_enabling_lifts_the_back_off(t: &TestDb) {
        let ann = as_actor(&add_admin(&t.db, "ann@example.com", Role::Full, &[], PASSWORD).await.unwrap());
        let bob = add_admin(&t.db, "bob@example.com", Role::ReadOnly, &[], PASSWORD).await.unwrap();
        let first = sign_in(t, "bob@example.com", PASSWORD).await.unwrap();
        let second = sign_in(t, "bob@example.com", PASSWORD).await.unwrap();
        let accounts = admins::accounts(&t.db, &ann).await.unwrap();
        let listed = accounts.iter().find(|a| a.id == bob.id).unwrap();
        assert_eq!(listed.sessions.len(), 2);
        // End one session by its id; the other stays.
        let one = listed.sessions[0].id.clone();
        assert_eq!(admins::end_sessions(&t.db, &ann, &bob.id, Some(&one)).await.unwrap(), 1);
        assert_eq!(is_signed_in(t, &first).await as u8 + is_signed_in(t, &second).await as u8, 1);

        admins::set_disabled(&t.db, &ann, &bob.id, true).await.unwrap();
        assert!(!is_signed_in(t, &first).await && !is_signed_in(t, &second).await);
        assert_eq!(sign_in(t, "bob@example.com", PASSWORD).await, Err(AppError::Unauthorized));
        for _ in 0..8 {
            let _ = sign_in(t, "bob@example.com", "wrong passphrase").await;
        }
        let locked = admins::accounts(&t.db, &ann).await.unwrap().into_iter().find(|a| a.id == bob.id).unwrap();
        assert!(locked.disabled && locked.locked_until.is_some());
        admins::set_disabled(&t.db, &ann, &bob.id, false).await.unwrap();
        assert!(sign_in(t, "bob@example.com", PASSWORD).await.is_ok(), "re-enabled, back-off lifted");
        let actions: Vec<AuditAction> = audit::history(&t.db, app::model::audit::TargetKind::Administrator, &bob.id, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions,
            [AuditAction::AdministratorEnabled, AuditAction::AdministratorDisabled, AuditAction::AdministratorSessionsEnded, AuditAction::AdministratorCreated]
        );
    }

    async fn a_stranger_failing_cannot_lock_an_administrator_out(t: &TestDb) {
        use server::store::entities::sign_in_failure;
        use sea_orm::{EntityTrait, PaginatorTrait};
        add_admin(&t.db, "bob@example.com", Role::Full, &[], PASSWORD).await.unwrap();
        let from = |ip: &str| sessions::Client { ip: Some(ip.to_string()), user_agent: None };
        let attempt = |ip: &'static str, password: &'static str| {
            let client = from(ip);
            async move {
                sessions::sign_in(&t.db, "Bob@Example.com", password, &client, Default::default(), chrono::Utc::now())
                    .await
                    .map(|_| ())
                    .map_err(AppError::from)
            }
        };
        // An attacker fails again and again from one address: that address backs off, even with
        // the right password ...
        for _ in 0..8 {
            assert_eq!(attempt("203.0.113.9", "wrong guess").await, Err(AppError::Unauthorized));
        }
        assert_eq!(attempt("203.0.113.9", PASSWORD).await, Err(AppError::Unauthorized), "the failing address waits");
        // ... while Bob, elsewhere, signs in with his password, between the attacker's attempts too.
        assert_eq!(attempt("198.51.100.4", PASSWORD).await, Ok(()));
        assert_eq!(attempt("203.0.113.9", "wrong guess").await, Err(AppError::Unauthorized));
        assert_eq!(attempt("198.51.100.4", PASSWORD).await, Ok(()));
        // Bob's own mistakes before his success do not pause him either (under the free failures).
        assert_eq!(attempt("198.51.100.4", "typo").await, Err(AppError::Unauthorized));
        assert_eq!(attempt("198.51.100.4", PASSWORD).await, Ok(()));
        // An IPv6 attacker is one client for its whole /64: hopping addresses does not help.
        for host in 1..=7 {
            let ip: &'static str = Box::leak(format!("2001:db8:9:9::{host}").into_boxed_str());
            assert_eq!(attempt(ip, "wrong guess").await, Err(AppError::Unauthorized));
        }
        assert_eq!(attempt("2001:db8:9:9:ffff::1", PASSWORD).await, Err(AppError::Unauthorized), "same /64");
        assert_eq!(attempt("2001:db8:9:a::1", PASSWORD).await, Ok(()), "another /64");
        // An unknown email costs the same database write as a known one.
        let before = sign_in_failure::Entity::find().count(&t.db).await.unwrap();
        let unknown = sessions::sign_in(&t.db, "nobody@example.com", "x", &from("192.0.2.1"), Default::default(), chrono::Utc::now()).await;
        assert_eq!(unknown.map(|_| ()).map_err(AppError::from), Err(AppError::Unauthorized));
        assert_eq!(sign_in_failure::Entity::find().count(&t.db).await.unwrap(), before + 1);
        // The Administrators page says that some address is paused; a new password lifts it.
        let listed = admins::accounts(&t.db, &full_admin()).await.unwrap();
        assert!(listed.iter().find(|a| a.email == "bob@example.com").unwrap().locked_until.is_some());
        let bob = admins::find_by_email(&t.db, "bob@example.com").await.unwrap();
        admins::reset_password(&t.db, &full_admin(), &bob.id, "bob's brand new passphrase".into(), None).await.unwrap();
        assert_eq!(attempt("203.0.113.9", "bob's brand new passphrase").await, Ok(()));
    }
}
