//! The CSV import at scale: `cargo bench -p server --bench import`.
//!
//! Generates a file of `VEXT_BENCH_ROWS` rows (default 100,000; a third at 10 locations, and
//! one row in 500 bad in one of several ways), then imports it through the real engine
//! (`services::import::import`: check every row, then apply the valid ones in one transaction)
//! into a fresh SQLite file and a throwaway PostgreSQL database, then a second file that updates
//! every entry it added (each with its before and after in the entry's history). Validate runs
//! on a database of its own. Prints the times, rows per second and the process's peak resident
//! memory during the first import.
//!
//! Side by side, in the same run, each database's **floor**: the same rows written by one
//! `INSERT … SELECT` that the database generates itself (no CSV, no checks, no vext code),
//! through the same triggers and indexes, in one transaction. No import can beat it, so the
//! targets are ratios to it: the import ≤ 1.25× the floor on SQLite, ≤ 1.5× on PostgreSQL; the
//! all-UPDATE file ≤ 1.5× the all-ADD one. Also printed: what the history the import records
//! costs the database written the same way (one `import_change` row per entry), and the
//! import's ratio to the floor with it. Then, unless `VEXT_BENCH_SCALE_ROWS=0`, a file ten
//! times as long (default 1,000,000 rows) on SQLite: ≤ 10.5× the time, peak memory ≤ 200 MiB,
//! beside the floor at that size against the first floor.

use app::model::LocationInput;
use sea_orm::{ConnectionTrait, Database};
use server::services::import::{import, ImportOptions};
use std::io::Write;
use std::time::Instant;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A valid, distinct US number for row `i` (exchanges 200 and up: 0 and 1 are not valid there).
fn number_for(i: usize) -> String {
    format!("+1201{}{:04}", 200 + i / 10_000, i % 10_000)
}

/// The file, with `bad` rows spread through it: a bad number, a missing display name, the
/// previous row's number again, an unknown location.
fn generate(path: &std::path::Path, rows: usize) -> usize {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("bench file"));
    writeln!(out, "Action,Level,Location,First Name,Last Name,Display Name,Phone Number,Extension").unwrap();
    let mut bad = 0;
    for i in 0..rows {
        let (level, location) = if i % 3 == 0 {
            ("Location", format!("Site {:02}", i % 10))
        } else {
            ("Organization", String::new())
        };
        let (mut display, mut number, extension) =
            (format!("Person {i}"), number_for(i), format!("{}", 100_000 + i));
        let mut location = location;
        if i % 500 == 499 {
            bad += 1;
            match (i / 500) % 4 {
                0 => number = "+1201".to_string(),
                1 => display.clear(),
                2 => number = number_for(i - 1),
                _ => location = "Nowhere".to_string(),
            }
        }
        writeln!(out, ",{level},{location},First{},Last{},{display},{number},{extension}", i % 16, i % 13)
            .unwrap();
    }
    out.flush().unwrap();
    bad
}

/// Every good row of [`generate`]'s file again as an UPDATE with a new display name (the
/// second import: each changed entry's history gets its before and after).
fn generate_updates(path: &std::path::Path, rows: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("bench file"));
    writeln!(out, "Action,Level,Location,First Name,Last Name,Display Name,Phone Number,Extension").unwrap();
    for i in (0..rows).filter(|i| i % 500 != 499) {
        let (level, location) = if i % 3 == 0 {
            ("Location", format!("Site {:02}", i % 10))
        } else {
            ("Organization", String::new())
        };
        writeln!(
            out,
            "UPDATE,{level},{location},First{},Last{},Person {i} (moved),{},{}",
            i % 16,
            i % 13,
            number_for(i),
            100_000 + i
        )
        .unwrap();
    }
    out.flush().unwrap();
}

/// Peak resident memory of this process (VmHWM), in MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// Resets the peak (Linux: writing 5 to clear_refs), so that each database's import is measured
/// on its own.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Imports the file at `path` as the command line does, without the upload limits.
async fn import_file(
    db: &sea_orm::DatabaseConnection,
    path: &std::path::Path,
    name: &str,
) -> Result<server::services::import::ImportOutcome, server::services::import::CheckError> {
    let reader = std::io::BufReader::new(std::fs::File::open(path).expect("bench file"));
    let options = ImportOptions { limits: app::model::csv::Limits::NONE, ..Default::default() };
    import(db, &server::services::audit::command_line(), name, reader, options).await
}

