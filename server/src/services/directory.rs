//! Fills `app::model::directory::Directory` from the store: the rows a change, or a chunk of a
//! CSV file's changes, can clash with.

use super::ServiceError;
use crate::store::entities::{location, virtual_extension as ve};
use crate::store::virtual_extensions::to_json;
use app::error::AppError;
use app::model::directory::{DirEntry, DirLocation, Directory};
use app::model::ORGANIZATION_SCOPE_KEY;
use app::model::{ErrorCode, Field, FieldError, Scope};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement};
use std::collections::{BTreeSet, HashMap};

fn dir_location(l: location::Model) -> DirLocation {
    DirLocation { id: l.id, name: l.name, routing_prefix: l.routing_prefix, country: l.country }
}

pub fn dir_entry(m: ve::Model) -> DirEntry {
    DirEntry {
        id: m.id,
        scope: Scope::of(m.location_id),
        extension: m.extension,
        phone_number: m.phone_number,
        display_name: m.display_name,
        first_name: m.first_name,
        last_name: m.last_name,
    }
}

/// Every location, as the rules see it.
pub async fn locations(db: &impl ConnectionTrait) -> Result<Vec<DirLocation>, ServiceError> {
    Ok(location::Entity::find().all(db).await?.into_iter().map(dir_location).collect())
}

/// Where a change lands: its scope (`None` for organization level), its extension, and its
/// number (a DELETE has none).
#[derive(Clone, Copy, Debug)]
pub struct Probe<'a> {
    pub location_id: Option<&'a str>,
    pub extension: &'a str,
    pub phone_number: Option<&'a str>,
}

/// Values per `IN (…)` list: under both databases' bind limits.
const LOOKUP_CHUNK: usize = 1_000;

/// `locations`, and every stored entry the changes in `probes` could clash with: the same
/// extension in the same scope (also what UPDATE and DELETE rows name), the same number, an
/// organization-level extension equal to a location entry's ESN or extension (a clash, or a
/// shadowing), and location entries whose ESN equals an organization-level extension.
/// (Routing prefixes never overlap, so an ESN can only equal an organization-level extension.)
///
/// One form save probes one change; a CSV file probes a chunk of rows at a time, so the
/// checks never need the whole table in memory.
pub async fn load_for(
    db: &impl ConnectionTrait,
    locations: &[DirLocation],
    probes: &[Probe<'_>],
) -> Result<Directory, ServiceError> {
    let mut directory = Directory::new(locations.iter().cloned());
    let mut by_scope: HashMap<&str, BTreeSet<String>> = HashMap::new();
    let mut numbers = BTreeSet::new();
    for probe in probes {
        let scope = probe.location_id.unwrap_or(ORGANIZATION_SCOPE_KEY);
        by_scope.entry(scope).or_default().insert(probe.extension.to_string());
        match probe.location_id {
            Some(id) => {
                let org = by_scope.entry(ORGANIZATION_SCOPE_KEY).or_default();
                org.insert(probe.extension.to_string());
                if let Some(esn) = directory.dialable(&Scope::Location(id.to_string()), probe.extension) {
                    org.insert(esn);
                }
            }
            None => {
                for l in locations {
                    let Some(prefix) = l.routing_prefix.as_deref() else { continue };
                    if let Some(rest) = probe.extension.strip_prefix(prefix).filter(|r| !r.is_empty()) {
                        by_scope.entry(l.id.as_str()).or_default().insert(rest.to_string());
                    }
                }
            }
        }
        numbers.extend(probe.phone_number);
    }
    if db.get_database_backend() != DbBackend::Postgres {
        let keys: Vec<(&str, &str)> = by_scope
            .iter()
            .flat_map(|(scope, extensions)| extensions.iter().map(move |e| (*scope, e.as_str())))
            .collect();
        let numbers: Vec<&str> = numbers.into_iter().collect();
        for entry in sqlite_lookup(db, &keys, &numbers).await? {
            directory.insert(entry);
        }
        return Ok(directory);
    }
    let mut found = Vec::new();
    for (scope, extensions) in &by_scope {
        let extensions: Vec<&str> = extensions.iter().map(String::as_str).collect();
        for chunk in extensions.chunks(LOOKUP_CHUNK) {
            found.extend(
                point_lookups(db, "v.scope_key = $1 AND v.extension = k.value", Some(scope), chunk).await?,
            );
        }
    }
    let numbers: Vec<&str> = numbers.into_iter().collect();
    for chunk in numbers.chunks(LOOKUP_CHUNK) {
        found.extend(point_lookups(db, "v.phone_number = k.value", None, chunk).await?);
    }
    for entry in found {
        directory.insert(dir_entry(entry));
    }
    Ok(directory)
}

/// SQLite: the stored entries with any of these (scope key, extension) pairs or any of these
/// numbers, each once, in one statement: the values go as two JSON arrays, so its text never
/// changes and it is compiled once per connection (an `IN (…)` list of each new length was
/// compiled anew: an import's chunk asked a dozen of them), one index probe per value, and
/// only the columns the rules read come back.
async fn sqlite_lookup(
    db: &impl ConnectionTrait,
    keys: &[(&str, &str)],
    numbers: &[&str],
) -> Result<Vec<DirEntry>, sea_orm::DbErr> {
    if keys.is_empty() && numbers.is_empty() {
        return Ok(Vec::new());
    }
    let statement = Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "SELECT id, location_id, extension, phone_number, display_name, first_name, last_name \
         FROM virtual_extension WHERE rowid IN ( \
           SELECT v.rowid FROM json_each(?1) AS k JOIN virtual_extension AS v \
             ON v.scope_key = k.value ->> 0 AND v.extension = k.value ->> 1 \
           UNION ALL \
           SELECT v.rowid FROM json_each(?2) AS n JOIN virtual_extension AS v ON v.phone_number = n.value)",
        [to_json(keys)?.into(), to_json(numbers)?.into()],
    );
    let rows = db.query_all_raw(statement).await?;
    rows.iter()
        .map(|row| {
            Ok(DirEntry {
                id: row.try_get("", "id")?,
                scope: Scope::of(row.try_get("", "location_id")?),
                extension: row.try_get("", "extension")?,
                phone_number: row.try_get("", "phone_number")?,
                display_name: row.try_get("", "display_name")?,
                first_name: row.try_get("", "first_name")?,
                last_name: row.try_get("", "last_name")?,
            })
        })
        .collect()
}

