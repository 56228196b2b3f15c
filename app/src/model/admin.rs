//! Administrators: email, role and password rules (shared by the CLI, the sign-in page and,
//! later, the Administrators page).

use super::error::{ErrorCode, Field, FieldError};
use serde::{Deserialize, Serialize};
use std::fmt;

pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 128;

/// What an administrator may do.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumString,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE", ascii_case_insensitive)]
// Stored as a text column in this form; the entities hold the enum itself (server only).
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(
    feature = "ssr",
    sea_orm(rs_type = "String", db_type = "Text", rename_all = "SCREAMING_SNAKE_CASE")
)]
pub enum Role {
    /// Everything.
    Full,
    /// Sees everything and exports; changes nothing. (`READONLY`: a typed role read with its
    /// separators left out.)
    #[strum(to_string = "READ_ONLY", serialize = "READONLY")]
    ReadOnly,
    /// Manages the location-level entries of their assigned locations only.
    Location,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Full, Role::ReadOnly, Role::Location];

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Full => "Full administrator",
            Role::ReadOnly => "Read-only administrator",
            Role::Location => "Location administrator",
        }
    }

    /// Accepts `full`, `read-only`/`read_only`/`readonly`, `location`, in any case.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let key: String = raw.trim().chars().filter(|c| *c != '-' && *c != '_' && *c != ' ').collect();
        key.parse().map_err(|_| {
            FieldError::new(
                Field::Role,
                ErrorCode::RoleInvalid,
                format!("Role {:?} is not one vext knows: use full, read-only or location.", raw.trim()),
            )
        })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Where a sign-in comes from, recorded with the session it opens.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// The signed-in administrator, as pages and server functions see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub id: String,
    pub email: String,
    pub role: Role,
    /// Location ids, for location administrators.
    pub locations: Vec<String>,
    /// Where the request came from (the client's IP address); `None` on the command line.
    #[serde(default)]
    pub from: Option<String>,
    /// The session this request came with (its stored hash); never sent to the browser.
    #[serde(skip)]
    pub session: Option<String>,
}

impl Actor {
    /// Settings, locations and administrators: full administrators only.
    pub fn is_full(&self) -> bool {
        self.role == Role::Full
    }

    /// May this administrator change anything at all (to show or hide edit controls)?
    pub fn may_change_any(&self) -> bool {
        self.role != Role::ReadOnly
    }

    /// The audit log covers every location and administrator: full and read-only only.
    pub fn may_read_audit(&self) -> bool {
        matches!(self.role, Role::Full | Role::ReadOnly)
    }

    /// May this administrator create, change or delete entries in `scope`? Full: anywhere.
    /// Read-only: nowhere. Location: location-level entries of their own locations only.
    pub fn may_change(&self, scope: &super::Scope) -> bool {
        match (self.role, scope) {
            (Role::Full, _) => true,
            (Role::ReadOnly, _) | (Role::Location, super::Scope::Organization) => false,
            (Role::Location, super::Scope::Location(id)) => self.locations.iter().any(|own| own == id),
        }
    }
}

/// An administrator as the Administrators page shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminAccount {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    /// Location ids, for location administrators.
    pub locations: Vec<String>,
    /// When the sign-in back-off ends (RFC 3339), while it lasts.
    pub locked_until: Option<String>,
    /// Open sessions, most recent first.
    pub sessions: Vec<SessionInfo>,
}

/// One open session (a signed-in browser).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// Opaque; names the session for "End".
    pub id: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub last_seen_at: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The session this page was loaded with.
    pub current: bool,
}

/// A new administrator, as the form (or a script) sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminInput {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub role: String,
    /// Location ids or names, for location administrators.
    #[serde(default)]
    pub locations: Vec<String>,
    #[serde(default)]
    pub password: String,
}

/// A new role and locations for an existing administrator.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminChange {
    #[serde(default)]
    pub role: String,
    /// Location ids or names, for location administrators (absent means none).
    #[serde(default)]
    pub locations: Vec<String>,
}

