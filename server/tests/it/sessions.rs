//! Sign-in and sessions on SQLite and PostgreSQL.

use crate::common;

use app::error::AppError;
use app::model::admin::Role;
use chrono::{Duration, Utc};
use common::TestDb;
use server::services::sessions::{self, Client, SessionPolicy};
use server::services::ServiceError;

const PASSWORD: &str = "a long passphrase";

async fn admin(t: &TestDb) -> server::services::accounts::Admin {
    common::add_admin(&t.db, "ann@example.com", Role::Full, &[], PASSWORD).await.unwrap()
}

fn unauthorized(result: Result<(String, server::services::accounts::Admin), ServiceError>) -> bool {
    matches!(result.map_err(AppError::from), Err(AppError::Unauthorized))
}

on_both_databases! {
    async fn a_sign_in_opens_a_new_session_each_time(t: &TestDb) {
        let ann = admin(t).await;
        let policy = SessionPolicy::default();
        let now = Utc::now();
        let (first, who) = sessions::sign_in(&t.db, "ANN@example.com", PASSWORD, &Client::default(), policy, now).await.unwrap();
        assert_eq!(who.id, ann.id);
        let (second, _) = sessions::sign_in(&t.db, "ann@example.com", PASSWORD, &Client::default(), policy, now).await.unwrap();
        assert_ne!(first, second, "a new session id at every sign-in");
        assert_eq!(sessions::authenticate(&t.db, &first, policy, now).await.unwrap().map(|a| a.email), Some("ann@example.com".into()));
        assert_eq!(sessions::authenticate(&t.db, "not-a-token", policy, now).await.unwrap(), None);
        sessions::sign_out(&t.db, &first).await.unwrap();
        assert_eq!(sessions::authenticate(&t.db, &first, policy, now).await.unwrap(), None);
        assert!(sessions::authenticate(&t.db, &second, policy, now).await.unwrap().is_some());
        assert_eq!(sessions::end_all(&t.db, &ann.id).await.unwrap(), 1);
        assert_eq!(sessions::authenticate(&t.db, &second, policy, now).await.unwrap(), None);
    }

    async fn failures_all_look_the_same_and_back_off(t: &TestDb) {
        admin(t).await;
        let policy = SessionPolicy::default();
        let now = Utc::now();
        assert!(unauthorized(sessions::sign_in(&t.db, "nobody@example.com", PASSWORD, &Client::default(), policy, now).await));
        assert!(unauthorized(sessions::sign_in(&t.db, "not an email", PASSWORD, &Client::default(), policy, now).await));
        for _ in 0..6 {
            assert!(unauthorized(sessions::sign_in(&t.db, "ann@example.com", "wrong password", &Client::default(), policy, now).await));
        }
        // Locked now: even the right password is refused, with the same answer.
        assert!(unauthorized(sessions::sign_in(&t.db, "ann@example.com", PASSWORD, &Client::default(), policy, now).await));
        let later = now + Duration::minutes(16);
        assert!(sessions::sign_in(&t.db, "ann@example.com", PASSWORD, &Client::default(), policy, later).await.is_ok());
        // A success resets the count: one more failure does not lock again.
        assert!(unauthorized(sessions::sign_in(&t.db, "ann@example.com", "wrong", &Client::default(), policy, later).await));
        assert!(sessions::sign_in(&t.db, "ann@example.com", PASSWORD, &Client::default(), policy, later).await.is_ok());
    }

    async fn sessions_end_when_idle_or_old(t: &TestDb) {
        admin(t).await;
        let policy = SessionPolicy::default();
        let now = Utc::now();
        let (idle, _) = sessions::sign_in(&t.db, "ann@example.com", PASSWORD, &Client::default(), policy, now).await.unwrap();
        assert!(sessions::authenticate(&t.db, &idle, policy, now + Duration::minutes(29)).await.unwrap().is_some());
        // Activity at 29 minutes keeps it alive until 59.
        assert!(sessions::authenticate(&t.db, &idle, policy, now + Duration::minutes(58)).await.unwrap().is_some());
        assert!(sessions::authenticate(&t.db, &idle, policy, now + Duration::minutes(90)).await.unwrap().is_none());

        let (busy, _) = sessions::sign_in(&t.db, "ann@example.com", PASSWORD, &Client::default(), policy, now).await.unwrap();
        let mut at = now;
        while at < now + Duration::hours(12) - Duration::minutes(20) {
            at += Duration::minutes(20);
            assert!(sessions::authenticate(&t.db, &busy, policy, at).await.unwrap().is_some());
        }
        assert!(sessions::authenticate(&t.db, &busy, policy, now + Duration::hours(12)).await.unwrap().is_none());
    }

    async fn disabling_or_a_new_password_ends_open_sessions(t: &TestDb) {
        admin(t).await;
        let policy = SessionPolicy::default();
        let now = Utc::now();
        let (token, _) = sessions::sign_in(&t.db, "ann@example.com", PASSWORD, &Client::default(), policy, now).await.unwrap();
        t.exec("UPDATE admin_user SET disabled = true").await.unwrap();
        assert!(sessions::authenticate(&t.db, &token, policy, now).await.unwrap().is_none());
        assert!(unauthorized(sessions::sign_in(&t.db, "ann@example.com", PASSWORD, &Client::default(), policy, now).await));

        t.exec("UPDATE admin_user SET disabled = false").await.unwrap();
        let (token, _) = sessions::sign_in(&t.db, "ann@example.com", PASSWORD, &Client::default(), policy, now).await.unwrap();
        t.exec("UPDATE admin_user SET password_changed_at = '2999-01-01 00:00:00+00:00'").await.unwrap();
        assert!(sessions::authenticate(&t.db, &token, policy, now).await.unwrap().is_none());
    }
}
