//! Fills `app::model::directory::Directory` from the store: all of it for a file, or just the
//! rows one change can clash with.

use super::ServiceError;
use crate::store::entities::{location, virtual_extension as ve};
use app::model::directory::{DirEntry, DirLocation, Directory};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};

fn dir_location(l: location::Model) -> DirLocation {
    DirLocation { id: l.id, name: l.name, routing_prefix: l.routing_prefix, country: l.country }
}

pub fn dir_entry(m: ve::Model) -> DirEntry {
    DirEntry {
        id: m.id,
        location_id: m.location_id,
        extension: m.extension,
        phone_number: m.phone_number,
        display_name: m.display_name,
        first_name: m.first_name,
        last_name: m.last_name,
    }
}

async fn with_locations(db: &impl ConnectionTrait) -> Result<Directory, ServiceError> {
    let locations = location::Entity::find().all(db).await?;
    Ok(Directory::new(locations.into_iter().map(dir_location)))
}

/// Every location and entry: what a CSV file is checked against.
#[tracing::instrument(skip_all)]
pub async fn load_all(db: &impl ConnectionTrait) -> Result<Directory, ServiceError> {
    let mut directory = with_locations(db).await?;
    for entry in ve::Entity::find().all(db).await? {
        directory.insert(dir_entry(entry));
    }
    Ok(directory)
}

/// Every location, and the entries `candidate` could clash with: same number, same extension
/// in any scope, and the entries whose dialable string (extension or ESN) equals its own.
/// (Routing prefixes never overlap, so an ESN can only equal an organization-level extension.)
pub async fn load_around(db: &impl ConnectionTrait, candidate: &DirEntry) -> Result<Directory, ServiceError> {
    let mut directory = with_locations(db).await?;
    let mut clashes = Condition::any()
        .add(ve::Column::PhoneNumber.eq(candidate.phone_number.as_str()))
        .add(ve::Column::Extension.eq(candidate.extension.as_str()));
    match candidate.location_id.as_deref() {
        Some(id) => {
            if let Some(esn) = directory.dialable(Some(id), &candidate.extension) {
                clashes = clashes.add(ve::Column::LocationId.is_null().and(ve::Column::Extension.eq(esn)));
            }
        }
        None => {
            for l in directory.locations() {
                let Some(prefix) = l.routing_prefix.as_deref() else { continue };
                if let Some(rest) = candidate.extension.strip_prefix(prefix).filter(|r| !r.is_empty()) {
                    clashes = clashes
                        .add(ve::Column::LocationId.eq(l.id.as_str()).and(ve::Column::Extension.eq(rest)));
                }
            }
        }
    }
    for entry in ve::Entity::find().filter(clashes).all(db).await? {
        directory.insert(dir_entry(entry));
    }
    Ok(directory)
}
