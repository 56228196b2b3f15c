//! Managing administrator accounts: who may sign in and with which role (reading an account
//! and hashing its password are `accounts`). Every change is full administrators' business
//! (anyone may set their own password and end their own sessions) and is recorded in the
//! audit log.

use super::accounts::{hash_password, load, verify_password, Admin};
use super::audit::{self, Snapshot, Target};
use super::rfc3339;
use super::sessions::{self, SessionPolicy};
use super::ServiceError;
use crate::store::entities::{admin_location, admin_user, location};
use crate::store::{begin_write, new_id};
use app::error::AppError;
use app::model::admin::{
    check_password, Actor, AdminAccount, AdminChange, AdminInput, Email, Role, SessionInfo,
};
use app::model::audit::AuditAction;
use app::model::{ErrorCode, Field, FieldError};
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, Set, SqlErr,
};

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

/// The administrator with this email (in any case), or `NotFound`.
pub async fn find_by_email(db: &impl ConnectionTrait, email: &str) -> Result<Admin, ServiceError> {
    let not_found = || {
        ServiceError::from(AppError::NotFound {
            what: format!("An administrator with the email {:?}", email.trim()),
        })
    };
    let email = Email::parse(email).map_err(|_| not_found())?;
    let row = admin_user::Entity::find()
        .filter(admin_user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    load(db, row).await
}

/// How many administrators exist (start-up says how to create the first).
pub async fn count(db: &impl ConnectionTrait) -> Result<u64, ServiceError> {
    Ok(admin_user::Entity::find().count(db).await?)
}

/// Administrators' pages: full administrators manage, read-only ones look.
fn may_view(actor: &Actor) -> Result<(), ServiceError> {
    if actor.is_full() || actor.role == Role::ReadOnly {
        Ok(())
    } else {
        Err(super::forbidden(actor, "view administrators"))
    }
}

/// Every administrator with their open sessions, for the Administrators page.
pub async fn accounts(db: &DatabaseConnection, actor: &Actor) -> Result<Vec<AdminAccount>, ServiceError> {
    use sea_orm::QueryOrder;
    may_view(actor)?;
    let now = Utc::now();
    let rows = admin_user::Entity::find().order_by_asc(admin_user::Column::Email).all(db).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let locked_until = sessions::paused_until(db, &row.email, now).await?.map(rfc3339);
        let open = sessions::open_sessions(db, &row.id, SessionPolicy::default(), now).await?;
        let admin = load(db, row).await?;
        out.push(AdminAccount {
            id: admin.id,
            email: admin.email,
            role: admin.role,
            disabled: admin.disabled,
            locations: admin.locations,
            locked_until,
            sessions: open
                .into_iter()
                .map(|s| SessionInfo {
                    current: actor.session.as_deref() == Some(s.token_hash.as_str()),
                    id: s.token_hash,
                    created_at: rfc3339(s.created_at),
                    last_seen_at: rfc3339(s.last_seen_at),
                    ip: s.ip,
                    user_agent: s.user_agent,
                })
                .collect(),
        });
    }
    Ok(out)
}

/// Location ids for `refs` (ids or exact names), with an error for each unknown one.
pub(super) async fn resolve_locations(
    db: &impl ConnectionTrait,
    refs: &[String],
    errors: &mut Vec<FieldError>,
) -> Result<Vec<String>, ServiceError> {
    let mut ids: Vec<String> = Vec::new();
    for raw in refs.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
        let found = match location::Entity::find_by_id(raw.to_string()).one(db).await? {
            Some(l) => Some(l),
            None => location::Entity::find().filter(location::Column::Name.eq(raw)).one(db).await?,
        };
        match found {
            Some(l) if !ids.contains(&l.id) => ids.push(l.id),
            Some(_) => {}
            None => errors.push(FieldError::new(
                Field::Location,
                ErrorCode::LocationNotFound,
                format!("No location \"{raw}\" exists (it may have been deleted): choose one from the list (`vext location list` shows them)."),
            )),
        }
    }
    Ok(ids)
}

