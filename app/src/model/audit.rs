//! The audit log as pages and exports see it: who changed what, when, from where, and the
//! values before and after.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of thing a change touched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
        match self {
            TargetKind::VirtualExtension => "virtual_extension",
            TargetKind::Location => "location",
            TargetKind::Settings => "settings",
            TargetKind::Administrator => "administrator",
            TargetKind::Import => "import",
            TargetKind::ApiToken => "api_token",
            TargetKind::VirtualExtensionRange => "virtual_extension_range",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// One kind of change. The stored form (`as_str`) is stable: filters and exports use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    VirtualExtensionCreated,
    VirtualExtensionUpdated,
    VirtualExtensionMoved,
    VirtualExtensionDeleted,
    ModeChanged,
    LocationCreated,
    LocationUpdated,
    LocationDeleted,
    ImportApplied,
    AdministratorCreated,
    AdministratorUpdated,
    AdministratorDisabled,
    AdministratorEnabled,
    AdministratorPasswordReset,
    AdministratorSessionsEnded,
    ApiTokenCreated,
    ApiTokenRevoked,
    RangeCreated,
    RangeUpdated,
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
        match self {
            AuditAction::VirtualExtensionCreated => "virtual_extension.created",
            AuditAction::VirtualExtensionUpdated => "virtual_extension.updated",
            AuditAction::VirtualExtensionMoved => "virtual_extension.moved",
            AuditAction::VirtualExtensionDeleted => "virtual_extension.deleted",
            AuditAction::ModeChanged => "settings.mode_changed",
            AuditAction::LocationCreated => "location.created",
            AuditAction::LocationUpdated => "location.updated",
            AuditAction::LocationDeleted => "location.deleted",
            AuditAction::ImportApplied => "import.applied",
            AuditAction::AdministratorCreated => "administrator.created",
            AuditAction::AdministratorUpdated => "administrator.updated",
            AuditAction::AdministratorDisabled => "administrator.disabled",
            AuditAction::AdministratorEnabled => "administrator.enabled",
            AuditAction::AdministratorPasswordReset => "administrator.password_reset",
            AuditAction::AdministratorSessionsEnded => "administrator.sessions_ended",
            AuditAction::ApiTokenCreated => "api_token.created",
            AuditAction::ApiTokenRevoked => "api_token.revoked",
            AuditAction::RangeCreated => "virtual_extension_range.created",
            AuditAction::RangeUpdated => "virtual_extension_range.updated",
            AuditAction::RangeDeleted => "virtual_extension_range.deleted",
        }
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
        Self::ALL.into_iter().find(|a| a.as_str() == raw)
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
    /// The query string that restores these filters (for links and the CSV export).
    pub fn to_query_string(&self) -> String {
        let mut parts = Vec::new();
        for (name, value) in [
            ("actor", &self.actor),
            ("what", &self.what),
            ("target", &self.target),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !value.trim().is_empty() {
                parts.push(format!("{name}={}", encode_component(value.trim())));
            }
        }
        if self.page > super::PageIndex::FIRST {
            parts.push(format!("page={}", self.page));
        }
        parts.join("&")
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

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub fn encode_component(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One page of the audit log, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub total: u64,
    pub page: super::PageIndex,
    pub per_page: u32,
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
            "what=virtual_extension&target=Zo%C3%AB%20%26%20co&from=2026-11-01&page=2"
        );
        assert_eq!(AuditQuery::default().to_query_string(), "");
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
