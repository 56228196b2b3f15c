//! The audit log: every change records who, when, from where, what, and the values before and
//! after, in the same transaction as the change (a rolled-back change leaves no entry).

use super::ServiceError;
use crate::store::entities::{audit_event, import_change};
use crate::store::new_id;
use app::error::AppError;
use app::model::admin::{Actor, Role};
use app::model::audit::{
    AuditAction, AuditChange, AuditEntry, AuditPage, AuditQuery, TargetKind, AUDIT_PAGE_SIZE, RECORDED_FIELDS,
};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select, Set,
};

/// The id the command line acts under (it has no account: whoever can run `vext` against the
/// database can do everything).
pub const COMMAND_LINE_ID: &str = "cli";

/// The command line as an actor: full rights, recorded with the operating-system user.
pub fn command_line() -> Actor {
    let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_default();
    let email =
        if user.is_empty() { "command line".to_string() } else { format!("command line (user {user})") };
    Actor {
        id: COMMAND_LINE_ID.to_string(),
        email,
        role: Role::Full,
        locations: Vec::new(),
        from: None,
        session: None,
    }
}

/// A target's fields at one moment, in display order (stored as a JSON object).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot(Vec<(&'static str, String)>);

impl Snapshot {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a field (an absent optional value is recorded as empty).
    pub fn with(mut self, field: &'static str, value: impl Into<String>) -> Self {
        self.0.push((field, value.into()));
        self
    }

    fn to_json(&self) -> String {
        let mut json = String::with_capacity(160);
        write_json_object(&mut json, self.0.iter().map(|(k, v)| (*k, v.as_str())));
        json
    }
}

/// Appends `fields` as a JSON object of strings, in their order.
fn write_json_object<'a>(out: &mut String, fields: impl IntoIterator<Item = (&'a str, &'a str)>) {
    out.push('{');
    for (i, (field, value)) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_json_string(out, field);
        out.push(':');
        write_json_string(out, value);
    }
    out.push('}');
}

/// Appends `values` as a JSON array of strings (an import's snapshot of an entry: written
/// directly, as an import writes one or two per row).
pub(crate) fn write_json_array<'a>(out: &mut String, values: impl IntoIterator<Item = &'a str>) {
    out.push('[');
    for (i, value) in values.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_json_string(out, value);
    }
    out.push(']');
}

fn write_json_string(out: &mut String, text: &str) {
    use std::fmt::Write;
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// What a change touched, as the log names it.
pub struct Target<'a> {
    pub id: &'a str,
    pub label: String,
}

/// Records one change. Call it with the change's transaction.
pub async fn record(
    db: &impl ConnectionTrait,
    actor: &Actor,
    action: AuditAction,
    target: Target<'_>,
    before: Option<&Snapshot>,
    after: Option<&Snapshot>,
) -> Result<(), ServiceError> {
    record_as(db, new_id(), actor, action, target, before, after).await
}

/// Records the event of an import before its rows are written (each changed entry's
/// `import_change` row refers to it), and returns its id; [`finish_import`] completes it.
pub async fn start_import(
    db: &impl ConnectionTrait,
    actor: &Actor,
    target: Target<'_>,
    file: &str,
) -> Result<String, ServiceError> {
    let id = new_id();
    let after = Snapshot::new().with("File", file.to_string());
    record_as(db, id.clone(), actor, AuditAction::ImportApplied, target, None, Some(&after)).await?;
    Ok(id)
}

/// Completes an import's event with what it did, timed when it did it.
pub async fn finish_import(
    db: &impl ConnectionTrait,
    event_id: &str,
    counts: &Snapshot,
) -> Result<(), ServiceError> {
    audit_event::Entity::update_many()
        .col_expr(audit_event::Column::At, Expr::value(Utc::now()))
        .col_expr(audit_event::Column::After, Expr::value(counts.to_json()))
        .filter(audit_event::Column::Id.eq(event_id))
        .exec(db)
        .await?;
    Ok(())
}

