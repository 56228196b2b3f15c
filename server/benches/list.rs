//! The Virtual Extension list at scale: seeds 100,000 entries, then times the list's queries
//! through the real service (server time, no HTTP) and prints p50/p95 per query, on SQLite and,
//! when one answers at VEXT_TEST_PG_URL, PostgreSQL.
//!
//! `cargo bench -p server --bench list` (VEXT_BENCH_ROWS and VEXT_BENCH_RUNS override the sizes).

#[path = "seed.rs"]
mod seed;

use app::model::{Level, ListQuery, SortKey};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
use seed::{env_number, percentile, seed};
use server::services::virtual_extensions;
use std::time::Instant;

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
    seed::on_both_databases(async |label, db| run(label, db, rows, runs).await);
}
