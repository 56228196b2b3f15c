//! Look-ups for phone systems: where a dialed string goes and whose name a calling number
//! carries (what a SIP proxy or PBX asks at call time), and the directory desk phones load.
//! All answered from the dial-plan snapshot in memory (`services::calls::DialPlans`), never
//! from a query per call.

use super::calls::DialPlans;
use super::ServiceError;
use app::error::AppError;
use app::model::admin::{Actor, Role};
use app::model::dial_plan::{
    CallerIdSource, DestinationType, DialPlan, MatchedEntry, MatchedRange, PlanLocation, ShownAs,
};
use app::model::search::fold;
use app::model::{ErrorCode, Field, FieldError};
use sea_orm::DatabaseConnection;
use std::sync::{Arc, Mutex};

/// Longest dialed string or calling number taken (a SIP user part is rarely longer; this is
/// far past any number).
pub const NUMBER_MAX: usize = 64;
/// Longest name prefix a directory search takes.
pub const NAME_PREFIX_MAX: usize = 60;

/// Where a call goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteAnswer {
    pub destination: DestinationType,
    /// The number to send the call to; `None` when the call is rejected.
    pub number: Option<String>,
    pub virtual_extension: Option<MatchedEntry>,
    pub range: Option<MatchedRange>,
    /// Enhanced mode: the extension the provider's signalling carries.
    pub signalled_extension: Option<String>,
}

/// What the callee's phone shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallerIdAnswer {
    pub name: String,
    /// The extension, ESN or number shown (and dialed to call back).
    pub number: String,
    pub shown_as: ShownAs,
    /// The calling number as the directory holds it.
    pub calling_number: String,
    pub virtual_extension_id: Option<String>,
    pub range_id: Option<String>,
}

/// One entry of a phone directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing {
    pub id: String,
    pub display_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// What a phone at the directory's location dials.
    pub number: String,
    pub dialed_as: ShownAs,
    pub phone_number: String,
}

/// One page of a phone directory, sorted by display name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryPage {
    /// The location's name; `None`: organization level.
    pub location: Option<String>,
    /// Entries matching the search, on every page.
    pub total: usize,
    /// From 1.
    pub page: usize,
    pub pages: usize,
    pub items: Vec<Listing>,
}

/// The location a look-up is asked for, by id or name; `None`: organization level. A location
/// token must name one of its own locations.
fn location_for<'p>(
    plan: &'p DialPlan,
    actor: &Actor,
    id_or_name: Option<&str>,
) -> Result<Option<&'p PlanLocation>, ServiceError> {
    let location = match id_or_name.map(str::trim).filter(|k| !k.is_empty()) {
        None => None,
        Some(key) => Some(plan.find_location(key).ok_or_else(|| {
            AppError::validation(vec![FieldError::new(
                Field::Location,
                ErrorCode::LocationNotFound,
                "No location has this id or name: give a location's id or its name as the Locations page shows it.",
            )])
        })?),
    };
    if actor.role == Role::Location && !location.is_some_and(|l| actor.locations.contains(&l.id)) {
        return Err(AppError::validation(vec![FieldError::new(
            Field::Location,
            ErrorCode::OutsideYourLocations,
            "This token may look up its own locations only: give location= one of them.",
        )])
        .into());
    }
    Ok(location)
}

fn checked_number<'a>(raw: &'a str, what: &str) -> Result<&'a str, ServiceError> {
    let raw = raw.trim();
    if raw.is_empty() || raw.chars().count() > NUMBER_MAX {
        return Err(AppError::BadRequest {
            message: format!(
                "{what} must be 1 to {NUMBER_MAX} characters: the digits as the phone sent them."
            ),
        }
        .into());
    }
    Ok(raw)
}

/// The name of the location a look-up is asked for (id or name); `None`: organization level.
///
/// Errors: `Validation` (LOCATION_NOT_FOUND, OUTSIDE_YOUR_LOCATIONS).
pub async fn location(
    plans: &DialPlans,
    db: &DatabaseConnection,
    actor: &Actor,
    location: Option<&str>,
) -> Result<Option<String>, ServiceError> {
    let plan = plans.current(db).await?;
    Ok(location_for(&plan, actor, location)?.map(|l| l.name.clone()))
}

/// Where a call from someone at `location` to `dialed` goes.
///
/// Errors: `Validation` (LOCATION_NOT_FOUND, OUTSIDE_YOUR_LOCATIONS), `BadRequest`.
pub async fn route(
    plans: &DialPlans,
    db: &DatabaseConnection,
    actor: &Actor,
    location: Option<&str>,
    dialed: &str,
) -> Result<RouteAnswer, ServiceError> {
    let dialed = checked_number(dialed, "dialed")?;
    let plan = plans.current(db).await?;
    let from = location_for(&plan, actor, location)?.map(|l| l.id.as_str());
    let route = plan.route(from, dialed);
    Ok(RouteAnswer {
        destination: route.destination,
        number: route.routing_address.filter(|_| !route.destination.is_rejected()),
        virtual_extension: route.entry.map(|entry| plan.matched_entry(entry)),
        range: route.range.map(|(range, pattern)| plan.matched_range(range, pattern)),
        signalled_extension: route.signalled_extension,
    })
}

