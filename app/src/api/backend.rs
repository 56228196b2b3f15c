//! The port the server implements with its services (server only).

use crate::error::AppError;
use crate::model::admin::{Actor, AdminAccount, AdminInput};
use crate::model::audit::{AuditEntry, AuditPage, AuditQuery};
use crate::model::dial_plan::{CallerIdReport, RouteReport};
use crate::model::directory::Verdict;
use crate::model::range::{RangeInput, RangeVerdict, SavedRange, VirtualExtensionRange};
use crate::model::task::{TaskDetail, TaskSummary};
use crate::model::token::{ApiTokenInfo, ApiTokenInput, CreatedApiToken};
use crate::model::{
    DeleteOutcome, ListQuery, Location, LocationInput, LocationRow, SavedVirtualExtension, VirtualExtension,
    VirtualExtensionInput, VirtualExtensionMode, VirtualExtensionPage,
};
use async_trait::async_trait;
use leptos::prelude::use_context;
use std::sync::Arc;

/// Everything the server functions need from storage. The REST API and the CLI call the same
/// services behind it, so every way in applies the same rules.
#[async_trait]
pub trait Backend: Send + Sync + 'static {
    async fn list_virtual_extensions(&self, query: ListQuery) -> Result<VirtualExtensionPage, AppError>;
    /// Validates `input` under the organization's mode, checks it against the directory and
    /// stores it.
    async fn create_virtual_extension(
        &self,
        actor: &Actor,
        input: VirtualExtensionInput,
    ) -> Result<SavedVirtualExtension, AppError>;
    /// The full verdict on `input` (field rules, numbering plan, conflicts), changing nothing.
    async fn check_virtual_extension(
        &self,
        input: VirtualExtensionInput,
        editing: Option<String>,
    ) -> Result<Verdict, AppError>;
    /// Saves an edit made to `version` of entry `id`; a newer version means `Conflict` (EDIT_CONFLICT).
    async fn update_virtual_extension(
        &self,
        actor: &Actor,
        id: String,
        version: i32,
        input: VirtualExtensionInput,
    ) -> Result<SavedVirtualExtension, AppError>;
    async fn delete_virtual_extensions(
        &self,
        actor: &Actor,
        ids: Vec<String>,
    ) -> Result<DeleteOutcome, AppError>;
    async fn list_locations(&self) -> Result<Vec<Location>, AppError>;
    async fn location_rows(&self) -> Result<Vec<LocationRow>, AppError>;
    async fn create_location(&self, actor: &Actor, input: LocationInput) -> Result<Location, AppError>;
    async fn update_location(
        &self,
        actor: &Actor,
        id: String,
        input: LocationInput,
    ) -> Result<Location, AppError>;
    async fn delete_location(&self, actor: &Actor, id: String) -> Result<Location, AppError>;
    /// Checks the credentials and opens a session; returns its token. Every failure is
    /// `Unauthorized`, after the same work.
    async fn sign_in(&self, email: String, password: String, client: ClientInfo) -> Result<String, AppError>;
    async fn sign_out(&self, token: String) -> Result<(), AppError>;

    async fn get_virtual_extension(&self, id: String) -> Result<VirtualExtension, AppError>;
    /// One entry's changes, newest first (the audit log's readers only).
    async fn virtual_extension_history(&self, actor: &Actor, id: String)
        -> Result<Vec<AuditEntry>, AppError>;
    async fn virtual_extension_mode(&self) -> Result<VirtualExtensionMode, AppError>;
    /// Returns the previous mode.
    async fn set_virtual_extension_mode(
        &self,
        actor: &Actor,
        mode: VirtualExtensionMode,
    ) -> Result<VirtualExtensionMode, AppError>;

    async fn admin_accounts(&self, actor: &Actor) -> Result<Vec<AdminAccount>, AppError>;
    async fn create_admin(&self, actor: &Actor, input: AdminInput) -> Result<(), AppError>;
    async fn update_admin(
        &self,
        actor: &Actor,
        id: String,
        role: String,
        locations: Vec<String>,
    ) -> Result<(), AppError>;
    async fn set_admin_disabled(&self, actor: &Actor, id: String, disabled: bool) -> Result<(), AppError>;
    /// `current` is the actor's own password, required when `id` is the actor.
    async fn reset_admin_password(
        &self,
        actor: &Actor,
        id: String,
        password: String,
        current: Option<String>,
    ) -> Result<(), AppError>;
    /// Ends one session (`session`) or all of them; returns how many ended.
    async fn end_admin_sessions(
        &self,
        actor: &Actor,
        id: String,
        session: Option<String>,
    ) -> Result<u64, AppError>;

    async fn audit_page(&self, actor: &Actor, query: AuditQuery) -> Result<AuditPage, AppError>;
    /// Everyone who appears in the audit log: (id, name).
    async fn audit_actors(&self, actor: &Actor) -> Result<Vec<(String, String)>, AppError>;
    /// The newest import tasks, with live progress (full and read-only administrators).
    async fn list_tasks(&self, actor: &Actor) -> Result<Vec<TaskSummary>, AppError>;
    /// One import task and a page of its row problems.
    async fn get_task(
        &self,
        actor: &Actor,
        id: String,
        page: crate::model::PageIndex,
    ) -> Result<TaskDetail, AppError>;
    /// Every API token, newest first (full administrators).
    async fn list_api_tokens(&self, actor: &Actor) -> Result<Vec<ApiTokenInfo>, AppError>;
    /// Makes a token; its secret is in the answer and nowhere else.
    async fn create_api_token(
        &self,
        actor: &Actor,
        input: ApiTokenInput,
    ) -> Result<CreatedApiToken, AppError>;
    async fn revoke_api_token(&self, actor: &Actor, id: String) -> Result<ApiTokenInfo, AppError>;
    /// Test Call Routing: where a call from someone at `from` (a location id, or the
    /// organization) to `dialed` goes.
    async fn route_call(&self, from: Option<String>, dialed: String) -> Result<RouteReport, AppError>;
    /// Caller ID: what a phone at `to` shows for a call from `calling`.
    async fn caller_id(&self, calling: String, to: Option<String>) -> Result<CallerIdReport, AppError>;
    /// Every virtual extension range, by name.
    async fn list_ranges(&self) -> Result<Vec<VirtualExtensionRange>, AppError>;
    async fn create_range(&self, actor: &Actor, input: RangeInput) -> Result<SavedRange, AppError>;
    /// Replaces a range's name, prefix and patterns (its level and location stay); `version`
    /// is the one the admin edited.
    async fn update_range(
        &self,
        actor: &Actor,
        id: String,
        version: i32,
        input: RangeInput,
    ) -> Result<SavedRange, AppError>;
    async fn delete_range(&self, actor: &Actor, id: String) -> Result<(), AppError>;
    /// The whole verdict on a draft range, changing nothing (`editing`: its id).
    async fn check_range(&self, input: RangeInput, editing: Option<String>)
        -> Result<RangeVerdict, AppError>;
}

/// Put on a sign-in request by the server's gate when its address made too many attempts: the
/// sign-in server function refuses it, so that a plain form post gets the sign-in page back
/// with the wait, like the browser does, instead of a bare JSON answer.
#[derive(Clone, Copy, Debug)]
pub struct SignInThrottled {
    pub retry_after_secs: u64,
}

/// Where a request comes from, recorded with a session.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// What the server puts in Leptos context for every request.
pub type SharedBackend = Arc<dyn Backend>;

/// The signed-in administrator (the server's gate puts them on the request). Missing means
/// no session: `Unauthorized`.
pub fn actor() -> Result<Actor, AppError> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Actor>().cloned())
        .ok_or(AppError::Unauthorized)
}

/// The backend from context; missing means the server was wired wrongly, never the client's fault.
pub fn backend() -> Result<SharedBackend, AppError> {
    use_context::<SharedBackend>().ok_or_else(|| {
        tracing::error!("no Backend in Leptos context");
        AppError::Internal { reference: "backend-missing".to_string() }
    })
}
