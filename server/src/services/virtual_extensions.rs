//! Virtual extensions: list, check and create. Field rules come from `app::model`, conflicts
//! from `app::model::directory`; the database's unique indexes enforce the same again.

use super::audit::{self, Snapshot, Target};
use super::directory::{dir_entry, load_around, location_not_found, resolve_location};
use super::{settings, ServiceError};
use crate::store::entities::{location, virtual_extension as ve};
use crate::store::virtual_extensions as ve_store;
use crate::store::{begin_write, lock_directory, new_id};
use app::error::AppError;
use app::model::admin::Actor;
use app::model::audit::{recorded_fields, AuditAction, AuditEntry, RecordedEntry, TargetKind};
use app::model::directory::{DirEntry, Verdict};
use app::model::{
    DeleteOutcome, E164Number, ErrorCode, Field, FieldError, Level, ListQuery, NewVirtualExtension,
    SavedVirtualExtension, SortKey, VirtualExtension, VirtualExtensionInput, VirtualExtensionPage,
    DELETE_MAX,
};
use chrono::Utc;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryOrder, QuerySelect, SqlErr,
};

fn to_view(model: ve::Model, location: Option<location::Model>) -> VirtualExtension {
    let version = model.version;
    view(dir_entry(model), version, location)
}

/// The entry's fields as the audit log records them.
pub fn snapshot(entry: &VirtualExtension) -> Snapshot {
    let fields = recorded_fields(RecordedEntry {
        level: entry.level,
        location: entry.location_name.as_deref().unwrap_or_default(),
        first_name: entry.first_name.as_deref().unwrap_or_default(),
        last_name: entry.last_name.as_deref().unwrap_or_default(),
        display_name: &entry.display_name,
        extension: &entry.extension,
        phone_number: &entry.phone_number,
    });
    fields.into_iter().fold(Snapshot::new(), |snapshot, (label, value)| snapshot.with(label, value))
}

fn target(entry: &VirtualExtension) -> Target<'_> {
    Target { id: &entry.id, label: format!("{} ({})", entry.display_name, entry.extension) }
}

/// One virtual extension (every role may read every entry).
pub async fn get(db: &impl ConnectionTrait, id: &str) -> Result<VirtualExtension, ServiceError> {
    match ve::Entity::find_by_id(id.to_string()).find_also_related(location::Entity).one(db).await? {
        Some((model, location)) => Ok(to_view(model, location)),
        None => Err(AppError::NotFound { what: "That virtual extension".to_string() }.into()),
    }
}

/// An entry's changes, newest first: part of the audit log, so under its rule (full and
/// read-only administrators; it names other administrators and their addresses).
///
/// Errors: `Forbidden` for location administrators.
pub async fn history(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: &str,
) -> Result<Vec<AuditEntry>, ServiceError> {
    audit::may_read(actor)?;
    audit::history(db, TargetKind::VirtualExtension, id, 200).await
}

/// Up to this many search matches are sorted in memory rather than found by walking an index
/// in the page's order (see `list`).
const SORT_MATCHES_MAX: u64 = 10_000;
/// The same for the REST API's pages, which are up to 40 times longer than the list's: a
/// longer page is found sooner by the walk (measured at 100,000 entries: `benches/api.rs`).
const SELECT_SORT_MATCHES_MAX: u64 = 2_000;

/// The entries a (normalized) query's search and filters select.
fn filtered(db: &impl ConnectionTrait, query: &ListQuery) -> sea_orm::Select<ve::Entity> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let mut select = ve::Entity::find();
    if !query.search.is_empty() {
        select = select.filter(super::search::matches(
            db.get_database_backend(),
            &query.search,
            query.search_digits(),
        ));
    }
    if let Some(level) = query.level {
        select = select.filter(ve::Column::Level.eq(level));
    }
    if let Some(location) = &query.location {
        select = select.filter(ve::Column::LocationId.eq(location.as_str()));
    }
    select
}