async fn record_as(
    db: &impl ConnectionTrait,
    id: String,
    actor: &Actor,
    action: AuditAction,
    target: Target<'_>,
    before: Option<&Snapshot>,
    after: Option<&Snapshot>,
) -> Result<(), ServiceError> {
    audit_event::ActiveModel {
        id: Set(id),
        at: Set(Utc::now()),
        actor_id: Set(Some(actor.id.clone())),
        actor: Set(actor.email.chars().take(300).collect()),
        source: Set(match (&actor.from, actor.id == COMMAND_LINE_ID) {
            (Some(ip), _) => ip.chars().take(64).collect(),
            (None, true) => "command line".to_string(),
            (None, false) => "unknown address".to_string(),
        }),
        action: Set(action.as_str().to_string()),
        target_kind: Set(action.target().as_str().to_string()),
        target_id: Set(target.id.to_string()),
        target_label: Set(target.label.chars().take(300).collect()),
        before: Set(before.map(Snapshot::to_json)),
        after: Set(after.map(Snapshot::to_json)),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The fields of a stored JSON object, in their stored order.
fn fields(json: Option<&str>) -> Vec<(String, String)> {
    let Some(json) = json else { return Vec::new() };
    // An import's snapshot of an entry: the values alone, in `RECORDED_FIELDS` order (imports
    // before 2026-12-02 wrote labelled objects, read below).
    if json.starts_with('[') {
        if let Ok(values) = serde_json::from_str::<Vec<String>>(json) {
            if values.len() == RECORDED_FIELDS.len() {
                return RECORDED_FIELDS.iter().map(|f| f.to_string()).zip(values).collect();
            }
        }
    }
    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(json) {
        Ok(map) => map
            .into_iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => (k, s),
                other => (k, other.to_string()),
            })
            .collect(),
        Err(_) => vec![("(unreadable)".to_string(), json.to_string())],
    }
}

/// What changed between two snapshots: every field for a creation or deletion, else only the
/// fields whose values differ.
fn changes(before: Option<&str>, after: Option<&str>) -> Vec<AuditChange> {
    let (before, after) = (fields(before), fields(after));
    let mut out: Vec<AuditChange> = Vec::new();
    for (field, value) in &after {
        let old = before.iter().find(|(f, _)| f == field).map(|(_, v)| v.clone());
        // An empty optional field that stays empty (or is created empty) says nothing.
        if old.as_deref().unwrap_or_default() != value.as_str() {
            out.push(AuditChange { field: field.clone(), before: old, after: Some(value.clone()) });
        }
    }
    for (field, value) in &before {
        if !value.is_empty() && !after.iter().any(|(f, _)| f == field) {
            out.push(AuditChange { field: field.clone(), before: Some(value.clone()), after: None });
        }
    }
    out
}

fn to_entry(model: audit_event::Model) -> Option<AuditEntry> {
    let action = AuditAction::parse(&model.action)?;
    Some(AuditEntry {
        changes: changes(model.before.as_deref(), model.after.as_deref()),
        id: model.id,
        at: super::rfc3339(model.at),
        actor_id: model.actor_id,
        actor: model.actor,
        source: model.source,
        action,
        target_id: model.target_id,
        target_label: model.target_label,
        import_file: None,
    })
}

fn day(raw: &str, field: &str) -> Result<Option<NaiveDate>, ServiceError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    if let Some(message) = AuditQuery::day_error(raw) {
        return Err(AppError::BadRequest { message: format!("{field}: {message}") }.into());
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map(Some).map_err(|_| {
        AppError::BadRequest { message: format!("{field}: {raw:?} is not a day of the calendar.") }.into()
    })
}

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// The audit log filtered by `query`, newest first.
fn filtered(query: &AuditQuery) -> Result<Select<audit_event::Entity>, ServiceError> {
    let mut select = audit_event::Entity::find();
    if !query.actor.trim().is_empty() {
        select = select.filter(audit_event::Column::ActorId.eq(query.actor.trim()));
    }
    let what = query.what.trim();
    if let Some(action) = AuditAction::parse(what) {
        select = select.filter(audit_event::Column::Action.eq(action.as_str()));
    } else if let Some(kind) = TargetKind::parse(what) {
        select = select.filter(audit_event::Column::TargetKind.eq(kind.as_str()));
    } else if !what.is_empty() {
        return Err(AppError::BadRequest {
            message: format!(
                "What: {what:?} is not a kind of change vext records; choose one from the list."
            ),
        }
        .into());
    }
    let target = query.target.trim();
    if !target.is_empty() {
        select = select.filter(
            Condition::any().add(audit_event::Column::TargetId.eq(target)).add(
                Expr::expr(Func::lower(Expr::col(audit_event::Column::TargetLabel)))
                    .like(super::search::contains(&target.to_lowercase())),
            ),
        );
    }
    if let Some(from) = day(&query.from, "From")? {
        select = select.filter(audit_event::Column::At.gte(start_of(from)));
    }
    if let Some(to) = day(&query.to, "To")? {
        let end = to.succ_opt().map(start_of).unwrap_or(DateTime::<Utc>::MAX_UTC);
        select = select.filter(audit_event::Column::At.lt(end));
    }
    Ok(select.order_by_desc(audit_event::Column::At).order_by_desc(audit_event::Column::Id))
}

