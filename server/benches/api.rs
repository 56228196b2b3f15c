//! The REST API at scale, over HTTP on loopback: seeds 100,000 entries, serves `/v1` on a free
//! port, and times a list page (`max=100`, with and without a `name` filter), a read and a
//! create as a client sees them (p50/p95), on SQLite and, when one answers at VEXT_TEST_PG_URL,
//! PostgreSQL. The token is checked on every request; once known it costs no database read.
//! Then the dial plan's snapshot is read from the database and built, as after a change.
//!
//! `cargo bench -p server --bench api` (VEXT_BENCH_ROWS and VEXT_BENCH_RUNS override the sizes).

#[path = "seed.rs"]
mod seed;

use app::model::token::ApiTokenInput;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
use seed::{env_number, percentile, seed};
use server::http::ratelimit::TokenBuckets;
use server::http::v1::{router, Api};
use server::services::audit::command_line;
use server::services::tokens;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

const ENTRIES: &str = "/v1/telephony/config/virtualExtensions";

async fn time(
    name: &str,
    runs: usize,
    mut request: impl FnMut(usize) -> reqwest::RequestBuilder,
    expected: reqwest::StatusCode,
) {
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs {
        let start = Instant::now();
        let response = request(i).send().await.expect("request");
        let status = response.status();
        let _ = response.bytes().await.expect("body");
        times.push(start.elapsed());
        assert_eq!(status, expected, "{name}");
    }
    times.sort();
    println!(
        "  {name:<44} {:>8.2} ms {:>8.2} ms",
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.95).as_secs_f64() * 1e3,
    );
}

async fn run(label: &str, db: &DatabaseConnection, rows: usize, runs: usize) {
    let start = Instant::now();
    seed(db, rows).await;
    let maintenance = match db.get_database_backend() {
        DbBackend::Postgres => "VACUUM ANALYZE virtual_extension",
        _ => "ANALYZE",
    };
    db.execute_unprepared(maintenance).await.expect("maintenance");
    println!(
        "{label}: seeded {rows} entries in {:.1} s; {runs} requests each",
        start.elapsed().as_secs_f64()
    );
    let input = ApiTokenInput { name: "Bench".into(), role: "full".into(), ..Default::default() };
    let secret = tokens::create(db, &command_line(), &input).await.expect("token").secret;
    let app = router(Api {
        db: db.clone(),
        tokens: Default::default(),
        // The bench measures the API, not the limit.
        limits: Arc::new(TokenBuckets::new(1_000_000, 1_000_000)),
        public_origin: None,
        trust_forwarded_for: false,
        organization: Default::default(),
        imports: Default::default(),
        dial_plans: Default::default(),
        phone_books: Default::default(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let server = tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.expect("serve");
    });
    let http = reqwest::Client::new();
    let get = |path: String| http.get(format!("{base}{path}")).bearer_auth(&secret);
    // Warm the connection and the token cache.
    get(format!("{ENTRIES}?max=1")).send().await.expect("warm up");
    println!("  {:<44} {:>11} {:>11}", "request", "p50", "p95");
    let ok = reqwest::StatusCode::OK;
    time("list max=100", runs, |_| get(format!("{ENTRIES}?max=100")), ok).await;
    time("list max=100, start=50,000", runs, |_| get(format!("{ENTRIES}?max=100&start=50000")), ok).await;
    time(
        "list max=100&name=smith (1 in 16 match)",
        runs,
        |_| get(format!("{ENTRIES}?max=100&name=smith")),
        ok,
    )
    .await;
    time("list max=100&name=jose garc", runs, |_| get(format!("{ENTRIES}?max=100&name=jose%20garc")), ok)
        .await;
    let first = reqwest::get(format!("{base}/v1/openapi.json")).await.expect("document");
    assert!(first.status().is_success());
    time(
        "create (organization level)",
        runs,
        |i| {
            http.post(format!("{base}{ENTRIES}")).bearer_auth(&secret).json(&serde_json::json!({
                "displayName": format!("Bench {i}"),
                "phoneNumber": format!("+1312555{:04}", i),
                "extension": format!("{}", 900_000 + i),
            }))
        },
        reqwest::StatusCode::CREATED,
    )
    .await;
    server.abort();
    // The dial plan's snapshot, read from the database and built (what a replica does after a
    // change), median of 5.
    let mut loads = Vec::with_capacity(5);
    for _ in 0..5 {
        let start = Instant::now();
        let (_, data) = server::services::calls::load(db).await.expect("load");
        let plan = app::model::dial_plan::DialPlan::new(data);
        loads.push(start.elapsed());
        assert!(plan.data().entries.len() >= rows);
    }
    loads.sort();
    println!(
        "  {:<44} {:>8.1} ms (median of 5)",
        "dial plan snapshot: read + build",
        percentile(&loads, 0.5).as_secs_f64() * 1e3
    );
}

fn main() {
    let rows = env_number("VEXT_BENCH_ROWS", 100_000);
    let runs = env_number("VEXT_BENCH_RUNS", 200);
    seed::on_both_databases(async |label, db| run(label, db, rows, runs).await);
}
