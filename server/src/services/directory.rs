//! Fills `app::model::directory::Directory` from the store: the rows a change, or a chunk of a
//! CSV file's changes, can clash with.

use super::ServiceError;
use crate::store::entities::{location, virtual_extension as ve};
use app::error::AppError;
use app::model::directory::{DirEntry, DirLocation, Directory};
use app::model::ORGANIZATION_SCOPE_KEY;
use app::model::{ErrorCode, Field, FieldError, Scope};
use sea_orm::sea_query::ExprTrait;
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
    let mut found = Vec::new();
    let postgres = db.get_database_backend() == DbBackend::Postgres;
    for (scope, extensions) in &by_scope {
        let extensions: Vec<&str> = extensions.iter().map(String::as_str).collect();
        for chunk in extensions.chunks(LOOKUP_CHUNK) {
            found.extend(if postgres {
                point_lookups(db, "v.scope_key = $1 AND v.extension = k.value", Some(scope), chunk).await?
            } else {
                let condition =
                    ve::Column::ScopeKey.eq(*scope).and(ve::Column::Extension.is_in(chunk.iter().copied()));
                ve::Entity::find().filter(condition).all(db).await?
            });
        }
    }
    let numbers: Vec<&str> = numbers.into_iter().collect();
    for chunk in numbers.chunks(LOOKUP_CHUNK) {
        found.extend(if postgres {
            point_lookups(db, "v.phone_number = k.value", None, chunk).await?
        } else {
            ve::Entity::find().filter(ve::Column::PhoneNumber.is_in(chunk.iter().copied())).all(db).await?
        });
    }
    for entry in found {
        directory.insert(dir_entry(entry));
    }
    Ok(directory)
}

/// PostgreSQL: the entries matching `on` for each of `values`, one index lookup per value.
///
/// An `IN ($2, …, $2001)` list is what SQLite answers best, but PostgreSQL's generic plan for
/// a prepared statement turns it into a filter that compares every row of the scope with every
/// value (100,000 rows: 5 s per lookup). Joining the values instead gives a nested loop over the
/// unique index. The values are digits and `+` (validated), so a comma-separated parameter
/// carries them.
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
                 JOIN virtual_extension v ON {on}"
            ),
            vec![scope.into(), values.join(",").into()],
        ),
        None => (
            format!(
                "SELECT v.* FROM unnest(string_to_array($1, ',')) AS k(value) \
                 JOIN virtual_extension v ON {on}"
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
