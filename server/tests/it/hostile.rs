//! Hostile input over HTTP, on SQLite and PostgreSQL: what an attacker, a broken client or a
//! curious administrator sends. Every answer is a 4xx with a message (never a 500, a panic or a
//! hang), nothing is changed, and who may read what is decided by role.

use crate::common;

use app::model::admin::Role;
use app::model::csv::Limits;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::web::{app, body_text, cookie, cookie_as, post, ONE_AT_A_TIME};
use common::TestDb;
use server::services::import::tasks;
use server::services::{locations, virtual_extensions};
use std::time::Duration;
use tower::ServiceExt;

/// Every request here must be answered within this, whatever it carries.
const ANSWER_WITHIN: Duration = Duration::from_secs(20);

async fn send(t: &TestDb, request: Request<Body>) -> axum::response::Response {
    tokio::time::timeout(ANSWER_WITHIN, app(t, None).await.oneshot(request))
        .await
        .expect("an answer, not a hang")
        .unwrap()
}

async fn entries(t: &TestDb) -> u64 {
    virtual_extensions::list(&t.db, &Default::default()).await.unwrap().total
}

/// The full administrator behind `cookie()`, acting.
async fn root(t: &TestDb) -> app::model::admin::Actor {
    server::services::admins::find_by_email(&t.db, "root@example.com").await.unwrap().into_actor(None, None)
}

/// A queued one-row import task of the full administrator's.
async fn one_row_task(t: &TestDb) -> String {
    let file = b"Action,Level,Location,Display Name,Phone Number,Extension\r\nADD,Organization,,Ann,+12015550101,4001\r\n";
    tasks::submit(&t.db, &root(t).await, "team.csv", file.to_vec(), false, Limits::default())
        .await
        .unwrap()
        .task_id
}

async fn sessions(t: &TestDb) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    server::store::entities::session::Entity::find().count(&t.db).await.unwrap()
}

/// A full administrator's entry, a location administrator at Dallas and a read-only one.
struct World {
    full: String,
    viewer: String,
    local: String,
    entry: String,
}

