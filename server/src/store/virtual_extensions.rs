//! The one writer of `virtual_extension` rows: a form's create and edit, and an import's adds,
//! updates and deletes all go through here, so that the derived columns (`level` and
//! `scope_key` from the entry's scope, `search_name` from its names) are made in one place.
//!
//! Many rows go in few statements: SQLite gets multi-row `VALUES` lists (it compiles those
//! faster than it unpacks JSON); PostgreSQL one JSON parameter that `json_to_recordset` unpacks
//! (a statement with thousands of parameters is planned anew each time there).

use super::entities::virtual_extension as ve;
use app::model::directory::DirEntry;
use app::model::search::search_name;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryTrait, Statement, Value,
};
use serde::Serialize;

/// Rows per statement. SQLite binds each value (its limit is 32,766 parameters: 2,000 rows of
/// 14); PostgreSQL gets the rows as one JSON parameter.
pub const WRITE_CHUNK: usize = 2_000;
/// Ids per `DELETE … WHERE id IN (…)`.
const DELETE_CHUNK: usize = 1_000;

/// SQLite: the first free rowid of the search index, so that an import numbers its rows itself
/// (see the `search_rowid_given` migration). Writers are serialized, so nobody takes it meanwhile.
pub async fn next_search_rowid(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            DbBackend::Sqlite,
            "SELECT max(coalesce((SELECT max(search_rowid) FROM virtual_extension), 0), \
                        coalesce((SELECT max(rowid) FROM ve_search), 0)) + 1 AS next",
        ))
        .await?;
    Ok(row.and_then(|r| r.try_get::<i64>("", "next").ok()).unwrap_or(1))
}

/// Inserts `entries` (their ids given), one statement per `WRITE_CHUNK`, each at version 1.
pub async fn insert_many(
    db: &impl ConnectionTrait,
    entries: &[DirEntry],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let mut next_rowid = match backend {
        DbBackend::Sqlite => next_search_rowid(db).await?,
        _ => 0,
    };
    for statement in insert_statements(backend, entries, now, &mut next_rowid)? {
        db.execute_raw(statement).await?;
    }
    Ok(())
}

/// The statements [`insert_many`] runs, made without the database: SQLite's search rowids
/// are numbered from `next_rowid` on (advanced past them), which the caller read with
/// [`next_search_rowid`] in the transaction that runs them (an import makes a chunk's
/// statements while the one before is written).
pub fn insert_statements(
    backend: DbBackend,
    entries: &[DirEntry],
    now: DateTime<Utc>,
    next_rowid: &mut i64,
) -> Result<Vec<Statement>, DbErr> {
    let mut statements = Vec::new();
    for chunk in entries.chunks(WRITE_CHUNK) {
        let rows: Vec<NewRow<'_>> = chunk.iter().map(NewRow::from).collect();
        let statement = match backend {
            DbBackend::Sqlite => {
                let mut values = Vec::with_capacity(rows.len() * 14);
                for row in rows {
                    values.extend([
                        text(row.i),
                        text(row.v),
                        optional(row.o),
                        text(row.k),
                        text(row.x),
                        optional(row.f),
                        optional(row.l),
                        text(row.d),
                        text(row.p),
                        now.into(),
                        now.into(),
                        1.into(),
                        row.s.into(),
                        (*next_rowid).into(),
                    ]);
                    *next_rowid += 1;
                }
                let sql = values_list(
                    "INSERT INTO virtual_extension (id, level, location_id, scope_key, extension, \
                       first_name, last_name, display_name, phone_number, created_at, updated_at, \
                       version, search_name, search_rowid) VALUES ",
                    chunk.len(),
                    14,
                );
                Statement::from_sql_and_values(backend, sql, values)
            }
            _ => Statement::from_sql_and_values(
                backend,
                "INSERT INTO virtual_extension (id, level, location_id, scope_key, extension, \
                   first_name, last_name, display_name, phone_number, created_at, updated_at, \
                   version, search_name) \
                 SELECT r.i, r.v, r.o, r.k, r.x, r.f, r.l, r.d, r.p, $2, $2, 1, r.s \
                 FROM json_to_recordset($1::text::json) AS r(i text, v text, o text, k text, \
                   x text, f text, l text, d text, p text, s text)",
                [to_json(&rows)?.into(), now.into()],
            ),
        };
        statements.push(statement);
    }
    Ok(statements)
}