/// A role and its locations agree: location administrators have some, the others none.
pub(super) fn check_role_locations(role: Role, locations: &[String], errors: &mut Vec<FieldError>) {
    match (role, locations.iter().all(|l| l.trim().is_empty())) {
        (Role::Location, true) => errors.push(FieldError::new(
            Field::Location,
            ErrorCode::LocationRequired,
            "A location administrator manages at least one location: choose one (on the command line, --location).",
        )),
        (Role::Full | Role::ReadOnly, false) => errors.push(FieldError::new(
            Field::Location,
            ErrorCode::LocationNotAllowed,
            "Only location administrators have locations: clear the locations, or make the role Location administrator.",
        )),
        _ => {}
    }
}

/// The role as the audit log records it, with location names.
async fn admin_snapshot(
    db: &impl ConnectionTrait,
    role: Role,
    location_ids: &[String],
) -> Result<Snapshot, ServiceError> {
    let mut names = Vec::new();
    for id in location_ids {
        if let Some(l) = location::Entity::find_by_id(id.clone()).one(db).await? {
            names.push(l.name);
        }
    }
    names.sort();
    Ok(Snapshot::new().with("Role", role.label()).with("Locations", names.join(", ")))
}

/// Serializes changes to administrators, so that two concurrent ones cannot both remove "the
/// other" last full administrator. SQLite's write transactions are serialized already.
async fn lock_admins(txn: &DatabaseTransaction) -> Result<(), ServiceError> {
    Ok(crate::store::serialize(txn, crate::store::Lock::Administrators).await?)
}

/// Refuses a change that would leave no active full administrator.
async fn keep_a_full_admin(
    txn: &DatabaseTransaction,
    losing: &str,
    field: Field,
) -> Result<(), ServiceError> {
    let others = admin_user::Entity::find()
        .filter(admin_user::Column::Role.eq(Role::Full))
        .filter(admin_user::Column::Disabled.eq(false))
        .filter(admin_user::Column::Id.ne(losing))
        .count(txn)
        .await?;
    if others == 0 {
        return Err(AppError::Conflict {
            fields: vec![FieldError::new(
                field,
                ErrorCode::LastFullAdministrator,
                "This is the last active full administrator: make another administrator full first, or nobody could manage vext.",
            )],
        }
        .into());
    }
    Ok(())
}

async fn find(db: &impl ConnectionTrait, id: &str) -> Result<admin_user::Model, ServiceError> {
    admin_user::Entity::find_by_id(id.to_string())
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound { what: "That administrator".to_string() }.into())
}

