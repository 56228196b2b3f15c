//! The phone systems' look-ups at scale, over HTTP on loopback with keep-alive, through the
//! whole router `vext serve` runs: 100,000 entries and 1,000 ranges; the route and caller-ID
//! look-ups under load from concurrent connections (requests per second, p50 and p99), then a
//! directory page for a location (p50/p95), on SQLite and, when one answers at
//! VEXT_TEST_PG_URL, PostgreSQL. Client and server share the machine's cores.
//!
//! `cargo bench -p server --bench lookups` (VEXT_BENCH_ROWS, VEXT_BENCH_SECS and
//! VEXT_BENCH_CONNECTIONS override the sizes).

#[path = "seed.rs"]
mod seed;

use app::model::token::ApiTokenInput;
use leptos::prelude::LeptosOptions;
use sea_orm::DatabaseConnection;
use seed::{env_number, percentile, seed, seed_ranges};
use server::services::audit::command_line;
use server::services::calls::DialPlans;
use server::services::tokens;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Sends `path(i)` from `connections` concurrent clients for `secs`, each waiting for its
/// answer before the next; prints requests per second and p50/p99.
async fn load(
    name: &str,
    http: &reqwest::Client,
    connections: usize,
    secs: u64,
    path: impl Fn(usize) -> (String, u16) + Send + Sync + 'static,
) {
    let path = Arc::new(path);
    let started = Instant::now();
    let until = started + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (http, path) = (http.clone(), path.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut i = c * 7919;
            while Instant::now() < until {
                let (url, expected) = path(i);
                let start = Instant::now();
                let response = http.get(url).send().await.expect("request");
                let status = response.status().as_u16();
                let _ = response.bytes().await.expect("body");
                times.push(start.elapsed());
                assert_eq!(status, expected, "request {i}");
                i += 1;
            }
            times
        }));
    }
    let mut times = Vec::new();
    for task in tasks {
        times.extend(task.await.expect("client"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    times.sort();
    println!(
        "  {name:<40} {:>9.0} req/s {:>8.2} ms {:>8.2} ms   ({} requests, {connections} connections)",
        times.len() as f64 / elapsed,
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.len(),
    );
}

async fn time(name: &str, http: &reqwest::Client, runs: usize, url: impl Fn(usize) -> String) {
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs {
        let start = Instant::now();
        let response = http.get(url(i)).send().await.expect("request");
        assert_eq!(response.status().as_u16(), 200, "{name}");
        let _ = response.bytes().await.expect("body");
        times.push(start.elapsed());
    }
    times.sort();
    println!(
        "  {name:<40} p50 {:>7.2} ms   p95 {:>7.2} ms",
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.95).as_secs_f64() * 1e3,
    );
}

async fn run(label: &str, db: &DatabaseConnection, rows: usize, secs: u64, connections: usize) {
    let start = Instant::now();
    let locations = seed(db, rows).await;
    seed_ranges(db, 1_000).await;
    println!("{label}: seeded {rows} entries and 1,000 ranges in {:.1} s", start.elapsed().as_secs_f64());
    let input = ApiTokenInput { name: "Proxy".into(), role: "read-only".into(), ..Default::default() };
    let secret = tokens::create(db, &command_line(), &input).await.expect("token").secret;

    // As `vext serve` builds it: the whole router, and the snapshot kept current by its watch.
    let dial_plans = Arc::new(DialPlans::default());
    let watch = tokio::spawn(dial_plans.clone().watch(db.clone()));
    let args = server::config::ServeArgs::default();
    let options = LeptosOptions::builder().output_name("vext").site_root("target/site").build();
    let jobs = server::http::Jobs { dial_plans, ..Default::default() };
    let app = server::http::router(options, db.clone(), &args, jobs);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let server = tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.expect("serve");
    });
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("authorization", format!("Bearer {secret}").parse().expect("header"));
    let http = reqwest::Client::builder().default_headers(headers).build().expect("client");
    let site = &locations[3];
    let first = Instant::now();
    let warm =
        http.get(format!("{base}/v1/vext/route?location={site}&dialed=100003")).send().await.expect("warm");
    assert_eq!(warm.status().as_u16(), 200);
    println!(
        "  {:<40} {:>8.1} ms",
        "first look-up (builds the snapshot)",
        first.elapsed().as_secs_f64() * 1e3
    );

    println!("  {:<40} {:>15} {:>11} {:>11}", "look-up (text)", "throughput", "p50", "p99");
    // What phones at Site 03 dial: their own extensions, other sites' ESNs, organization
    // extensions, range numbers, and unknown extensions.
    let (b, rows_n) = (base.clone(), rows);
    let site_id = site.clone();
    load("route", &http, connections, secs, move |i| {
        let n = (i * 7) % (rows_n - 3); // each case below stays under `rows`
        let (dialed, status) = match i % 5 {
            0 => (format!("{}", 100_000 + (n / 30) * 30 + 3), 200), // Site 03's own (i % 3 == 0, i % 10 == 3)
            1 => (format!("8{:02}{}", (n / 3 * 3) % 10, 100_000 + n / 3 * 3), 200), // an ESN
            2 => (format!("{}", 100_000 + (n / 3) * 3 + 1), 200),   // organization level
            3 => (format!("6{:03}{:02}", n % 1000, n % 100), 200),  // a range number
            _ => ("99999".to_string(), 404),
        };
        (format!("{b}/v1/vext/route?location={site_id}&dialed={dialed}&format=text"), status)
    })
    .await;
    let (b, site_id) = (base.clone(), site.clone());
    load("callerId", &http, connections, secs, move |i| {
        let n = (i * 13) % rows_n;
        let (number, status) =
            if i % 5 == 4 { ("%2B13125550000".to_string(), 404) } else { (format!("%2B1201{n:07}"), 200) };
        (format!("{b}/v1/vext/callerId?number={number}&location={site_id}&format=text"), status)
    })
    .await;
    let (b, site_id) = (base.clone(), site.clone());
    load("route (JSON)", &http, connections, secs, move |i| {
        (
            format!(
                "{b}/v1/vext/route?location={site_id}&dialed={}",
                100_000 + ((i * 7) % (rows_n - 3) / 3) * 3 + 1
            ),
            200,
        )
    })
    .await;

    let first = Instant::now();
    let book = http
        .get(format!("{base}/v1/vext/directory?location={site}&format=cisco"))
        .send()
        .await
        .expect("book");
    assert_eq!(book.status().as_u16(), 200);
    println!(
        "  {:<40} {:>8.1} ms",
        "first directory page (sorts the names)",
        first.elapsed().as_secs_f64() * 1e3
    );
    let pages = rows.div_ceil(32);
    time("directory page, Cisco (32)", &http, 200, |i| {
        format!("{base}/v1/vext/directory?location={site}&format=cisco&page={}", 1 + (i * 97) % pages)
    })
    .await;
    time("directory page, JSON (100)", &http, 200, |i| {
        format!("{base}/v1/vext/directory?location={site}&page={}", 1 + (i * 97) % rows.div_ceil(100))
    })
    .await;
    time("directory search, Cisco (name=jos)", &http, 200, |_| {
        format!("{base}/v1/vext/directory?location={site}&format=cisco&name=jos")
    })
    .await;
    server.abort();
    watch.abort();
}

fn main() {
    let rows = env_number("VEXT_BENCH_ROWS", 100_000);
    let secs = env_number("VEXT_BENCH_SECS", 5) as u64;
    let connections = env_number("VEXT_BENCH_CONNECTIONS", 16);
    seed::on_both_databases(async |label, db| run(label, db, rows, secs, connections).await);
}