/// The bench's ten locations (`Site 00`…`Site 09`).
async fn create_locations(db: &sea_orm::DatabaseConnection) {
    for i in 0..10 {
        let input = LocationInput {
            name: format!("Site {i:02}"),
            routing_prefix: format!("8{i:02}"),
            country: "US".into(),
            ..Default::default()
        };
        server::services::locations::create(db, &server::services::audit::command_line(), &input)
            .await
            .expect("location");
    }
}

/// The floor on `db` (fresh, with the bench's locations): what the database itself needs to
/// write the same rows in the same schema with one `INSERT … SELECT` that generates them
/// inside the engine, through the same triggers and indexes, in one transaction. Seconds.
async fn floor(db: &sea_orm::DatabaseConnection, rows: usize) -> f64 {
    use sea_orm::{DbBackend, TransactionTrait};
    let last = rows - 1;
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last}), \
             locs(k, id) AS (SELECT row_number() OVER (ORDER BY name) - 1, id FROM location) \
             INSERT INTO virtual_extension (id, level, location_id, scope_key, extension, first_name, \
               last_name, display_name, phone_number, created_at, updated_at, version, search_name, search_rowid) \
             SELECT printf('0190%04x-%04x-7%03x-8000-%012x', i / 65536, i % 65536, i % 4096, i), \
               CASE WHEN i % 3 = 0 THEN 'LOCATION' ELSE 'ORGANIZATION' END, \
               CASE WHEN i % 3 = 0 THEN locs.id END, CASE WHEN i % 3 = 0 THEN locs.id ELSE 'org' END, \
               100000 + i, 'First' || (i % 16), 'Last' || (i % 13), 'Person ' || i, \
               printf('+1201%d%04d', 200 + i / 10000, i % 10000), \
               '2026-11-27T00:00:00Z', '2026-11-27T00:00:00Z', 1, \
               'person ' || i || char(10) || 'first' || (i % 16) || char(10) || 'last' || (i % 13), i + 1 \
             FROM n JOIN locs ON locs.k = n.i % 10"
        ),
        _ => format!(
            "WITH locs AS (SELECT (row_number() OVER (ORDER BY name) - 1)::int AS k, id FROM location) \
             INSERT INTO virtual_extension (id, level, location_id, scope_key, extension, first_name, \
               last_name, display_name, phone_number, created_at, updated_at, version, search_name) \
             SELECT format('0190%s-%s-7%s-8000-%s', lpad(to_hex(i / 65536), 4, '0'), \
                 lpad(to_hex(i % 65536), 4, '0'), lpad(to_hex(i % 4096), 3, '0'), lpad(to_hex(i), 12, '0')), \
               CASE WHEN i % 3 = 0 THEN 'LOCATION' ELSE 'ORGANIZATION' END, \
               CASE WHEN i % 3 = 0 THEN locs.id END, CASE WHEN i % 3 = 0 THEN locs.id ELSE 'org' END, \
               (100000 + i)::text, 'First' || (i % 16), 'Last' || (i % 13), 'Person ' || i, \
               format('+1201%s%s', 200 + i / 10000, lpad((i % 10000)::text, 4, '0')), \
               now(), now(), 1, \
               'person ' || i || chr(10) || 'first' || (i % 16) || chr(10) || 'last' || (i % 13) \
             FROM generate_series(0, {last}) AS i JOIN locs ON locs.k = i % 10"
        ),
    };
    let start = Instant::now();
    let txn = db.begin().await.unwrap();
    txn.execute_unprepared(&sql).await.expect("floor insert");
    txn.commit().await.unwrap();
    start.elapsed().as_secs_f64()
}

