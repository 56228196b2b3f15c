//! Locations: where location-level extensions live, with a routing prefix for ESNs.

use super::audit::{self, Snapshot, Target};
use super::ServiceError;
use crate::store::entities::location;
use crate::store::entities::{admin_location, api_token, api_token_location, virtual_extension as ve};
use crate::store::{begin_write, lock_directory, new_id};
use app::error::AppError;
use app::model::admin::{Actor, Role};
use app::model::audit::AuditAction;
use app::model::{
    prefixes_overlap, AddressInput, ErrorCode, Field, FieldError, FieldErrors, Location, LocationAddress,
    LocationInput, LocationRow, NewLocation,
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
};

/// Every location, ordered by name.
#[tracing::instrument(skip_all)]
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<Location>, ServiceError> {
    let rows = location::Entity::find().order_by_asc(location::Column::Name).all(db).await?;
    Ok(rows.into_iter().map(Location::from).collect())
}

/// Finds a location by its exact name.
pub async fn find_by_name(db: &impl ConnectionTrait, name: &str) -> Result<Option<Location>, ServiceError> {
    Ok(location::Entity::find().filter(location::Column::Name.eq(name)).one(db).await?.map(Location::from))
}

/// What `new` would clash with: a name in use, a routing prefix in use or overlapping another.
/// `except` is the location being edited.
async fn conflicts(
    db: &impl ConnectionTrait,
    new: &NewLocation,
    except: Option<&str>,
) -> Result<Vec<FieldError>, ServiceError> {
    let mut found = Vec::new();
    if find_by_name(db, &new.name).await?.is_some_and(|other| Some(other.id.as_str()) != except) {
        found.push(FieldError::new(
            Field::Name,
            ErrorCode::NameInUse,
            format!("A location named \"{}\" already exists: choose another name.", new.name),
        ));
    }
    if let Some(prefix) = &new.routing_prefix {
        let others: Vec<_> = location::Entity::find()
            .filter(location::Column::RoutingPrefix.is_not_null())
            .all(db)
            .await?
            .into_iter()
            .filter(|o| Some(o.id.as_str()) != except)
            .collect();
        if let Some(other) = others.iter().find(|o| o.routing_prefix.as_deref() == Some(prefix)) {
            found.push(FieldError::new(
                Field::RoutingPrefix,
                ErrorCode::RoutingPrefixInUse,
                format!("Routing prefix {prefix} is already used by {}: choose another.", other.name),
            ));
        } else if let Some(other) =
            others.iter().find(|o| o.routing_prefix.as_deref().is_some_and(|p| prefixes_overlap(p, prefix)))
        {
            found.push(FieldError::new(
                Field::RoutingPrefix,
                ErrorCode::RoutingPrefixOverlaps,
                format!(
                    "Routing prefix {prefix} overlaps {}'s prefix {}: one starts with the other, so \
                     their ESNs could collide. Choose a prefix that neither starts with nor begins {}.",
                    other.name,
                    other.routing_prefix.as_deref().unwrap_or_default(),
                    other.routing_prefix.as_deref().unwrap_or_default(),
                ),
            ));
        }
    }
    Ok(found)
}

/// A location's fields as the audit log records them.
pub fn snapshot(location: &Location) -> Snapshot {
    Snapshot::new()
        .with("Name", location.name.clone())
        .with("Routing Prefix", location.routing_prefix.clone().unwrap_or_default())
        .with("Country", location.country.clone().unwrap_or_default())
        .with("Outside Dial Digit", location.outside_dial_digit.map(String::from).unwrap_or_default())
}

/// Creates a location (full administrators).
///
/// Errors: `Forbidden`, `Validation` (the fields' rules), `Conflict` (NAME_IN_USE,
/// ROUTING_PREFIX_IN_USE, ROUTING_PREFIX_OVERLAPS).
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &LocationInput,
) -> Result<Location, ServiceError> {
    super::require_full(actor, "create a location")?;
    let new = input.validate().map_err(AppError::validation)?;
    insert(db, actor, new, LocationAddress::default()).await
}

/// Creates a location with its postal address and time zone, as the REST API does (the cloud
/// product's): the country is required there. Otherwise as [`create`].
pub async fn create_at(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &LocationInput,
    address: &AddressInput,
) -> Result<Location, ServiceError> {
    super::require_full(actor, "create a location")?;
    let mut errors = FieldErrors::new();
    let new = errors.take_all(input.validate());
    if input.country.trim().is_empty() {
        errors.push(FieldError::new(
            Field::Country,
            ErrorCode::CountryInvalid,
            "address.country is required: a two-letter ISO 3166 code such as US, GB or DE.",
        ));
    }
    let address = errors.take_all(address.validate());
    let (Some(new), Some(address), true) = (new, address, errors.is_empty()) else {
        return Err(AppError::validation(errors.into_vec()).into());
    };
    insert(db, actor, new, address).await
}