/// Creates an administrator (full administrators; the command line acts as one). Location
/// administrators name at least one location (by id or name); the other roles name none.
///
/// Errors: `Forbidden`, `Validation` (EMAIL_INVALID, ROLE_INVALID, PASSWORD_*, LOCATION_REQUIRED,
/// LOCATION_NOT_ALLOWED, LOCATION_NOT_FOUND), `Conflict` (EMAIL_IN_USE).
#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: AdminInput,
) -> Result<Admin, ServiceError> {
    super::require_full(actor, "add an administrator")?;
    let mut errors = Vec::new();
    let email = match Email::parse(&input.email) {
        Ok(email) => Some(email),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let role = match Role::parse(&input.role) {
        Ok(role) => Some(role),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    if let Some(email) = &email {
        if let Err(e) = check_password(&input.password, email) {
            errors.push(e);
        }
    }
    if let Some(role) = role {
        check_role_locations(role, &input.locations, &mut errors);
    }
    let location_ids = resolve_locations(db, &input.locations, &mut errors).await?;
    let (Some(email), Some(role)) = (email, role) else {
        return Err(AppError::validation(errors).into());
    };
    if !errors.is_empty() {
        return Err(AppError::validation(errors).into());
    }
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
    let hash = hash_password(input.password).await?;
    let now = Utc::now();
    let id = new_id();
    let txn = begin_write(db).await?;
    let inserted = admin_user::ActiveModel {
        id: Set(id.clone()),
        email: Set(email.as_str().to_string()),
        password_hash: Set(hash),
        role: Set(role),
        disabled: Set(false),
        password_changed_at: Set(now),
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
    let after = admin_snapshot(&txn, role, &location_ids).await?.with("Email", email.as_str());
    audit::record(
        &txn,
        actor,
        AuditAction::AdministratorCreated,
        Target { id: &id, label: email.as_str().to_string() },
        None,
        Some(&after),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(admin = %id, by = %actor.id, role = role.as_str(), "administrator created");
    Ok(Admin { id, email: email.as_str().to_string(), role, disabled: false, locations: location_ids })
}

/// Changes an administrator's role and locations (full administrators). Takes effect at their
/// next request. The last active full administrator keeps the role.
///
/// Errors: `Forbidden`, `NotFound`, `Validation` (ROLE_INVALID, LOCATION_*), `Conflict`
/// (LAST_FULL_ADMINISTRATOR).
#[tracing::instrument(skip_all)]
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: &str,
    change: &AdminChange,
) -> Result<Admin, ServiceError> {
    super::require_full(actor, "change an administrator")?;
    let locations = &change.locations;
    let mut errors = Vec::new();
    let role = match Role::parse(&change.role) {
        Ok(role) => Some(role),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    if let Some(role) = role {
        check_role_locations(role, locations, &mut errors);
    }
    let location_ids = resolve_locations(db, locations, &mut errors).await?;
    let Some(role) = role.filter(|_| errors.is_empty()) else {
        return Err(AppError::validation(errors).into());
    };
    let txn = begin_write(db).await?;
    lock_admins(&txn).await?;
    let row = find(&txn, id).await?;
    let before_admin = load(&txn, row.clone()).await?;
    if before_admin.role == Role::Full && role != Role::Full && !row.disabled {
        keep_a_full_admin(&txn, id, Field::Role).await?;
    }
    let before = admin_snapshot(&txn, before_admin.role, &before_admin.locations).await?;
    admin_user::Entity::update_many()
        .col_expr(admin_user::Column::Role, Expr::value(role))
        .col_expr(admin_user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(admin_user::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    admin_location::Entity::delete_many().filter(admin_location::Column::AdminId.eq(id)).exec(&txn).await?;
    for location_id in &location_ids {
        admin_location::ActiveModel { admin_id: Set(id.to_string()), location_id: Set(location_id.clone()) }
            .insert(&txn)
            .await?;
    }
    let after = admin_snapshot(&txn, role, &location_ids).await?;
    if before != after {
        audit::record(
            &txn,
            actor,
            AuditAction::AdministratorUpdated,
            Target { id, label: row.email.clone() },
            Some(&before),
            Some(&after),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(Admin { id: row.id, email: row.email, role, disabled: row.disabled, locations: location_ids })
}

/// Disables or re-enables an administrator (full administrators). Disabling ends their
/// sessions; re-enabling also lifts a sign-in back-off. Nobody disables their own account, and
/// the last active full administrator stays.
///
/// Errors: `Forbidden`, `NotFound`, `Conflict` (OWN_ACCOUNT, LAST_FULL_ADMINISTRATOR).
#[tracing::instrument(skip_all, fields(disabled))]
pub async fn set_disabled(
    db: &DatabaseConnection,
    actor: &Actor,
    id: &str,
    disabled: bool,
) -> Result<Admin, ServiceError> {
    super::require_full(
        actor,
        if disabled { "disable an administrator" } else { "re-enable an administrator" },
    )?;
    if disabled && actor.id == id {
        return Err(AppError::Conflict {
            fields: vec![FieldError::new(
                Field::Status,
                ErrorCode::OwnAccount,
                "You cannot disable your own account: ask another full administrator.",
            )],
        }
        .into());
    }
    let txn = begin_write(db).await?;
    lock_admins(&txn).await?;
    let row = find(&txn, id).await?;
    if row.disabled == disabled {
        txn.commit().await?;
        return load(db, row).await;
    }
    if disabled && row.role == Role::Full {
        keep_a_full_admin(&txn, id, Field::Status).await?;
    }
    admin_user::Entity::update_many()
        .col_expr(admin_user::Column::Disabled, Expr::value(disabled))
        .col_expr(admin_user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(admin_user::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    if !disabled {
        sessions::clear_failures(&txn, &row.email).await?;
    }
    let ended = if disabled { sessions::end_all(&txn, id).await? } else { 0 };
    let status = |d: bool| if d { "Disabled" } else { "Active" };
    audit::record(
        &txn,
        actor,
        if disabled { AuditAction::AdministratorDisabled } else { AuditAction::AdministratorEnabled },
        Target { id, label: row.email.clone() },
        Some(&Snapshot::new().with("Status", status(row.disabled))),
        Some(&Snapshot::new().with("Status", status(disabled))),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(admin = %id, by = %actor.id, disabled, sessions_ended = ended, "administrator status changed");
    let row = find(db, id).await?;
    load(db, row).await
}

/// Sets a new password for an administrator: full administrators for anyone without knowing
/// the old one; everyone for their own account with their `current` password (so that a stolen
/// session cannot become a lasting takeover). Their sessions end, this one included when it is
/// their own; sign-in back-offs on the account are lifted.
///
/// Errors: `Forbidden`, `NotFound`, `Validation` (PASSWORD_*, CURRENT_PASSWORD_REQUIRED,
/// CURRENT_PASSWORD_INCORRECT), `TooManyRequests` (password hashing saturated).
#[tracing::instrument(skip_all)]
pub async fn reset_password(
    db: &DatabaseConnection,
    actor: &Actor,
    id: &str,
    password: String,
    current: Option<String>,
) -> Result<(), ServiceError> {
    let own = actor.id == id;
    if !own {
        super::require_full(actor, "reset another administrator's password")?;
    }
    let row = find(db, id).await?;
    let email = Email::parse(&row.email).map_err(|e| AppError::validation(vec![e]))?;
    if own {
        let current = current.unwrap_or_default();
        let wrong = |code, message: &str| {
            ServiceError::from(AppError::validation(vec![FieldError::new(
                Field::CurrentPassword,
                code,
                message.to_string(),
            )]))
        };
        if current.is_empty() {
            return Err(wrong(
                ErrorCode::CurrentPasswordRequired,
                "Enter your current password to set a new one.",
            ));
        }
        // A wrong current password counts like a failed sign-in from this client, so a stolen
        // session cannot be used to guess the password either.
        let (typed, client, now) =
            (sessions::failure_email(&row.email), sessions::client_key(actor.from.as_deref()), Utc::now());
        if sessions::is_paused(db, &typed, &client, now).await? {
            return Err(AppError::TooManyRequests { retry_after_secs: 60 }.into());
        }
        if !verify_password(current, row.password_hash.clone()).await? {
            sessions::record_failure(db, &typed, &client, now).await?;
            tracing::info!(admin = %id, "own password change refused: wrong current password");
            return Err(wrong(
                ErrorCode::CurrentPasswordIncorrect,
                "That is not your current password. Nothing was changed; type it again.",
            ));
        }
    }
    check_password(&password, &email).map_err(|e| AppError::validation(vec![e]))?;
    let hash = hash_password(password).await?;
    let txn = begin_write(db).await?;
    let now = Utc::now();
    admin_user::Entity::update_many()
        .col_expr(admin_user::Column::PasswordHash, Expr::value(hash))
        .col_expr(admin_user::Column::PasswordChangedAt, Expr::value(now))
        .col_expr(admin_user::Column::UpdatedAt, Expr::value(now))
        .filter(admin_user::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    sessions::clear_failures(&txn, &row.email).await?;
    let ended = sessions::end_all(&txn, id).await?;
    audit::record(
        &txn,
        actor,
        AuditAction::AdministratorPasswordReset,
        Target { id, label: row.email.clone() },
        None,
        Some(&Snapshot::new().with("Sessions ended", ended.to_string())),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(admin = %id, by = %actor.id, "password reset");
    Ok(())
}

/// Ends one session (`session`) or all sessions of an administrator (full administrators, or
/// anyone for their own: "sign out everywhere"). Returns how many ended.
///
/// Errors: `Forbidden`, `NotFound`.
#[tracing::instrument(skip_all)]
pub async fn end_sessions(
    db: &DatabaseConnection,
    actor: &Actor,
    id: &str,
    session: Option<&str>,
) -> Result<u64, ServiceError> {
    if actor.id != id {
        super::require_full(actor, "end another administrator's sessions")?;
    }
    let row = find(db, id).await?;
    let txn = begin_write(db).await?;
    let ended = match session {
        Some(hash) => sessions::end_one(&txn, id, hash).await?,
        None => sessions::end_all(&txn, id).await?,
    };
    if ended > 0 {
        audit::record(
            &txn,
            actor,
            AuditAction::AdministratorSessionsEnded,
            Target { id, label: row.email },
            None,
            Some(&Snapshot::new().with("Sessions ended", ended.to_string())),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(ended)
}
