//! Calls: the dial plan and caller ID (`app::model::dial_plan`) over a snapshot of the store,
//! answered from memory.
//!
//! A snapshot is built from one consistent read of the directory and kept while the store's
//! `org_settings.directory_version` stays the same (every change to entries, ranges, locations or
//! the mode raises it, in its own transaction: `store::lock_directory`). A look-up reads the
//! database only when it may be stale:
//! - a change committed by this process ([`crate::store::directory_changes`] moved) is seen by
//!   the next look-up, which reads the version (one row) and rebuilds when it moved;
//! - a change made elsewhere (another replica, the command line) is seen within a second: on
//!   PostgreSQL its `NOTIFY` wakes [`DialPlans::watch`], which rebuilds in the background while
//!   look-ups go on answering; and the watch (or, without one, a look-up) reads the version at
//!   least every [`CHECK_EVERY`] as the safety net;
//! - while the database does not answer, the last snapshot keeps answering and
//!   [`DialPlans::health`] says since when it is stale.

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
use app::model::{ErrorCode, Field, FieldError};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, IsolationLevel, QueryOrder,
    QuerySelect, TransactionTrait,
};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How often [`DialPlans::watch`] reads the version when nothing announced a change (the
/// safety net).
pub const CHECK_EVERY: Duration = Duration::from_millis(500);
/// A look-up reads the version itself when nothing has for this long (no watch runs, or it is
/// stuck on a database that does not answer).
const LOOKUP_CHECK_AFTER: Duration = Duration::from_secs(1);
/// How long a look-up that has a snapshot waits for the version before answering from it.
const VERSION_WAIT: Duration = Duration::from_millis(250);
/// A snapshot not confirmed for this long is stale (`/readyz` says so).
pub const STALE_AFTER: Duration = Duration::from_secs(3);

/// The snapshot, and when it was last confirmed current.
struct Held {
    plan: Arc<DialPlan>,
    version: i64,
    /// [`crate::store::directory_changes`] when the version was read.
    seen: u64,
    /// When the version was last read (successfully or not).
    checked_at: Instant,
    /// When the version was last read successfully.
    confirmed_at: Instant,
}

/// The current snapshot, shared by every request of this process.
#[derive(Default)]
pub struct DialPlans {
    held: RwLock<Option<Held>>,
    /// One reader of the database at a time.
    checking: tokio::sync::Mutex<()>,
    /// The last failure to read the directory, while the snapshot is not confirmed.
    failure: RwLock<Option<String>>,
}

/// Is the snapshot current?
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// Confirmed within [`STALE_AFTER`].
    Fresh { version: i64 },
    /// Not confirmed for `for_secs`; `error` says why (the database does not answer, …).
    Stale { version: i64, for_secs: u64, error: Option<String> },
    /// None built yet.
    NotLoaded,
}

impl DialPlans {
    /// The snapshot of the directory as it is now (see the module's documentation for "now").
    pub async fn current(&self, db: &DatabaseConnection) -> Result<Arc<DialPlan>, ServiceError> {
        let seen = crate::store::directory_changes();
        let held = {
            let held = self.held.read().ok();
            match held.as_deref().and_then(Option::as_ref) {
                Some(h) if h.seen == seen && h.checked_at.elapsed() < LOOKUP_CHECK_AFTER => {
                    return Ok(h.plan.clone())
                }
                Some(h) => Some((h.plan.clone(), h.seen != seen)),
                None => None,
            }
        };
        match held {
            // Only the interval ran out: if another request is already reading, answer now.
            Some((plan, false)) => match self.checking.try_lock() {
                Ok(_one) => self.refresh(db, Some(VERSION_WAIT)).await,
                Err(_) => Ok(plan),
            },
            _ => {
                let _one = self.checking.lock().await;
                if let Some(plan) = self.confirmed_since(seen) {
                    return Ok(plan);
                }
                self.refresh(db, Some(VERSION_WAIT)).await
            }
        }
    }

    /// The snapshot, when it was read after this process's `seen`-th change.
    fn confirmed_since(&self, seen: u64) -> Option<Arc<DialPlan>> {
        let held = self.held.read().ok()?;
        held.as_ref()
            .filter(|h| h.seen >= seen && h.checked_at.elapsed() < LOOKUP_CHECK_AFTER)
            .map(|h| h.plan.clone())
    }