async fn world(t: &TestDb) -> World {
    let full = cookie(t).await;
    let viewer = cookie_as(t, "viewer@example.com", Role::ReadOnly).await;
    let dallas = locations::create(
        &t.db,
        &common::full_admin(),
        &app::model::LocationInput { name: "Dallas".into(), ..Default::default() },
    )
    .await
    .unwrap();
    common::add_admin(&t.db, "dallas@example.com", Role::Location, &[dallas.name], "a long passphrase")
        .await
        .unwrap();
    let local = cookie_as(t, "dallas@example.com", Role::Location).await;
    let entry = virtual_extensions::create(
        &t.db,
        &common::full_admin(),
        &app::model::VirtualExtensionInput {
            level: "ORGANIZATION".into(),
            display_name: "Org".into(),
            extension: "4900".into(),
            phone_number: "+12015550190".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .entry
    .id;
    World { full, viewer, local, entry }
}

/// Signing in goes back only to a path on this site, whatever `next` says, and never fails
/// after the session is written (a 500 there left an orphan session).
async fn sign_in_goes_nowhere_else(t: &TestDb) {
    world(t).await;
    let home = app::paths::VIRTUAL_EXTENSIONS;
    for (next, expected) in [
        ("%2F%09%2Fevil.example", home),
        ("%2F%0D", "/"),
        ("%2F%0D%0ASet-Cookie%3A+x%3D1", "/Set-Cookie:%20x=1"),
        ("%2F%5Cevil.example", home),
        ("%2F.%2F%2Fevil.example", home),
        ("https%3A%2F%2Fevil.example", home),
        ("%2Ftasks%3Fpage%3D2", "/tasks?page=2"),
    ] {
        let before = sessions(t).await;
        let response = send(
            t,
            post(
                "/api/sign_in",
                None,
                &format!("email=root%40example.com&password=a+long+passphrase&next={next}"),
                &[],
            ),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK, "next={next}");
        assert_eq!(response.headers()[header::LOCATION], expected, "next={next}");
        assert!(response
            .headers()
            .get("set-cookie")
            .is_some_and(|c| c.to_str().unwrap().starts_with("vext_session=")));
        assert_eq!(sessions(t).await, before + 1, "one session per sign-in: next={next}");
    }
}

/// Nothing a signed-in administrator sees may be kept by a browser or proxy cache.
async fn personal_answers_are_not_stored(t: &TestDb) {
    let w = world(t).await;
    let page = Request::get(app::paths::VIRTUAL_EXTENSIONS)
        .header(header::COOKIE, w.full.as_str())
        .body(Body::empty())
        .unwrap();
    for response in [
        send(t, page).await,
        send(t, post("/api/list_virtual_extensions", Some(&w.full), "query[per_page]=25", &[])).await,
        send(t, post("/api/current_admin", Some(&w.full), "", &[])).await,
        send(t, post("/api/list_admins", Some(&w.local), "", &[])).await,
        send(t, post("/api/list_admins", None, "", &[])).await,
        send(t, Request::get("/sign-in").body(Body::empty()).unwrap()).await,
    ] {
        let status = response.status();
        assert_eq!(
            response.headers().get(header::CACHE_CONTROL).map(|v| v.to_str().unwrap()),
            Some("no-store"),
            "{status}"
        );
    }
    // The site's own files stay cacheable.
    let file = send(t, Request::get("/favicon.svg").body(Body::empty()).unwrap()).await;
    assert_ne!(file.headers().get(header::CACHE_CONTROL).map(|v| v.to_str().unwrap()), Some("no-store"));
}

/// Every read server function, by role: no session 401; location administrators are kept out
/// of the administrators and the audit log (an entry's history is part of it); read-only ones
/// read everything.
async fn reads_are_authorized_by_role(t: &TestDb) {
    let w = world(t).await;
    let task = one_row_task(t).await;
    let reads: Vec<(&str, String, bool)> = vec![
        ("/api/list_virtual_extensions", "query[per_page]=25".into(), true),
        ("/api/get_virtual_extension", format!("id={}", w.entry), true),
        ("/api/check_virtual_extension", "input[level]=ORGANIZATION&input[display_name]=A&input[extension]=4001&input[phone_number]=%2B12015550123".into(), true),
        ("/api/list_locations", String::new(), true),
        ("/api/list_location_rows", String::new(), true),
        ("/api/get_virtual_extension_mode", String::new(), true),
        ("/api/current_admin", String::new(), true),
        ("/api/list_tasks", String::new(), true),
        ("/api/virtual_extension_history", format!("id={}", w.entry), false),
        ("/api/list_admins", String::new(), false),
        ("/api/list_audit", "query[page]=0".into(), false),
        ("/api/list_audit_actors", String::new(), false),
    ];
    for (path, body, location_may) in &reads {
        let status = |cookie: Option<&str>| {
            let request = post(path, cookie, body, &[]);
            async move { send(t, request).await.status() }
        };
        assert_eq!(status(None).await, StatusCode::UNAUTHORIZED, "no session: {path}");
        assert_eq!(status(Some(&w.viewer)).await, StatusCode::OK, "read-only: {path}");
        assert_eq!(status(Some(&w.full)).await, StatusCode::OK, "full: {path}");
        let expected = if *location_may { StatusCode::OK } else { StatusCode::FORBIDDEN };
        assert_eq!(status(Some(&w.local)).await, expected, "location administrator: {path}");
        let cross = send(t, post(path, Some(&w.full), body, &[("sec-fetch-site", "cross-site")])).await;
        assert_eq!(cross.status(), StatusCode::FORBIDDEN, "cross-site: {path}");
    }
    // A task's page is the full administrator's (who submitted it), not the location one's.
    let own = send(t, post("/api/get_task", Some(&w.full), &format!("id={task}&page=0"), &[])).await;
    assert_eq!(own.status(), StatusCode::OK);
    let theirs = send(t, post("/api/get_task", Some(&w.local), &format!("id={task}&page=0"), &[])).await;
    assert!(theirs.status().is_client_error(), "{}", theirs.status());
}

/// Page numbers of any size are bounded at the edge: an answer, never a 500 or a hang.
async fn page_numbers_are_bounded(t: &TestDb) {
    let w = world(t).await;
    let task = one_row_task(t).await;
    for page in ["92233720368547759", "18446744073709551615", "4294967296", "1000001"] {
        let response =
            send(t, post("/api/get_task", Some(&w.full), &format!("id={task}&page={page}"), &[])).await;
        assert_eq!(response.status(), StatusCode::OK, "page={page}");
        let detail: serde_json::Value = serde_json::from_str(&body_text(response).await).unwrap();
        assert_eq!(detail["page"], 1_000_000, "page={page}");
        let audit =
            send(t, post("/api/list_audit", Some(&w.full), &format!("query[page]={page}"), &[])).await;
        assert_eq!(audit.status(), StatusCode::OK, "audit page={page}");
    }
    // Beyond u64: refused as malformed, not a server error.
    let huge = send(
        t,
        post("/api/get_task", Some(&w.full), &format!("id={task}&page=99999999999999999999999"), &[]),
    )
    .await;
    assert_eq!(huge.status(), StatusCode::BAD_REQUEST);
    // The pages themselves, with the same numbers in their address.
    for path in [
        format!("{}?page=18446744073709551615", app::paths::task(&task)),
        format!("{}?page=18446744073709551615", app::paths::AUDIT_LOG),
        format!("{}?page=18446744073709551615", app::paths::VIRTUAL_EXTENSIONS),
    ] {
        let request =
            Request::get(path.as_str()).header(header::COOKIE, w.full.as_str()).body(Body::empty()).unwrap();
        let response = send(t, request).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        tokio::time::timeout(ANSWER_WITHIN, body_text(response)).await.expect("the whole page, not a hang");
    }
}

/// Bodies that are not what the function takes: a 4xx with a message, and nothing changed.
async fn malformed_bodies_are_refused(t: &TestDb) {
    let w = world(t).await;
    let before = entries(t).await;
    let ids: String = (0..10_000).map(|i| format!("ids[{i}]=x{i}&")).collect();
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("/api/create_virtual_extension", b"input[level]=ORGANIZATION&input[display_name]=\xff\xfe&input[extension]=4001".to_vec()),
        ("/api/create_virtual_extension", b"input=7".to_vec()),
        ("/api/create_virtual_extension", b"input[level][x]=1&input[display_name]=A&input[extension]=4001&input[phone_number]=%2B12015550123".to_vec()),
        ("/api/create_virtual_extension", b"input[level]=ORGANIZATION&input[display_name]=A%00B&input[extension]=4001&input[phone_number]=%2B12015550123".to_vec()),
        ("/api/create_virtual_extension", b"input[level]=ORGANIZATION&input[display_name]=A&input[extension]=40%0001&input[phone_number]=%2B12015550123&input[unknown]=1".to_vec()),
        ("/api/update_virtual_extension", format!("id={}&version=abc&input[level]=ORGANIZATION", w.entry).into_bytes()),
        ("/api/update_virtual_extension", format!("id={}&version=99999999999999999999", w.entry).into_bytes()),
        ("/api/delete_virtual_extensions", ids.into_bytes()),
        ("/api/get_task", b"id=%00&page=-1".to_vec()),
        ("/api/set_virtual_extension_mode", b"mode=NOPE".to_vec()),
        ("/api/list_virtual_extensions", b"query[per_page]=1000000000&query[page]=-5".to_vec()),
        ("/api/sign_in", b"\xc3\x28email=a".to_vec()),
        ("/api/create_location", b"input[name]=%00%00%00".to_vec()),
        ("/api/list_audit", b"query[from]=2026-13-45".to_vec()),
    ];
    for (path, body) in bodies {
        let shown = String::from_utf8_lossy(&body).chars().take(80).collect::<String>();
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header(header::COOKIE, w.full.as_str())
            .body(Body::from(body))
            .unwrap();
        let response = send(t, request).await;
        let status = response.status();
        let text = body_text(response).await;
        assert!(status.is_client_error(), "{path} {shown:?}: {status} {text}");
        assert!(!text.trim().is_empty(), "{path} {shown:?}: a message");
    }
    // Invalid UTF-8 is the client's malformed request, not a network failure.
    let request = Request::post("/api/create_virtual_extension")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, w.full.as_str())
        .body(Body::from(vec![0xff, 0xfe, 0xfd, b'=', 0x80]))
        .unwrap();
    let response = send(t, request).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = serde_json::from_str(&body_text(response).await).unwrap();
    assert_eq!(body["kind"], "bad_request");
    // A 1 MB string is over the body limit; so is a 10 MiB CSV of one cell.
    let long = format!("input[level]=ORGANIZATION&input[display_name]={}", "a".repeat(1024 * 1024));
    let length = long.len().to_string();
    let response =
        send(t, post("/api/create_virtual_extension", Some(&w.full), &long, &[("content-length", &length)]))
            .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "as a browser sends it");
    let response = send(t, post("/api/create_virtual_extension", Some(&w.full), &long, &[])).await;
    assert!(response.status().is_client_error(), "streamed without a length: {}", response.status());
    let boundary = "vextboundary";
    let mut cell = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    cell.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    cell.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    for path in ["/api/imports/validate", "/api/imports"] {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .header(header::COOKIE, w.full.as_str())
            .body(Body::from(cell.clone()))
            .unwrap();
        let response = send(t, request).await;
        assert!(response.status().is_client_error(), "{path}: {}", response.status());
        // A multipart upload without its boundary.
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "multipart/form-data")
            .header(header::COOKIE, w.full.as_str())
            .body(Body::from("--x\r\n\r\nnothing"))
            .unwrap();
        let response = send(t, request).await;
        assert!(response.status().is_client_error(), "{path} without boundary: {}", response.status());
    }
    assert_eq!(entries(t).await, before, "nothing changed");
}