/// PostgreSQL: the entries matching `on` for each of `values`, one index lookup per value.
///
/// An `IN ($2, …, $2001)` list is what SQLite answers best, but PostgreSQL's generic plan for
/// a prepared statement turns it into a filter that compares every row of the scope with every
/// value (100,000 rows: 5 s per lookup). A plain join of the values fares no better inside an
/// import: the table's statistics still say it is empty while the transaction fills it, so the
/// planner hashes the whole scope for every chunk (a chunk's lookups: 3 ms → 70 ms by the end
/// of 100,000 rows). A `LATERAL` subquery with `LIMIT 1` cannot be flattened into a join: it is
/// one probe of the unique index per value, whatever the statistics say. The values are digits
/// and `+` (validated), so a comma-separated parameter carries them.
async fn point_lookups(
    db: &impl ConnectionTrait,
    on: &str,
    scope: Option<&str>,
    values: &[&str],
) -> Result<Vec<ve::Model>, sea_orm::DbErr> {
    let (sql, params): (String, Vec<sea_orm::Value>) = match scope {
        Some(scope) => (
            format!(
                "SELECT v.* FROM unnest(string_to_array($2, ',')) AS k(value) \
                 CROSS JOIN LATERAL (SELECT * FROM virtual_extension v WHERE {on} LIMIT 1) AS v"
            ),
            vec![scope.into(), values.join(",").into()],
        ),
        None => (
            format!(
                "SELECT v.* FROM unnest(string_to_array($1, ',')) AS k(value) \
                 CROSS JOIN LATERAL (SELECT * FROM virtual_extension v WHERE {on} LIMIT 1) AS v"
            ),
            vec![values.join(",").into()],
        ),
    };
    ve::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(DbBackend::Postgres, sql, params))
        .all(db)
        .await
}

/// Every location, and the entries `candidate` could clash with (see [`load_for`]); for an
/// organization-level candidate also the location entries with its extension, which shadow it
/// at their locations (a warning the form shows; a CSV file's chunks skip that search, which
/// would probe every location for every row).
pub async fn load_around(db: &impl ConnectionTrait, candidate: &DirEntry) -> Result<Directory, ServiceError> {
    let probe = Probe {
        location_id: candidate.scope.location_id(),
        extension: &candidate.extension,
        phone_number: Some(&candidate.phone_number),
    };
    let locations = locations(db).await?;
    let mut directory = load_for(db, &locations, &[probe]).await?;
    if candidate.scope == Scope::Organization {
        let ids: Vec<&str> = locations.iter().map(|l| l.id.as_str()).collect();
        for chunk in ids.chunks(LOOKUP_CHUNK) {
            // Each (scope_key, extension) pair is one probe of the unique index.
            let shadowing = ve::Entity::find()
                .filter(ve::Column::ScopeKey.is_in(chunk.iter().copied()))
                .filter(ve::Column::Extension.eq(candidate.extension.as_str()))
                .all(db)
                .await?;
            for entry in shadowing {
                directory.insert(dir_entry(entry));
            }
        }
    }
    Ok(directory)
}

/// A validation error: the location named does not exist.
pub fn location_not_found() -> FieldError {
    FieldError::new(
        Field::Location,
        ErrorCode::LocationNotFound,
        "That location does not exist (it may have been deleted): choose another location.",
    )
}

/// The location a scope names: it must exist (LOCATION_NOT_FOUND otherwise).
pub async fn resolve_location(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Option<location::Model>, ServiceError> {
    let Some(id) = scope.location_id() else { return Ok(None) };
    match location::Entity::find_by_id(id.to_string()).one(db).await? {
        Some(found) => Ok(Some(found)),
        None => Err(AppError::validation(vec![location_not_found()]).into()),
    }
}
