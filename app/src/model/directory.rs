//! The directory's uniqueness rules, over a set of entries: does anyone else already have
//! this extension in this scope, this phone number, or this dialable string (the ESN)?
//!
//! Pure code: the server fills a [`Directory`] from the store (everything, for a CSV file; the
//! few rows that matter, for one change) and asks it. The form, the CSV checker, the importer,
//! the CLI and the REST API therefore get one verdict for one situation.

use super::error::{ErrorCode, Field, FieldError};
use super::Scope;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A location as the rules see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirLocation {
    pub id: String,
    pub name: String,
    pub routing_prefix: Option<String>,
    /// ISO 3166 code, for phone number hints.
    pub country: Option<String>,
}

/// A stored (or planned) entry as the rules see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    pub id: String,
    /// Organization level, or the location's.
    pub scope: Scope,
    pub extension: String,
    pub phone_number: String,
    pub display_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

/// Errors block the change; warnings are reported and the change goes ahead.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub errors: Vec<FieldError>,
    pub warnings: Vec<FieldError>,
}

impl Verdict {
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
}

#[derive(Clone, Debug, Default)]
pub struct Directory {
    locations: HashMap<String, DirLocation>,
    entries: HashMap<String, DirEntry>,
    /// (scope key, extension) → entry id. The scope key is `org` or the location id.
    by_scope_extension: HashMap<(String, String), String>,
    by_number: HashMap<String, String>,
    /// What someone outside the entry's location dials: the org-level extension, or the
    /// location's routing prefix + extension (the ESN) → entry ids.
    by_dialable: HashMap<String, Vec<String>>,
    /// Extension → the location-level entries with it (an organization-level entry with that
    /// extension is shadowed there).
    at_locations: HashMap<String, Vec<String>>,
}

impl Directory {
    pub fn new(locations: impl IntoIterator<Item = DirLocation>) -> Self {
        Self { locations: locations.into_iter().map(|l| (l.id.clone(), l)).collect(), ..Self::default() }
    }

    pub fn entry(&self, id: &str) -> Option<&DirEntry> {
        self.entries.get(id)
    }

    /// The entries, in no particular order.
    pub fn into_entries(self) -> impl Iterator<Item = DirEntry> {
        self.entries.into_values()
    }

    /// The entry with this extension in this scope (how CSV rows name what they change).
    pub fn find(&self, scope: &Scope, extension: &str) -> Option<&DirEntry> {
        self.by_scope_extension
            .get(&(scope.key().to_string(), extension.to_string()))
            .and_then(|id| self.entries.get(id))
    }

    /// What callers elsewhere dial to reach an entry with this scope and extension: the
    /// extension itself at organization level, the ESN at a location with a routing prefix.
    pub fn dialable(&self, scope: &Scope, extension: &str) -> Option<String> {
        match scope {
            Scope::Organization => Some(extension.to_string()),
            Scope::Location(id) => {
                self.locations.get(id)?.routing_prefix.as_ref().map(|prefix| format!("{prefix}{extension}"))
            }
        }
    }

    pub fn insert(&mut self, entry: DirEntry) {
        self.remove(&entry.id);
        let key = (entry.scope.key().to_string(), entry.extension.clone());
        self.by_scope_extension.insert(key, entry.id.clone());
        self.by_number.insert(entry.phone_number.clone(), entry.id.clone());
        if let Some(dialable) = self.dialable(&entry.scope, &entry.extension) {
            self.by_dialable.entry(dialable).or_default().push(entry.id.clone());
        }
        if entry.scope.location_id().is_some() {
            self.at_locations.entry(entry.extension.clone()).or_default().push(entry.id.clone());
        }
        self.entries.insert(entry.id.clone(), entry);
    }

    pub fn remove(&mut self, id: &str) -> Option<DirEntry> {
        let entry = self.entries.remove(id)?;
        let key = (entry.scope.key().to_string(), entry.extension.clone());
        if self.by_scope_extension.get(&key).is_some_and(|owner| owner == id) {
            self.by_scope_extension.remove(&key);
        }
        if self.by_number.get(&entry.phone_number).is_some_and(|owner| owner == id) {
            self.by_number.remove(&entry.phone_number);
        }
        if let Some(dialable) = self.dialable(&entry.scope, &entry.extension) {
            if let Some(ids) = self.by_dialable.get_mut(&dialable) {
                ids.retain(|other| other != id);
                if ids.is_empty() {
                    self.by_dialable.remove(&dialable);
                }
            }
        }
        if entry.scope.location_id().is_some() {
            if let Some(ids) = self.at_locations.get_mut(&entry.extension) {
                ids.retain(|other| other != id);
                if ids.is_empty() {
                    self.at_locations.remove(&entry.extension);
                }
            }
        }
        Some(entry)
    }