/// One page of virtual extensions matching the query's search and filters, in its order, with
/// the total count of matches.
#[tracing::instrument(skip_all, fields(page = query.page, per_page = query.per_page))]
pub async fn list(
    db: &impl ConnectionTrait,
    query: &ListQuery,
) -> Result<VirtualExtensionPage, ServiceError> {
    let query = query.normalized();
    let offset = u64::from(query.page) * u64::from(query.per_page);
    let order =
        Order { sort: query.sort, descending: query.descending, offset, limit: u64::from(query.per_page) };
    let select = filtered(db, &query);
    let total = select.clone().count(db).await?;
    let few = !query.search.is_empty() && total <= SORT_MATCHES_MAX;
    let items = slice(db, select, few, &order).await?;
    Ok(VirtualExtensionPage { items, total, page: query.page, per_page: query.per_page })
}

/// What the REST API's list selects: names (the list's search, names only), an exact
/// extension and number, a level or location, in an order, from any offset.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    pub name: Option<String>,
    pub extension: Option<String>,
    pub phone_number: Option<String>,
    pub level: Option<Level>,
    /// A location id.
    pub location: Option<String>,
    pub order: Order,
}

/// A slice of a sorted list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Order {
    pub sort: SortKey,
    pub descending: bool,
    pub offset: u64,
    pub limit: u64,
}

/// The entries `selection` names, and whether more follow them. (No total: counting every match
/// would cost more than the page itself.)
#[tracing::instrument(skip_all, fields(offset = selection.order.offset, limit = selection.order.limit))]
pub async fn select(
    db: &impl ConnectionTrait,
    selection: &Selection,
) -> Result<(Vec<VirtualExtension>, bool), ServiceError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let mut select = ve::Entity::find();
    let name: Option<String> = selection
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(app::model::SEARCH_MAX_CHARS).collect());
    if let Some(name) = &name {
        select = select.filter(super::search::matches(db.get_database_backend(), name, None));
    }
    if let Some(extension) = &selection.extension {
        select = select.filter(ve::Column::Extension.eq(extension.trim()));
    }
    if let Some(number) = &selection.phone_number {
        select = select.filter(ve::Column::PhoneNumber.eq(number.trim()));
    }
    if let Some(level) = selection.level {
        select = select.filter(ve::Column::Level.eq(level));
    }
    if let Some(location) = &selection.location {
        select = select.filter(ve::Column::LocationId.eq(location.as_str()));
    }
    // Whether a search has few matches: counted only up to the bound. On SQLite the FTS table
    // counts alone first: few names there are few matches for certain (the other filters only
    // narrow them), and many there are many when no other filter is given.
    let only_names = selection.extension.is_none()
        && selection.phone_number.is_none()
        && selection.level.is_none()
        && selection.location.is_none();
    let names_few = match &name {
        Some(name) => super::search::names_at_most(db, name, SELECT_SORT_MATCHES_MAX).await?,
        None => None,
    };
    let few = match (&name, names_few) {
        (Some(_), Some(true)) => true,
        (Some(_), Some(false)) if only_names => false,
        (Some(_), _) => {
            use sea_orm::QuerySelect;
            let bounded =
                select.clone().select_only().column(ve::Column::Id).limit(SELECT_SORT_MATCHES_MAX + 1);
            bounded.count(db).await? <= SELECT_SORT_MATCHES_MAX
        }
        (None, _) => false,
    };
    let order = Order { limit: selection.order.limit + 1, ..selection.order.clone() };
    let mut rows = slice(db, select, few, &order).await?;
    let more = rows.len() as u64 > selection.order.limit;
    rows.truncate(selection.order.limit as usize);
    Ok((rows, more))
}

