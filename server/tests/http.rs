//! The HTTP front as a browser meets it: headers, cross-site refusal, body limits, statuses.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::TestDb;
use leptos::prelude::LeptosOptions;
use server::backend::Services;
use server::config::ServeArgs;
use std::sync::Arc;
use tower::ServiceExt;

/// Building routers from several test runtimes at once can hang inside Leptos' route
/// discovery (process-wide state); production builds one router once. Tests take turns.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn app(t: &TestDb, public_origin: Option<&str>) -> axum::Router {
    let options = LeptosOptions::builder().output_name("vext").build();
    let args = ServeArgs {
        public_origin: public_origin.map(str::to_string),
        body_limit: 64 * 1024,
        ..ServeArgs::default()
    };
    server::http::router(options, t.db.clone(), Arc::new(Services::new(t.db.clone())), &args)
}

/// The session cookie of `email`, created with `role` the first time.
async fn cookie_as(t: &TestDb, email: &str, role: app::model::admin::Role) -> String {
    use server::services::{admins, sessions};
    const PASSWORD: &str = "a long passphrase";
    if !admins::list(&t.db).await.unwrap().iter().any(|a| a.email == email) {
        admins::create(&t.db, email, role, &[], PASSWORD.into()).await.unwrap();
    }
    let (token, _) = sessions::sign_in(
        &t.db,
        email,
        PASSWORD,
        &Default::default(),
        Default::default(),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    format!("vext_session={token}")
}

/// A signed-in full administrator's cookie.
async fn cookie(t: &TestDb) -> String {
    cookie_as(t, "root@example.com", app::model::admin::Role::Full).await
}

async fn body_text(response: axum::response::Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn create_form(cookie: &str, extra: &[(&str, &str)]) -> Request<Body> {
    let mut request = Request::post("/api/create_virtual_extension")
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "vext.local:3000")
        .header(header::ACCEPT, "application/json");
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    request
        .body(Body::from(
            "input[level]=ORGANIZATION&input[display_name]=Ann&input[extension]=4001&input[phone_number]=%2B12015550123",
        ))
        .unwrap()
}

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