    fn place(&self, scope: &Scope) -> String {
        match scope.location_id().and_then(|id| self.locations.get(id)) {
            Some(location) => format!("at {}", location.name),
            None => "at organization level".to_string(),
        }
    }

    /// Checks `candidate` (its `id` is the entry being edited, or a new id) against everyone else.
    pub fn check(&self, candidate: &DirEntry) -> Verdict {
        let mut verdict = Verdict::default();
        let others = |id: &&String| **id != candidate.id;
        let scope = &candidate.scope;
        let ext = &candidate.extension;

        if let Some(owner) = self
            .by_scope_extension
            .get(&(scope.key().to_string(), ext.clone()))
            .filter(others)
            .and_then(|id| self.entries.get(id))
        {
            verdict.errors.push(FieldError::new(
                Field::Extension,
                ErrorCode::ExtensionInUse,
                format!(
                    "Extension {ext} is already used {} by \"{}\": choose another extension.",
                    self.place(scope),
                    owner.display_name
                ),
            ));
        }

        if let Some(owner) =
            self.by_number.get(&candidate.phone_number).filter(others).and_then(|id| self.entries.get(id))
        {
            verdict.errors.push(FieldError::new(
                Field::PhoneNumber,
                ErrorCode::PhoneNumberInUse,
                format!(
                    "{} already belongs to \"{}\" (extension {}). A number can have only one virtual \
                     extension, or caller ID would be ambiguous: edit that entry instead.",
                    candidate.phone_number, owner.display_name, owner.extension
                ),
            ));
        }

        if let Some(dialable) = self.dialable(scope, ext) {
            let clash = self
                .by_dialable
                .get(&dialable)
                .into_iter()
                .flatten()
                .filter(|id| **id != candidate.id)
                .filter_map(|id| self.entries.get(id))
                // Same scope and extension is EXTENSION_IN_USE, reported above.
                .find(|other| other.scope != *scope);
            if let Some(other) = clash {
                let (mine, theirs) = match scope {
                    Scope::Location(_) => (
                        format!("The ESN {dialable} ({} + {ext})", self.place(scope)),
                        format!(
                            "organization-level extension {} of \"{}\"",
                            other.extension, other.display_name
                        ),
                    ),
                    Scope::Organization => (
                        format!("Extension {ext}"),
                        format!(
                            "the ESN of \"{}\" ({} + {})",
                            other.display_name,
                            self.place(&other.scope),
                            other.extension
                        ),
                    ),
                };
                verdict.errors.push(FieldError::new(
                    Field::Extension,
                    ErrorCode::ExtensionConflictsWithEsn,
                    format!(
                        "{mine} is what callers dial for {theirs}: one number cannot reach both. \
                         Choose another extension."
                    ),
                ));
            }
        }

        // A location-level extension may equal an organization-level one, but it wins there.
        if let Scope::Location(_) = scope {
            if let Some(org) = self
                .by_scope_extension
                .get(&(Scope::Organization.key().to_string(), ext.clone()))
                .filter(others)
                .and_then(|id| self.entries.get(id))
            {
                verdict.warnings.push(FieldError::new(
                    Field::Extension,
                    ErrorCode::ExtensionShadowsOrganization,
                    format!(
                        "Organization-level extension {ext} belongs to \"{}\": callers {} will reach \
                         this one instead of the organization-level one.",
                        org.display_name,
                        self.place(scope)
                    ),
                ));
            }
        } else {
            // The other way round: location entries with this extension win over this one there.
            let mut shadowing: Vec<&DirEntry> = self
                .at_locations
                .get(ext)
                .into_iter()
                .flatten()
                .filter(|id| **id != candidate.id)
                .filter_map(|id| self.entries.get(id))
                .collect();
            shadowing.sort_by(|a, b| {
                (self.place(&a.scope), &a.display_name).cmp(&(self.place(&b.scope), &b.display_name))
            });
            if let Some(first) = shadowing.first() {
                let more = match shadowing.len() - 1 {
                    0 => String::new(),
                    1 => " and 1 more location".to_string(),
                    n => format!(" and {n} more locations"),
                };
                verdict.warnings.push(FieldError::new(
                    Field::Extension,
                    ErrorCode::ExtensionShadowsOrganization,
                    format!(
                        "Extension {ext} also belongs to \"{}\" {}{more}: callers there will reach \
                         that one instead of this organization-level one.",
                        first.display_name,
                        self.place(&first.scope),
                    ),
                ));
            }
        }
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dallas() -> DirLocation {
        DirLocation {
            id: "L-dal".into(),
            name: "Dallas".into(),
            routing_prefix: Some("8214".into()),
            country: None,
        }
    }

    fn entry(id: &str, location: Option<&str>, ext: &str, phone: &str) -> DirEntry {
        DirEntry {
            id: id.into(),
            scope: Scope::of(location.map(str::to_string)),
            extension: ext.into(),
            phone_number: phone.into(),
            display_name: format!("Person {id}"),
            first_name: None,
            last_name: None,
        }
    }

    fn codes(v: &[FieldError]) -> Vec<ErrorCode> {
        v.iter().map(|e| e.code).collect()
    }

    #[test]
    fn extension_and_number_conflicts() {
        let mut dir = Directory::new([dallas()]);
        dir.insert(entry("a", None, "4001", "+12015550001"));
        let v = dir.check(&entry("new", None, "4001", "+12015550001"));
        assert_eq!(codes(&v.errors), [ErrorCode::ExtensionInUse, ErrorCode::PhoneNumberInUse]);
        // The entry itself is not a conflict with itself (an edit that keeps its values).
        assert!(dir.check(&entry("a", None, "4001", "+12015550001")).is_ok());
    }

    #[test]
    fn location_extension_equal_to_org_extension_is_a_warning() {
        let mut dir = Directory::new([dallas()]);
        dir.insert(entry("a", None, "4001", "+12015550001"));
        let v = dir.check(&entry("new", Some("L-dal"), "4001", "+12015550002"));
        assert!(v.is_ok());
        assert_eq!(codes(&v.warnings), [ErrorCode::ExtensionShadowsOrganization]);
        assert!(v.warnings[0].message.contains("callers at Dallas will reach this one"));
    }

    #[test]
    fn organization_extension_equal_to_location_extensions_is_a_warning() {
        let houston = DirLocation {
            id: "L-hou".into(),
            name: "Houston".into(),
            routing_prefix: Some("8215".into()),
            country: None,
        };
        let mut dir = Directory::new([dallas(), houston]);
        dir.insert(entry("dal", Some("L-dal"), "4001", "+12015550001"));
        let v = dir.check(&entry("org", None, "4001", "+12015550002"));
        assert!(v.is_ok());
        assert_eq!(codes(&v.warnings), [ErrorCode::ExtensionShadowsOrganization]);
        assert!(
            v.warnings[0].message.contains("\"Person dal\" at Dallas: callers there will reach that one"),
            "{}",
            v.warnings[0].message
        );

        dir.insert(entry("hou", Some("L-hou"), "4001", "+12015550003"));
        let v = dir.check(&entry("org", None, "4001", "+12015550002"));
        assert!(
            v.warnings[0].message.contains("at Dallas and 1 more location:"),
            "{}",
            v.warnings[0].message
        );

        // Gone when the location entries are.
        dir.remove("dal");
        dir.remove("hou");
        assert!(dir.check(&entry("org", None, "4001", "+12015550002")).warnings.is_empty());
        // Another extension, or an entry compared with itself, shadows nothing.
        dir.insert(entry("dal", Some("L-dal"), "4001", "+12015550001"));
        assert!(dir.check(&entry("org", None, "4002", "+12015550002")).warnings.is_empty());
    }

    #[test]
    fn esn_must_not_equal_an_organization_extension_either_way() {
        let mut dir = Directory::new([dallas()]);
        dir.insert(entry("org", None, "82144001", "+12015550001"));
        let v = dir.check(&entry("loc", Some("L-dal"), "4001", "+12015550002"));
        assert_eq!(codes(&v.errors), [ErrorCode::ExtensionConflictsWithEsn]);
        assert!(v.errors[0].message.contains("82144001"), "{}", v.errors[0].message);

        let mut dir = Directory::new([dallas()]);
        dir.insert(entry("loc", Some("L-dal"), "4001", "+12015550002"));
        let v = dir.check(&entry("org", None, "82144001", "+12015550001"));
        assert_eq!(codes(&v.errors), [ErrorCode::ExtensionConflictsWithEsn]);
    }

    #[test]
    fn locations_without_prefix_have_no_esn() {
        let plain =
            DirLocation { id: "L-x".into(), name: "Remote".into(), routing_prefix: None, country: None };
        let mut dir = Directory::new([plain]);
        dir.insert(entry("org", None, "4001", "+12015550001"));
        let v = dir.check(&entry("loc", Some("L-x"), "4001", "+12015550002"));
        assert!(v.is_ok());
        assert_eq!(dir.dialable(&Scope::Location("L-x".into()), "4001"), None);
    }

    #[test]
    fn remove_frees_extension_number_and_esn() {
        let mut dir = Directory::new([dallas()]);
        dir.insert(entry("a", Some("L-dal"), "4001", "+12015550001"));
        assert_eq!(dir.find(&Scope::Location("L-dal".into()), "4001").map(|e| e.id.as_str()), Some("a"));
        dir.remove("a");
        assert!(dir.find(&Scope::Location("L-dal".into()), "4001").is_none());
        assert!(dir.check(&entry("b", None, "82144001", "+12015550001")).is_ok());
        assert!(dir.entry("a").is_none());
    }
}
