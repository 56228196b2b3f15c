//! Virtual extension ranges: list, read, create, change, delete and validate, under the model's
//! rules (`app::model::range`), with the roles and the audit log of entries.

use super::audit::{self, Snapshot, Target};
use super::search::{contains, starts};
use super::{settings, ServiceError};
use crate::store::entities::{
    location, virtual_extension as ve, virtual_extension_range as range,
    virtual_extension_range_pattern as pattern,
};
use crate::store::{begin_write, lock_directory, new_id};
use app::error::AppError;
use app::model::admin::Actor;
use app::model::audit::AuditAction;
use app::model::range::{
    check_range, too_many_patterns, NewRange, PatternAction, RangeFault, RangeInput, RangeItem,
    RangeNeighbours, RangePattern, RangeVerdict, SavedRange, VirtualExtensionRange, RANGE_PATTERNS_MAX,
};
use app::model::{ErrorCode, Field, FieldError, Level, Scope};
use chrono::Utc;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, SqlErr,
};
use std::collections::HashMap;

/// How a list is sorted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RangeSort {
    #[default]
    Name,
    Prefix,
    LocationName,
}

/// What a list selects: names containing `name` (any case), prefixes starting with `prefix`,
/// one location or organization level only, in an order, from any offset.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RangeFilter {
    pub name: Option<String>,
    pub prefix: Option<String>,
    pub location_id: Option<String>,
    pub org_level_only: bool,
    pub sort: RangeSort,
    pub descending: bool,
    pub offset: u64,
    pub limit: u64,
}

fn not_found() -> ServiceError {
    AppError::NotFound { what: "That virtual extension range".to_string() }.into()
}

fn to_view(
    model: range::Model,
    location: Option<location::Model>,
    patterns: Vec<String>,
) -> VirtualExtensionRange {
    VirtualExtensionRange {
        level: if model.location_id.is_some() { Level::Location } else { Level::Organization },
        id: model.id,
        name: model.name,
        prefix: model.prefix,
        location_id: model.location_id,
        location_name: location.map(|l| l.name),
        patterns,
        version: model.version,
    }
}

/// The patterns of each range, in their order.
async fn patterns_of(
    db: &impl ConnectionTrait,
    ids: &[String],
) -> Result<HashMap<String, Vec<String>>, DbErr> {
    let mut by_range: HashMap<String, Vec<String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(by_range);
    }
    let rows = pattern::Entity::find()
        .filter(pattern::Column::RangeId.is_in(ids.iter().map(String::as_str)))
        .order_by_asc(pattern::Column::RangeId)
        .order_by_asc(pattern::Column::Position)
        .all(db)
        .await?;
    for row in rows {
        by_range.entry(row.range_id).or_default().push(row.pattern);
    }
    Ok(by_range)
}

/// A page of ranges, and whether more follow.
#[tracing::instrument(skip_all, fields(offset = filter.offset, limit = filter.limit))]
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &RangeFilter,
) -> Result<(Vec<VirtualExtensionRange>, bool), ServiceError> {
    let mut select = range::Entity::find().find_also_related(location::Entity);
    if let Some(name) = filter.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        select = select
            .filter(Expr::col((range::Entity, range::Column::NameKey)).like(contains(&name.to_lowercase())));
    }
    if let Some(prefix) = filter.prefix.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        select = select.filter(Expr::col((range::Entity, range::Column::Prefix)).like(starts(prefix)));
    }
    if let Some(location_id) = &filter.location_id {
        select = select.filter(range::Column::LocationId.eq(location_id.as_str()));
    }
    if filter.org_level_only {
        select = select.filter(range::Column::LocationId.is_null());
    }
    let direction = if filter.descending { sea_orm::Order::Desc } else { sea_orm::Order::Asc };
    select = match filter.sort {
        RangeSort::Name => select,
        RangeSort::Prefix => select.order_by(range::Column::Prefix, direction.clone()),
        // Organization level (no location) first, then by location name.
        RangeSort::LocationName => select
            .order_by(range::Column::LocationId.is_not_null(), direction.clone())
            .order_by(Func::lower(Expr::col((location::Entity, location::Column::Name))), direction.clone()),
    };
    let rows = select
        .order_by(range::Column::NameKey, direction.clone())
        .order_by(range::Column::Id, direction)
        .offset(filter.offset)
        .limit(filter.limit + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > filter.limit;
    let rows: Vec<_> = rows.into_iter().take(filter.limit as usize).collect();
    let ids: Vec<String> = rows.iter().map(|(r, _)| r.id.clone()).collect();
    let mut patterns = patterns_of(db, &ids).await?;
    let views = rows
        .into_iter()
        .map(|(r, l)| {
            let list = patterns.remove(&r.id).unwrap_or_default();
            to_view(r, l, list)
        })
        .collect();
    Ok((views, more))
}

