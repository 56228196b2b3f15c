//! Organization settings (one row).

use super::audit::{self, Snapshot, Target};
use super::ServiceError;
use crate::store::entities::org_settings;
use app::model::admin::Actor;
use app::model::audit::AuditAction;
use app::model::VirtualExtensionMode;
use sea_orm::{ConnectionTrait, EntityTrait};

/// The organization's virtual extension mode (Standard when there is no settings row yet; the
/// column holds only the modes this build knows: its CHECK constraint and its enum type).
#[tracing::instrument(skip_all)]
pub async fn virtual_extension_mode(db: &impl ConnectionTrait) -> Result<VirtualExtensionMode, ServiceError> {
    let row = org_settings::Entity::find_by_id(1).one(db).await?;
    Ok(row.map(|r| r.virtual_extension_mode).unwrap_or_default())
}

/// Sets the organization's virtual extension mode (full administrators); returns the previous
/// one. Setting the mode it already has changes nothing and records nothing.
#[tracing::instrument(skip_all, fields(mode = mode.as_str()))]
pub async fn set_virtual_extension_mode(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    mode: VirtualExtensionMode,
) -> Result<VirtualExtensionMode, ServiceError> {
    use sea_orm::{ActiveModelTrait, Set};
    super::require_full(actor, "change the virtual extension mode")?;
    let txn = crate::store::begin_write(db).await?;
    let _changed = crate::store::lock_directory(&txn).await?;
    let previous = virtual_extension_mode(&txn).await?;
    if previous == mode {
        txn.commit().await?;
        return Ok(previous);
    }
    org_settings::ActiveModel {
        id: Set(1),
        virtual_extension_mode: Set(mode),
        updated_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        AuditAction::ModeChanged,
        Target { id: "virtual_extension_mode", label: "Virtual extension mode".to_string() },
        Some(&Snapshot::new().with("Mode", previous.label())),
        Some(&Snapshot::new().with("Mode", mode.label())),
    )
    .await?;
    txn.commit().await?;
    Ok(previous)
}

/// The organization as the REST API names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organization {
    /// Opaque, stable across restarts and replicas (the REST API's `orgId`).
    pub id: String,
    pub display_name: String,
}

/// The organization's id and name. The id is given by a migration; should the row lack one, the
/// first reader gives it (every replica then reads the same).
#[tracing::instrument(skip_all)]
pub async fn organization(db: &impl ConnectionTrait) -> Result<Organization, ServiceError> {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, QueryFilter};
    let read = |row: Option<org_settings::Model>| {
        row.and_then(|r| {
            let name = if r.org_name.trim().is_empty() { "vext".to_string() } else { r.org_name };
            r.org_id.map(|id| Organization { id, display_name: name })
        })
    };
    if let Some(found) = read(org_settings::Entity::find_by_id(1).one(db).await?) {
        return Ok(found);
    }
    org_settings::Entity::update_many()
        .col_expr(org_settings::Column::OrgId, Expr::value(crate::store::new_id()))
        .filter(org_settings::Column::Id.eq(1))
        .filter(org_settings::Column::OrgId.is_null())
        .exec(db)
        .await?;
    read(org_settings::Entity::find_by_id(1).one(db).await?).ok_or_else(|| {
        ServiceError::from(app::error::AppError::NotFound { what: "The organization's settings".into() })
    })
}
