//! Organization settings (one row).

use super::ServiceError;
use crate::store::entities::org_settings;
use app::model::VirtualExtensionMode;
use sea_orm::{ConnectionTrait, EntityTrait};

/// The organization's virtual extension mode (Standard when the row says anything unknown,
/// which the CHECK constraint prevents).
#[tracing::instrument(skip_all)]
pub async fn virtual_extension_mode(db: &impl ConnectionTrait) -> Result<VirtualExtensionMode, ServiceError> {
    let row = org_settings::Entity::find_by_id(1).one(db).await?;
    Ok(row.and_then(|r| VirtualExtensionMode::parse(&r.virtual_extension_mode)).unwrap_or_default())
}
