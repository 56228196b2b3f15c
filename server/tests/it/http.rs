//! The HTTP front as a browser meets it: headers, cross-site refusal, body limits, statuses.

use crate::common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::web::{app, body_text, cookie, cookie_as, create_form, post, ONE_AT_A_TIME};
use common::TestDb;
use leptos::prelude::LeptosOptions;
use server::config::ServeArgs;
use tower::ServiceExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_carry_a_csp_whose_nonce_matches_their_scripts() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let t = TestDb::sqlite().await;
    let cookie = cookie(&t).await;
    let response = app(&t, None)
        .await
        .oneshot(
            Request::get("/services/call/features/virtual-extension")
                .header(header::COOKIE, cookie.as_str())
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    let csp = headers.get(header::CONTENT_SECURITY_POLICY).expect("a CSP").to_str().unwrap().to_string();
    for part in ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "'wasm-unsafe-eval'"] {
        assert!(csp.contains(part), "{csp}");
    }
    let nonce =
        csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce").to_string();
    let html = body_text(response).await;
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "the page's scripts carry the CSP nonce");
    assert_eq!(headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
    assert!(headers.get(header::REFERRER_POLICY).is_some());
    assert!(headers.get(header::STRICT_TRANSPORT_SECURITY).is_none(), "no HSTS over plain HTTP");

    // A second page gets a different nonce.
    let again = app(&t, None)
        .await
        .oneshot(
            Request::get("/services/call/features/virtual-extension")
                .header(header::COOKIE, cookie.as_str())
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_ne!(again.headers().get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap(), csp);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_state_changes_are_refused_and_nothing_is_written() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let t = TestDb::sqlite().await;
    let cookie = cookie(&t).await;
    for headers in [
        vec![("sec-fetch-site", "cross-site")],
        vec![("sec-fetch-site", "same-site")],
        vec![("origin", "http://evil.example")],
    ] {
        let response = app(&t, None).await.oneshot(create_form(&cookie, &headers)).await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{headers:?}");
    }
    let page = server::services::virtual_extensions::list(&t.db, &Default::default()).await.unwrap();
    assert_eq!(page.total, 0);

    let response = app(&t, None)
        .await
        .oneshot(create_form(
            &cookie,
            &[("sec-fetch-site", "same-origin"), ("origin", "http://vext.local:3000")],
        ))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{}", body_text(response).await);
    let page = server::services::virtual_extensions::list(&t.db, &Default::default()).await.unwrap();
    assert_eq!(page.total, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_proxy_the_public_origin_decides_and_hsts_is_on() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let t = TestDb::sqlite().await;
    // Behind HTTPS the cookie is __Host-vext_session.
    let cookie = cookie(&t).await.replace("vext_session=", "__Host-vext_session=");
    let proxied = || app(&t, Some("https://vext.example.com"));
    let refused =
        proxied().await.oneshot(create_form(&cookie, &[("origin", "http://vext.local:3000")])).await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let allowed = proxied()
        .await
        .oneshot(create_form(&cookie, &[("origin", "https://vext.example.com")]))
        .await
        .unwrap();
    assert_eq!(allowed.status(), StatusCode::OK);
    assert!(allowed.headers().get(header::STRICT_TRANSPORT_SECURITY).is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_have_their_own_statuses_never_500() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let t = TestDb::sqlite().await;
    let cookie = cookie(&t).await;
    let bad = Request::post("/api/create_virtual_extension")
        .header(header::COOKIE, &cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(
            "input[level]=ORGANIZATION&input[display_name]=&input[extension]=1&input[phone_number]=nope",
        ))
        .unwrap();
    let response = app(&t, None).await.oneshot(bad).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = serde_json::from_str(&body_text(response).await).unwrap();
    assert_eq!(body["kind"], "validation");
    let codes: Vec<&str> =
        body["fields"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["DISPLAY_NAME_REQUIRED", "EXTENSION_TOO_SHORT", "PHONE_NUMBER_NOT_E164"]);

    let garbage = Request::post("/api/create_virtual_extension")
        .header(header::COOKIE, &cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("%%%not=a&form[[["))
        .unwrap();
    let response = app(&t, None).await.oneshot(garbage).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let huge = Request::post("/api/create_virtual_extension")
        .header(header::COOKIE, &cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, 100 * 1024)
        .body(Body::from(vec![b'a'; 100 * 1024]))
        .unwrap();
    let response = app(&t, None).await.oneshot(huge).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let missing = app(&t, None)
        .await
        .oneshot(
            Request::get("/no/such/page")
                .header(header::COOKIE, cookie.as_str())
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_page_renders_all_complete() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let t = TestDb::sqlite().await;
    let cookie = cookie(&t).await;
    let router = app(&t, None).await;
    let requests = (0..32).map(|_| {
        let router = router.clone();
        let cookie = cookie.clone();
        tokio::spawn(async move {
            let request = Request::get("/services/call/features/virtual-extension")
                .header(header::COOKIE, cookie.as_str())
                .body(Body::empty())
                .unwrap();
            router.oneshot(request).await.unwrap().status()
        })
    });
    let statuses = tokio::time::timeout(std::time::Duration::from_secs(20), futures_join_all(requests))
        .await
        .expect("no render hangs");
    assert!(statuses.iter().all(|s| *s == StatusCode::OK));
}

async fn futures_join_all<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_answers_without_a_session() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let t = TestDb::sqlite().await;
    let page = app(&t, None)
        .await
        .oneshot(
            Request::get("/services/call/features/virtual-extension/new?x=1").body(Body::empty()).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        page.headers()[header::LOCATION],
        "/sign-in?next=/services/call/features/virtual-extension/new%3Fx%3D1"
    );
    for path in [
        "/api/list_virtual_extensions",
        "/api/create_virtual_extension",
        "/api/check_virtual_extension",
        "/api/list_locations",
        "/api/list_location_rows",
        "/api/get_virtual_extension",
        "/api/sign_out",
    ] {
        let response = app(&t, None)
            .await
            .oneshot(
                Request::post(path)
                    .header(header::COOKIE, "vext_session=forged")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    let sign_in_page =
        app(&t, None).await.oneshot(Request::get("/sign-in").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(sign_in_page.status(), StatusCode::OK);
    assert!(body_text(sign_in_page).await.contains("Sign in to vext"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_sets_a_strict_cookie_with_a_new_id_each_time() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let t = TestDb::sqlite().await;
    cookie(&t).await;
    let sign_in = |password: &str| {
        Request::post("/api/sign_in")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body(Body::from(format!("email=root%40example.com&password={password}&next=%2F%2Fevil.example")))
            .unwrap()
    };
    let wrong = app(&t, None).await.oneshot(sign_in("nope")).await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get(header::SET_COOKIE).is_none());
    let mut ids = Vec::new();
    for _ in 0..2 {
        let ok = app(&t, None).await.oneshot(sign_in("a+long+passphrase")).await.unwrap();
        assert_eq!(ok.status(), StatusCode::OK, "{}", body_text(ok).await);
        let set = ok.headers()[header::SET_COOKIE].to_str().unwrap().to_string();
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
        assert_eq!(
            ok.headers()[header::LOCATION],
            "/services/call/features/virtual-extension",
            "never off-site"
        );
        ids.push(set.split(';').next().unwrap().to_string());
    }
    assert_ne!(ids[0], ids[1], "a new session id at every sign-in");
    // A disabled administrator's open session stops working.
    t.exec("UPDATE admin_user SET disabled = true").await.unwrap();
    let page = app(&t, None)
        .await
        .oneshot(
            Request::get("/services/call/features/virtual-extension")
                .header(header::COOKIE, &ids[1])
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_administrator_is_refused_changes() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let t = TestDb::sqlite().await;
    let viewer = cookie_as(&t, "viewer@example.com", app::model::admin::Role::ReadOnly).await;
    let response = app(&t, None).await.oneshot(create_form(&viewer, &[])).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let page = server::services::virtual_extensions::list(&t.db, &Default::default()).await.unwrap();
    assert_eq!(page.total, 0);
}

/// Every state-changing server function against every kind of caller that must be refused.
async fn authorization_matrix(t: &TestDb) {
    use app::model::admin::Role;
    use server::services::{admins, locations};
    let full = cookie(t).await;
    let viewer = cookie_as(t, "viewer@example.com", Role::ReadOnly).await;
    let dallas = locations::create(
        &t.db,
        &common::full_admin(),
        &app::model::LocationInput { name: "Dallas".into(), ..Default::default() },
    )
    .await
    .unwrap();
    let austin = locations::create(
        &t.db,
        &common::full_admin(),
        &app::model::LocationInput { name: "Austin".into(), ..Default::default() },
    )
    .await
    .unwrap();
    common::add_admin(
        &t.db,
        "dallas@example.com",
        Role::Location,
        std::slice::from_ref(&dallas.name),
        "a long passphrase",
    )
    .await
    .unwrap();
    let local = cookie_as(t, "dallas@example.com", Role::Location).await;
    // Someone else: everyone may end their own sessions and set their own password.
    let target = common::add_admin(&t.db, "target@example.com", Role::ReadOnly, &[], "a long passphrase")
        .await
        .unwrap()
        .id;
    // An organization-level entry and a spare location for the edits and deletes below.
    let org_entry = server::services::virtual_extensions::create(
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
    let spare = locations::create(
        &t.db,
        &common::full_admin(),
        &app::model::LocationInput { name: "Spare".into(), ..Default::default() },
    )
    .await
    .unwrap()
    .id;
    let changes: Vec<(&str, String)> = vec![
        (
            "/api/update_virtual_extension",
            format!("id={org_entry}&version=1&input[level]=ORGANIZATION&input[display_name]=Org+2&input[extension]=4900&input[phone_number]=%2B12015550190"),
        ),
        ("/api/delete_virtual_extensions", format!("ids[0]={org_entry}")),
        ("/api/create_location", "input[name]=Houston&input[routing_prefix]=84".into()),
        ("/api/update_location", format!("id={}&input[name]=Austin+2", austin.id)),
        ("/api/delete_location", format!("id={spare}")),
        (
            "/api/create_virtual_extension",
            "input[level]=ORGANIZATION&input[display_name]=Ann&input[extension]=4001&input[phone_number]=%2B12015550123".into(),
        ),
        ("/api/set_virtual_extension_mode", "mode=ENHANCED".into()),
        (
            "/api/create_admin",
            "input[email]=eve%40example.com&input[role]=full&input[password]=a+long+passphrase".into(),
        ),
        ("/api/update_admin", format!("id={target}&change[role]=FULL")),
        ("/api/set_admin_disabled", format!("id={target}&disabled=true")),
        ("/api/reset_admin_password", format!("id={target}&password=another+long+passphrase")),
        ("/api/end_admin_sessions", format!("id={target}")),
    ];
    let status =
        |request: Request<Body>| async { app(t, None).await.oneshot(request).await.unwrap().status() };
    for (path, body) in &changes {
        assert_eq!(status(post(path, None, body, &[])).await, StatusCode::UNAUTHORIZED, "no session: {path}");
        assert_eq!(
            status(post(path, Some(&viewer), body, &[])).await,
            StatusCode::FORBIDDEN,
            "read-only: {path}"
        );
        assert_eq!(
            status(post(path, Some(&local), body, &[])).await,
            StatusCode::FORBIDDEN,
            "location admin: {path}"
        );
        assert_eq!(
            status(post(path, Some(&full), body, &[("sec-fetch-site", "cross-site")])).await,
            StatusCode::FORBIDDEN,
            "cross-site: {path}"
        );
    }
    // A location administrator reaches their own location, not another's.
    let at = |location: &str, extension: &str| {
        format!(
            "input[level]=LOCATION&input[location]={location}&input[display_name]=Local&input[extension]={extension}&input[phone_number]=%2B1201555{extension}"
        )
    };
    assert_eq!(
        status(post("/api/create_virtual_extension", Some(&local), &at(&austin.id, "0124"), &[])).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status(post("/api/create_virtual_extension", Some(&local), &at(&dallas.id, "0125"), &[])).await,
        StatusCode::OK
    );
    // Nothing refused above changed anything: one entry (the allowed one), the mode, the admins.
    let page = server::services::virtual_extensions::list(&t.db, &Default::default()).await.unwrap();
    assert_eq!(
        page.items.iter().map(|e| (e.display_name.as_str(), e.extension.as_str())).collect::<Vec<_>>(),
        [("Local", "0125"), ("Org", "4900")]
    );
    assert_eq!(locations::list(&t.db).await.unwrap().len(), 3, "no location added, renamed or deleted");
    assert!(locations::find_by_name(&t.db, "Austin").await.unwrap().is_some());
    assert_eq!(
        server::services::settings::virtual_extension_mode(&t.db).await.unwrap(),
        app::model::VirtualExtensionMode::Standard
    );
    let all = admins::list(&t.db).await.unwrap();
    assert_eq!(all.len(), 4);
    assert!(all.iter().all(|a| !a.disabled && a.email != "eve@example.com"));
    assert_eq!(all.iter().find(|a| a.id == target).unwrap().role, Role::ReadOnly);
    // The full administrator is let through every one of them.
    for (path, body) in &changes {
        let response = app(t, None).await.oneshot(post(path, Some(&full), body, &[])).await.unwrap();
        let code = response.status();
        assert!(
            code.is_success() || code.is_redirection(),
            "full: {path}: {code} {}",
            body_text(response).await
        );
    }
    let all = admins::list(&t.db).await.unwrap();
    assert!(all.iter().any(|a| a.email == "eve@example.com"));
    let names: Vec<String> = locations::list(&t.db).await.unwrap().into_iter().map(|l| l.name).collect();
    assert_eq!(names, ["Austin 2", "Dallas", "Houston"]);
    assert!(server::services::virtual_extensions::get(&t.db, &org_entry).await.is_err(), "deleted");
    assert!(all.iter().find(|a| a.id == target).unwrap().disabled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_is_refused_without_a_session_for_the_wrong_role_and_cross_site() {
    let _turn = ONE_AT_A_TIME.lock().await;
    authorization_matrix(&TestDb::sqlite().await).await;
    if let Some(pg) = TestDb::postgres().await {
        authorization_matrix(&pg).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_attempts_are_limited_per_client_address() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let t = TestDb::sqlite().await;
    let args = ServeArgs { sign_in_limit: 3, trust_forwarded_for: true, ..ServeArgs::default() };
    let options = LeptosOptions::builder().output_name("vext").build();
    let router = server::http::router(options, t.db.clone(), &args, Default::default());
    let attempt = |ip: &str| {
        post(
            "/api/sign_in",
            None,
            "email=nobody%40example.com&password=wrong+passphrase&next=%2F",
            &[("x-forwarded-for", ip)],
        )
    };
    for _ in 0..3 {
        let response = router.clone().oneshot(attempt("203.0.113.1, 198.51.100.20")).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let limited = router.clone().oneshot(attempt("198.51.100.20")).await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS, "the right-most address is the one counted");
    let wait: u64 = limited.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait));
    let body: serde_json::Value = serde_json::from_str(&body_text(limited).await).unwrap();
    assert_eq!(body["kind"], "too_many_requests");
    let other = router.clone().oneshot(attempt("198.51.100.21")).await.unwrap();
    assert_eq!(other.status(), StatusCode::UNAUTHORIZED, "another address has its own count");
    // A form post without JavaScript gets the sign-in page back, which says how long to wait
    // (it used to be the JSON above, shown as the page).
    let plain = post(
        "/api/sign_in",
        None,
        "email=nobody%40example.com&password=wrong+passphrase&next=%2F",
        &[("x-forwarded-for", "198.51.100.20"), ("referer", "http://vext.local:3000/sign-in")],
    );
    let mut plain = plain;
    plain.headers_mut().insert(header::ACCEPT, header::HeaderValue::from_static("text/html,*/*;q=0.8"));
    let page = router.clone().oneshot(plain).await.unwrap();
    assert!(page.status().is_redirection(), "{}", page.status());
    let location = page.headers()[header::LOCATION].to_str().unwrap().to_string();
    assert!(location.starts_with("http://vext.local:3000/sign-in"), "{location}");
    let shown = router
        .clone()
        .oneshot(
            Request::get(location.trim_start_matches("http://vext.local:3000")).body(Body::empty()).unwrap(),
        )
        .await
        .unwrap();
    let html = body_text(shown).await;
    assert!(html.contains("Too many attempts from your address. Wait "), "the sign-in page says to wait");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_exports_as_inert_csv_for_those_who_may_read_it() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let t = TestDb::sqlite().await;
    let full = cookie(&t).await;
    let viewer = cookie_as(&t, "viewer@example.com", app::model::admin::Role::ReadOnly).await;
    let created = app(&t, None)
        .await
        .oneshot(post(
            "/api/create_virtual_extension",
            Some(&full),
            "input[level]=ORGANIZATION&input[display_name]=%3DHYPERLINK(1)&input[extension]=4001&input[phone_number]=%2B12015550123",
            &[],
        ))
        .await
        .unwrap();
    assert!(created.status().is_success() || created.status().is_redirection());
    let get = |cookie: Option<&str>, query: &str| {
        let mut request = Request::get(format!("/api/audit.csv{query}"));
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.body(Body::empty()).unwrap()
    };
    // Compressed, as browsers ask for it (the compression layer polls the stream once more at
    // its end: a bare `unfold` would panic there).
    let compressed = app(&t, None)
        .await
        .oneshot({
            let mut request = get(Some(&viewer), "");
            request.headers_mut().insert(header::ACCEPT_ENCODING, "gzip, br".parse().unwrap());
            request
        })
        .await
        .unwrap();
    assert_eq!(compressed.status(), StatusCode::OK);
    assert!(compressed.headers().get(header::CONTENT_ENCODING).is_some());
    let bytes = axum::body::to_bytes(compressed.into_body(), usize::MAX).await.expect("the whole download");
    assert!(!bytes.is_empty());
    let response = app(&t, None).await.oneshot(get(Some(&viewer), "?what=virtual_extension")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/csv"));
    assert!(response.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().contains("attachment"));
    let csv = body_text(response).await;
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert!(lines[0].starts_with("Time (UTC),Administrator,Source,Action"), "{}", lines[0]);
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[1].contains("Virtual extension created") && lines[1].contains("'=HYPERLINK(1) (4001)"),
        "{}",
        lines[1]
    );
    assert_eq!(app(&t, None).await.oneshot(get(None, "")).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app(&t, None).await.oneshot(get(Some(&full), "?from=yesterday")).await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    use server::services::admins;
    let dallas = server::services::locations::create(
        &t.db,
        &common::full_admin(),
        &app::model::LocationInput { name: "Dallas".into(), ..Default::default() },
    )
    .await
    .unwrap();
    common::add_admin(
        &t.db,
        "dallas@example.com",
        app::model::admin::Role::Location,
        &[dallas.name],
        "a long passphrase",
    )
    .await
    .unwrap();
    assert!(admins::find_by_email(&t.db, "DALLAS@example.com").await.is_ok());
    let location_admin = cookie_as(&t, "dallas@example.com", app::model::admin::Role::Location).await;
    assert_eq!(
        app(&t, None).await.oneshot(get(Some(&location_admin), "")).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_virtual_extensions_export_as_the_list_filters_them_in_the_template_format() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let t = TestDb::sqlite().await;
    let full = cookie(&t).await;
    let viewer = cookie_as(&t, "viewer@example.com", app::model::admin::Role::ReadOnly).await;
    for (name, extension, number) in [
        ("%3DAnn+Lee", "4001", "%2B12015550101"),
        ("Bob", "4002", "%2B12015550102"),
        ("Annika", "4003", "%2B12015550103"),
    ] {
        let body = format!(
            "input[level]=ORGANIZATION&input[display_name]={name}&input[extension]={extension}&input[phone_number]={number}"
        );
        let created = app(&t, None)
            .await
            .oneshot(post("/api/create_virtual_extension", Some(&full), &body, &[]))
            .await
            .unwrap();
        assert!(created.status().is_success() || created.status().is_redirection(), "{}", created.status());
    }
    let get = |cookie: Option<&str>, query: &str| {
        let mut request = Request::get(format!("/api/virtual_extensions.csv{query}"));
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.body(Body::empty()).unwrap()
    };
    assert_eq!(app(&t, None).await.oneshot(get(None, "")).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    // Read-only administrators export too; the search filters the file (sort and page do not).
    let response =
        app(&t, None).await.oneshot(get(Some(&viewer), "?q=ann&page=2&sort=extension")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains("virtual-extensions-"));
    let csv = body_text(response).await;
    assert!(csv.starts_with('\u{feff}'));
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines,
        [
            "Action,Level,Location,First Name,Last Name,Display Name,Phone Number,Extension",
            "UPDATE,Organization,,,,'=Ann Lee,+12015550101,4001",
            "UPDATE,Organization,,,,Annika,+12015550103,4003",
        ]
    );
    // The whole list, and it imports back unchanged.
    let all = body_text(app(&t, None).await.oneshot(get(Some(&full), "")).await.unwrap()).await;
    assert_eq!(all.lines().count(), 4, "{all}");
    let report =
        server::services::import::check(&t.db, &common::full_admin(), all.as_bytes(), Default::default())
            .await
            .unwrap();
    assert_eq!((report.summary.unchanged, report.summary.failed), (3, 0), "{:?}", report.problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn management_pages_render_for_a_full_administrator() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let t = TestDb::sqlite().await;
    let full = cookie(&t).await;
    for (path, expected) in
        [("/management/administrators", "root@example.com"), ("/management/audit-log", "Administrator added")]
    {
        let response = app(&t, None)
            .await
            .oneshot(Request::get(path).header(header::COOKIE, full.as_str()).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let html = body_text(response).await;
        assert!(html.contains(expected), "{path} shows {expected:?}");
    }
}

fn header_text(response: &axum::response::Response, name: &str) -> String {
    response.headers().get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_names_its_request_id_and_a_500_gives_it() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let t = TestDb::sqlite().await;
    let cookie = cookie(&t).await;
    let get = |id: Option<&str>| {
        let mut request = Request::get("/healthz");
        if let Some(id) = id {
            request = request.header("x-request-id", id);
        }
        request.body(Body::empty()).unwrap()
    };
    let fresh = app(&t, None).await.oneshot(get(None)).await.unwrap();
    let first = header_text(&fresh, "x-request-id");
    assert_eq!(first.len(), 36, "a new id (a UUID): {first:?}");
    let next = app(&t, None).await.oneshot(get(None)).await.unwrap();
    assert_ne!(header_text(&next, "x-request-id"), first, "one id per request");
    // A proxy's plain id is kept (its logs and vext's join up); anything else is replaced.
    let kept = app(&t, None).await.oneshot(get(Some("lb-7f3a.42"))).await.unwrap();
    assert_eq!(header_text(&kept, "x-request-id"), "lb-7f3a.42");
    let odd = app(&t, None).await.oneshot(get(Some("two words\"<script>"))).await.unwrap();
    assert_eq!(header_text(&odd, "x-request-id").len(), 36);

    // A failure inside a server function: a 500 whose answer gives the request id.
    t.exec("ALTER TABLE location RENAME TO location_gone").await.unwrap();
    let request = Request::post("/api/list_location_rows")
        .header(header::COOKIE, cookie.as_str())
        .header(header::HOST, "vext.local:3000")
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(Body::empty())
        .unwrap();
    let failed = app(&t, None).await.oneshot(request).await.unwrap();
    assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let id = header_text(&failed, "x-request-id");
    let body = body_text(failed).await;
    assert!(!id.is_empty() && body.contains(&id), "the 500 answer names request {id}: {body}");
    assert!(!body.contains("location"), "nothing of the internals: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_off_by_default_and_on_for_a_token_or_this_machine() {
    use server::config::MetricsAccess;
    let _turn = ONE_AT_A_TIME.lock().await;
    let t = TestDb::sqlite().await;
    let scrape = |auth: Option<&str>| {
        let mut request = Request::get("/metrics");
        if let Some(auth) = auth {
            request = request.header(header::AUTHORIZATION, auth);
        }
        request.body(Body::empty()).unwrap()
    };
    let off = app(&t, None).await.oneshot(scrape(None)).await.unwrap();
    assert_ne!(off.status(), StatusCode::OK, "no metrics unless configured");
    assert!(!body_text(off).await.contains("vext_http_requests_total"));

    let token = "0123456789abcdef-metrics";
    let args = ServeArgs {
        metrics: MetricsAccess::Token,
        metrics_token: Some(token.into()),
        ..ServeArgs::default()
    };
    let router = common::web::app_with(&t, &args).await;
    // Recorded from now on (the recorder is installed with the first router that has metrics).
    let _signed_in =
        common::web::cookie_as(&t, "metrics@example.com", app::model::admin::Role::ReadOnly).await;
    let refused = router.clone().oneshot(scrape(None)).await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(header_text(&refused, "www-authenticate"), "Bearer");
    let wrong = router.clone().oneshot(scrape(Some("Bearer 0123456789abcdef-metricz"))).await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let _ = router.clone().oneshot(Request::get("/healthz").body(Body::empty()).unwrap()).await.unwrap();
    let scraped = router.clone().oneshot(scrape(Some(&format!("Bearer {token}")))).await.unwrap();
    assert_eq!(scraped.status(), StatusCode::OK);
    assert!(header_text(&scraped, "content-type").starts_with("text/plain; version=0.0.4"));
    let text = body_text(scraped).await;
    for expected in [
        "vext_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"}",
        "vext_http_requests_total{route=\"/metrics\",method=\"GET\",status=\"401\"}",
        "vext_http_request_duration_seconds_bucket{route=\"/healthz\",method=\"GET\",le=\"0.005\"}",
        "vext_sign_ins_total{outcome=\"signed_in\"}",
        "vext_sessions ",
        "vext_import_tasks{status=\"queued\"} 0",
        "vext_db_connections{state=\"idle\"}",
        "vext_db_connections_max 8",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }

    let args = ServeArgs { metrics: MetricsAccess::Loopback, ..ServeArgs::default() };
    let router = common::web::app_with(&t, &args).await;
    let from = |ip: [u8; 4], proxied: bool| {
        let mut request = scrape(None);
        request.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((ip, 40_000))));
        if proxied {
            request.headers_mut().insert("x-forwarded-for", "203.0.113.9".parse().unwrap());
        }
        request
    };
    assert_eq!(router.clone().oneshot(from([127, 0, 0, 1], false)).await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        router.clone().oneshot(from([192, 0, 2, 7], false)).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        router.clone().oneshot(from([127, 0, 0, 1], true)).await.unwrap().status(),
        StatusCode::FORBIDDEN,
        "through a proxy on this machine is not this machine"
    );
}
