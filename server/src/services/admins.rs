//! Administrator accounts: creation with an Argon2id password hash (computed off the async
//! threads), and what start-up needs to know.

use super::ServiceError;
use crate::store::entities::{admin_location, admin_user, location};
use crate::store::{begin_write, new_id};
use app::error::AppError;
use app::model::admin::{check_password, Email, Role};
use app::model::{ErrorCode, Field, FieldError};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, Set, SqlErr,
};

/// An administrator as the rest of vext sees it (no hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Admin {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    /// Location ids, for location administrators.
    pub locations: Vec<String>,
}

/// Hashes with Argon2id (the crate's defaults: 19 MiB, 2 passes, 1 lane) on a blocking thread:
/// a hash takes tens of milliseconds of CPU that must not stall the async workers.
pub async fn hash_password(password: String) -> Result<String, ServiceError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(|e| ServiceError::Db(sea_orm::DbErr::Custom(format!("password hashing task failed: {e}"))))?
    .map_err(|e| ServiceError::Db(sea_orm::DbErr::Custom(format!("password hashing failed: {e}"))))
}

/// Whether `password` matches a stored hash (on a blocking thread, like hashing).
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// Every administrator, by email.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<Admin>, ServiceError> {
    use sea_orm::QueryOrder;
    let rows = admin_user::Entity::find().order_by_asc(admin_user::Column::Email).all(db).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(load(db, row).await?);
    }
    Ok(out)
}

/// An administrator's row with their locations. An unknown stored role (which the CHECK
/// constraint prevents) reads as the least powerful one.
pub async fn load(db: &impl ConnectionTrait, row: admin_user::Model) -> Result<Admin, ServiceError> {
    let locations = admin_location::Entity::find()
        .filter(admin_location::Column::AdminId.eq(row.id.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.location_id)
        .collect();
    let role = Role::parse(&row.role).unwrap_or(Role::ReadOnly);
    Ok(Admin { id: row.id, email: row.email, role, disabled: row.disabled, locations })
}

/// How many administrators exist (start-up says how to create the first).
pub async fn count(db: &impl ConnectionTrait) -> Result<u64, ServiceError> {
    Ok(admin_user::Entity::find().count(db).await?)
}

/// Creates an administrator. Location administrators name at least one location (by name);
/// the other roles name none.
///
/// Errors: `Validation` (EMAIL_INVALID, PASSWORD_*, LOCATION_REQUIRED, LOCATION_NOT_ALLOWED,
/// LOCATION_NOT_FOUND), `Conflict` (EMAIL_IN_USE).
#[tracing::instrument(skip_all, fields(role = role.as_str()))]
pub async fn create(
    db: &DatabaseConnection,
    email: &str,
    role: Role,
    location_names: &[String],
    password: String,
) -> Result<Admin, ServiceError> {
    let mut errors = Vec::new();
    let email = match Email::parse(email) {
        Ok(email) => Some(email),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    if let Some(email) = &email {
        if let Err(e) = check_password(&password, email) {
            errors.push(e);
        }
    }
    match (role, location_names.is_empty()) {
        (Role::Location, true) => errors.push(FieldError::new(
            Field::Location,
            ErrorCode::LocationRequired,
            "A location administrator manages at least one location: name it with --location.",
        )),
        (Role::Full | Role::ReadOnly, false) => errors.push(FieldError::new(
            Field::Location,
            ErrorCode::LocationNotAllowed,
            "Only location administrators have locations: drop --location, or use --role location.",
        )),
        _ => {}
    }
    let mut location_ids = Vec::new();
    for name in location_names {
        match location::Entity::find().filter(location::Column::Name.eq(name.as_str())).one(db).await? {
            Some(l) => location_ids.push(l.id),
            None => errors.push(FieldError::new(
                Field::Location,
                ErrorCode::LocationNotFound,
                format!("No location is named \"{name}\": see `vext location list`."),
            )),
        }
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Err(AppError::validation(errors).into());
    };
    let in_use = || AppError::Conflict {
        fields: vec![FieldError::new(
            Field::Email,
            ErrorCode::EmailInUse,
            format!("An administrator with the email {} already exists.", email.as_str()),
        )],
    };
    if admin_user::Entity::find()
        .filter(admin_user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
        .is_some()
    {
        return Err(in_use().into());
    }
    let hash = hash_password(password).await?;
    let now = Utc::now();
    let id = new_id();
    let txn = begin_write(db).await?;
    let inserted = admin_user::ActiveModel {
        id: Set(id.clone()),
        email: Set(email.as_str().to_string()),
        password_hash: Set(hash),
        role: Set(role.as_str().to_string()),
        disabled: Set(false),
        password_changed_at: Set(now),
        failed_sign_ins: Set(0),
        locked_until: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await;
    if let Err(error) = inserted {
        txn.rollback().await?;
        return Err(match error.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => in_use().into(),
            _ => error.into(),
        });
    }
    for location_id in &location_ids {
        admin_location::ActiveModel { admin_id: Set(id.clone()), location_id: Set(location_id.clone()) }
            .insert(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(Admin { id, email: email.as_str().to_string(), role, disabled: false, locations: location_ids })
}
