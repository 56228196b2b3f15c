//! API tokens: a script's credential for the REST API, with a role like an administrator's.

use super::admin::Role;
use super::error::{ErrorCode, Field, FieldError};
use super::text::{check_name, normalize, NameCodes};
use serde::{Deserialize, Serialize};

pub const TOKEN_NAME_MAX_CHARS: usize = 100;
/// The longest lifetime a token can be given (ten years); none means it never expires.
pub const TOKEN_MAX_DAYS: u32 = 3650;
/// What every token's secret starts with, so that a leaked one is recognisable (secret
/// scanners, logs).
pub const TOKEN_PREFIX: &str = "vext_";

/// A token as the API Tokens page lists it (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenInfo {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// Location names, for the location role.
    pub locations: Vec<String>,
    /// The administrator's email, or "command line (user …)".
    pub created_by: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    /// Expired when the list was read.
    pub expired: bool,
}

impl ApiTokenInfo {
    /// Whether the token is refused, and why.
    pub fn status(&self) -> TokenStatus {
        if self.revoked_at.is_some() {
            TokenStatus::Revoked
        } else if self.expired {
            TokenStatus::Expired
        } else {
            TokenStatus::Active
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenStatus {
    Active,
    Expired,
    Revoked,
}

impl TokenStatus {
    pub fn label(self) -> &'static str {
        match self {
            TokenStatus::Active => "Active",
            TokenStatus::Expired => "Expired",
            TokenStatus::Revoked => "Revoked",
        }
    }
}

/// A new token, as the form or `vext token create` sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenInput {
    #[serde(default)]
    pub name: String,
    /// `full`, `read-only` or `location` (any spelling `Role::parse` takes).
    #[serde(default)]
    pub role: String,
    /// Location ids or names, for the location role.
    #[serde(default)]
    pub locations: Vec<String>,
    /// Days until it expires; empty for never.
    #[serde(default)]
    pub expires_days: String,
}

/// A token just made: the only time its secret is shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiToken {
    pub token: ApiTokenInfo,
    pub secret: String,
}

/// A token's name: required, trimmed, up to 100 characters, no control characters.
pub fn parse_token_name(raw: &str) -> Result<String, FieldError> {
    let value = normalize(raw);
    if value.is_empty() {
        return Err(FieldError::new(
            Field::Name,
            ErrorCode::NameRequired,
            "Name is required: say what uses the token (\"Provisioning script\"), as the audit log shows it.",
        ));
    }
    check_name(
        &value,
        TOKEN_NAME_MAX_CHARS,
        NameCodes {
            field: Field::Name,
            too_long: ErrorCode::NameTooLong,
            invalid_character: ErrorCode::NameInvalidCharacter,
        },
    )?;
    Ok(value)
}

/// Days until expiry: empty for never, else a whole number from 1 to 3650.
pub fn parse_expires_days(raw: &str) -> Result<Option<u32>, FieldError> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    match value.parse::<u32>() {
        Ok(days) if (1..=TOKEN_MAX_DAYS).contains(&days) => Ok(Some(days)),
        _ => Err(FieldError::new(
            Field::Expires,
            ErrorCode::ExpiryInvalid,
            format!(
                "Expires after {value:?} days is not possible: enter a whole number of days from 1 to {TOKEN_MAX_DAYS}, or leave it empty for a token that does not expire."
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_required_trimmed_and_bounded() {
        assert_eq!(parse_token_name("  Provisioning  ").unwrap(), "Provisioning");
        assert_eq!(parse_token_name(" ").unwrap_err().code, ErrorCode::NameRequired);
        assert_eq!(parse_token_name(&"x".repeat(101)).unwrap_err().code, ErrorCode::NameTooLong);
        assert_eq!(parse_token_name("a\u{7}b").unwrap_err().code, ErrorCode::NameInvalidCharacter);
    }

    #[test]
    fn expiry_is_never_or_one_day_to_ten_years() {
        assert_eq!(parse_expires_days(""), Ok(None));
        assert_eq!(parse_expires_days(" 30 "), Ok(Some(30)));
        assert_eq!(parse_expires_days("3650"), Ok(Some(3650)));
        for bad in ["0", "-1", "3651", "1.5", "soon", "99999999999"] {
            assert_eq!(parse_expires_days(bad).unwrap_err().code, ErrorCode::ExpiryInvalid, "{bad}");
        }
    }

    #[test]
    fn status_says_revoked_before_expired() {
        let token = ApiTokenInfo {
            id: "t".into(),
            name: "n".into(),
            role: Role::Full,
            locations: Vec::new(),
            created_by: "a@example.com".into(),
            created_at: "2026-01-01T00:00:00Z".into(),
            last_used_at: None,
            expires_at: Some("2026-02-01T00:00:00Z".into()),
            revoked_at: None,
            expired: false,
        };
        assert_eq!(token.status(), TokenStatus::Active);
        let expired = ApiTokenInfo { expired: true, ..token.clone() };
        assert_eq!(expired.status(), TokenStatus::Expired);
        let revoked = ApiTokenInfo { revoked_at: Some("2026-01-02T00:00:00Z".into()), ..expired };
        assert_eq!(revoked.status(), TokenStatus::Revoked);
    }
}