/// `order`'s slice of `select`. `few`: a search with few matches (see below).
async fn slice(
    db: &impl ConnectionTrait,
    select: sea_orm::Select<ve::Entity>,
    few: bool,
    order: &Order,
) -> Result<Vec<VirtualExtension>, ServiceError> {
    use sea_orm::sea_query::{Expr, Func};
    use sea_orm::{ColumnTrait, IdenStatic};
    let direction = if order.descending { sea_orm::Order::Desc } else { sea_orm::Order::Asc };
    let select = select.find_also_related(location::Entity);
    // A search with few matches sorts them in memory: walking an index in the page's order
    // (which a planner may prefer for a LIMIT) would skip most of the table to find them.
    // `column || ''` sorts the same but matches no index. Many matches are dense enough in any
    // order for the walk to be the quick way.
    let plain = |column: ve::Column| -> Expr {
        if few {
            Expr::cust(format!("{}.{} || ''", ve::Entity.as_str(), column.as_str()))
        } else {
            Expr::col((ve::Entity, column))
        }
    };
    // Names sort case-insensitively on both databases; a missing name sorts as empty.
    let name =
        |column: ve::Column| Func::lower(Func::coalesce([Expr::col((ve::Entity, column)), Expr::val("")]));
    let select = match order.sort {
        // The folded names start with the display name, and are indexed.
        SortKey::DisplayName => select,
        SortKey::FirstName => select.order_by(name(ve::Column::FirstName), direction.clone()),
        SortKey::LastName => select.order_by(name(ve::Column::LastName), direction.clone()),
        SortKey::Extension => select.order_by(plain(ve::Column::Extension), direction.clone()),
        SortKey::PhoneNumber => select.order_by(plain(ve::Column::PhoneNumber), direction.clone()),
        // Organization-level entries (no location) first, then by location name.
        SortKey::Location => select
            .order_by(ve::Column::LocationId.is_not_null(), direction.clone())
            .order_by(Func::lower(Expr::col((location::Entity, location::Column::Name))), direction.clone()),
    };
    let rows = select
        .order_by(plain(ve::Column::SearchName), direction.clone())
        .order_by(ve::Column::Id, direction)
        .offset(order.offset)
        .limit(order.limit)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(m, l)| to_view(m, l)).collect())
}

/// The template's columns for an export: Action (UPDATE, so that re-importing the file
/// changes nothing), then the entry. Cells a spreadsheet would run as formulas are made inert,
/// except the phone number: a validated E.164 number (`+` and digits) is data, not a formula,
/// and stays importable as it is.
pub fn export_record(entry: &VirtualExtension) -> [String; 8] {
    use app::model::csv::{inert_cell, Action};
    let cell = |value: &str| inert_cell(value).into_owned();
    [
        Action::Update.as_str().to_string(),
        entry.level.label().to_string(),
        cell(entry.location_name.as_deref().unwrap_or_default()),
        cell(entry.first_name.as_deref().unwrap_or_default()),
        cell(entry.last_name.as_deref().unwrap_or_default()),
        cell(&entry.display_name),
        entry.phone_number.clone(),
        entry.extension.clone(),
    ]
}

/// One batch of an export: the entries the query's search and filters select (its sort and page
/// are ignored), in id order after `after`. Ids are time-ordered, so the export lists entries
/// in the order they were created, and batches never shift.
pub async fn export_batch(
    db: &impl ConnectionTrait,
    query: &ListQuery,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<VirtualExtension>, ServiceError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let mut select = filtered(db, &query.normalized());
    if let Some(after) = after {
        select = select.filter(ve::Column::Id.gt(after));
    }
    let rows =
        select.find_also_related(location::Entity).order_by_asc(ve::Column::Id).limit(limit).all(db).await?;
    Ok(rows.into_iter().map(|(m, l)| to_view(m, l)).collect())
}

/// Applies the field rules under the organization's mode. Phone number errors get the E.164
/// form of a national number when the chosen location has a country.
async fn validate(
    db: &impl ConnectionTrait,
    input: &VirtualExtensionInput,
) -> Result<NewVirtualExtension, ServiceError> {
    let mode = settings::virtual_extension_mode(db).await?;
    match input.validate(mode) {
        Ok(new) => Ok(new),
        Err(errors) => {
            let location_id = input.location.trim();
            let country = if location_id.is_empty() {
                None
            } else {
                location::Entity::find_by_id(location_id.to_string()).one(db).await?.and_then(|l| l.country)
            };
            let errors = E164Number::hint_all(errors, &input.phone_number, country.as_deref());
            Err(AppError::validation(errors).into())
        }
    }
}

