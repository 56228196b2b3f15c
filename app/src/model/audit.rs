//! The audit log as pages and exports see it: who changed what, when, from where, and the
//! values before and after.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of thing a change touched.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum TargetKind {
    VirtualExtension,
    Location,
    Settings,
    Administrator,
    Import,
    ApiToken,
    VirtualExtensionRange,
}

impl TargetKind {
    pub const ALL: [TargetKind; 7] = [
        TargetKind::VirtualExtension,
        TargetKind::Location,
        TargetKind::Settings,
        TargetKind::Administrator,
        TargetKind::Import,
        TargetKind::ApiToken,
        TargetKind::VirtualExtensionRange,
    ];

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(raw: &str) -> Option<Self> {
        raw.parse().ok()
    }
}

/// One kind of change. The stored form (`as_str`) is stable: filters and exports use it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    #[strum(serialize = "virtual_extension.created")]
    VirtualExtensionCreated,
    #[strum(serialize = "virtual_extension.updated")]
    VirtualExtensionUpdated,
    #[strum(serialize = "virtual_extension.moved")]
    VirtualExtensionMoved,
    #[strum(serialize = "virtual_extension.deleted")]
    VirtualExtensionDeleted,
    #[strum(serialize = "settings.mode_changed")]
    ModeChanged,
    #[strum(serialize = "location.created")]
    LocationCreated,
    #[strum(serialize = "location.updated")]
    LocationUpdated,
    #[strum(serialize = "location.deleted")]
    LocationDeleted,
    #[strum(serialize = "import.applied")]
    ImportApplied,
    #[strum(serialize = "administrator.created")]
    AdministratorCreated,
    #[strum(serialize = "administrator.updated")]
    AdministratorUpdated,
    #[strum(serialize = "administrator.disabled")]
    AdministratorDisabled,
    #[strum(serialize = "administrator.enabled")]
    AdministratorEnabled,
    #[strum(serialize = "administrator.password_reset")]
    AdministratorPasswordReset,
    #[strum(serialize = "administrator.sessions_ended")]
    AdministratorSessionsEnded,
    #[strum(serialize = "api_token.created")]
    ApiTokenCreated,
    #[strum(serialize = "api_token.revoked")]
    ApiTokenRevoked,
    #[strum(serialize = "virtual_extension_range.created")]
    RangeCreated,
    #[strum(serialize = "virtual_extension_range.updated")]
    RangeUpdated,
    #[strum(serialize = "virtual_extension_range.deleted")]
    RangeDeleted,
}