#[tracing::instrument(skip_all)]
async fn insert(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewLocation,
    address: LocationAddress,
) -> Result<Location, ServiceError> {
    let txn = begin_write(db).await?;
    let _changed = lock_directory(&txn).await?;
    let found = conflicts(&txn, &new, None).await?;
    if !found.is_empty() {
        return Err(AppError::Conflict { fields: found }.into());
    }
    let now = Utc::now();
    let inserted = location::ActiveModel {
        id: Set(new_id()),
        name: Set(new.name.clone()),
        routing_prefix: Set(new.routing_prefix.clone()),
        country: Set(new.country.clone()),
        address1: Set(address.address1),
        address2: Set(address.address2),
        city: Set(address.city),
        state: Set(address.state),
        postal_code: Set(address.postal_code),
        time_zone: Set(address.time_zone),
        outside_dial_digit: Set(new.outside_dial_digit.map(String::from)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await;
    match inserted {
        Ok(model) => {
            let created = Location::from(model);
            audit::record(
                &txn,
                actor,
                AuditAction::LocationCreated,
                Target { id: &created.id, label: created.name.clone() },
                None,
                Some(&snapshot(&created)),
            )
            .await?;
            txn.commit().await?;
            Ok(created)
        }
        // A concurrent writer won the race (PostgreSQL); name the field by checking again.
        Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            txn.rollback().await?;
            let fields = conflicts(db, &new, None).await?;
            if fields.is_empty() {
                return Err(error.into());
            }
            Err(AppError::Conflict { fields }.into())
        }
        Err(error) => Err(error.into()),
    }
}

/// Every location with how many virtual extensions and administrators depend on it.
#[tracing::instrument(skip_all)]
pub async fn rows(db: &impl ConnectionTrait) -> Result<Vec<LocationRow>, ServiceError> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    use std::collections::HashMap;
    // Counted by the database, one row per location (not one per entry).
    let extensions: HashMap<String, i64> = ve::Entity::find()
        .select_only()
        .column(ve::Column::LocationId)
        .column_as(Expr::col(ve::Column::Id).count(), "n")
        .filter(ve::Column::LocationId.is_not_null())
        .group_by(ve::Column::LocationId)
        .into_tuple::<(String, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let administrators: HashMap<String, i64> = admin_location::Entity::find()
        .select_only()
        .column(admin_location::Column::LocationId)
        .column_as(Expr::col(admin_location::Column::AdminId).count(), "n")
        .group_by(admin_location::Column::LocationId)
        .into_tuple::<(String, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let count = |counts: &HashMap<String, i64>, id: &str| {
        counts.get(id).map_or(0, |n| u64::try_from(*n).unwrap_or(0))
    };
    Ok(list(db)
        .await?
        .into_iter()
        .map(|location| LocationRow {
            virtual_extensions: count(&extensions, &location.id),
            administrators: count(&administrators, &location.id),
            location,
        })
        .collect())
}

fn address_of(row: &location::Model) -> LocationAddress {
    LocationAddress {
        address1: row.address1.clone(),
        address2: row.address2.clone(),
        city: row.city.clone(),
        state: row.state.clone(),
        postal_code: row.postal_code.clone(),
        time_zone: row.time_zone.clone(),
    }
}

/// The locations `actor` may see (a location administrator or token: its own), by name, with
/// their address and time zone; `name` keeps those whose name contains it (any case). At most
/// `limit`, and whether there were more.
pub async fn with_addresses(
    db: &impl ConnectionTrait,
    actor: &Actor,
    name: Option<&str>,
    limit: usize,
) -> Result<(Vec<(Location, LocationAddress)>, bool), ServiceError> {
    let wanted = name.map(str::to_lowercase);
    let mut found: Vec<(Location, LocationAddress)> = location::Entity::find()
        .order_by_asc(location::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .filter(|row| actor.role != Role::Location || actor.locations.contains(&row.id))
        .filter(|row| wanted.as_ref().is_none_or(|w| row.name.to_lowercase().contains(w.as_str())))
        .map(|row| (address_of(&row), row))
        .map(|(address, row)| (Location::from(row), address))
        .collect();
    let more = found.len() > limit;
    found.truncate(limit);
    Ok((found, more))
}

/// One location with its address and time zone, if `actor` may see it (else `NotFound`).
pub async fn get_with_address(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: &str,
) -> Result<(Location, LocationAddress), ServiceError> {
    match location::Entity::find_by_id(id.to_string()).one(db).await? {
        Some(row) if actor.role != Role::Location || actor.locations.contains(&row.id) => {
            let address = address_of(&row);
            Ok((Location::from(row), address))
        }
        _ => Err(AppError::NotFound { what: "That location".to_string() }.into()),
    }
}

/// One location, or `NotFound`.
pub async fn get(db: &impl ConnectionTrait, id: &str) -> Result<Location, ServiceError> {
    match location::Entity::find_by_id(id.to_string()).one(db).await? {
        Some(found) => Ok(Location::from(found)),
        None => Err(AppError::NotFound { what: "That location".to_string() }.into()),
    }
}

/// With a new routing prefix, the location's entries get new ESNs: none may equal an
/// organization-level extension.
async fn esn_clashes(
    db: &impl ConnectionTrait,
    location: &Location,
    prefix: &str,
) -> Result<Vec<FieldError>, ServiceError> {
    let organization: Vec<ve::Model> = ve::Entity::find()
        .filter(ve::Column::LocationId.is_null())
        .filter(ve::Column::Extension.starts_with(prefix))
        .all(db)
        .await?;
    if organization.is_empty() {
        return Ok(Vec::new());
    }
    let here: std::collections::HashMap<String, ve::Model> = ve::Entity::find()
        .filter(ve::Column::LocationId.eq(location.id.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.extension.clone(), m))
        .collect();
    let clashes: Vec<String> = organization
        .iter()
        .filter_map(|org| {
            let rest = org.extension.strip_prefix(prefix)?;
            let mine = here.get(rest)?;
            Some(format!(
                "\"{}\" (extension {}) would get ESN {} = organization-level extension of \"{}\"",
                mine.display_name, mine.extension, org.extension, org.display_name
            ))
        })
        .collect();
    if clashes.is_empty() {
        return Ok(Vec::new());
    }
    let shown: Vec<&str> = clashes.iter().take(3).map(String::as_str).collect();
    let more = clashes.len().saturating_sub(shown.len());
    Ok(vec![FieldError::new(
        Field::RoutingPrefix,
        ErrorCode::ExtensionConflictsWithEsn,
        format!(
            "With routing prefix {prefix}, {}{}. Choose another prefix, or change those extensions first.",
            shown.join("; "),
            if more > 0 { format!("; and {more} more") } else { String::new() }
        ),
    )])
}

/// Changes a location's name, routing prefix or country (full administrators). A new prefix
/// changes the ESN of every entry at the location, so it must not make one equal an
/// organization-level extension.
///
/// Errors: `Forbidden`, `NotFound`, `Conflict` (NAME_IN_USE, ROUTING_PREFIX_IN_USE,
/// ROUTING_PREFIX_OVERLAPS, EXTENSION_CONFLICTS_WITH_ESN).
#[tracing::instrument(skip_all)]
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: &str,
    input: &LocationInput,
) -> Result<Location, ServiceError> {
    super::require_full(actor, "change a location")?;
    let new = input.validate().map_err(AppError::validation)?;
    let txn = begin_write(db).await?;
    let _changed = lock_directory(&txn).await?;
    let current = get(&txn, id).await?;
    let mut found = conflicts(&txn, &new, Some(id)).await?;
    if let Some(prefix) =
        new.routing_prefix.as_deref().filter(|p| current.routing_prefix.as_deref() != Some(*p))
    {
        if found.iter().all(|e| e.field != Field::RoutingPrefix) {
            found.extend(esn_clashes(&txn, &current, prefix).await?);
        }
    }
    if !found.is_empty() {
        return Err(AppError::Conflict { fields: found }.into());
    }
    let updated = Location {
        id: current.id.clone(),
        name: new.name.clone(),
        routing_prefix: new.routing_prefix.clone(),
        country: new.country.clone(),
        outside_dial_digit: new.outside_dial_digit,
    };
    if updated == current {
        txn.rollback().await?;
        return Ok(current);
    }
    let written = location::ActiveModel {
        id: Set(current.id.clone()),
        name: Set(updated.name.clone()),
        routing_prefix: Set(updated.routing_prefix.clone()),
        country: Set(updated.country.clone()),
        outside_dial_digit: Set(updated.outside_dial_digit.map(String::from)),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(&txn)
    .await;
    match written {
        Ok(_) => {
            audit::record(
                &txn,
                actor,
                AuditAction::LocationUpdated,
                Target { id: &updated.id, label: updated.name.clone() },
                Some(&snapshot(&current)),
                Some(&snapshot(&updated)),
            )
            .await?;
            txn.commit().await?;
            Ok(updated)
        }
        Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            txn.rollback().await?;
            let fields = conflicts(db, &new, Some(id)).await?;
            if fields.is_empty() {
                return Err(error.into());
            }
            Err(AppError::Conflict { fields }.into())
        }
        Err(error) => Err(error.into()),
    }
}

/// Why a location cannot go yet, and what to do about it.
fn still_used(name: &str, extensions: u64, ranges: u64, administrators: u64, tokens: u64) -> FieldError {
    let mut reasons = Vec::new();
    if extensions > 0 {
        reasons.push(match extensions {
            1 => "1 virtual extension is still at this location: move it to another location or to \
                  organization level, or delete it"
                .to_string(),
            n => format!(
                "{n} virtual extensions are still at this location: move them to another location or to \
                 organization level, or delete them"
            ),
        });
    }
    if ranges > 0 {
        reasons.push(match ranges {
            1 => "1 virtual extension range is at this location: delete it on the Ranges tab".to_string(),
            n => format!("{n} virtual extension ranges are at this location: delete them on the Ranges tab"),
        });
    }
    if administrators > 0 {
        reasons.push(match administrators {
            1 => "1 location administrator manages it: change their locations on the Administrators page"
                .to_string(),
            n => format!(
                "{n} location administrators manage it: change their locations on the Administrators page"
            ),
        });
    }
    if tokens > 0 {
        reasons.push(match tokens {
            1 => "1 API token manages it: revoke it on the API Tokens page".to_string(),
            n => format!("{n} API tokens manage it: revoke them on the API Tokens page"),
        });
    }
    FieldError::new(
        Field::Location,
        ErrorCode::LocationInUse,
        format!("{name} cannot be deleted yet. {}. Then delete it.", reasons.join("; and ")),
    )
}

/// What still depends on `location`, as the error a delete gets.
async fn in_use(db: &impl ConnectionTrait, location: &Location) -> Result<Option<FieldError>, ServiceError> {
    let id = location.id.as_str();
    let extensions = ve::Entity::find().filter(ve::Column::LocationId.eq(id)).count(db).await?;
    let ranges = super::ranges::count_at(db, id).await?;
    let administrators =
        admin_location::Entity::find().filter(admin_location::Column::LocationId.eq(id)).count(db).await?;
    // Revoked tokens do not hold a location (the delete drops their links).
    let tokens = api_token_location::Entity::find()
        .filter(api_token_location::Column::LocationId.eq(id))
        .filter(
            api_token_location::Column::TokenId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(api_token::Column::Id)
                    .from(api_token::Entity)
                    .and_where(api_token::Column::RevokedAt.is_null())
                    .to_owned(),
            ),
        )
        .count(db)
        .await?;
    Ok((extensions > 0 || ranges > 0 || administrators > 0 || tokens > 0)
        .then(|| still_used(&location.name, extensions, ranges, administrators, tokens)))
}

/// Deletes a location nothing depends on (full administrators).
///
/// Errors: `Forbidden`, `NotFound`, `Conflict` (LOCATION_IN_USE: entries, ranges or administrators
/// still there; the foreign keys refuse it too, should one arrive meanwhile).
#[tracing::instrument(skip_all)]
pub async fn delete(db: &DatabaseConnection, actor: &Actor, id: &str) -> Result<Location, ServiceError> {
    super::require_full(actor, "delete a location")?;
    let txn = begin_write(db).await?;
    let _changed = lock_directory(&txn).await?;
    let current = get(&txn, id).await?;
    if let Some(used) = in_use(&txn, &current).await? {
        return Err(AppError::Conflict { fields: vec![used] }.into());
    }
    api_token_location::Entity::delete_many()
        .filter(api_token_location::Column::LocationId.eq(id))
        .exec(&txn)
        .await?;
    match location::Entity::delete_by_id(id.to_string()).exec(&txn).await {
        Ok(_) => {
            audit::record(
                &txn,
                actor,
                AuditAction::LocationDeleted,
                Target { id: &current.id, label: current.name.clone() },
                Some(&snapshot(&current)),
                None,
            )
            .await?;
            txn.commit().await?;
            Ok(current)
        }
        // Something arrived meanwhile (an administrator's assignment takes another lock).
        Err(error) if matches!(error.sql_err(), Some(SqlErr::ForeignKeyConstraintViolation(_))) => {
            txn.rollback().await?;
            match in_use(db, &current).await? {
                Some(used) => Err(AppError::Conflict { fields: vec![used] }.into()),
                None => Err(error.into()),
            }
        }
        Err(error) => Err(error.into()),
    }
}