    /// Reads the version and rebuilds the snapshot when it moved; the caller holds `checking`.
    /// When the database fails, or does not give the version within `wait` (a look-up, which
    /// has a snapshot to answer from), the snapshot there is keeps answering (and goes stale).
    async fn refresh(
        &self,
        db: &DatabaseConnection,
        wait: Option<Duration>,
    ) -> Result<Arc<DialPlan>, ServiceError> {
        let seen = crate::store::directory_changes();
        let held = self.held.read().ok().and_then(|h| h.as_ref().map(|h| (h.plan.clone(), h.version)));
        let read = async {
            let version = match (wait, &held) {
                (Some(wait), Some(_)) => {
                    tokio::time::timeout(wait, directory_version(db)).await.unwrap_or_else(|_| {
                        Err(AppError::Network { message: "the database did not answer in time".to_string() }
                            .into())
                    })?
                }
                _ => directory_version(db).await?,
            };
            match &held {
                Some((plan, at)) if *at == version => Ok((version, plan.clone())),
                _ => {
                    let started = Instant::now();
                    let (version, data) = load(db).await?;
                    let plan = Arc::new(DialPlan::new(data));
                    tracing::info!(version, ms = started.elapsed().as_millis() as u64, "dial plan rebuilt");
                    Ok::<_, ServiceError>((version, plan))
                }
            }
        };
        let now = Instant::now();
        match read.await {
            Ok((version, plan)) => {
                if let Ok(mut slot) = self.held.write() {
                    *slot =
                        Some(Held { plan: plan.clone(), version, seen, checked_at: now, confirmed_at: now });
                }
                if let Ok(mut failure) = self.failure.write() {
                    failure.take();
                }
                Ok(plan)
            }
            Err(error) => {
                let Some((plan, _)) = held else { return Err(error) };
                tracing::warn!(%error, "cannot read the directory: answering from the last snapshot");
                if let Ok(mut slot) = self.held.write() {
                    if let Some(h) = slot.as_mut() {
                        // Not again before the next interval: every look-up waiting for a
                        // database that does not answer would stop the calls.
                        h.checked_at = now;
                        h.seen = h.seen.max(seen);
                    }
                }
                if let Ok(mut failure) = self.failure.write() {
                    *failure = Some(error.to_string());
                }
                Ok(plan)
            }
        }
    }

    /// Reads the version now (rebuilding when it moved), whatever the interval says.
    pub async fn check(&self, db: &DatabaseConnection) -> Result<Arc<DialPlan>, ServiceError> {
        let _one = self.checking.lock().await;
        self.refresh(db, None).await
    }

    /// Whether the snapshot is current, for `/readyz`.
    pub fn health(&self) -> Freshness {
        let Some((version, confirmed_at)) =
            self.held.read().ok().and_then(|h| h.as_ref().map(|h| (h.version, h.confirmed_at)))
        else {
            return Freshness::NotLoaded;
        };
        let age = confirmed_at.elapsed();
        if age <= STALE_AFTER {
            return Freshness::Fresh { version };
        }
        let error = self.failure.read().ok().and_then(|f| f.clone());
        Freshness::Stale { version, for_secs: age.as_secs(), error }
    }

    /// Keeps the snapshot current for as long as the process runs: builds it now, reads the
    /// version every [`CHECK_EVERY`], and on PostgreSQL rebuilds as soon as another replica
    /// announces a change. Look-ups answer from the snapshot meanwhile.
    pub async fn watch(self: Arc<Self>, db: DatabaseConnection) {
        let announced = Arc::new(tokio::sync::Notify::new());
        if db.get_database_backend() == DbBackend::Postgres {
            tokio::spawn(listen(db.get_postgres_connection_pool().clone(), announced.clone()));
        }
        let mut tick = tokio::time::interval(CHECK_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                () = announced.notified() => {}
            }
            if let Err(error) = self.check(&db).await {
                tracing::warn!(%error, "cannot build the dial plan yet");
            }
        }
    }
}

/// Wakes `announced` on every directory change PostgreSQL announces (`LISTEN`), and when the
/// connection was lost (changes may have been missed then); reconnects for as long as the
/// process runs.
async fn listen(pool: sea_orm::sqlx::PgPool, announced: Arc<tokio::sync::Notify>) {
    use sea_orm::sqlx::postgres::PgListener;
    loop {
        let listening = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen(crate::store::DIRECTORY_CHANNEL).await?;
            Ok::<_, sea_orm::sqlx::Error>(listener)
        };
        let mut listener = match listening.await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for directory changes (reading the version every interval meanwhile): trying again");
                tokio::time::sleep(Duration::from_secs(2)).await;
                continue;
            }
        };
        loop {
            match listener.try_recv().await {
                Ok(Some(_)) => announced.notify_one(),
                Ok(None) => {
                    tracing::warn!("the directory listener lost its connection: reconnecting");
                    announced.notify_one();
                }
                Err(error) => {
                    tracing::warn!(%error, "the directory listener failed: reconnecting");
                    announced.notify_one();
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    break;
                }
            }
        }
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
    let mode = settings.map(|row| row.virtual_extension_mode).unwrap_or_default();
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