/// What the database needs, on top of the floor, for the history an import records: one
/// `import_change` row per entry under one audit event, its after-snapshot a JSON array of the
/// entry's fields as the import writes it, by one `INSERT … SELECT` (run after [`floor`] on
/// the same database). Seconds.
async fn history_floor(db: &sea_orm::DatabaseConnection) -> f64 {
    use sea_orm::{DbBackend, TransactionTrait};
    let json = match db.get_database_backend() {
        DbBackend::Sqlite => "json_array",
        _ => "json_build_array",
    };
    let event = "INSERT INTO audit_event (id, at, actor_id, actor, source, action, target_kind, target_id, \
                   target_label) VALUES ('floor', '2026-11-27T00:00:00Z', NULL, 'bench', 'cli', \
                   'import.applied', 'import', 'floor', 'floor.csv')";
    let history = format!(
        "INSERT INTO import_change (entry_id, event_id, before, after) \
         SELECT id, 'floor', NULL, CAST({json}(level, coalesce(location_id, ''), coalesce(first_name, ''), \
           coalesce(last_name, ''), display_name, extension, phone_number) AS TEXT) FROM virtual_extension"
    );
    let start = Instant::now();
    let txn = db.begin().await.unwrap();
    txn.execute_unprepared(event).await.expect("floor event");
    txn.execute_unprepared(&history).await.expect("floor history");
    txn.commit().await.unwrap();
    start.elapsed().as_secs_f64()
}

/// What one database's run measured, in seconds.
struct Timings {
    import: f64,
    updates: f64,
}

/// Validate on `check_db`, then the import and an import that updates every entry on
/// `import_db` (separate fresh databases, so that neither warms the other's files).
async fn run(
    label: &str,
    check_db: &sea_orm::DatabaseConnection,
    import_db: &sea_orm::DatabaseConnection,
    files: (&std::path::Path, &std::path::Path),
    rows: usize,
    bad: usize,
) -> Timings {
    let (file, updates) = files;
    create_locations(check_db).await;
    create_locations(import_db).await;
    // The check alone (what Validate does), to see where the time goes.
    let start = Instant::now();
    let reader = std::io::BufReader::new(std::fs::File::open(file).unwrap());
    let report = server::services::import::check(
        check_db,
        &server::services::audit::command_line(),
        reader,
        app::model::csv::Limits::NONE,
    )
    .await
    .expect("check");
    println!(
        "{label}: check only (Validate): {:.2} s = {:.0} rows/s",
        start.elapsed().as_secs_f64(),
        report.summary.rows as f64 / start.elapsed().as_secs_f64()
    );
    reset_peak();
    let before = peak_rss_mib();
    let start = Instant::now();
    let outcome = import_file(import_db, file, "bench.csv").await.expect("import");
    let elapsed = start.elapsed().as_secs_f64();
    let import_elapsed = elapsed;
    let s = &outcome.report.summary;
    assert_eq!(s.failed as usize, bad, "the bad rows, and only those, fail");
    assert_eq!(s.add as usize, rows - bad);
    println!(
        "{label}: {rows} rows ({} added, {} failed) in {elapsed:.2} s = {:.0} rows/s; peak RSS {:.0} MiB (at start {before:.0} MiB)",
        s.add,
        s.failed,
        rows as f64 / elapsed,
        peak_rss_mib(),
    );
    let start = Instant::now();
    let outcome = import_file(import_db, updates, "updates.csv").await.expect("update import");
    let elapsed = start.elapsed().as_secs_f64();
    assert_eq!(outcome.report.summary.update as usize, rows - bad);
    println!(
        "{label}: {} rows updated in {elapsed:.2} s = {:.0} rows/s",
        rows - bad,
        (rows - bad) as f64 / elapsed
    );
    Timings { import: import_elapsed, updates: elapsed }
}

/// The floor on a fresh database, then the ratios this run's timings make with it. Returns the
/// floor, in seconds.
async fn compare(
    label: &str,
    floor_db: &sea_orm::DatabaseConnection,
    rows: usize,
    timings: &Timings,
    target: f64,
) -> f64 {
    create_locations(floor_db).await;
    let floor = floor(floor_db, rows).await;
    let history = history_floor(floor_db).await;
    let ratio = timings.import / floor;
    println!(
        "{label}: floor (the same {rows} rows by one INSERT … SELECT, no vext code) {floor:.2} s; \
         import {:.2} s = {ratio:.2}× the floor (target ≤ {target}×): {}",
        timings.import,
        verdict(ratio <= target)
    );
    println!(
        "{label}: the history the import also records (a row per entry, by one INSERT … SELECT) \
         {history:.2} s more: import = {:.2}× the floor with its history",
        timings.import / (floor + history)
    );
    let updates = timings.updates / timings.import;
    println!(
        "{label}: the all-UPDATE file took {updates:.2}× the all-ADD one (target ≤ 1.5×): {}",
        verdict(updates <= 1.5)
    );
    floor
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "NOT MET"
    }
}