/// An email address used as a sign-in name: trimmed and lower-cased, so that `Ann@Example.com`
/// and `ann@example.com` are one account.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim().to_lowercase();
        let invalid = |why: &str| {
            Err(FieldError::new(
                Field::Email,
                ErrorCode::EmailInvalid,
                format!("{why} Enter an address such as ann@example.com."),
            ))
        };
        if value.is_empty() {
            return invalid("Email is required.");
        }
        if value.chars().count() > 254 {
            return invalid("That email address is longer than 254 characters.");
        }
        let Some((local, domain)) = value.split_once('@') else {
            return invalid("An email address has an @.");
        };
        if local.is_empty() || domain.is_empty() || domain.contains('@') {
            return invalid("An email address has one @ with a name before it and a domain after it.");
        }
        if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') || domain.contains("..")
        {
            return invalid("The part after the @ must be a domain such as example.com.");
        }
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return invalid("An email address has no spaces.");
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The 10,000 most common passwords of the xato.net "10 million passwords" list, lower-cased
/// (where it comes from and how it was made: `common-passwords.SOURCE.md` beside it). Only the
/// server checks passwords, so the list never reaches the WASM.
const COMMON_PASSWORDS: &str = include_str!("common-passwords.txt");

/// What attackers of this product try besides the public lists: its own words and the seasons.
const CONTEXT_PASSWORDS: &[&str] = &[
    "summer2024",
    "summer2025",
    "summer2026",
    "winter2025",
    "winter2026",
    "spring2026",
    "autumn2026",
    "company1",
    "virtualextension",
    "extension",
    "webex123",
    "cisco123",
    "voicemail",
    "telephone",
    "changeme1",
    "letmein123",
    "welcome123",
    "admin1234",
    "adminadmin",
    "rootroot",
];

/// Whether `lower` (a lower-cased password) is one of the common ones.
fn is_common_password(lower: &str) -> bool {
    use std::collections::HashSet;
    use std::sync::OnceLock;
    static COMMON: OnceLock<HashSet<&'static str>> = OnceLock::new();
    let common =
        COMMON.get_or_init(|| COMMON_PASSWORDS.lines().chain(CONTEXT_PASSWORDS.iter().copied()).collect());
    common.contains(lower)
}