/// One range with its patterns (every role may read every range).
///
/// Errors: `NotFound`.
pub async fn get(db: &impl ConnectionTrait, id: &str) -> Result<VirtualExtensionRange, ServiceError> {
    let Some((model, location)) =
        range::Entity::find_by_id(id.to_string()).find_also_related(location::Entity).one(db).await?
    else {
        return Err(not_found());
    };
    let patterns =
        patterns_of(db, std::slice::from_ref(&model.id)).await?.remove(&model.id).unwrap_or_default();
    Ok(to_view(model, location, patterns))
}

/// A range as the audit log records it.
fn snapshot(range: &VirtualExtensionRange) -> Snapshot {
    Snapshot::new()
        .with("Name", range.name.clone())
        .with("Prefix", range.prefix.clone())
        .with("Level", range.level.label())
        .with("Location", range.location_name.clone().unwrap_or_default())
        .with("Patterns", range.patterns.join(", "))
}

fn target(range: &VirtualExtensionRange) -> Target<'_> {
    Target { id: &range.id, label: format!("{} ({})", range.name, range.prefix) }
}

/// Everything in `new`'s scope that its patterns could clash with, and the ranges named like it.
async fn neighbours(
    db: &impl ConnectionTrait,
    new: &NewRange,
    location: Option<&location::Model>,
) -> Result<RangeNeighbours, ServiceError> {
    let scope = new.scope();
    let place = match location {
        Some(l) => format!("at {}", l.name),
        None => "at organization level".to_string(),
    };
    let same_scope = range::Entity::find().filter(range::Column::ScopeKey.eq(scope.key())).all(db).await?;
    let ids: Vec<String> = same_scope.iter().map(|r| r.id.clone()).collect();
    let mut patterns = patterns_of(db, &ids).await?;
    let ranges = same_scope
        .iter()
        .map(|r| {
            let list = patterns.remove(&r.id).unwrap_or_default();
            (r.id.clone(), r.name.clone(), list.iter().filter_map(|p| RangePattern::parse(p).ok()).collect())
        })
        .collect();
    let names = range::Entity::find()
        .filter(range::Column::NameKey.eq(new.name.to_lowercase()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();

    // Entries of the scope whose extension a pattern matches: same length, same leading digits.
    let mut extensions = Vec::new();
    if !new.patterns.is_empty() {
        let mut any = Condition::any();
        for p in &new.patterns {
            any = any.add(
                Condition::all()
                    .add(Expr::expr(Func::char_length(Expr::col(ve::Column::Extension))).eq(p.len() as i32))
                    .add(ve::Column::Extension.starts_with(p.fixed())),
            );
        }
        extensions = ve::Entity::find()
            .filter(ve::Column::ScopeKey.eq(scope.key()))
            .filter(any)
            .all(db)
            .await?
            .into_iter()
            .map(|e| (e.extension, e.display_name))
            .collect();
    }

    // At organization level: the ESNs a pattern would take (routing prefix + extension).
    let mut esns = Vec::new();
    if scope == Scope::Organization && !new.patterns.is_empty() {
        let prefixed =
            location::Entity::find().filter(location::Column::RoutingPrefix.is_not_null()).all(db).await?;
        let mut any = Condition::any();
        let mut names = HashMap::new();
        for l in &prefixed {
            let Some(prefix) = l.routing_prefix.as_deref() else { continue };
            for p in &new.patterns {
                let Some(length) = p.len().checked_sub(prefix.len()).filter(|n| *n >= 2) else { continue };
                let fixed = p.fixed();
                let after = if fixed.len() <= prefix.len() {
                    if !prefix.starts_with(fixed) {
                        continue;
                    }
                    ""
                } else {
                    match fixed.strip_prefix(prefix) {
                        Some(rest) => rest,
                        None => continue,
                    }
                };
                any = any.add(
                    Condition::all()
                        .add(ve::Column::LocationId.eq(l.id.as_str()))
                        .add(
                            Expr::expr(Func::char_length(Expr::col(ve::Column::Extension))).eq(length as i32),
                        )
                        .add(ve::Column::Extension.starts_with(after)),
                );
                names.insert(l.id.clone(), (prefix.to_string(), l.name.clone()));
            }
        }
        if !names.is_empty() {
            for e in ve::Entity::find().filter(any).all(db).await? {
                let Some((prefix, location)) = e.location_id.as_ref().and_then(|id| names.get(id)) else {
                    continue;
                };
                esns.push((format!("{prefix}{}", e.extension), e.display_name, location.clone()));
            }
        }
    }
    Ok(RangeNeighbours { place, ranges, names, extensions, esns })
}

/// The whole verdict on a range (`editing`: its id when it exists) without changing anything:
/// the input's own rules, then its scope's. Used by the validate action and the side panel.
///
/// Errors: only the store's; a range at fault is a verdict.
#[tracing::instrument(skip_all)]
pub async fn validate(
    db: &impl ConnectionTrait,
    input: &RangeInput,
    editing: Option<&str>,
) -> Result<RangeVerdict, ServiceError> {
    let mode = settings::virtual_extension_mode(db).await?;
    let new = match input.validate(mode) {
        Ok(new) => new,
        Err(verdict) => return Ok(verdict),
    };
    let location = match super::directory::resolve_location(db, &new.scope()).await {
        Ok(location) => location,
        Err(_) => {
            let mut verdict = RangeVerdict::default();
            verdict.errors.push(RangeFault {
                item: RangeItem::Location(input.location.clone()),
                error: super::directory::location_not_found(),
            });
            return Ok(verdict);
        }
    };
    Ok(check_range(editing, &new, &neighbours(db, &new, location.as_ref()).await?))
}

fn refused(verdict: RangeVerdict) -> ServiceError {
    let limit = verdict.errors.iter().any(|f| f.error.code == ErrorCode::PatternLimitExceeded);
    let conflict = verdict.errors.iter().any(|f| {
        matches!(
            f.error.code,
            ErrorCode::RangeNameInUse | ErrorCode::PatternOverlaps | ErrorCode::PatternConflictsWithEsn
        )
    });
    let fields = verdict.into_field_errors();
    if conflict && !limit {
        AppError::Conflict { fields }.into()
    } else {
        AppError::validation(fields).into()
    }
}

/// Writes the patterns of range `id` (after deleting its old ones).
async fn write_patterns(
    txn: &impl ConnectionTrait,
    id: &str,
    scope: &Scope,
    patterns: &[RangePattern],
) -> Result<(), DbErr> {
    pattern::Entity::delete_many().filter(pattern::Column::RangeId.eq(id)).exec(txn).await?;
    if patterns.is_empty() {
        return Ok(());
    }
    let rows = patterns.iter().enumerate().map(|(i, p)| pattern::ActiveModel {
        range_id: Set(id.to_string()),
        scope_key: Set(scope.key().to_string()),
        pattern: Set(p.to_string()),
        position: Set(i as i32),
    });
    pattern::Entity::insert_many(rows).exec(txn).await?;
    Ok(())
}

/// What a failed write means: another writer took the name or a pattern (the unique indexes
/// caught it), or the location went away.
fn write_error(error: DbErr, new: &NewRange) -> ServiceError {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            fields: vec![FieldError::new(
                Field::Pattern,
                ErrorCode::PatternOverlaps,
                format!(
                    "Another change took the name \"{}\" or one of these patterns meanwhile: nothing was saved. Check the ranges, then save again.",
                    new.name
                ),
            )],
        }
        .into(),
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => AppError::validation(vec![super::directory::location_not_found()]).into(),
        _ => error.into(),
    }
}

