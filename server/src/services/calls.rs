//! Calls: the dial plan and caller ID (`app::model::dial_plan`) over a snapshot of the store.
//!
//! A snapshot is built from one consistent read of the directory and kept while the store's
//! `org_settings.directory_version` stays the same (every change to entries, ranges, locations or
//! the mode raises it, in its own transaction: `store::lock_directory`). Asking costs one
//! one-row read; a stale snapshot is rebuilt by one caller while the others wait for it.

use super::ServiceError;
use crate::store::entities::{
    location, org_settings, virtual_extension as ve, virtual_extension_range as range,
    virtual_extension_range_pattern as pattern,
};
use app::error::AppError;
use app::model::dial_plan::{
    CallerIdReport, DialPlan, DialPlanData, PlanEntry, PlanLocation, PlanRange, RouteReport,
};
use app::model::range::RangePattern;
use app::model::{ErrorCode, Field, FieldError, VirtualExtensionMode};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, IsolationLevel, QueryOrder,
    QuerySelect, TransactionTrait,
};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// The current snapshot, shared by every request of this process.
#[derive(Default)]
pub struct DialPlans {
    current: RwLock<Option<(i64, Arc<DialPlan>)>>,
    rebuilding: tokio::sync::Mutex<()>,
}

impl DialPlans {
    /// The snapshot of the directory as it is now.
    pub async fn current(&self, db: &DatabaseConnection) -> Result<Arc<DialPlan>, ServiceError> {
        let version = directory_version(db).await?;
        if let Some(plan) = self.at(version) {
            return Ok(plan);
        }
        let _one = self.rebuilding.lock().await;
        if let Some(plan) = self.at(directory_version(db).await?) {
            return Ok(plan);
        }
        let (version, data) = load(db).await?;
        let plan = Arc::new(DialPlan::new(data));
        if let Ok(mut current) = self.current.write() {
            *current = Some((version, plan.clone()));
        }
        Ok(plan)
    }

    fn at(&self, version: i64) -> Option<Arc<DialPlan>> {
        let current = self.current.read().ok()?;
        current.as_ref().filter(|(v, _)| *v == version).map(|(_, plan)| plan.clone())
    }
}

async fn directory_version(db: &impl ConnectionTrait) -> Result<i64, ServiceError> {
    Ok(org_settings::Entity::find_by_id(1).one(db).await?.map_or(0, |row| row.directory_version))
}

/// Everything the dial plan reads, from one consistent view of the store, with its version.
#[tracing::instrument(skip_all)]
pub async fn load(db: &DatabaseConnection) -> Result<(i64, DialPlanData), ServiceError> {
    // One snapshot for every query: PostgreSQL's REPEATABLE READ; SQLite's read transaction
    // (WAL) already sees one state from its first read.
    let txn = match db.get_database_backend() {
        DbBackend::Postgres => {
            db.begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly)).await?
        }
        _ => db.begin().await?,
    };
    let settings = org_settings::Entity::find_by_id(1).one(&txn).await?;
    let version = settings.as_ref().map_or(0, |row| row.directory_version);
    let mode =
        settings.and_then(|row| VirtualExtensionMode::parse(&row.virtual_extension_mode)).unwrap_or_default();
    let locations = location::Entity::find()
        .order_by_asc(location::Column::Name)
        .all(&txn)
        .await?
        .into_iter()
        .map(|l| PlanLocation {
            national: l.country.as_deref().and_then(app::model::national_dialing),
            outside_dial_digit: l.outside_dial_digit.as_deref().and_then(|d| d.chars().next()),
            id: l.id,
            name: l.name,
            routing_prefix: l.routing_prefix,
        })
        .collect();
    let entries = entries(&txn).await?;
    let mut patterns: HashMap<String, Vec<RangePattern>> = HashMap::new();
    for row in pattern::Entity::find().order_by_asc(pattern::Column::Position).all(&txn).await? {
        if let Ok(p) = RangePattern::parse(&row.pattern) {
            patterns.entry(row.range_id).or_default().push(p);
        }
    }
    let ranges = range::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|r| PlanRange {
            patterns: patterns.remove(&r.id).unwrap_or_default(),
            id: r.id,
            name: r.name,
            location_id: r.location_id,
            prefix: r.prefix,
        })
        .collect();
    txn.commit().await?;
    Ok((version, DialPlanData { mode, locations, entries, ranges }))
}