/// An entry as the pages show it (`location` is its scope's).
fn view(entry: DirEntry, version: i32, location: Option<location::Model>) -> VirtualExtension {
    VirtualExtension {
        level: entry.scope.level(),
        id: entry.id,
        location_id: entry.scope.into_location_id(),
        routing_prefix: location.as_ref().and_then(|l| l.routing_prefix.clone()),
        location_name: location.map(|l| l.name),
        first_name: entry.first_name,
        last_name: entry.last_name,
        display_name: entry.display_name,
        extension: entry.extension,
        phone_number: entry.phone_number,
        version,
    }
}

fn candidate(id: String, new: &NewVirtualExtension) -> DirEntry {
    DirEntry {
        id,
        scope: new.scope.clone(),
        extension: new.extension.as_str().to_string(),
        phone_number: new.phone_number.as_str().to_string(),
        display_name: new.display_name.as_str().to_string(),
        first_name: new.first_name.as_ref().map(|n| n.as_str().to_string()),
        last_name: new.last_name.as_ref().map(|n| n.as_str().to_string()),
    }
}

/// The full verdict on `input` without changing anything: field errors (the same as create's)
/// or else the directory's conflicts and warnings. `editing` is the entry being edited (it does
/// not clash with itself). A draft that breaks a field rule is a verdict like any other, since
/// the form asks while the admin types: only a failure to judge it is an error.
#[tracing::instrument(skip_all)]
pub async fn check(
    db: &DatabaseConnection,
    input: &VirtualExtensionInput,
    editing: Option<&str>,
) -> Result<Verdict, ServiceError> {
    let judged = async {
        let new = validate(db, input).await?;
        resolve_location(db, &new.scope).await?;
        let candidate = candidate(editing.map_or_else(new_id, str::to_string), &new);
        Ok(load_around(db, &candidate).await?.check(&candidate))
    };
    match judged.await {
        Err(ServiceError::App(AppError::Validation { fields })) => {
            Ok(Verdict { errors: fields, warnings: Vec::new() })
        }
        judged => judged,
    }
}

/// What a check of a list of numbers says about one of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NumberState {
    /// A valid number no entry has.
    Valid,
    /// Breaks a rule (under the organization's mode).
    Invalid(FieldError),
    /// An entry has it already.
    Duplicate(FieldError),
    /// Given earlier in the same list.
    DuplicateInList(FieldError),
}

