//! Writes what the check accepted: each chunk's plan (deletes, updates, adds, in the order that
//! keeps every unique index satisfied; the rows through `store::virtual_extensions`) and each
//! changed entry's before and after under the import's audit event, in few statements
//! (multi-row on SQLite, one JSON parameter on PostgreSQL).

use crate::services::audit;
use crate::services::ServiceError;
use crate::store::virtual_extensions::{self as ve_store, text, values_list, WRITE_CHUNK};
use app::model::audit::{recorded_fields, RecordedEntry};
use app::model::directory::DirEntry;
use app::model::{Level, Scope};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use std::collections::{HashMap, HashSet};

/// What a chunk of checked rows changes, written in an order that never breaks a unique index
/// midway: deletes, then updates in file order, then adds. (The rows were checked top to
/// bottom, each against the directory as the rows above left it; deleting first only frees,
/// and an add never frees what an update needs.)
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// The entries to delete, as stored.
    pub deletes: Vec<DirEntry>,
    /// Changed entries, as stored and as they become (the ids are the stored ones).
    pub updates: Vec<Update>,
    /// New entries, with the ids they get.
    pub adds: Vec<DirEntry>,
}

#[derive(Clone, Debug)]
pub struct Update {
    pub before: DirEntry,
    pub after: DirEntry,
}

/// Where an import's per-entry history goes: its audit event, and the location names its
/// snapshots show (by location id).
#[derive(Clone, Debug)]
pub struct History {
    pub event_id: String,
    pub location_names: HashMap<String, String>,
}

impl History {
    /// An entry's fields as the audit log records them (as the pages' `snapshot`): their values
    /// as a JSON array in `RECORDED_FIELDS` order, a third the size of the labelled object (an
    /// import writes one or two per entry).
    fn snapshot(&self, entry: &DirEntry) -> String {
        let (level, location) = match &entry.scope {
            Scope::Location(id) => (Level::Location, self.location_names.get(id).map_or("", String::as_str)),
            Scope::Organization => (Level::Organization, ""),
        };
        let fields = recorded_fields(RecordedEntry {
            level,
            location,
            first_name: entry.first_name.as_deref().unwrap_or_default(),
            last_name: entry.last_name.as_deref().unwrap_or_default(),
            display_name: &entry.display_name,
            extension: &entry.extension,
            phone_number: &entry.phone_number,
        });
        let mut json = String::with_capacity(120);
        audit::write_json_array(&mut json, fields.into_iter().map(|(_, value)| value));
        json
    }
}

/// The statements that record each changed entry's before and after under the import's
/// event, `WRITE_CHUNK` rows each. SQLite: multi-row INSERTs. PostgreSQL plans a statement
/// with thousands of parameters anew each time (it took longer over that than over the
/// import's own rows: 4.5 s per 100,000), so there the rows go as one JSON parameter that
/// `json_to_recordset` unpacks (the snapshots are JSON already: embedded as they are).
fn history_statements(
    backend: DbBackend,
    history: &History,
    changes: &[(&str, Option<String>, Option<String>)],
) -> Vec<Statement> {
    let mut statements = Vec::new();
    for chunk in changes.chunks(WRITE_CHUNK) {
        if backend == DbBackend::Sqlite {
            let mut values = Vec::with_capacity(chunk.len() * 4);
            for (entry_id, before, after) in chunk {
                values.extend([
                    text(entry_id),
                    text(&history.event_id),
                    before.clone().into(),
                    after.clone().into(),
                ]);
            }
            let sql = values_list(
                "INSERT INTO import_change (entry_id, event_id, before, after) VALUES ",
                chunk.len(),
                4,
            );
            statements.push(Statement::from_sql_and_values(backend, sql, values));
            continue;
        }
        let mut rows = String::with_capacity(chunk.len() * 400);
        rows.push('[');
        for (i, (entry_id, before, after)) in chunk.iter().enumerate() {
            if i > 0 {
                rows.push(',');
            }
            // Ids are UUIDs: nothing to escape.
            rows.push_str("{\"e\":\"");
            rows.push_str(entry_id);
            rows.push_str("\",\"b\":");
            rows.push_str(before.as_deref().unwrap_or("null"));
            rows.push_str(",\"a\":");
            rows.push_str(after.as_deref().unwrap_or("null"));
            rows.push('}');
        }
        rows.push(']');
        statements.push(Statement::from_sql_and_values(
            backend,
            "INSERT INTO import_change (entry_id, event_id, before, after) \
             SELECT r.e, $1, r.b::text, r.a::text \
             FROM json_to_recordset($2::text::json) AS r(e text, b json, a json)",
            [history.event_id.as_str().into(), rows.into()],
        ));
    }
    statements
}