/// Every entry, as the dial plan reads it: only the columns it needs (decoding whole rows,
/// their timestamps and folded search names, would take most of the time at 100,000 entries).
/// SQLite packs the rows into one JSON array, one value through the driver instead of 100,000
/// rows that each cross a thread (5× faster there); PostgreSQL streams rows faster than it
/// builds that array.
async fn entries(txn: &impl ConnectionTrait) -> Result<Vec<PlanEntry>, ServiceError> {
    type Row = (String, Option<String>, Option<String>, Option<String>, String, String, String);
    let rows: Vec<Row> = match txn.get_database_backend() {
        DbBackend::Sqlite => {
            let sql = "SELECT json_group_array(json_array(id, location_id, first_name, last_name, \
                       display_name, extension, phone_number)) AS rows FROM virtual_extension";
            let row = txn.query_one_raw(sea_orm::Statement::from_string(DbBackend::Sqlite, sql)).await?;
            let json: String = match row {
                Some(row) => row.try_get("", "rows")?,
                None => return Ok(Vec::new()),
            };
            serde_json::from_str(&json).map_err(|e| {
                tracing::error!(error = %e, "the directory's entries did not read back as JSON");
                ServiceError::from(AppError::Internal { reference: "dial-plan-entries".to_string() })
            })?
        }
        _ => {
            ve::Entity::find()
                .select_only()
                .columns([
                    ve::Column::Id,
                    ve::Column::LocationId,
                    ve::Column::FirstName,
                    ve::Column::LastName,
                    ve::Column::DisplayName,
                    ve::Column::Extension,
                    ve::Column::PhoneNumber,
                ])
                .into_tuple::<Row>()
                .all(txn)
                .await?
        }
    };
    Ok(rows
        .into_iter()
        .map(|(id, location_id, first_name, last_name, display_name, extension, phone_number)| PlanEntry {
            id,
            location_id,
            first_name,
            last_name,
            display_name,
            extension,
            phone_number,
        })
        .collect())
}

/// The calling or called location, which must exist when given.
fn known_location(plan: &DialPlan, id: Option<&str>) -> Result<(), ServiceError> {
    match id {
        Some(id) if plan.location(id).is_none() => Err(AppError::validation(vec![FieldError::new(
            Field::Location,
            ErrorCode::LocationNotFound,
            "That location does not exist (it may have been deleted): choose another location.",
        )])
        .into()),
        _ => Ok(()),
    }
}

/// Where a call from someone at `from` (a location id; `None`: the organization) to `dialed`
/// goes (Test Call Routing).
///
/// Errors: `Validation` (LOCATION_NOT_FOUND).
pub async fn route(
    plans: &DialPlans,
    db: &DatabaseConnection,
    from: Option<&str>,
    dialed: &str,
) -> Result<RouteReport, ServiceError> {
    let plan = plans.current(db).await?;
    known_location(&plan, from)?;
    Ok(plan.route_report(from, dialed))
}

/// What a phone at `to` shows when `calling` calls it.
///
/// Errors: `Validation` (LOCATION_NOT_FOUND).
pub async fn caller_id(
    plans: &DialPlans,
    db: &DatabaseConnection,
    calling: &str,
    to: Option<&str>,
) -> Result<CallerIdReport, ServiceError> {
    let plan = plans.current(db).await?;
    known_location(&plan, to)?;
    Ok(plan.caller_id_report(calling, to))
}