/// Who may read the audit log, and anything that shows its entries.
pub(crate) fn may_read(actor: &Actor) -> Result<(), ServiceError> {
    if actor.may_read_audit() {
        Ok(())
    } else {
        Err(super::forbidden(actor, "read the audit log"))
    }
}

/// One page of the audit log (full and read-only administrators).
#[tracing::instrument(skip_all)]
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    query: &AuditQuery,
) -> Result<AuditPage, ServiceError> {
    may_read(actor)?;
    let select = filtered(query)?;
    let total = select.clone().count(db).await?;
    let rows = select
        .offset(query.page.offset(u64::from(AUDIT_PAGE_SIZE)))
        .limit(u64::from(AUDIT_PAGE_SIZE))
        .all(db)
        .await?;
    Ok(AuditPage {
        items: rows.into_iter().filter_map(to_entry).collect(),
        total,
        page: query.page,
        per_page: AUDIT_PAGE_SIZE,
    })
}

/// Everyone who appears in the log as an actor, for the "Who" filter: (id, latest name).
pub async fn actors(db: &impl ConnectionTrait, actor: &Actor) -> Result<Vec<(String, String)>, ServiceError> {
    may_read(actor)?;
    let rows: Vec<(Option<String>, String)> = audit_event::Entity::find()
        .select_only()
        .column(audit_event::Column::ActorId)
        .column(audit_event::Column::Actor)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let mut out: Vec<(String, String)> = Vec::new();
    for (id, name) in rows {
        let Some(id) = id else { continue };
        if !out.iter().any(|(known, _)| *known == id) {
            out.push((id, name));
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// One target's history, newest first (at most `limit` entries): its own events, and for a
/// virtual extension what imports did to it (each under its import's actor, time and address).
pub async fn history(
    db: &impl ConnectionTrait,
    kind: TargetKind,
    target_id: &str,
    limit: u64,
) -> Result<Vec<AuditEntry>, ServiceError> {
    let rows = audit_event::Entity::find()
        .filter(audit_event::Column::TargetKind.eq(kind.as_str()))
        .filter(audit_event::Column::TargetId.eq(target_id))
        .order_by_desc(audit_event::Column::At)
        .order_by_desc(audit_event::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let mut entries: Vec<AuditEntry> = rows.into_iter().filter_map(to_entry).collect();
    if kind == TargetKind::VirtualExtension {
        let imported = import_change::Entity::find()
            .filter(import_change::Column::EntryId.eq(target_id))
            .find_also_related(audit_event::Entity)
            .all(db)
            .await?;
        entries.extend(imported.into_iter().filter_map(|(change, event)| imported_entry(change, event?)));
        // RFC 3339 in UTC with a fixed format: text order is time order.
        entries.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.id.cmp(&a.id)));
        entries.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    Ok(entries)
}

/// What one import did to one entry, as a history entry: the import's who, when and where, the
/// entry as the target.
fn imported_entry(change: import_change::Model, event: audit_event::Model) -> Option<AuditEntry> {
    let action = match (&change.before, &change.after) {
        (None, Some(_)) => AuditAction::VirtualExtensionCreated,
        (Some(_), Some(_)) => AuditAction::VirtualExtensionUpdated,
        (Some(_), None) => AuditAction::VirtualExtensionDeleted,
        (None, None) => return None,
    };
    let latest = fields(change.after.as_deref().or(change.before.as_deref()));
    let field =
        |name: &str| latest.iter().find(|(f, _)| f == name).map(|(_, v)| v.as_str()).unwrap_or_default();
    let file = fields(event.after.as_deref()).into_iter().find(|(f, _)| f == "File").map(|(_, v)| v);
    Some(AuditEntry {
        changes: changes(change.before.as_deref(), change.after.as_deref()),
        id: event.id,
        at: super::rfc3339(event.at),
        actor_id: event.actor_id,
        actor: event.actor,
        source: event.source,
        action,
        target_label: format!("{} ({})", field("Display Name"), field("Extension")),
        target_id: change.entry_id,
        import_file: Some(file.unwrap_or_default()),
    })
}

/// The export's header row.
pub const CSV_HEADER: [&str; 9] = [
    "Time (UTC)",
    "Administrator",
    "Source",
    "Action",
    "Target Type",
    "Target",
    "Target ID",
    "Changes",
    "Event ID",
];

/// One entry as a CSV record (cells made inert for spreadsheets).
pub fn csv_record(entry: &AuditEntry) -> [String; 9] {
    let changes = entry
        .changes
        .iter()
        .map(|c| {
            format!(
                "{}: {} → {}",
                c.field,
                c.before.as_deref().unwrap_or("(none)"),
                c.after.as_deref().unwrap_or("(none)")
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    [
        entry.at.clone(),
        entry.actor.clone(),
        entry.source.clone(),
        entry.action.label().to_string(),
        entry.action.target().as_str().to_string(),
        entry.target_label.clone(),
        entry.target_id.clone(),
        changes,
        entry.id.clone(),
    ]
    .map(|cell| app::model::csv::inert_cell(&cell).into_owned())
}

/// Batch `index` of the entries `query` selects that were written up to `until` (for the CSV
/// export, which reads all pages).
pub async fn export_batch(
    db: &impl ConnectionTrait,
    actor: &Actor,
    query: &AuditQuery,
    batch: u64,
    index: u64,
    until: DateTime<Utc>,
) -> Result<Vec<AuditEntry>, ServiceError> {
    may_read(actor)?;
    let rows = filtered(query)?
        .filter(audit_event::Column::At.lte(until))
        .offset(index * batch)
        .limit(batch)
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(to_entry).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_imports_snapshots_read_as_labelled_fields_in_both_forms() {
        // Imports since 2026-12-02 store the values alone; earlier ones stored objects.
        let mut array = String::new();
        write_json_array(
            &mut array,
            ["Organization", "", "Ann", "", "Ann \"Q\" Lee", "4001", "+12015550101"],
        );
        assert_eq!(array, r#"["Organization","","Ann","","Ann \"Q\" Lee","4001","+12015550101"]"#);
        let object = Snapshot::new()
            .with("Level", "Organization")
            .with("Location", "")
            .with("First Name", "Ann")
            .with("Last Name", "")
            .with("Display Name", "Ann \"Q\" Lee")
            .with("Extension", "4001")
            .with("Phone Number", "+12015550101")
            .to_json();
        assert_eq!(fields(Some(&array)), fields(Some(&object)));
        assert_eq!(fields(Some(&array))[4], ("Display Name".to_string(), "Ann \"Q\" Lee".to_string()));
        let moved = r#"["Organization","","Ann","","Ann \"Q\" Lee","4001","+12015550109"]"#;
        let changed = changes(Some(&object), Some(moved));
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].field, "Phone Number");
        assert_eq!(fields(Some(r#"["too","short"]"#))[0].0, "(unreadable)");
    }

    #[test]
    fn changes_list_what_differs() {
        let before = Snapshot::new().with("Display Name", "Ann").with("Extension", "4001").to_json();
        let after = Snapshot::new().with("Display Name", "Ann Lee").with("Extension", "4001").to_json();
        assert_eq!(
            changes(Some(&before), Some(&after)),
            vec![AuditChange {
                field: "Display Name".into(),
                before: Some("Ann".into()),
                after: Some("Ann Lee".into())
            }]
        );
        let created = changes(None, Some(&after));
        assert_eq!(created.len(), 2);
        let sparse = Snapshot::new().with("First Name", "").with("Extension", "4001").to_json();
        assert_eq!(changes(None, Some(&sparse)).len(), 1, "empty fields of a new entry are left out");
        assert_eq!(changes(Some(&sparse), None).len(), 1, "and of a deleted one");
        assert!(created.iter().all(|c| c.before.is_none()));
        let deleted = changes(Some(&before), None);
        assert_eq!(
            deleted.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(),
            ["Display Name", "Extension"]
        );
        assert!(deleted.iter().all(|c| c.after.is_none()));
    }

    #[test]
    fn exported_cells_cannot_run_as_formulas() {
        let entry = AuditEntry {
            id: "e".into(),
            at: "2026-11-27T10:00:00Z".into(),
            actor_id: Some("a".into()),
            actor: "=cmd|' /C calc'!A0".into(),
            source: "203.0.113.9".into(),
            action: AuditAction::VirtualExtensionCreated,
            target_id: "t".into(),
            target_label: "@SUM(1)".into(),
            changes: vec![],
            import_file: None,
        };
        let record = csv_record(&entry);
        assert_eq!(record[1], "'=cmd|' /C calc'!A0");
        assert_eq!(record[5], "'@SUM(1)");
        assert_eq!(record[3], "Virtual extension created");
    }
}