/// The statements that write `updates`. Those that keep their number change nothing any
/// other row needs: they go first, `WRITE_CHUNK` a statement, leaving the numbers alone. The
/// others go in file order, one statement per batch: a row may take a number that a row above
/// it gave up (the check allows it: it checks top to bottom), and one statement changes its
/// rows in no set order, so such a row starts a new batch, after the one that frees its number.
/// A CSV row names its entry by level, location and extension: those stay; the names and the
/// number are the row's.
fn update_statements(
    backend: DbBackend,
    updates: &[Update],
    now: DateTime<Utc>,
) -> Result<Vec<Statement>, sea_orm::DbErr> {
    let (same, moved): (Vec<&Update>, Vec<&Update>) =
        updates.iter().partition(|u| u.before.phone_number == u.after.phone_number);
    let mut statements = Vec::new();
    for chunk in same.chunks(WRITE_CHUNK) {
        let entries: Vec<&DirEntry> = chunk.iter().map(|u| &u.after).collect();
        statements.extend(ve_store::update_names_and_numbers(backend, &entries, now, false)?);
    }
    let mut batch: Vec<&DirEntry> = Vec::new();
    let mut freed: HashSet<&str> = HashSet::new();
    for Update { before, after } in moved {
        if batch.len() == WRITE_CHUNK || freed.contains(after.phone_number.as_str()) {
            statements.extend(ve_store::update_names_and_numbers(backend, &batch, now, true)?);
            batch.clear();
            freed.clear();
        }
        freed.insert(&before.phone_number);
        batch.push(after);
    }
    statements.extend(ve_store::update_names_and_numbers(backend, &batch, now, true)?);
    Ok(statements)
}

/// The statements that write a chunk's `plan`, in the order that keeps every unique index
/// satisfied at every step, then each changed entry's before and after under the import's
/// event. Made without the database (on the thread that checks, while the chunk before is
/// written): SQLite's search rowids come from `next_rowid`, which the import read once.
pub(super) fn chunk_statements(
    backend: DbBackend,
    plan: &Plan,
    now: DateTime<Utc>,
    history: &History,
    next_rowid: &mut i64,
) -> Result<Vec<Statement>, sea_orm::DbErr> {
    let mut statements = ve_store::delete_statements(backend, plan.deletes.iter().map(|e| e.id.as_str()));
    statements.extend(update_statements(backend, &plan.updates, now)?);
    statements.extend(ve_store::insert_statements(backend, &plan.adds, now, next_rowid)?);
    let deleted = plan.deletes.iter().map(|e| (e.id.as_str(), Some(history.snapshot(e)), None));
    let updated = plan
        .updates
        .iter()
        .map(|u| (u.after.id.as_str(), Some(history.snapshot(&u.before)), Some(history.snapshot(&u.after))));
    let added = plan.adds.iter().map(|e| (e.id.as_str(), None, Some(history.snapshot(e))));
    let changes: Vec<_> = deleted.chain(updated).chain(added).collect();
    statements.extend(history_statements(backend, history, &changes));
    Ok(statements)
}

/// Runs `statements` in order.
pub(super) async fn execute(
    db: &impl ConnectionTrait,
    statements: Vec<Statement>,
) -> Result<(), ServiceError> {
    for statement in statements {
        db.execute_raw(statement).await?;
    }
    Ok(())
}
