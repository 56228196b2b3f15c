//! The shared domain: types, validation, the CSV schema, the directory rules and the dial plan.
//!
//! Pure code: no I/O, no server dependency. It compiles to WASM and runs the same in the browser
//! and on the server, so every way data gets in applies one set of rules.

pub mod admin;
pub mod audit;
pub mod csv;
pub mod dial_plan;
pub mod directory;
mod e164;
mod error;
mod extension;
mod level;
mod location;
mod mode;
mod names;
#[cfg(feature = "phone-metadata")]
mod numbering_plan;
mod paging;
pub mod query;
pub mod range;
pub mod search;
pub mod task;
pub mod text;
pub mod token;
mod unicode;
mod virtual_extension;

pub use e164::{E164Number, E164_MAX_DIGITS};
pub use error::{ErrorCode, Field, FieldError, FieldErrors};
pub use extension::{decimal_digit_value, Extension, EXTENSION_MAX_DIGITS, EXTENSION_MIN_DIGITS};
pub use level::{Level, Scope, ORGANIZATION_SCOPE_KEY};
pub use location::{
    parse_address_part, parse_country, parse_location_name, parse_outside_dial_digit, parse_routing_prefix,
    parse_time_zone, prefixes_overlap, AddressInput, Location, LocationAddress, LocationInput, LocationRow,
    NewLocation, LOCATION_NAME_MAX_CHARS, ROUTING_PREFIX_MAX_DIGITS,
};
pub use mode::VirtualExtensionMode;
pub use names::{sip_safe, DisplayName, PersonName, PersonNameKind, NAME_MAX_CHARS};
#[cfg(feature = "phone-metadata")]
pub use numbering_plan::national_dialing;
pub use paging::PageIndex;
pub use virtual_extension::{
    DeleteOutcome, ListQuery, NewVirtualExtension, SavedVirtualExtension, SortKey, VirtualExtension,
    VirtualExtensionInput, VirtualExtensionPage, DEFAULT_PAGE_SIZE, DELETE_MAX, PAGE_SIZES, SEARCH_MAX_CHARS,
};