/// A new entry as `insert_many` sends it (short keys: 100,000 of these per file).
#[derive(Serialize)]
struct NewRow<'a> {
    i: &'a str,
    v: &'static str,
    o: Option<&'a str>,
    k: &'a str,
    x: &'a str,
    f: Option<&'a str>,
    l: Option<&'a str>,
    d: &'a str,
    p: &'a str,
    s: String,
}

impl<'a> From<&'a DirEntry> for NewRow<'a> {
    fn from(entry: &'a DirEntry) -> Self {
        NewRow {
            i: &entry.id,
            v: entry.scope.level().as_str(),
            o: entry.scope.location_id(),
            k: entry.scope.key(),
            x: &entry.extension,
            f: entry.first_name.as_deref(),
            l: entry.last_name.as_deref(),
            d: &entry.display_name,
            p: &entry.phone_number,
            s: names(entry),
        }
    }
}

/// What an entry's search matches (`app::model::search::search_name`).
fn names(entry: &DirEntry) -> String {
    search_name(&entry.display_name, entry.first_name.as_deref(), entry.last_name.as_deref())
}

/// Writes `entry` over the stored row with its id, if that row is still at `version`: every
/// field (a move between scopes too), and the next version. False when the row is gone or
/// another write got there first (the version in the WHERE clause makes the check and the
/// write one step, on any database).
pub async fn update(
    db: &impl ConnectionTrait,
    entry: &DirEntry,
    version: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let written = ve::Entity::update_many()
        .col_expr(ve::Column::Level, Expr::value(entry.scope.level()))
        .col_expr(ve::Column::LocationId, Expr::value(entry.scope.location_id().map(str::to_string)))
        .col_expr(ve::Column::ScopeKey, Expr::value(entry.scope.key()))
        .col_expr(ve::Column::Extension, Expr::value(entry.extension.as_str()))
        .col_expr(ve::Column::FirstName, Expr::value(entry.first_name.clone()))
        .col_expr(ve::Column::LastName, Expr::value(entry.last_name.clone()))
        .col_expr(ve::Column::DisplayName, Expr::value(entry.display_name.as_str()))
        .col_expr(ve::Column::PhoneNumber, Expr::value(entry.phone_number.as_str()))
        .col_expr(ve::Column::SearchName, Expr::value(names(entry)))
        .col_expr(ve::Column::UpdatedAt, Expr::value(now))
        .col_expr(ve::Column::Version, Expr::value(version + 1))
        .filter(ve::Column::Id.eq(entry.id.as_str()))
        .filter(ve::Column::Version.eq(version))
        .exec(db)
        .await?;
    Ok(written.rows_affected == 1)
}

/// Deletes the rows with these ids, `DELETE_CHUNK` at a time: how many there were.
pub async fn delete_many<'a>(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = &'a str>,
) -> Result<u64, DbErr> {
    let mut deleted = 0;
    for statement in delete_statements(db.get_database_backend(), ids) {
        deleted += db.execute_raw(statement).await?.rows_affected();
    }
    Ok(deleted)
}

/// The statements [`delete_many`] runs.
pub fn delete_statements<'a>(backend: DbBackend, ids: impl IntoIterator<Item = &'a str>) -> Vec<Statement> {
    let ids: Vec<&str> = ids.into_iter().collect();
    ids.chunks(DELETE_CHUNK)
        .map(|chunk| {
            ve::Entity::delete_many().filter(ve::Column::Id.is_in(chunk.iter().copied())).build(backend)
        })
        .collect()
}