impl AuditAction {
    pub const ALL: [AuditAction; 20] = [
        AuditAction::VirtualExtensionCreated,
        AuditAction::VirtualExtensionUpdated,
        AuditAction::VirtualExtensionMoved,
        AuditAction::VirtualExtensionDeleted,
        AuditAction::ModeChanged,
        AuditAction::LocationCreated,
        AuditAction::LocationUpdated,
        AuditAction::LocationDeleted,
        AuditAction::ImportApplied,
        AuditAction::AdministratorCreated,
        AuditAction::AdministratorUpdated,
        AuditAction::AdministratorDisabled,
        AuditAction::AdministratorEnabled,
        AuditAction::AdministratorPasswordReset,
        AuditAction::AdministratorSessionsEnded,
        AuditAction::ApiTokenCreated,
        AuditAction::ApiTokenRevoked,
        AuditAction::RangeCreated,
        AuditAction::RangeUpdated,
        AuditAction::RangeDeleted,
    ];

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// What the Audit page shows.
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::VirtualExtensionCreated => "Virtual extension created",
            AuditAction::VirtualExtensionUpdated => "Virtual extension updated",
            AuditAction::VirtualExtensionMoved => "Virtual extension moved",
            AuditAction::VirtualExtensionDeleted => "Virtual extension deleted",
            AuditAction::ModeChanged => "Virtual extension mode changed",
            AuditAction::LocationCreated => "Location created",
            AuditAction::LocationUpdated => "Location updated",
            AuditAction::LocationDeleted => "Location deleted",
            AuditAction::ImportApplied => "CSV import applied",
            AuditAction::AdministratorCreated => "Administrator added",
            AuditAction::AdministratorUpdated => "Administrator's role or locations changed",
            AuditAction::AdministratorDisabled => "Administrator disabled",
            AuditAction::AdministratorEnabled => "Administrator re-enabled",
            AuditAction::AdministratorPasswordReset => "Administrator's password reset",
            AuditAction::AdministratorSessionsEnded => "Administrator's sessions ended",
            AuditAction::ApiTokenCreated => "API token created",
            AuditAction::ApiTokenRevoked => "API token revoked",
            AuditAction::RangeCreated => "Virtual extension range created",
            AuditAction::RangeUpdated => "Virtual extension range updated",
            AuditAction::RangeDeleted => "Virtual extension range deleted",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        raw.parse().ok()
    }

    pub fn target(self) -> TargetKind {
        match self {
            AuditAction::VirtualExtensionCreated
            | AuditAction::VirtualExtensionUpdated
            | AuditAction::VirtualExtensionMoved
            | AuditAction::VirtualExtensionDeleted => TargetKind::VirtualExtension,
            AuditAction::ModeChanged => TargetKind::Settings,
            AuditAction::LocationCreated | AuditAction::LocationUpdated | AuditAction::LocationDeleted => {
                TargetKind::Location
            }
            AuditAction::ImportApplied => TargetKind::Import,
            AuditAction::AdministratorCreated
            | AuditAction::AdministratorUpdated
            | AuditAction::AdministratorDisabled
            | AuditAction::AdministratorEnabled
            | AuditAction::AdministratorPasswordReset
            | AuditAction::AdministratorSessionsEnded => TargetKind::Administrator,
            AuditAction::ApiTokenCreated | AuditAction::ApiTokenRevoked => TargetKind::ApiToken,
            AuditAction::RangeCreated | AuditAction::RangeUpdated | AuditAction::RangeDeleted => {
                TargetKind::VirtualExtensionRange
            }
        }
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One value that a change altered (`None`: absent before, or removed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// One recorded change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: String,
    /// RFC 3339, UTC.
    pub at: String,
    /// The administrator's id; `None` for the command line.
    pub actor_id: Option<String>,
    /// The administrator's email when it happened, or "command line (user …)".
    pub actor: String,
    /// The client's IP address, or "command line".
    pub source: String,
    pub action: AuditAction,
    pub target_id: String,
    /// A human name for the target when it happened ("Ann Lee (4001)", "Dallas").
    pub target_label: String,
    /// The fields that changed, in the order they are shown.
    pub changes: Vec<AuditChange>,
    /// The file, when the change was one row of a CSV import (the import's own event has it
    /// in its changes instead).
    #[serde(default)]
    pub import_file: Option<String>,
}

pub const AUDIT_PAGE_SIZE: u32 = 50;

/// The Audit page's filters (all optional), as they appear in its URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// An administrator's id.
    #[serde(default)]
    pub actor: String,
    /// An `AuditAction::as_str`, or a target kind (`virtual_extension`) for all its actions.
    #[serde(default)]
    pub what: String,
    /// Words found in the target's name or id.
    #[serde(default)]
    pub target: String,
    /// A day (YYYY-MM-DD, UTC) from which on, inclusive.
    #[serde(default)]
    pub from: String,
    /// A day (YYYY-MM-DD, UTC) up to which, inclusive.
    #[serde(default)]
    pub to: String,
    /// Zero-based.
    #[serde(default)]
    pub page: super::PageIndex,
}

