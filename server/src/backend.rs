//! Implements app's `Backend` port with the services, for the server functions.

use crate::services::calls::DialPlans;
use crate::services::import::{tasks, Board};
use crate::services::sessions::{self, SessionPolicy};
use crate::services::{admins, audit, calls, locations, ranges, settings, tokens, virtual_extensions};
use app::api::backend::Backend;
use app::api::backend::ClientInfo;
use app::error::AppError;
use app::model::admin::{Actor, AdminAccount, AdminInput};
use app::model::audit::{AuditEntry, AuditPage, AuditQuery};
use app::model::dial_plan::{CallerIdReport, RouteReport};
use app::model::directory::Verdict;
use app::model::range::{PatternAction, RangeInput, RangeVerdict, SavedRange, VirtualExtensionRange};
use app::model::task::{TaskDetail, TaskSummary};
use app::model::token::{ApiTokenInfo, ApiTokenInput, CreatedApiToken};
use app::model::{
    DeleteOutcome, ListQuery, Location, LocationInput, LocationRow, SavedVirtualExtension, VirtualExtension,
    VirtualExtensionInput, VirtualExtensionMode, VirtualExtensionPage,
};
use async_trait::async_trait;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

#[derive(Clone)]
pub struct Services {
    db: DatabaseConnection,
    /// Live progress of the imports this process runs.
    board: Board,
    /// The dial-plan snapshot Test Call Routing answers from.
    dial_plans: Arc<DialPlans>,
}

impl Services {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db, board: Board::default(), dial_plans: Arc::default() }
    }

    /// Services that show the progress `board` tracks (the worker's).
    pub fn with_board(db: DatabaseConnection, board: Board) -> Self {
        Self { db, board, dial_plans: Arc::default() }
    }

    /// Services that share `dial_plans` (the REST API's) rather than keep their own.
    pub fn with_dial_plans(self, dial_plans: Arc<DialPlans>) -> Self {
        Self { dial_plans, ..self }
    }
}

#[async_trait]
impl Backend for Services {
    async fn list_virtual_extensions(&self, query: ListQuery) -> Result<VirtualExtensionPage, AppError> {
        Ok(virtual_extensions::list(&self.db, &query).await?)
    }

    async fn create_virtual_extension(
        &self,
        actor: &Actor,
        input: VirtualExtensionInput,
    ) -> Result<SavedVirtualExtension, AppError> {
        Ok(virtual_extensions::create(&self.db, actor, &input).await?)
    }

    async fn check_virtual_extension(
        &self,
        input: VirtualExtensionInput,
        editing: Option<String>,
    ) -> Result<Verdict, AppError> {
        Ok(virtual_extensions::check(&self.db, &input, editing.as_deref()).await?)
    }

    async fn update_virtual_extension(
        &self,
        actor: &Actor,
        id: String,
        version: i32,
        input: VirtualExtensionInput,
    ) -> Result<SavedVirtualExtension, AppError> {
        Ok(virtual_extensions::update(&self.db, actor, &id, version, &input).await?)
    }

    async fn delete_virtual_extensions(
        &self,
        actor: &Actor,
        ids: Vec<String>,
    ) -> Result<DeleteOutcome, AppError> {
        Ok(virtual_extensions::delete(&self.db, actor, &ids).await?)
    }

    async fn list_locations(&self) -> Result<Vec<Location>, AppError> {
        Ok(locations::list(&self.db).await?)
    }

    async fn location_rows(&self) -> Result<Vec<LocationRow>, AppError> {
        Ok(locations::rows(&self.db).await?)
    }

    async fn create_location(&self, actor: &Actor, input: LocationInput) -> Result<Location, AppError> {
        let new = input.validate().map_err(AppError::validation)?;
        Ok(locations::create(&self.db, actor, new).await?)
    }

    async fn update_location(
        &self,
        actor: &Actor,
        id: String,
        input: LocationInput,
    ) -> Result<Location, AppError> {
        let new = input.validate().map_err(AppError::validation)?;
        Ok(locations::update(&self.db, actor, &id, new).await?)
    }

    async fn delete_location(&self, actor: &Actor, id: String) -> Result<Location, AppError> {
        Ok(locations::delete(&self.db, actor, &id).await?)
    }

    async fn sign_in(&self, email: String, password: String, client: ClientInfo) -> Result<String, AppError> {
        let (token, _) = sessions::sign_in(
            &self.db,
            &email,
            &password,
            &client,
            SessionPolicy::default(),
            chrono::Utc::now(),
        )
        .await?;
        Ok(token)
    }

    async fn sign_out(&self, token: String) -> Result<(), AppError> {
        Ok(sessions::sign_out(&self.db, &token).await?)
    }

    async fn get_virtual_extension(&self, id: String) -> Result<VirtualExtension, AppError> {
        Ok(virtual_extensions::get(&self.db, &id).await?)
    }

    async fn virtual_extension_history(
        &self,
        actor: &Actor,
        id: String,
    ) -> Result<Vec<AuditEntry>, AppError> {
        Ok(virtual_extensions::history(&self.db, actor, &id).await?)
    }