/// One administrator cannot queue imports without end.
async fn queued_imports_are_capped_per_administrator(t: &TestDb) {
    let admin =
        common::add_admin(&t.db, "importer@example.com", Role::Full, &[], "a long passphrase").await.unwrap();
    let actor = admin.into_actor(Some("192.0.2.9".into()), None);
    let file = |n: usize| {
        format!("Action,Level,Location,Display Name,Phone Number,Extension\r\nADD,Organization,,Ann {n},+1201555{n:04},4{n:03}\r\n")
            .into_bytes()
    };
    for n in 0..tasks::ACTIVE_TASKS_PER_ADMIN as usize {
        tasks::submit(&t.db, &actor, "f.csv", file(n), false, Limits::default()).await.unwrap();
    }
    let refused = tasks::submit(&t.db, &actor, "f.csv", file(99), false, Limits::default()).await;
    match refused {
        Err(server::services::import::CheckError::Service(error)) => assert!(
            matches!(app::error::AppError::from(error), app::error::AppError::TooManyRequests { .. }),
            "429"
        ),
        other => panic!("expected too many requests, got {other:?}"),
    }
    // Someone else still may.
    cookie(t).await;
    tasks::submit(&t.db, &root(t).await, "f.csv", file(98), false, Limits::default()).await.unwrap();
}