/// Checks numbers as a create would (the organization's mode; not in use), each on its own,
/// and a number given twice in the list (its later occurrences). Changes nothing.
#[tracing::instrument(skip_all, fields(numbers = raw.len()))]
pub async fn check_numbers(
    db: &impl ConnectionTrait,
    raw: &[String],
) -> Result<Vec<NumberState>, ServiceError> {
    use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
    let mode = settings::virtual_extension_mode(db).await?;
    let parsed: Vec<Result<E164Number, FieldError>> =
        raw.iter().map(|r| E164Number::parse_for(r, mode)).collect();
    let valid: Vec<String> =
        parsed.iter().filter_map(|p| p.as_ref().ok().map(|n| n.as_str().to_string())).collect();
    let mut used = std::collections::HashSet::new();
    for chunk in valid.chunks(500) {
        let found: Vec<String> = ve::Entity::find()
            .select_only()
            .column(ve::Column::PhoneNumber)
            .filter(ve::Column::PhoneNumber.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        used.extend(found);
    }
    let mut seen = std::collections::HashSet::new();
    Ok(parsed
        .into_iter()
        .map(|p| match p {
            Err(error) => NumberState::Invalid(error),
            Ok(number) if !seen.insert(number.as_str().to_string()) => {
                NumberState::DuplicateInList(FieldError::new(
                    Field::PhoneNumber,
                    ErrorCode::PhoneNumberDuplicateInList,
                    format!("{} is given more than once in this list: keep one.", number.as_str()),
                ))
            }
            Ok(number) if used.contains(number.as_str()) => NumberState::Duplicate(FieldError::new(
                Field::PhoneNumber,
                ErrorCode::PhoneNumberInUse,
                format!(
                    "{} is already the number of a virtual extension: a number belongs to one entry.",
                    number.as_str()
                ),
            )),
            Ok(_) => NumberState::Valid,
        })
        .collect())
}

/// Creates a virtual extension.
///
/// Errors: `Forbidden` (the actor's role may not change this scope), `Validation` (field
/// rules, LOCATION_NOT_FOUND), `Conflict` (EXTENSION_IN_USE,
/// PHONE_NUMBER_IN_USE, EXTENSION_CONFLICTS_WITH_ESN). Warnings (EXTENSION_SHADOWS_ORGANIZATION)
/// come back with the saved entry.
#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &VirtualExtensionInput,
) -> Result<SavedVirtualExtension, ServiceError> {
    let new = validate(db, input).await?;
    if !actor.may_change(&new.scope) {
        return Err(super::forbidden(actor, "create a virtual extension at this level"));
    }
    let txn = begin_write(db).await?;
    let _changed = lock_directory(&txn).await?;
    let location = resolve_location(&txn, &new.scope).await?;
    let candidate = candidate(new_id(), &new);
    let verdict = load_around(&txn, &candidate).await?.check(&candidate);
    if !verdict.is_ok() {
        return Err(AppError::Conflict { fields: verdict.errors }.into());
    }
    let inserted = ve_store::insert_many(&txn, std::slice::from_ref(&candidate), Utc::now()).await;
    match inserted {
        Ok(()) => {
            let entry = view(candidate, 1, location);
            audit::record(
                &txn,
                actor,
                AuditAction::VirtualExtensionCreated,
                target(&entry),
                None,
                Some(&snapshot(&entry)),
            )
            .await?;
            txn.commit().await?;
            Ok(SavedVirtualExtension { entry, warnings: verdict.warnings })
        }
        Err(error) => {
            txn.rollback().await?;
            Err(write_error(db, &candidate, error).await)
        }
    }
}

/// What a failed write means to the admin: a concurrent writer took the extension or number
/// (PostgreSQL; the unique indexes caught it), or the location was deleted meanwhile.
async fn write_error(db: &DatabaseConnection, candidate: &DirEntry, error: DbErr) -> ServiceError {
    match error.sql_err() {
        // Say which field by checking again, now that the other write is visible.
        Some(SqlErr::UniqueConstraintViolation(_)) => match load_around(db, candidate).await {
            Ok(directory) => {
                let fields = directory.check(candidate).errors;
                if fields.is_empty() {
                    error.into()
                } else {
                    AppError::Conflict { fields }.into()
                }
            }
            Err(other) => other,
        },
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
            AppError::validation(vec![location_not_found()]).into()
        }
        _ => error.into(),
    }
}

fn edit_conflict(current: &VirtualExtension, seen: i32) -> ServiceError {
    AppError::Conflict {
        fields: vec![FieldError::new(
            Field::Version,
            ErrorCode::EditConflict,
            format!(
                "Someone else changed \"{}\" after you opened it (you edited version {seen}; it is now \
                 version {}). Nothing was saved: review its current values, then save again.",
                current.display_name, current.version
            ),
        )],
    }
    .into()
}