    async fn virtual_extension_mode(&self) -> Result<VirtualExtensionMode, AppError> {
        Ok(settings::virtual_extension_mode(&self.db).await?)
    }

    async fn set_virtual_extension_mode(
        &self,
        actor: &Actor,
        mode: VirtualExtensionMode,
    ) -> Result<VirtualExtensionMode, AppError> {
        Ok(settings::set_virtual_extension_mode(&self.db, actor, mode).await?)
    }

    async fn admin_accounts(&self, actor: &Actor) -> Result<Vec<AdminAccount>, AppError> {
        Ok(admins::accounts(&self.db, actor).await?)
    }

    async fn create_admin(&self, actor: &Actor, input: AdminInput) -> Result<(), AppError> {
        admins::create(&self.db, actor, input).await?;
        Ok(())
    }

    async fn update_admin(
        &self,
        actor: &Actor,
        id: String,
        role: String,
        locations: Vec<String>,
    ) -> Result<(), AppError> {
        admins::update(&self.db, actor, &id, &role, &locations).await?;
        Ok(())
    }

    async fn set_admin_disabled(&self, actor: &Actor, id: String, disabled: bool) -> Result<(), AppError> {
        admins::set_disabled(&self.db, actor, &id, disabled).await?;
        Ok(())
    }

    async fn reset_admin_password(
        &self,
        actor: &Actor,
        id: String,
        password: String,
        current: Option<String>,
    ) -> Result<(), AppError> {
        Ok(admins::reset_password(&self.db, actor, &id, password, current).await?)
    }

    async fn end_admin_sessions(
        &self,
        actor: &Actor,
        id: String,
        session: Option<String>,
    ) -> Result<u64, AppError> {
        Ok(admins::end_sessions(&self.db, actor, &id, session.as_deref()).await?)
    }

    async fn audit_page(&self, actor: &Actor, query: AuditQuery) -> Result<AuditPage, AppError> {
        Ok(audit::list(&self.db, actor, &query).await?)
    }

    async fn audit_actors(&self, actor: &Actor) -> Result<Vec<(String, String)>, AppError> {
        Ok(audit::actors(&self.db, actor).await?)
    }

    async fn list_tasks(&self, actor: &Actor) -> Result<Vec<TaskSummary>, AppError> {
        Ok(tasks::list(&self.db, actor, &self.board).await?)
    }

    async fn get_task(
        &self,
        actor: &Actor,
        id: String,
        page: app::model::PageIndex,
    ) -> Result<TaskDetail, AppError> {
        Ok(tasks::get(&self.db, actor, &self.board, &id, page).await?)
    }

    async fn list_api_tokens(&self, actor: &Actor) -> Result<Vec<ApiTokenInfo>, AppError> {
        Ok(tokens::list(&self.db, actor).await?)
    }

    async fn create_api_token(
        &self,
        actor: &Actor,
        input: ApiTokenInput,
    ) -> Result<CreatedApiToken, AppError> {
        Ok(tokens::create(&self.db, actor, &input).await?)
    }

    async fn revoke_api_token(&self, actor: &Actor, id: String) -> Result<ApiTokenInfo, AppError> {
        Ok(tokens::revoke(&self.db, actor, &id).await?)
    }

    async fn route_call(&self, from: Option<String>, dialed: String) -> Result<RouteReport, AppError> {
        Ok(calls::route(&self.dial_plans, &self.db, from.as_deref(), &dialed).await?)
    }

    async fn caller_id(&self, calling: String, to: Option<String>) -> Result<CallerIdReport, AppError> {
        Ok(calls::caller_id(&self.dial_plans, &self.db, &calling, to.as_deref()).await?)
    }

    async fn list_ranges(&self) -> Result<Vec<VirtualExtensionRange>, AppError> {
        let all = ranges::RangeFilter { limit: 10_000, ..Default::default() };
        Ok(ranges::list(&self.db, &all).await?.0)
    }

    async fn create_range(&self, actor: &Actor, input: RangeInput) -> Result<SavedRange, AppError> {
        Ok(ranges::create(&self.db, actor, &input).await?)
    }

    async fn update_range(
        &self,
        actor: &Actor,
        id: String,
        version: i32,
        input: RangeInput,
    ) -> Result<SavedRange, AppError> {
        let change = ranges::RangeChange {
            name: Some(input.name),
            prefix: Some(input.prefix),
            patterns: Some((PatternAction::Replace, input.patterns)),
            version: Some(version),
        };
        Ok(ranges::update(&self.db, actor, &id, &change).await?)
    }

    async fn delete_range(&self, actor: &Actor, id: String) -> Result<(), AppError> {
        Ok(ranges::delete(&self.db, actor, &id).await?)
    }

    async fn check_range(
        &self,
        input: RangeInput,
        editing: Option<String>,
    ) -> Result<RangeVerdict, AppError> {
        Ok(ranges::validate(&self.db, &input, editing.as_deref()).await?)
    }
}
