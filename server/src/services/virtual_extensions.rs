//! Virtual extensions: list and create, with uniqueness checked in the same transaction as the
//! write (and enforced again by the database's unique indexes).

use super::ServiceError;
use crate::store::entities::{location, virtual_extension as ve};
use crate::store::{begin_write, new_id};
use app::error::AppError;
use app::model::{
    ErrorCode, Field, FieldError, Level, ListQuery, NewVirtualExtension, Scope, VirtualExtension,
    VirtualExtensionPage,
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
};

fn to_view(model: ve::Model, location: Option<location::Model>) -> VirtualExtension {
    VirtualExtension {
        level: if model.location_id.is_some() { Level::Location } else { Level::Organization },
        id: model.id,
        location_id: model.location_id,
        location_name: location.map(|l| l.name),
        first_name: model.first_name,
        last_name: model.last_name,
        display_name: model.display_name,
        extension: model.extension,
        phone_number: model.phone_number,
        version: model.version,
    }
}

/// One page of virtual extensions, by display name, with the total count.
#[tracing::instrument(skip_all, fields(page = query.page, per_page = query.per_page))]
pub async fn list(
    db: &impl ConnectionTrait,
    query: &ListQuery,
) -> Result<VirtualExtensionPage, ServiceError> {
    let query = query.normalized();
    let total = ve::Entity::find().count(db).await?;
    let rows = ve::Entity::find()
        .find_also_related(location::Entity)
        .order_by_asc(ve::Column::DisplayName)
        .order_by_asc(ve::Column::Id)
        .offset(u64::from(query.page) * u64::from(query.per_page))
        .limit(u64::from(query.per_page))
        .all(db)
        .await?;
    Ok(VirtualExtensionPage {
        items: rows.into_iter().map(|(m, l)| to_view(m, l)).collect(),
        total,
        page: query.page,
        per_page: query.per_page,
    })
}

/// The location a scope names, or a validation error saying it does not exist.
async fn resolve_location(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Option<location::Model>, ServiceError> {
    let Some(id) = scope.location_id() else { return Ok(None) };
    match location::Entity::find_by_id(id.to_string()).one(db).await? {
        Some(found) => Ok(Some(found)),
        None => Err(AppError::validation(vec![location_not_found()]).into()),
    }
}

fn location_not_found() -> FieldError {
    FieldError::new(
        Field::Location,
        ErrorCode::LocationNotFound,
        "That location does not exist (it may have been deleted): choose another location.",
    )
}

fn describe_owner(owner: &ve::Model) -> String {
    format!("\"{}\" (extension {})", owner.display_name, owner.extension)
}

/// What `new` would clash with in the store, each keyed by its field. `except` skips the
/// entry being edited.
pub async fn conflicts(
    db: &impl ConnectionTrait,
    new: &NewVirtualExtension,
    location: Option<&location::Model>,
    except: Option<&str>,
) -> Result<Vec<FieldError>, ServiceError> {
    let mut found = Vec::new();
    let mut same_extension = ve::Entity::find()
        .filter(ve::Column::ScopeKey.eq(new.scope.key()))
        .filter(ve::Column::Extension.eq(new.extension.as_str()));
    let mut same_number = ve::Entity::find().filter(ve::Column::PhoneNumber.eq(new.phone_number.as_str()));
    if let Some(id) = except {
        same_extension = same_extension.filter(ve::Column::Id.ne(id));
        same_number = same_number.filter(ve::Column::Id.ne(id));
    }
    if let Some(owner) = same_extension.one(db).await? {
        let place = match location {
            Some(l) => format!("at {}", l.name),
            None => "at organization level".to_string(),
        };
        found.push(FieldError::new(
            Field::Extension,
            ErrorCode::ExtensionInUse,
            format!(
                "Extension {} is already used {place} by \"{}\": choose another extension.",
                new.extension.as_str(),
                owner.display_name
            ),
        ));
    }
    if let Some(owner) = same_number.one(db).await? {
        found.push(FieldError::new(
            Field::PhoneNumber,
            ErrorCode::PhoneNumberInUse,
            format!(
                "{} already belongs to {}. A number can have only one virtual extension, or caller \
                 ID would be ambiguous: edit that entry instead.",
                new.phone_number.as_str(),
                describe_owner(&owner)
            ),
        ));
    }
    Ok(found)
}

/// Creates a virtual extension.
///
/// Errors: `Validation` (LOCATION_NOT_FOUND), `Conflict` (EXTENSION_IN_USE, PHONE_NUMBER_IN_USE).
#[tracing::instrument(skip_all, fields(level = new.scope.level().as_str()))]
pub async fn create(
    db: &DatabaseConnection,
    new: NewVirtualExtension,
) -> Result<VirtualExtension, ServiceError> {
    let txn = begin_write(db).await?;
    let location = resolve_location(&txn, &new.scope).await?;
    let found = conflicts(&txn, &new, location.as_ref(), None).await?;
    if !found.is_empty() {
        return Err(AppError::Conflict { fields: found }.into());
    }
    let now = Utc::now();
    let inserted = ve::ActiveModel {
        id: Set(new_id()),
        level: Set(new.scope.level().as_str().to_string()),
        location_id: Set(new.scope.location_id().map(str::to_string)),
        scope_key: Set(new.scope.key().to_string()),
        extension: Set(new.extension.as_str().to_string()),
        first_name: Set(new.first_name.as_ref().map(|n| n.as_str().to_string())),
        last_name: Set(new.last_name.as_ref().map(|n| n.as_str().to_string())),
        display_name: Set(new.display_name.as_str().to_string()),
        phone_number: Set(new.phone_number.as_str().to_string()),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(&txn)
    .await;
    match inserted {
        Ok(model) => {
            txn.commit().await?;
            Ok(to_view(model, location))
        }
        Err(error) => {
            txn.rollback().await?;
            match error.sql_err() {
                // A concurrent writer won the race: say which field by checking again.
                Some(SqlErr::UniqueConstraintViolation(_)) => {
                    let fields = conflicts(db, &new, location.as_ref(), None).await?;
                    if fields.is_empty() {
                        return Err(error.into());
                    }
                    Err(AppError::Conflict { fields }.into())
                }
                // The location was deleted between our read and the insert.
                Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                    Err(AppError::validation(vec![location_not_found()]).into())
                }
                _ => Err(error.into()),
            }
        }
    }
}
