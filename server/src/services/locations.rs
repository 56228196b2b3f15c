//! Locations: where location-level extensions live, with a routing prefix for ESNs.

use super::audit::{self, Snapshot, Target};
use super::ServiceError;
use crate::store::entities::location;
use crate::store::{begin_write, new_id};
use app::error::AppError;
use app::model::admin::Actor;
use app::model::audit::AuditAction;
use app::model::{prefixes_overlap, ErrorCode, Field, FieldError, Location, NewLocation};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    Set, SqlErr,
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
async fn conflicts(db: &impl ConnectionTrait, new: &NewLocation) -> Result<Vec<FieldError>, ServiceError> {
    let mut found = Vec::new();
    if find_by_name(db, &new.name).await?.is_some() {
        found.push(FieldError::new(
            Field::Name,
            ErrorCode::NameInUse,
            format!("A location named \"{}\" already exists: choose another name.", new.name),
        ));
    }
    if let Some(prefix) = &new.routing_prefix {
        let others =
            location::Entity::find().filter(location::Column::RoutingPrefix.is_not_null()).all(db).await?;
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
}

/// Creates a location (full administrators).
///
/// Errors: `Forbidden`, `Conflict` (NAME_IN_USE, ROUTING_PREFIX_IN_USE, ROUTING_PREFIX_OVERLAPS).
#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewLocation,
) -> Result<Location, ServiceError> {
    super::require_full(actor, "create a location")?;
    let txn = begin_write(db).await?;
    let found = conflicts(&txn, &new).await?;
    if !found.is_empty() {
        return Err(AppError::Conflict { fields: found }.into());
    }
    let now = Utc::now();
    let inserted = location::ActiveModel {
        id: Set(new_id()),
        name: Set(new.name.clone()),
        routing_prefix: Set(new.routing_prefix.clone()),
        country: Set(new.country.clone()),
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
            let fields = conflicts(db, &new).await?;
            if fields.is_empty() {
                return Err(error.into());
            }
            Err(AppError::Conflict { fields }.into())
        }
        Err(error) => Err(error.into()),
    }
}