/// Runs a phase of this bench in a fresh process of its own (`VEXT_BENCH_PHASE`), so that its
/// peak memory is its own and not what earlier phases left in the allocator.
fn in_own_process(phase: &str, rows: usize, first: (f64, f64)) {
    let status = std::process::Command::new(std::env::current_exe().expect("the bench binary"))
        .env("VEXT_BENCH_PHASE", phase)
        .env("VEXT_BENCH_SCALE_ROWS", rows.to_string())
        .env("VEXT_BENCH_FIRST_SECS", first.0.to_string())
        .env("VEXT_BENCH_FIRST_FLOOR_SECS", first.1.to_string())
        .status()
        .expect("start the phase");
    assert!(status.success(), "phase {phase} failed: {status}");
}

/// The import of a file ten times as long as the first, on a fresh SQLite file: its time
/// against the first's, and the process's peak memory. Then the floor at that size on another
/// fresh file, against the first floor: how much of the growth is SQLite's own (its B-trees
/// and its search index deeper), not the import's.
async fn at_scale(dir: &std::path::Path, rows: usize, first: (f64, f64)) {
    let (first, first_floor) = first;
    let file = dir.join("scale.csv");
    let bad = generate(&file, rows);
    let db = server::store::open(&format!("sqlite://{}/scale.db", dir.display())).await.expect("sqlite");
    create_locations(&db).await;
    reset_peak();
    let start = Instant::now();
    let outcome = import_file(&db, &file, "scale.csv").await.expect("import at scale");
    let elapsed = start.elapsed().as_secs_f64();
    assert_eq!(outcome.report.summary.failed as usize, bad);
    let peak = peak_rss_mib();
    println!(
        "SQLite at scale: {rows} rows in {elapsed:.2} s = {:.2}× the first file's time (target ≤ 10.5×): {}; \
         peak RSS {peak:.0} MiB (target ≤ 200 MiB): {}",
        elapsed / first,
        verdict(elapsed / first <= 10.5),
        verdict(peak <= 200.0)
    );
    db.close().await.ok();
    let floor_db =
        server::store::open(&format!("sqlite://{}/scale-floor.db", dir.display())).await.expect("sqlite");
    create_locations(&floor_db).await;
    let floor_secs = floor(&floor_db, rows).await;
    println!(
        "SQLite at scale: floor for {rows} rows {floor_secs:.2} s = {:.2}× the first floor; \
         the import = {:.2}× this floor",
        floor_secs / first_floor,
        elapsed / floor_secs
    );
    floor_db.close().await.ok();
}