/// The file a location administrator validates over and over: `rows` new entries at Dallas.
fn dallas_file(rows: usize) -> Vec<u8> {
    let mut file = String::from("Action,Level,Location,Display Name,Phone Number,Extension\r\n");
    for i in 0..rows {
        file.push_str(&format!("ADD,Location,Dallas,Desk {i},+1201{:07},{}\r\n", 3_000_000 + i, 100_000 + i));
    }
    file.into_bytes()
}

fn upload(path: &str, cookie: &str, file: &[u8]) -> Request<Body> {
    let boundary = "vextboundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"dallas.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    Request::post(path)
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .header(header::COOKIE, cookie)
        .header(header::ACCEPT, "application/json")
        .body(Body::from(body))
        .unwrap()
}

/// Validate reads a snapshot and locks nothing: while a location administrator's 100,000-row
/// Validate runs (and two more of theirs are turned away), other administrators sign in and
/// save edits at once, on both databases.
async fn validating_never_stalls_anyone_else(t: &TestDb) {
    /// What a sign-in or an edit may take while the Validate runs. Waiting for a lock would take
    /// the lock wait (5 s, then 503: what this test saw before Validate read a snapshot); an
    /// answer that waits for nothing takes milliseconds in release builds, but up to about 1.2 s
    /// in this debug build on 2 busy cores. Half the lock wait tells the two apart without
    /// timing the machine.
    const PROMPT: Duration = Duration::from_millis(2_500);
    let w = world(t).await;
    let router = app(t, None).await;
    let file = std::sync::Arc::new(dallas_file(100_000));
    let validates: Vec<_> = (0..3)
        .map(|_| {
            let (router, local, file) = (router.clone(), w.local.clone(), file.clone());
            tokio::spawn(async move {
                let response = router.oneshot(upload("/api/imports/validate", &local, &file)).await.unwrap();
                let retry = response.headers().get(header::RETRY_AFTER).cloned();
                (response.status(), retry, body_text(response).await)
            })
        })
        .collect();
    // The first Validate to arrive runs; the other two are answered at once.
    let deadline = std::time::Instant::now() + ANSWER_WITHIN;
    while validates.iter().filter(|v| v.is_finished()).count() < 2 {
        assert!(std::time::Instant::now() < deadline, "two of the three Validates are answered at once");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (done, mut running): (Vec<_>, Vec<_>) = validates.into_iter().partition(|v| v.is_finished());
    for refused in done {
        let (status, retry, body) = refused.await.unwrap();
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert!(retry.is_some(), "429 says when to retry");
        assert!(body.contains("VALIDATE_IN_PROGRESS"), "{body}");
    }
    let validate = running.pop().expect("one Validate runs");
    let mut rounds = 0;
    while !validate.is_finished() {
        // Sign-ins are limited per address (20 a minute): a few are enough.
        if rounds < 5 {
            let started = std::time::Instant::now();
            let request = post(
                "/api/sign_in",
                None,
                "email=viewer%40example.com&password=a+long+passphrase&next=%2F",
                &[],
            );
            let response = router.clone().oneshot(request).await.unwrap();
            let took = started.elapsed();
            assert_eq!(response.status(), StatusCode::OK, "sign-in: {}", body_text(response).await);
            assert!(took <= PROMPT, "a sign-in during a Validate took {took:?}");
        }
        let started = std::time::Instant::now();
        let body = format!(
            "input[level]=ORGANIZATION&input[display_name]=Edit+{rounds}&input[extension]={}&input[phone_number]=%2B1201555{:04}",
            5_000 + rounds,
            2_000 + rounds
        );
        let response = router
            .clone()
            .oneshot(post("/api/create_virtual_extension", Some(&w.full), &body, &[]))
            .await
            .unwrap();
        let took = started.elapsed();
        assert_eq!(response.status(), StatusCode::OK, "edit: {}", body_text(response).await);
        assert!(took <= PROMPT, "an edit during a Validate took {took:?}");
        rounds += 1;
    }
    let (status, _, body) = validate.await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    let report: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["add"], 100_000, "{}", &body[..body.len().min(500)]);
    assert!(rounds >= 2, "the sign-ins and edits ran while the Validate did ({rounds} rounds)");
}

macro_rules! hostile {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let _turn = ONE_AT_A_TIME.lock().await;
                super::$name(&TestDb::sqlite().await).await;
                if let Some(pg) = TestDb::postgres().await {
                    super::$name(&pg).await;
                }
            }
        )*
    };
}

mod on_both_databases {
    use super::*;
    hostile!(
        sign_in_goes_nowhere_else,
        personal_answers_are_not_stored,
        reads_are_authorized_by_role,
        page_numbers_are_bounded,
        malformed_bodies_are_refused,
        queued_imports_are_capped_per_administrator,
        validating_never_stalls_anyone_else,
    );
}
