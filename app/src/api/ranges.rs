//! Server functions for the Ranges tab (roles as for entries; the services decide).

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::model::admin::Actor;
use crate::model::range::{RangeInput, RangeVerdict, SavedRange, VirtualExtensionRange};
use leptos::prelude::*;

/// What these server functions need from the server.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait RangesPort: Send + Sync + 'static {
    /// Every virtual extension range, by name.
    async fn list(&self) -> Result<Vec<VirtualExtensionRange>, AppError>;
    async fn create(&self, actor: &Actor, input: RangeInput) -> Result<SavedRange, AppError>;
    /// Replaces a range's name, prefix and patterns (its level and location stay); `version`
    /// is the one the admin edited.
    async fn update(
        &self,
        actor: &Actor,
        id: String,
        version: i32,
        input: RangeInput,
    ) -> Result<SavedRange, AppError>;
    async fn delete(&self, actor: &Actor, id: String) -> Result<(), AppError>;
    /// The whole verdict on a draft range, changing nothing (`editing`: its id).
    async fn check(&self, input: RangeInput, editing: Option<String>) -> Result<RangeVerdict, AppError>;
}

#[server(endpoint = "list_ranges")]
pub async fn list_ranges() -> Result<Vec<VirtualExtensionRange>, AppError> {
    use super::port::{actor, port};
    actor()?;
    port::<dyn RangesPort>()?.list().await
}

/// Patterns come one per line (the side panel's text area).
#[server(endpoint = "create_range")]
pub async fn create_range(input: RangeForm) -> Result<SavedRange, AppError> {
    use super::port::{actor, port};
    port::<dyn RangesPort>()?.create(&actor()?, input.into_input()).await
}

#[server(endpoint = "update_range")]
pub async fn update_range(id: String, version: i32, input: RangeForm) -> Result<SavedRange, AppError> {
    use super::port::{actor, port};
    port::<dyn RangesPort>()?.update(&actor()?, id, version, input.into_input()).await
}

#[server(endpoint = "delete_range")]
pub async fn delete_range(id: String) -> Result<(), AppError> {
    use super::port::{actor, port};
    port::<dyn RangesPort>()?.delete(&actor()?, id).await
}

/// The verdict on a draft, as the panel shows it while the admin types.
#[server(endpoint = "check_range")]
pub async fn check_range(input: RangeForm, editing: Option<String>) -> Result<RangeVerdict, AppError> {
    use super::port::{actor, port};
    actor()?;
    port::<dyn RangesPort>()?.check(input.into_input(), editing).await
}

/// The side panel's fields as a form posts them: the patterns in one text, a line each.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RangeForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub prefix: String,
    #[serde(default)]
    pub patterns: String,
    #[serde(default)]
    pub location: String,
}

impl RangeForm {
    pub fn into_input(self) -> RangeInput {
        RangeInput {
            name: self.name,
            prefix: self.prefix,
            patterns: split_patterns(&self.patterns),
            location: self.location,
        }
    }

    pub fn from_input(input: &RangeInput) -> Self {
        Self {
            name: input.name.clone(),
            prefix: input.prefix.clone(),
            patterns: input.patterns.join("\n"),
            location: input.location.clone(),
        }
    }
}

/// The non-blank lines (or comma-separated items) of a patterns text.
pub fn split_patterns(text: &str) -> Vec<String> {
    text.split(['\n', ',']).map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect()
}