/// A file as long, every row failing, run as a task by the worker (its row problems go to a
/// temporary file as they come): the process's peak memory stays as flat as for a good file.
async fn failing_at_scale(dir: &std::path::Path, rows: usize) {
    let db = server::store::open(&format!("sqlite://{}/failing.db", dir.display())).await.expect("sqlite");
    let failing = dir.join("failing.csv");
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&failing).expect("bench file"));
        writeln!(out, "Action,Level,Location,First Name,Last Name,Display Name,Phone Number,Extension")
            .unwrap();
        for i in 0..rows {
            // No display name: every row fails.
            writeln!(out, ",Organization,,,,,{},{}", number_for(i), 100_000 + i).unwrap();
        }
        out.flush().unwrap();
    }
    let bytes = std::fs::read(&failing).unwrap();
    let admin = server::services::admins::create(
        &db,
        &server::services::audit::command_line(),
        app::model::admin::AdminInput {
            email: "bench@example.com".into(),
            role: "FULL".into(),
            locations: Vec::new(),
            password: "a long bench passphrase".into(),
        },
    )
    .await
    .expect("administrator");
    let actor = admin.into_actor(Some("bench".into()), None);
    let submitted = server::services::import::tasks::submit(
        &db,
        &actor,
        "failing.csv",
        bytes,
        false,
        app::model::csv::Limits::NONE,
    )
    .await
    .expect("submit");
    let worker = server::services::import::Worker::new(
        db.clone(),
        Default::default(),
        std::time::Duration::from_secs(600),
    );
    reset_peak();
    let start = Instant::now();
    worker.run_once().await.expect("the task runs");
    let elapsed = start.elapsed().as_secs_f64();
    let peak = peak_rss_mib();
    let detail = server::services::import::tasks::get(
        &db,
        &actor,
        &Default::default(),
        &submitted.task_id,
        app::model::PageIndex::FIRST,
    )
    .await
    .expect("task");
    assert_eq!(detail.total_problems as usize, rows, "every row's problem is stored");
    println!(
        "SQLite at scale, every row failing, as a task: {rows} problems stored in {elapsed:.2} s; peak RSS {peak:.0} MiB \
         (target ≤ 200 MiB): {}",
        verdict(peak <= 200.0)
    );
    db.close().await.ok();
}

fn main() {
    let rows = env_number("VEXT_BENCH_ROWS", 100_000);
    let scale_rows = env_number("VEXT_BENCH_SCALE_ROWS", 10 * rows);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    if let Ok(phase) = std::env::var("VEXT_BENCH_PHASE") {
        let seconds =
            |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<f64>().ok()).unwrap_or(1.0);
        let first = (seconds("VEXT_BENCH_FIRST_SECS"), seconds("VEXT_BENCH_FIRST_FLOOR_SECS"));
        let dir = tempfile::tempdir().expect("temp dir");
        runtime.block_on(async {
            match phase.as_str() {
                "scale" => at_scale(dir.path(), scale_rows, first).await,
                _ => failing_at_scale(dir.path(), scale_rows).await,
            }
        });
        return;
    }
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("bench.csv");
        let start = Instant::now();
        let bad = generate(&file, rows);
        let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        println!(
            "generated {rows} rows ({bad} bad), {:.1} MiB, in {:.1} s",
            size as f64 / 1_048_576.0,
            start.elapsed().as_secs_f64()
        );

        let updates = dir.path().join("updates.csv");
        generate_updates(&updates, rows);
        let sqlite_url = |name: &str| format!("sqlite://{}/{name}.db", dir.path().display());
        let check_db = server::store::open(&sqlite_url("check")).await.expect("sqlite");
        let db = server::store::open(&sqlite_url("bench")).await.expect("sqlite");
        let sqlite = run("SQLite", &check_db, &db, (&file, &updates), rows, bad).await;
        check_db.close().await.ok();
        db.close().await.ok();
        let floor_db = server::store::open(&sqlite_url("floor")).await.expect("sqlite");
        let sqlite_floor = compare("SQLite", &floor_db, rows, &sqlite, 1.25).await;
        floor_db.close().await.ok();
        if scale_rows > 0 {
            in_own_process("scale", scale_rows, (sqlite.import, sqlite_floor));
            in_own_process("failing", scale_rows, (sqlite.import, sqlite_floor));
        }

        let admin_url = std::env::var("VEXT_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
        let Ok(admin) = Database::connect(admin_url.as_str()).await else {
            println!("PostgreSQL: NOT MEASURED (nothing answers at {admin_url})");
            return;
        };
        let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(server, _)| server);
        let mut pools = Vec::new();
        for role in ["check", "import", "floor"] {
            let name = format!("vext_bench_{role}_{}", std::process::id());
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create bench database");
            pools.push((
                name.clone(),
                server::store::open(&format!("{base}/{name}")).await.expect("postgres"),
            ));
        }
        let postgres = run("PostgreSQL", &pools[0].1, &pools[1].1, (&file, &updates), rows, bad).await;
        compare("PostgreSQL", &pools[2].1, rows, &postgres, 1.5).await;
        for (name, pool) in pools {
            pool.close().await.ok();
            admin.execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)")).await.ok();
        }
    });
}