/// Checks a new password: 8–128 characters, no composition rules, not one of the most common
/// passwords, not the account's own email, not one character repeated or a plain sequence.
pub fn check_password(password: &str, email: &Email) -> Result<(), FieldError> {
    let count = password.chars().count();
    let error = |code, message: String| Err(FieldError::new(Field::Password, code, message));
    if count < PASSWORD_MIN_CHARS {
        return error(
            ErrorCode::PasswordTooShort,
            format!("The password has {count} characters; use at least {PASSWORD_MIN_CHARS}. A few unrelated words make a long, memorable one."),
        );
    }
    if count > PASSWORD_MAX_CHARS {
        return error(
            ErrorCode::PasswordTooLong,
            format!("The password has {count} characters; the most allowed is {PASSWORD_MAX_CHARS}."),
        );
    }
    let lower = password.to_lowercase();
    let local = email.as_str().split('@').next().unwrap_or_default();
    let chars: Vec<char> = lower.chars().collect();
    let repeated = chars.windows(2).all(|w| w[0] == w[1]);
    let sequence = chars.windows(2).all(|w| w[1] as u32 == w[0] as u32 + 1)
        || chars.windows(2).all(|w| w[0] as u32 == w[1] as u32 + 1);
    if is_common_password(&lower) || lower == email.as_str() || lower == local || repeated || sequence {
        return error(
            ErrorCode::PasswordTooCommon,
            "That password is among the first ones attackers try (a common password, a sequence, or your email). Choose another.".to_string(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> Email {
        Email::parse("Annabel.Lee@Example.com").unwrap()
    }

    #[test]
    fn who_may_change_what() {
        use crate::model::Scope;
        let actor = |role| Actor {
            id: "a".into(),
            email: "a@example.com".into(),
            role,
            locations: vec!["L1".into()],
            from: None,
            session: None,
        };
        let (org, own, other) =
            (Scope::Organization, Scope::Location("L1".into()), Scope::Location("L2".into()));
        assert!(actor(Role::Full).may_change(&org) && actor(Role::Full).may_change(&other));
        assert!(!actor(Role::ReadOnly).may_change(&org) && !actor(Role::ReadOnly).may_change(&own));
        assert!(actor(Role::Location).may_change(&own));
        assert!(!actor(Role::Location).may_change(&org) && !actor(Role::Location).may_change(&other));
    }

    #[test]
    fn emails_are_trimmed_lowercased_and_checked() {
        assert_eq!(email().as_str(), "annabel.lee@example.com");
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "ann@@example.com",
            "a b@example.com",
            "ann@example..com",
        ] {
            assert_eq!(Email::parse(bad).unwrap_err().code, ErrorCode::EmailInvalid, "{bad:?}");
        }
    }

    #[test]
    fn roles_parse_in_the_forms_admins_type() {
        assert_eq!(Role::parse("full"), Ok(Role::Full));
        assert_eq!(Role::parse("Read-Only"), Ok(Role::ReadOnly));
        assert_eq!(Role::parse("read_only"), Ok(Role::ReadOnly));
        assert_eq!(Role::parse("LOCATION"), Ok(Role::Location));
        assert_eq!(Role::parse("owner").unwrap_err().code, ErrorCode::RoleInvalid);
        assert_eq!(Role::parse("read only"), Ok(Role::ReadOnly));
        assert_eq!(Role::parse(" readonly "), Ok(Role::ReadOnly));
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role), "the stored form reads back");
        }
        assert_eq!(Role::ReadOnly.as_str(), "READ_ONLY");
    }

    #[test]
    fn password_rules_at_their_boundaries() {
        let e = email();
        assert_eq!(check_password("seven77", &e).unwrap_err().code, ErrorCode::PasswordTooShort);
        assert_eq!(check_password("eight888", &e), Ok(()));
        assert_eq!(check_password(&"x1".repeat(64), &e), Ok(()), "128 characters");
        assert_eq!(
            check_password(&format!("{}y", "x1".repeat(64)), &e).unwrap_err().code,
            ErrorCode::PasswordTooLong
        );
        // Counted in characters, not bytes: eight emoji are eight characters.
        assert_eq!(check_password("😀🎉🐢🌵🍕🚲🎈🧩", &e), Ok(()));
        for common in [
            "password",
            "Password1",
            "12345678",
            "qwertyuiop",
            "aaaaaaaa",
            "abcdefgh",
            "87654321",
            "annabel.lee",
            "ANNABEL.LEE@EXAMPLE.COM",
        ] {
            assert_eq!(
                check_password(common, &e).unwrap_err().code,
                ErrorCode::PasswordTooCommon,
                "{common}"
            );
        }
        assert_eq!(check_password("correct horse battery staple", &e), Ok(()), "no composition rules");
    }

    #[test]
    fn the_ten_thousand_most_common_passwords_are_refused_in_any_case() {
        let e = email();
        for common in
            ["password2", "iloveyou2", "qwerty12345", "Qwerty12345", "ILOVEYOU2", "trustno1", "Summer2026"]
        {
            assert_eq!(
                check_password(common, &e).unwrap_err().code,
                ErrorCode::PasswordTooCommon,
                "{common}"
            );
        }
        let listed = COMMON_PASSWORDS.lines().count();
        assert!(listed > 9_900, "the list has {listed} entries");
        assert!(COMMON_PASSWORDS.lines().all(|p| !p.is_empty() && p == p.to_lowercase()));
        assert_eq!(check_password("tulip quantum harbour", &e), Ok(()));
    }
}