/// A changed entry as `update_names_and_numbers` sends it: its id and the fields a CSV row sets.
#[derive(Serialize)]
struct ChangedRow<'a> {
    i: &'a str,
    f: Option<&'a str>,
    l: Option<&'a str>,
    d: &'a str,
    p: &'a str,
    s: String,
}

/// The statement that changes the names and numbers of `entries` (their scope and extension
/// stay), each to its next version (none for no entries): the caller orders the entries so that
/// no two in one statement trade a number (one statement changes its rows in no set order).
/// Without `numbers` the stored numbers stay (the caller knows they are unchanged), so that
/// SQLite leaves the number's index alone.
pub fn update_names_and_numbers(
    backend: DbBackend,
    entries: &[&DirEntry],
    now: DateTime<Utc>,
    numbers: bool,
) -> Result<Option<Statement>, DbErr> {
    let batch: Vec<ChangedRow<'_>> = entries
        .iter()
        .map(|entry| ChangedRow {
            i: &entry.id,
            f: entry.first_name.as_deref(),
            l: entry.last_name.as_deref(),
            d: &entry.display_name,
            p: &entry.phone_number,
            s: names(entry),
        })
        .collect();
    let batch = batch.as_slice();
    if batch.is_empty() {
        return Ok(None);
    }
    let number = if numbers { "phone_number = r.p, " } else { "" };
    let statement = match backend {
        DbBackend::Sqlite => {
            let mut values = Vec::with_capacity(batch.len() * 7);
            for row in batch {
                values.extend([
                    text(row.i),
                    optional(row.f),
                    optional(row.l),
                    text(row.d),
                    text(row.p),
                    row.s.clone().into(),
                    now.into(),
                ]);
            }
            let mut sql = values_list("WITH r (i, f, l, d, p, s, t) AS (VALUES ", batch.len(), 7);
            sql.push_str(
                ") UPDATE virtual_extension SET first_name = r.f, last_name = r.l, display_name = r.d, ",
            );
            sql.push_str(number);
            sql.push_str(
                "search_name = r.s, updated_at = r.t, version = version + 1 \
                 FROM r WHERE virtual_extension.id = r.i",
            );
            Statement::from_sql_and_values(backend, sql, values)
        }
        _ => Statement::from_sql_and_values(
            backend,
            format!(
                "UPDATE virtual_extension AS t SET first_name = r.f, last_name = r.l, display_name = r.d, \
                   {number}search_name = r.s, updated_at = $2, version = t.version + 1 \
                 FROM json_to_recordset($1::text::json) AS r(i text, f text, l text, d text, p text, s text) \
                 WHERE t.id = r.i"
            ),
            [to_json(batch)?.into(), now.into()],
        ),
    };
    Ok(Some(statement))
}

/// SQLite: `head` followed by `rows` lists of `width` parameters (`(?, ?), (?, ?)`). SQLite
/// compiles such a list faster than it unpacks the same rows from JSON; its limit of 32,766
/// parameters allows `WRITE_CHUNK` rows of up to 16 columns.
pub(crate) fn values_list(head: &str, rows: usize, width: usize) -> String {
    let mut sql = String::with_capacity(head.len() + rows * (width * 2 + 3));
    sql.push_str(head);
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ",(" });
        for column in 0..width {
            sql.push_str(if column == 0 { "?" } else { ",?" });
        }
        sql.push(')');
    }
    sql
}

pub(crate) fn text(value: &str) -> Value {
    value.to_string().into()
}

fn optional(value: Option<&str>) -> Value {
    value.map(str::to_string).into()
}

/// Rows as a JSON array, for the statements that unpack one (strings and nulls only: nothing
/// here can fail to serialize).
pub(crate) fn to_json(rows: &(impl Serialize + ?Sized)) -> Result<String, DbErr> {
    serde_json::to_string(rows).map_err(|e| DbErr::Custom(e.to_string()))
}