impl AuditQuery {
    /// Reads the URL's parameters (`actor`, `what`, `target`, `from`, `to`, `page` counted
    /// from 1); anything missing reads as no filter.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            actor: get("actor").unwrap_or_default(),
            what: get("what").unwrap_or_default(),
            target: get("target").unwrap_or_default(),
            from: get("from").unwrap_or_default(),
            to: get("to").unwrap_or_default(),
            page: super::PageIndex::parse(&get("page").unwrap_or_default()),
        }
    }

    /// The URL parameters that restore these filters, as (name, value): only the ones set.
    pub fn to_params(&self) -> Vec<(&'static str, String)> {
        let mut params = Vec::new();
        for (name, value) in [
            ("actor", &self.actor),
            ("what", &self.what),
            ("target", &self.target),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !value.trim().is_empty() {
                params.push((name, value.trim().to_string()));
            }
        }
        if self.page > super::PageIndex::FIRST {
            params.push(("page", self.page.to_string()));
        }
        params
    }

    /// The query string that restores these filters (for links and the CSV export).
    pub fn to_query_string(&self) -> String {
        super::query::query_string(&self.to_params())
    }

    /// Checks the day filters: `YYYY-MM-DD` or empty.
    pub fn day_error(raw: &str) -> Option<String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        let parts: Vec<&str> = raw.split('-').collect();
        let valid = parts.len() == 3
            && [4, 2, 2]
                .iter()
                .zip(&parts)
                .all(|(len, p)| p.len() == *len && p.bytes().all(|b| b.is_ascii_digit()))
            && (1..=12).contains(&parts[1].parse::<u32>().unwrap_or(0))
            && (1..=31).contains(&parts[2].parse::<u32>().unwrap_or(0));
        (!valid).then(|| format!("{raw:?} is not a day: use YYYY-MM-DD, such as 2026-11-27."))
    }
}

/// One page of the audit log, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub total: u64,
    pub page: super::PageIndex,
    pub per_page: u32,
}

/// An entry's values as the audit log records them (the Location by name).
pub struct RecordedEntry<'a> {
    pub level: super::Level,
    pub location: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub display_name: &'a str,
    pub extension: &'a str,
    pub phone_number: &'a str,
}

/// The audit log's field labels for an entry, in the order `recorded_fields` gives them (and
/// an import's snapshots store their values, unlabelled).
pub const RECORDED_FIELDS: [&str; 7] =
    ["Level", "Location", "First Name", "Last Name", "Display Name", "Extension", "Phone Number"];

/// The audit log's fields of an entry, labelled and in order: one list for the pages' edits and
/// for imports, so that an entry's history reads the same whichever way it changed.
pub fn recorded_fields(entry: RecordedEntry<'_>) -> [(&'static str, &str); 7] {
    let [level, location, first_name, last_name, display_name, extension, phone_number] = RECORDED_FIELDS;
    [
        (level, entry.level.label()),
        (location, entry.location),
        (first_name, entry.first_name),
        (last_name, entry.last_name),
        (display_name, entry.display_name),
        (extension, entry.extension),
        (phone_number, entry.phone_number),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_and_name_their_target() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
            assert!(action.as_str().starts_with(action.target().as_str().split('_').next().unwrap_or("")));
        }
        assert_eq!(AuditAction::parse("virtual_extension.exploded"), None);
        for kind in TargetKind::ALL {
            assert_eq!(TargetKind::parse(kind.as_str()), Some(kind));
        }
    }

    #[test]
    fn filters_make_a_query_string_that_survives_odd_input() {
        let query = AuditQuery {
            actor: String::new(),
            what: "virtual_extension".into(),
            target: "Zoë & co".into(),
            from: "2026-11-01".into(),
            to: " ".into(),
            page: crate::model::PageIndex::new(2),
        };
        assert_eq!(
            query.to_query_string(),
            "what=virtual_extension&target=Zo%C3%AB%20%26%20co&from=2026-11-01&page=3",
            "the third page: addresses count pages from 1"
        );
        assert_eq!(AuditQuery::default().to_query_string(), "");
        let params = query.to_params();
        let back =
            AuditQuery::from_params(|name| params.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone()));
        assert_eq!(back, AuditQuery { to: String::new(), ..query });
    }

    #[test]
    fn day_filters_are_checked() {
        assert_eq!(AuditQuery::day_error(""), None);
        assert_eq!(AuditQuery::day_error("2026-11-27"), None);
        for bad in ["2026-13-01", "26-11-27", "2026/11/27", "2026-11-32", "yesterday", "2026-1-27"] {
            assert!(AuditQuery::day_error(bad).is_some(), "{bad}");
        }
    }
}
