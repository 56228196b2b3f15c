//! The HTTP front for tests: the router as `vext serve` builds it, sessions, form posts.

use super::TestDb;
use axum::body::Body;
use axum::http::{header, Request};
use leptos::prelude::LeptosOptions;
use server::config::ServeArgs;

/// Building routers from several test runtimes at once can hang inside Leptos' route
/// discovery (process-wide state); production builds one router once. Tests take turns.
pub static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub async fn app(t: &TestDb, public_origin: Option<&str>) -> axum::Router {
    let args = ServeArgs {
        public_origin: public_origin.map(str::to_string),
        body_limit: 64 * 1024,
        ..ServeArgs::default()
    };
    app_with(t, &args).await
}

/// The router `vext serve` builds with `args`.
pub async fn app_with(t: &TestDb, args: &ServeArgs) -> axum::Router {
    let options = LeptosOptions::builder().output_name("vext").build();
    server::http::router(options, t.db.clone(), args, Default::default())
}

/// The session cookie of `email`, created with `role` the first time.
pub async fn cookie_as(t: &TestDb, email: &str, role: app::model::admin::Role) -> String {
    use server::services::{admins, sessions};
    const PASSWORD: &str = "a long passphrase";
    if !admins::list(&t.db).await.unwrap().iter().any(|a| a.email == email) {
        super::add_admin(&t.db, email, role, &[], PASSWORD).await.unwrap();
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
pub async fn cookie(t: &TestDb) -> String {
    cookie_as(t, "root@example.com", app::model::admin::Role::Full).await
}

pub async fn body_text(response: axum::response::Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    String::from_utf8_lossy(&bytes).into_owned()
}

pub fn create_form(cookie: &str, extra: &[(&str, &str)]) -> Request<Body> {
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

/// A form post to a server function, as the browser sends it (same-origin).
pub fn post(path: &str, cookie: Option<&str>, body: &str, extra: &[(&str, &str)]) -> Request<Body> {
    let mut request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::HOST, "vext.local:3000");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    request.body(Body::from(body.to_string())).unwrap()
}