/// Creates a range.
///
/// Errors: `Forbidden` (the actor may not change that scope), `Validation` (the input's rules,
/// LOCATION_NOT_FOUND, PATTERN_LIMIT_EXCEEDED), `Conflict` (RANGE_NAME_IN_USE, PATTERN_OVERLAPS,
/// PATTERN_CONFLICTS_WITH_ESN). Warnings (PATTERN_SHADOWED_BY_EXTENSION) come back with it.
#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &RangeInput,
) -> Result<SavedRange, ServiceError> {
    let mode = settings::virtual_extension_mode(db).await?;
    let new = input.validate(mode).map_err(refused)?;
    if !actor.may_change(&new.scope()) {
        return Err(super::forbidden(actor, "create a virtual extension range at this level"));
    }
    let txn = begin_write(db).await?;
    let _changed = lock_directory(&txn).await?;
    let location = super::directory::resolve_location(&txn, &new.scope()).await?;
    let id = new_id();
    let verdict = check_range(Some(&id), &new, &neighbours(&txn, &new, location.as_ref()).await?);
    if !verdict.is_ok() {
        return Err(refused(verdict));
    }
    let now = Utc::now();
    let scope = new.scope();
    let written = async {
        range::ActiveModel {
            id: Set(id.clone()),
            name: Set(new.name.clone()),
            name_key: Set(new.name.to_lowercase()),
            prefix: Set(new.prefix.clone()),
            level: Set(scope.level()),
            location_id: Set(new.location_id.clone()),
            scope_key: Set(scope.key().to_string()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(&txn)
        .await?;
        write_patterns(&txn, &id, &scope, &new.patterns).await
    }
    .await;
    if let Err(error) = written {
        txn.rollback().await?;
        return Err(write_error(error, &new));
    }
    let created = VirtualExtensionRange {
        id: id.clone(),
        name: new.name.clone(),
        prefix: new.prefix.clone(),
        level: scope.level(),
        location_id: new.location_id.clone(),
        location_name: location.map(|l| l.name),
        patterns: new.patterns.iter().map(|p| p.to_string()).collect(),
        version: 1,
    };
    audit::record(&txn, actor, AuditAction::RangeCreated, target(&created), None, Some(&snapshot(&created)))
        .await?;
    txn.commit().await?;
    Ok(SavedRange { range: created, warnings: verdict.warnings })
}

/// A change to a range: each part absent keeps its value. The level and location stay.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RangeChange {
    pub name: Option<String>,
    pub prefix: Option<String>,
    /// The patterns given and what to do with them.
    pub patterns: Option<(PatternAction, Vec<String>)>,
    /// The version the change was based on (the pages); `None`: the current one (the API).
    pub version: Option<i32>,
}

/// Changes a range's name, prefix or patterns (added, removed or replaced), under the rules of
/// create; a total past [`RANGE_PATTERNS_MAX`] is PATTERN_LIMIT_EXCEEDED.
///
/// Errors: `NotFound`, `Forbidden`, `Validation` (also PATTERN_NOT_IN_RANGE), `Conflict` (as
/// create, and EDIT_CONFLICT when `version` is not the current one). An unchanged range saves
/// nothing.
#[tracing::instrument(skip_all)]
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: &str,
    change: &RangeChange,
) -> Result<SavedRange, ServiceError> {
    let mode = settings::virtual_extension_mode(db).await?;
    let txn = begin_write(db).await?;
    let _changed = lock_directory(&txn).await?;
    let current = get(&txn, id).await?;
    if !actor.may_change(&current.scope()) {
        return Err(super::forbidden(actor, "change a virtual extension range at this level"));
    }
    if let Some(seen) = change.version.filter(|v| *v != current.version) {
        return Err(AppError::Conflict {
            fields: vec![FieldError::new(
                Field::Version,
                ErrorCode::EditConflict,
                format!(
                    "Someone else changed range \"{}\" after you opened it (you edited version {seen}; it is now version {}). Nothing was saved: review it, then save again.",
                    current.name, current.version
                ),
            )],
        }
        .into());
    }
    let mut input = current.to_input();
    if let Some(name) = &change.name {
        input.name = name.clone();
    }
    if let Some(prefix) = &change.prefix {
        input.prefix = prefix.clone();
    }
    if let Some((action, given)) = &change.patterns {
        let stored: Vec<RangePattern> =
            current.patterns.iter().filter_map(|p| RangePattern::parse(p).ok()).collect();
        input.patterns = action.apply(&stored, given).map_err(|faults| {
            ServiceError::from(AppError::validation(faults.into_iter().map(|f| f.error).collect()))
        })?;
        if input.patterns.len() > RANGE_PATTERNS_MAX {
            return Err(AppError::validation(vec![too_many_patterns(input.patterns.len())]).into());
        }
    }
    let new = input.validate(mode).map_err(refused)?;
    let location = super::directory::resolve_location(&txn, &new.scope()).await?;
    let verdict = check_range(Some(id), &new, &neighbours(&txn, &new, location.as_ref()).await?);
    if !verdict.is_ok() {
        return Err(refused(verdict));
    }
    let patterns: Vec<String> = new.patterns.iter().map(|p| p.to_string()).collect();
    if new.name == current.name && new.prefix == current.prefix && patterns == current.patterns {
        txn.rollback().await?;
        return Ok(SavedRange { range: current, warnings: verdict.warnings });
    }
    let scope = new.scope();
    let written = async {
        range::Entity::update_many()
            .col_expr(range::Column::Name, Expr::value(new.name.clone()))
            .col_expr(range::Column::NameKey, Expr::value(new.name.to_lowercase()))
            .col_expr(range::Column::Prefix, Expr::value(new.prefix.clone()))
            .col_expr(range::Column::UpdatedAt, Expr::value(Utc::now()))
            .col_expr(range::Column::Version, Expr::value(current.version + 1))
            .filter(range::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        if patterns != current.patterns {
            write_patterns(&txn, id, &scope, &new.patterns).await?;
        }
        Ok::<(), DbErr>(())
    }
    .await;
    if let Err(error) = written {
        txn.rollback().await?;
        return Err(write_error(error, &new));
    }
    let updated = VirtualExtensionRange {
        name: new.name.clone(),
        prefix: new.prefix.clone(),
        patterns,
        version: current.version + 1,
        ..current.clone()
    };
    audit::record(
        &txn,
        actor,
        AuditAction::RangeUpdated,
        target(&updated),
        Some(&snapshot(&current)),
        Some(&snapshot(&updated)),
    )
    .await?;
    txn.commit().await?;
    Ok(SavedRange { range: updated, warnings: verdict.warnings })
}

/// Deletes a range and its patterns.
///
/// Errors: `NotFound`, `Forbidden`.
#[tracing::instrument(skip_all)]
pub async fn delete(db: &DatabaseConnection, actor: &Actor, id: &str) -> Result<(), ServiceError> {
    let txn = begin_write(db).await?;
    let _changed = lock_directory(&txn).await?;
    let current = get(&txn, id).await?;
    if !actor.may_change(&current.scope()) {
        return Err(super::forbidden(actor, "delete a virtual extension range at this level"));
    }
    range::Entity::delete_by_id(id.to_string()).exec(&txn).await?;
    audit::record(&txn, actor, AuditAction::RangeDeleted, target(&current), Some(&snapshot(&current)), None)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// How many ranges a location has (what blocks deleting it).
pub async fn count_at(db: &impl ConnectionTrait, location_id: &str) -> Result<u64, ServiceError> {
    use sea_orm::PaginatorTrait;
    Ok(range::Entity::find().filter(range::Column::LocationId.eq(location_id)).count(db).await?)
}
