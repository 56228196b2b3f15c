//! One replica against two, on one PostgreSQL, over loopback: real `vext serve` processes (this
//! build's binary), a fixed number of concurrent clients for a fixed time, spread round-robin
//! over the replicas (as a load balancer would). Two loads: the Virtual Extension list page
//! (server-rendered, signed in, 10,000 entries) and sign-in (Argon2id, 19 MiB per hash).
//! Prints requests per second and p50/p95 for each, one replica then two.
//!
//! `cargo bench -p server --bench replicas` (VEXT_BENCH_CLIENTS, VEXT_BENCH_SECS and
//! VEXT_BENCH_ROWS override 16 clients, 10 s and 10,000 entries). Needs PostgreSQL at
//! VEXT_TEST_PG_URL (says so and stops without). The machine's cores are shared by the replicas,
//! PostgreSQL and the clients: on 2 cores a second replica adds no CPU, only a second process.

#[path = "seed.rs"]
mod seed;

use sea_orm::{ConnectionTrait, Database};
use seed::{env_number, percentile, seed};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PASSWORD: &str = "replica bench passphrase";
const LIST: &str = "/services/call/features/virtual-extension";

/// Builds one request of a load to a replica's base URL.
type MakeRequest = Arc<dyn Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder + Send + Sync>;

struct Replica {
    child: Child,
    base: String,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(database_url: &str, site: &std::path::Path) -> Replica {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vext"))
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("LEPTOS_SITE_ROOT", site)
        // The load comes from one address: lift the per-address sign-in limit.
        .env("VEXT_SIGN_IN_LIMIT", "1000000")
        .env("RUST_LOG", "warn,server=info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start vext serve");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let base = loop {
        let line = lines.next().expect("vext serve exited before listening").expect("log");
        if let Some(at) = line.find("vext listening on ") {
            break line[at + "vext listening on ".len()..].trim().to_string();
        }
    };
    std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
    Replica { child, base }
}

/// Runs `clients` loops of `request` for `secs` against `bases` round-robin; returns requests/s
/// and the sorted latencies.
async fn load(bases: &[String], clients: usize, secs: u64, request: MakeRequest) -> (f64, Vec<Duration>) {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let until = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let mut loops = Vec::new();
    for client in 0..clients {
        let (http, bases, request) = (http.clone(), bases.to_vec(), request.clone());
        loops.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut n = client;
            while Instant::now() < until {
                let base = &bases[n % bases.len()];
                n += 1;
                let sent = Instant::now();
                let response = request(&http, base).send().await.expect("request");
                let status = response.status();
                let _ = response.bytes().await;
                assert!(status.is_success(), "{status}");
                times.push(sent.elapsed());
            }
            times
        }));
    }
    let mut all = Vec::new();
    for handle in loops {
        all.extend(handle.await.unwrap());
    }
    let rate = all.len() as f64 / started.elapsed().as_secs_f64();
    all.sort();
    (rate, all)
}

fn main() {
    let clients = env_number("VEXT_BENCH_CLIENTS", 16);
    let secs = env_number("VEXT_BENCH_SECS", 10) as u64;
    let rows = env_number("VEXT_BENCH_ROWS", 10_000);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let admin_url = std::env::var("VEXT_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
        let Ok(admin) = Database::connect(admin_url.as_str()).await else {
            println!("PostgreSQL: NOT MEASURED (nothing answers at {admin_url}); replicas need PostgreSQL");
            return;
        };
        let name = format!("vext_bench_replicas_{}", std::process::id());
        admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create bench database");
        let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(server, _)| server);
        let url = format!("{base}/{name}");
        let db = server::store::open(&url).await.expect("postgres");
        seed(&db, rows).await;
        db.execute_unprepared("VACUUM ANALYZE virtual_extension").await.ok();
        let input = app::model::admin::AdminInput {
            email: "bench@example.com".into(),
            role: "full".into(),
            locations: Vec::new(),
            password: PASSWORD.into(),
        };
        server::services::admins::create(&db, &server::services::audit::command_line(), input)
            .await
            .expect("administrator");
        let site = tempfile::tempdir().unwrap();
        println!(
            "{rows} entries on PostgreSQL; {clients} clients for {secs} s per load, round-robin over the replicas"
        );
        println!("  {:<34} {:>10} {:>10} {:>10}", "load, replicas", "req/s", "p50 ms", "p95 ms");
        for count in [1usize, 2] {
            let replicas: Vec<Replica> = (0..count).map(|_| start(&url, site.path())).collect();
            let bases: Vec<String> = replicas.iter().map(|r| r.base.clone()).collect();
            let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
            let signed_in = http
                .post(format!("{}/api/sign_in", bases[0]))
                .header("accept", "application/json")
                .form(&[("email", "bench@example.com"), ("password", PASSWORD), ("next", "/")])
                .send()
                .await
                .expect("sign in");
            let cookie =
                signed_in.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
            let page: MakeRequest =
                Arc::new(move |http, base| http.get(format!("{base}{LIST}")).header("cookie", cookie.as_str()));
            let sign_in: MakeRequest =
                Arc::new(|http, base| {
                    http.post(format!("{base}/api/sign_in"))
                        .header("accept", "application/json")
                        .form(&[("email", "bench@example.com"), ("password", PASSWORD), ("next", "/")])
                });
            for (label, request) in [("list page", page), ("sign-in", sign_in)] {
                let (rate, times) = load(&bases, clients, secs, request).await;
                println!(
                    "  {:<34} {rate:>10.1} {:>10.1} {:>10.1}",
                    format!("{label}, {count} replica{}", if count == 1 { "" } else { "s" }),
                    percentile(&times, 0.5).as_secs_f64() * 1e3,
                    percentile(&times, 0.95).as_secs_f64() * 1e3,
                );
            }
            drop(replicas);
        }
        db.close().await.ok();
        admin.execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)")).await.ok();
    });
}