/// What a phone at `location` shows when `number` calls; `None` when no virtual extension has
/// that number (the phone shows the number as it arrives).
///
/// Errors: `Validation` (LOCATION_NOT_FOUND, OUTSIDE_YOUR_LOCATIONS), `BadRequest`.
pub async fn caller_id(
    plans: &DialPlans,
    db: &DatabaseConnection,
    actor: &Actor,
    location: Option<&str>,
    number: &str,
) -> Result<Option<CallerIdAnswer>, ServiceError> {
    let number = checked_number(number, "number")?;
    let plan = plans.current(db).await?;
    let to = location_for(&plan, actor, location)?.map(|l| l.id.as_str());
    Ok(plan.caller_id(number, to).map(|found| {
        let (virtual_extension_id, range_id) = match &found.source {
            CallerIdSource::Entry(entry) => (Some(entry.id.clone()), None),
            CallerIdSource::Range { range, .. } => (None, Some(range.id.clone())),
        };
        CallerIdAnswer {
            name: found.name.to_string(),
            number: found.number,
            shown_as: found.shown_as,
            calling_number: found.calling_number,
            virtual_extension_id,
            range_id,
        }
    }))
}

/// The entries of one snapshot sorted by display name, with their names folded for search.
struct NameIndex {
    plan: Arc<DialPlan>,
    /// Entry positions, by folded display name, then display name, then id.
    order: Vec<u32>,
    /// Per entry: display, first and last name, folded.
    folded: Vec<[String; 3]>,
}

impl NameIndex {
    fn new(plan: Arc<DialPlan>) -> Self {
        let entries = &plan.data().entries;
        let folded: Vec<[String; 3]> = entries
            .iter()
            .map(|e| {
                [
                    fold(&e.display_name),
                    e.first_name.as_deref().map(fold).unwrap_or_default(),
                    e.last_name.as_deref().map(fold).unwrap_or_default(),
                ]
            })
            .collect();
        let mut order: Vec<u32> = (0..entries.len() as u32).collect();
        order.sort_by(|&a, &b| {
            let (ea, eb) = (&entries[a as usize], &entries[b as usize]);
            folded[a as usize][0]
                .cmp(&folded[b as usize][0])
                .then_with(|| ea.display_name.cmp(&eb.display_name))
                .then_with(|| ea.id.cmp(&eb.id))
        });
        NameIndex { plan, order, folded }
    }

    /// Does entry `i` have a name starting with `prefix` (folded)?
    fn starts(&self, i: u32, prefix: &str) -> bool {
        self.folded[i as usize].iter().any(|name| name.starts_with(prefix))
    }
}

/// The sorted directory of the current snapshot, built when a directory is first asked of it.
#[derive(Default)]
pub struct PhoneBooks {
    index: Mutex<Option<Arc<NameIndex>>>,
    building: tokio::sync::Mutex<()>,
}

impl PhoneBooks {
    async fn index(&self, plan: Arc<DialPlan>) -> Result<Arc<NameIndex>, ServiceError> {
        let cached = || {
            let held = self.index.lock().unwrap_or_else(|p| p.into_inner());
            held.as_ref().filter(|index| Arc::ptr_eq(&index.plan, &plan)).cloned()
        };
        if let Some(index) = cached() {
            return Ok(index);
        }
        let _one = self.building.lock().await;
        if let Some(index) = cached() {
            return Ok(index);
        }
        let index = {
            let plan = plan.clone();
            tokio::task::spawn_blocking(move || Arc::new(NameIndex::new(plan))).await.map_err(|error| {
                tracing::error!(%error, "building the phone directory failed");
                ServiceError::from(AppError::Internal { reference: "phone-directory".to_string() })
            })?
        };
        *self.index.lock().unwrap_or_else(|p| p.into_inner()) = Some(index.clone());
        Ok(index)
    }
}

/// Page `page` (from 1; `per_page` entries, `None`: all on one page) of the directory as
/// phones at `location` dial it, keeping the entries whose display, first or last name starts
/// with `name_prefix` (in any case, accents ignored), sorted by display name.
///
/// Errors: `Validation` (LOCATION_NOT_FOUND, OUTSIDE_YOUR_LOCATIONS), `BadRequest`.
#[allow(clippy::too_many_arguments)]
pub async fn directory(
    plans: &DialPlans,
    books: &PhoneBooks,
    db: &DatabaseConnection,
    actor: &Actor,
    location: Option<&str>,
    name_prefix: Option<&str>,
    page: usize,
    per_page: Option<usize>,
) -> Result<DirectoryPage, ServiceError> {
    let prefix = name_prefix.map(str::trim).filter(|p| !p.is_empty());
    if prefix.is_some_and(|p| p.chars().count() > NAME_PREFIX_MAX) {
        return Err(AppError::BadRequest {
            message: format!("name must be at most {NAME_PREFIX_MAX} characters: the start of a name."),
        }
        .into());
    }
    let plan = plans.current(db).await?;
    let at = location_for(&plan, actor, location)?;
    let (location_id, location_name) = (at.map(|l| l.id.clone()), at.map(|l| l.name.clone()));
    let index = books.index(plan).await?;
    let entries = &index.plan.data().entries;
    let prefix = prefix.map(fold);
    let matching =
        || index.order.iter().copied().filter(|&i| prefix.as_deref().is_none_or(|p| index.starts(i, p)));
    let total = if prefix.is_some() { matching().count() } else { index.order.len() };
    let per_page = per_page.unwrap_or(total.max(1)).max(1);
    let pages = total.div_ceil(per_page).max(1);
    let page = page.max(1);
    let items = matching()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .map(|i| {
            let entry = &entries[i as usize];
            let (number, dialed_as) = index.plan.dialed_from(location_id.as_deref(), entry);
            Listing {
                id: entry.id.clone(),
                display_name: entry.display_name.clone(),
                first_name: entry.first_name.clone(),
                last_name: entry.last_name.clone(),
                number,
                dialed_as,
                phone_number: entry.phone_number.clone(),
            }
        })
        .collect();
    Ok(DirectoryPage { location: location_name, total, page, pages, items })
}