/// Changes an entry: any field, and its level or location (a move between organization and
/// location level, or between locations), under the same rules as create. `version` is the
/// version the admin edited; if the entry changed since, nothing is written.
///
/// Errors: `NotFound`, `Forbidden` (the actor may not change the entry where it is, or where it
/// would go), `Validation`, `Conflict` (EDIT_CONFLICT, EXTENSION_IN_USE, PHONE_NUMBER_IN_USE,
/// EXTENSION_CONFLICTS_WITH_ESN). An unchanged input saves nothing and keeps the version.
#[tracing::instrument(skip_all)]
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: &str,
    version: i32,
    input: &VirtualExtensionInput,
) -> Result<SavedVirtualExtension, ServiceError> {
    let new = validate(db, input).await?;
    let txn = begin_write(db).await?;
    let _changed = lock_directory(&txn).await?;
    let current = get(&txn, id).await?;
    if !actor.may_change(&current.scope()) || !actor.may_change(&new.scope) {
        return Err(super::forbidden(actor, "change a virtual extension at this level"));
    }
    if current.version != version {
        return Err(edit_conflict(&current, version));
    }
    let location = resolve_location(&txn, &new.scope).await?;
    let candidate = candidate(current.id.clone(), &new);
    let verdict = load_around(&txn, &candidate).await?.check(&candidate);
    if !verdict.is_ok() {
        return Err(AppError::Conflict { fields: verdict.errors }.into());
    }
    let unchanged = current.scope() == candidate.scope
        && current.first_name == candidate.first_name
        && current.last_name == candidate.last_name
        && current.display_name == candidate.display_name
        && current.extension == candidate.extension
        && current.phone_number == candidate.phone_number;
    if unchanged {
        txn.rollback().await?;
        return Ok(SavedVirtualExtension { entry: current, warnings: verdict.warnings });
    }
    let written = ve_store::update(&txn, &candidate, version, Utc::now()).await;
    match written {
        Ok(true) => {
            let entry = view(candidate.clone(), version + 1, location);
            let action = if current.location_id == entry.location_id {
                AuditAction::VirtualExtensionUpdated
            } else {
                AuditAction::VirtualExtensionMoved
            };
            audit::record(
                &txn,
                actor,
                action,
                target(&entry),
                Some(&snapshot(&current)),
                Some(&snapshot(&entry)),
            )
            .await?;
            txn.commit().await?;
            Ok(SavedVirtualExtension { entry, warnings: verdict.warnings })
        }
        Ok(false) => {
            txn.rollback().await?;
            let now = get(db, id).await?;
            Err(edit_conflict(&now, version))
        }
        Err(error) => {
            txn.rollback().await?;
            Err(write_error(db, &candidate, error).await)
        }
    }
}

/// Deletes the named entries, all or none: if the actor may not delete one of them, nothing
/// is deleted. Ids that no longer exist are counted as already gone.
///
/// Errors: `BadRequest` (no ids, or more than `DELETE_MAX`), `Forbidden`.
#[tracing::instrument(skip_all, fields(count = ids.len()))]
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    ids: &[String],
) -> Result<DeleteOutcome, ServiceError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let mut wanted: Vec<&String> = ids.iter().collect();
    wanted.sort();
    wanted.dedup();
    if wanted.is_empty() {
        return Err(AppError::BadRequest {
            message: "Select at least one virtual extension to delete.".into(),
        }
        .into());
    }
    if wanted.len() > DELETE_MAX {
        return Err(AppError::BadRequest {
            message: format!(
                "At most {DELETE_MAX} virtual extensions can be deleted at once; {} were selected.",
                wanted.len()
            ),
        }
        .into());
    }
    let txn = begin_write(db).await?;
    let _changed = lock_directory(&txn).await?;
    let found: Vec<VirtualExtension> = ve::Entity::find()
        .filter(ve::Column::Id.is_in(wanted.iter().map(|id| id.as_str())))
        .find_also_related(location::Entity)
        .all(&txn)
        .await?
        .into_iter()
        .map(|(m, l)| to_view(m, l))
        .collect();
    for entry in &found {
        if !actor.may_change(&entry.scope()) {
            return Err(super::forbidden(actor, "delete a virtual extension at this level"));
        }
    }
    let deleted = ve_store::delete_many(&txn, found.iter().map(|e| e.id.as_str())).await?;
    for entry in &found {
        audit::record(
            &txn,
            actor,
            AuditAction::VirtualExtensionDeleted,
            target(entry),
            Some(&snapshot(entry)),
            None,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(DeleteOutcome { deleted, already_gone: (wanted.len() - found.len()) as u64 })
}
