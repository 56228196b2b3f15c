//! The benches' directory: 10 locations and many entries, inserted directly.

#![allow(dead_code)]

use app::model::search::search_name;
use app::model::Level;
use sea_orm::{ActiveValue::Set, ConnectionTrait, Database, DatabaseConnection, EntityTrait};
use server::store::entities::{location, virtual_extension as ve};
use std::time::Duration;

const FIRST: [&str; 16] = [
    "Ana", "Bob", "Chen", "Dana", "Émile", "Fatima", "Georg", "Hana", "Ivan", "José", "Kai", "Lena", "Mia",
    "Noah", "Olga", "Priya",
];
const LAST: [&str; 16] = [
    "Smith", "García", "Müller", "Nguyen", "Kowalski", "Rossi", "Tanaka", "Silva", "Dubois", "Ivanova",
    "Khan", "Okafor", "Jensen", "Novak", "Haddad", "Lee",
];

pub fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// 10 locations and `rows` entries (a third at locations), inserted in chunks well under the
/// bind-parameter limits (14 columns × 1,000 rows).
pub async fn seed(db: &DatabaseConnection, rows: usize) -> Vec<String> {
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
            ..Default::default()
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
                level: Set(if location_id.is_some() { Level::Location } else { Level::Organization }),
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

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

/// Runs `bench` against a new SQLite database, then a new PostgreSQL one (dropped afterwards)
/// when one answers at VEXT_TEST_PG_URL, on a 2-thread runtime.
pub fn on_both_databases(bench: impl AsyncFn(&str, &DatabaseConnection)) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/bench.db", dir.path().display());
        let db = server::store::open(&url).await.expect("sqlite");
        bench("SQLite", &db).await;

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
        bench("PostgreSQL", &pg).await;
        pg.close().await.ok();
        admin.execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)")).await.ok();
    });
}

/// `count` organization-level ranges, each one pattern (`6nnnXX` after `+1312nnn`), inserted
/// directly.
pub async fn seed_ranges(db: &DatabaseConnection, count: usize) {
    use server::store::entities::{
        virtual_extension_range as range, virtual_extension_range_pattern as pattern,
    };
    let now = chrono::Utc::now();
    for chunk in (0..count).collect::<Vec<_>>().chunks(500) {
        let ids: Vec<String> = chunk.iter().map(|_| server::store::new_id()).collect();
        range::Entity::insert_many(chunk.iter().zip(&ids).map(|(&i, id)| range::ActiveModel {
            id: Set(id.clone()),
            name: Set(format!("Range {i:04}")),
            name_key: Set(format!("range {i:04}")),
            prefix: Set(format!("+1312{:03}", i % 1000)),
            level: Set(Level::Organization),
            location_id: Set(None),
            scope_key: Set("org".to_string()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }))
        .exec(db)
        .await
        .expect("insert ranges");
        pattern::Entity::insert_many(chunk.iter().zip(&ids).map(|(&i, id)| pattern::ActiveModel {
            range_id: Set(id.clone()),
            pattern: Set(format!("6{:03}XX", i % 1000)),
            scope_key: Set("org".to_string()),
            position: Set(0),
        }))
        .exec(db)
        .await
        .expect("insert patterns");
    }
}
