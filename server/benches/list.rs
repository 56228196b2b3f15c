//! The Virtual Extension list at scale: seeds 100,000 entries, then times the list's queries
//! through the real service (server time, no HTTP) and prints p50/p95 per query, on SQLite and,
//! when one answers at VEXT_TEST_PG_URL, PostgreSQL.
//!
//! `cargo bench -p server --bench list` (VEXT_BENCH_ROWS and VEXT_BENCH_RUNS override the sizes).

use app::model::{Level, ListQuery, SortKey};
use sea_orm::{ActiveValue::Set, ConnectionTrait, Database, DatabaseConnection, DbBackend, EntityTrait};
use server::services::search::search_name;
use server::services::virtual_extensions;
use server::store::entities::{location, virtual_extension as ve};
use std::time::{Duration, Instant};

const FIRST: [&str; 16] = [
    "Ana", "Bob", "Chen", "Dana", "Émile", "Fatima", "Georg", "Hana", "Ivan", "José", "Kai", "Lena", "Mia",
    "Noah", "Olga", "Priya",
];
const LAST: [&str; 16] = [
    "Smith", "García", "Müller", "Nguyen", "Kowalski", "Rossi", "Tanaka", "Silva", "Dubois", "Ivanova",
    "Khan", "Okafor", "Jensen", "Novak", "Haddad", "Lee",
];

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// 10 locations and `rows` entries (a third at locations), inserted in chunks well under the
/// bind-parameter limits (14 columns × 1,000 rows).
async fn seed(db: &DatabaseConnection, rows: usize) -> Vec<String> {
    let now = chrono::Utc::now();
    let mut locations = Vec::new();
    for i in 0..10 {
        let id = server::store::new_id();
        location::Entity::insert(location::ActiveModel {
            id: Set(id.clone()),
            name: Set(format!("Site {i:02}")),
            routing_prefix: Set(Some(format!("8{i:02}"))),
            country: Set(Some("US".into())),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec(db)
        .await
        .expect("insert location");
        locations.push(id);
    }
    for chunk in (0..rows).collect::<Vec<_>>().chunks(1_000) {
        let models = chunk.iter().map(|&i| {
            let (first, last) = (FIRST[i % 16], LAST[(i / 16) % 16]);
            let display = format!("{first} {last} {i}");
            let location_id = (i % 3 == 0).then(|| locations[i % 10].clone());
            ve::ActiveModel {
                id: Set(server::store::new_id()),
                level: Set(if location_id.is_some() { "LOCATION" } else { "ORGANIZATION" }.to_string()),
                scope_key: Set(location_id.clone().unwrap_or_else(|| "org".to_string())),
                location_id: Set(location_id),
                extension: Set(format!("{}", 100_000 + i)),
                first_name: Set(Some(first.to_string())),
                last_name: Set(Some(last.to_string())),
                search_name: Set(search_name(&display, Some(first), Some(last))),
                display_name: Set(display),
                phone_number: Set(format!("+1201{:07}", i)),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            }
        });
        ve::Entity::insert_many(models).exec(db).await.expect("insert chunk");
    }
    locations
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

async fn measure(db: &DatabaseConnection, name: &str, query: &ListQuery, runs: usize) {
    let mut times = Vec::with_capacity(runs);
    let mut total = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let page = virtual_extensions::list(db, query).await.expect("list");
        times.push(start.elapsed());
        total = page.total;
    }
    times.sort();
    println!(
        "  {name:<44} {:>8.2} ms {:>8.2} ms   ({total} matches)",
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.95).as_secs_f64() * 1e3,
    );
}

async fn run(label: &str, db: &DatabaseConnection, rows: usize, runs: usize) {
    let start = Instant::now();
    let locations = seed(db, rows).await;
    println!(
        "{label}: seeded {rows} entries in {:.1} s; {runs} runs per query",
        start.elapsed().as_secs_f64()
    );
    println!("  {:<44} {:>11} {:>11}", "query", "p50", "p95");
    let base = ListQuery::default();
    // Straight after a bulk load, PostgreSQL's GIN indexes still hold the new rows in their
    // pending lists, which every search reads linearly; autovacuum merges them soon after.
    let digits = ListQuery { search: "0099".into(), ..base.clone() };
    if db.get_database_backend() == DbBackend::Postgres {
        measure(db, "search digits \"0099\", before VACUUM", &digits, runs).await;
    }
    let maintenance = match db.get_database_backend() {
        DbBackend::Postgres => "VACUUM ANALYZE virtual_extension",
        _ => "ANALYZE",
    };
    db.execute_unprepared(maintenance).await.expect("maintenance");
    let cases = [
        ("first page, by display name", base.clone()),
        ("page 1,000 of 2,000 (25 per page)", ListQuery { page: 1_000, per_page: 25, ..base.clone() }),
        ("search \"smith\" (1 in 16 match)", ListQuery { search: "smith".into(), ..base.clone() }),
        ("search \"jose garc\" (accents folded)", ListQuery { search: "jose garc".into(), ..base.clone() }),
        ("search \"no such name\" (no match)", ListQuery { search: "no such name".into(), ..base.clone() }),
        ("search digits \"0099\" (extension or number)", ListQuery { search: "0099".into(), ..base.clone() }),
        (
            "location filter, by extension desc",
            ListQuery {
                location: Some(locations[3].clone()),
                sort: SortKey::Extension,
                descending: true,
                ..base.clone()
            },
        ),
        (
            "level filter, by last name",
            ListQuery { level: Some(Level::Organization), sort: SortKey::LastName, ..base.clone() },
        ),
    ];
    for (name, query) in &cases {
        measure(db, name, query, runs).await;
    }
}

fn main() {
    let rows = env_number("VEXT_BENCH_ROWS", 100_000);
    let runs = env_number("VEXT_BENCH_RUNS", 100);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/bench.db", dir.path().display());
        let db = server::store::open(&url).await.expect("sqlite");
        run("SQLite", &db, rows, runs).await;

        let admin_url = std::env::var("VEXT_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
        let Ok(admin) = Database::connect(admin_url.as_str()).await else {
            println!("PostgreSQL: NOT MEASURED (nothing answers at {admin_url})");
            return;
        };
        let name = format!("vext_bench_{}", std::process::id());
        admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create bench database");
        let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(server, _)| server);
        let pg = server::store::open(&format!("{base}/{name}")).await.expect("postgres");
        run("PostgreSQL", &pg, rows, runs).await;
        pg.close().await.ok();
        admin.execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)")).await.ok();
    });
}
