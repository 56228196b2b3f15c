//! The server functions' ports (`app::api::*Port`), implemented with the services: each method
//! hands the model's types to one service function and maps its error for the client.

use crate::services::calls::DialPlans;
use crate::services::import::{tasks, Board};
use crate::services::sessions::{self, SessionPolicy};
use crate::services::{admins, audit, calls, locations, ranges, settings, tokens, virtual_extensions};
use app::api::admins::AdminsPort;
use app::api::audit::AuditPort;
use app::api::calls::CallsPort;
use app::api::locations::LocationsPort;
use app::api::ranges::RangesPort;
use app::api::session::SessionsPort;
use app::api::settings::SettingsPort;
use app::api::tasks::TasksPort;
use app::api::tokens::TokensPort;
use app::api::virtual_extensions::VirtualExtensionsPort;
use app::error::AppError;
use app::model::admin::{Actor, AdminAccount, AdminChange, AdminInput, ClientInfo};
use app::model::audit::{AuditEntry, AuditPage, AuditQuery};
use app::model::dial_plan::{CallerIdReport, RouteReport};
use app::model::directory::Verdict;
use app::model::range::{PatternAction, RangeInput, RangeVerdict, SavedRange, VirtualExtensionRange};
use app::model::task::{TaskDetail, TaskSummary};
use app::model::token::{ApiTokenInfo, ApiTokenInput, CreatedApiToken};
use app::model::PageIndex;
use app::model::{
    DeleteOutcome, ListQuery, Location, LocationInput, LocationRow, SavedVirtualExtension, VirtualExtension,
    VirtualExtensionInput, VirtualExtensionMode, VirtualExtensionPage,
};
use async_trait::async_trait;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// What the server functions' services share: the database, the live progress of the
/// imports this process runs (the worker's board) and the dial-plan snapshot Test Call Routing
/// answers from (the REST API's and the look-ups' too).
#[derive(Clone)]
pub struct Services {
    pub db: DatabaseConnection,
    pub board: Board,
    pub dial_plans: Arc<DialPlans>,
}

#[async_trait]
impl VirtualExtensionsPort for Services {
    async fn list(&self, query: ListQuery) -> Result<VirtualExtensionPage, AppError> {
        Ok(virtual_extensions::list(&self.db, &query).await?)
    }

    async fn get(&self, id: String) -> Result<VirtualExtension, AppError> {
        Ok(virtual_extensions::get(&self.db, &id).await?)
    }

    async fn create(
        &self,
        actor: &Actor,
        input: VirtualExtensionInput,
    ) -> Result<SavedVirtualExtension, AppError> {
        Ok(virtual_extensions::create(&self.db, actor, &input).await?)
    }

    async fn check(
        &self,
        input: VirtualExtensionInput,
        editing: Option<String>,
    ) -> Result<Verdict, AppError> {
        Ok(virtual_extensions::check(&self.db, &input, editing.as_deref()).await?)
    }

    async fn update(
        &self,
        actor: &Actor,
        id: String,
        version: i32,
        input: VirtualExtensionInput,
    ) -> Result<SavedVirtualExtension, AppError> {
        Ok(virtual_extensions::update(&self.db, actor, &id, version, &input).await?)
    }

    async fn delete(&self, actor: &Actor, ids: Vec<String>) -> Result<DeleteOutcome, AppError> {
        Ok(virtual_extensions::delete(&self.db, actor, &ids).await?)
    }
}

#[async_trait]
impl LocationsPort for Services {
    async fn list(&self) -> Result<Vec<Location>, AppError> {
        Ok(locations::list(&self.db).await?)
    }

    async fn rows(&self) -> Result<Vec<LocationRow>, AppError> {
        Ok(locations::rows(&self.db).await?)
    }

    async fn create(&self, actor: &Actor, input: LocationInput) -> Result<Location, AppError> {
        Ok(locations::create(&self.db, actor, &input).await?)
    }

    async fn update(&self, actor: &Actor, id: String, input: LocationInput) -> Result<Location, AppError> {
        Ok(locations::update(&self.db, actor, &id, &input).await?)
    }

    async fn delete(&self, actor: &Actor, id: String) -> Result<Location, AppError> {
        Ok(locations::delete(&self.db, actor, &id).await?)
    }
}

#[async_trait]
impl SessionsPort for Services {
    async fn sign_in(&self, email: String, password: String, client: ClientInfo) -> Result<String, AppError> {
        let policy = SessionPolicy::default();
        let (token, _) =
            sessions::sign_in(&self.db, &email, &password, &client, policy, chrono::Utc::now()).await?;
        Ok(token)
    }

    async fn sign_out(&self, token: String) -> Result<(), AppError> {
        Ok(sessions::sign_out(&self.db, &token).await?)
    }
}

#[async_trait]
impl SettingsPort for Services {
    async fn mode(&self) -> Result<VirtualExtensionMode, AppError> {
        Ok(settings::virtual_extension_mode(&self.db).await?)
    }

    async fn set_mode(
        &self,
        actor: &Actor,
        mode: VirtualExtensionMode,
    ) -> Result<VirtualExtensionMode, AppError> {
        Ok(settings::set_virtual_extension_mode(&self.db, actor, mode).await?)
    }
}

#[async_trait]
impl AdminsPort for Services {
    async fn list(&self, actor: &Actor) -> Result<Vec<AdminAccount>, AppError> {
        Ok(admins::accounts(&self.db, actor).await?)
    }

    async fn create(&self, actor: &Actor, input: AdminInput) -> Result<(), AppError> {
        admins::create(&self.db, actor, input).await?;
        Ok(())
    }

    async fn change(&self, actor: &Actor, id: String, change: AdminChange) -> Result<(), AppError> {
        admins::update(&self.db, actor, &id, &change).await?;
        Ok(())
    }

    async fn set_disabled(&self, actor: &Actor, id: String, disabled: bool) -> Result<(), AppError> {
        admins::set_disabled(&self.db, actor, &id, disabled).await?;
        Ok(())
    }

    async fn reset_password(
        &self,
        actor: &Actor,
        id: String,
        password: String,
        current: Option<String>,
    ) -> Result<(), AppError> {
        Ok(admins::reset_password(&self.db, actor, &id, password, current).await?)
    }

    async fn end_sessions(
        &self,
        actor: &Actor,
        id: String,
        session: Option<String>,
    ) -> Result<u64, AppError> {
        Ok(admins::end_sessions(&self.db, actor, &id, session.as_deref()).await?)
    }
}

#[async_trait]
impl AuditPort for Services {
    async fn page(&self, actor: &Actor, query: AuditQuery) -> Result<AuditPage, AppError> {
        Ok(audit::list(&self.db, actor, &query).await?)
    }

    async fn actors(&self, actor: &Actor) -> Result<Vec<(String, String)>, AppError> {
        Ok(audit::actors(&self.db, actor).await?)
    }

    async fn entry_history(&self, actor: &Actor, id: String) -> Result<Vec<AuditEntry>, AppError> {
        Ok(virtual_extensions::history(&self.db, actor, &id).await?)
    }
}

#[async_trait]
impl TasksPort for Services {
    async fn list(&self, actor: &Actor) -> Result<Vec<TaskSummary>, AppError> {
        Ok(tasks::list(&self.db, actor, &self.board).await?)
    }

    async fn get(&self, actor: &Actor, id: String, page: PageIndex) -> Result<TaskDetail, AppError> {
        Ok(tasks::get(&self.db, actor, &self.board, &id, page).await?)
    }
}

#[async_trait]
impl TokensPort for Services {
    async fn list(&self, actor: &Actor) -> Result<Vec<ApiTokenInfo>, AppError> {
        Ok(tokens::list(&self.db, actor).await?)
    }

    async fn create(&self, actor: &Actor, input: ApiTokenInput) -> Result<CreatedApiToken, AppError> {
        Ok(tokens::create(&self.db, actor, &input).await?)
    }

    async fn revoke(&self, actor: &Actor, id: String) -> Result<ApiTokenInfo, AppError> {
        Ok(tokens::revoke(&self.db, actor, &id).await?)
    }
}

#[async_trait]
impl CallsPort for Services {
    async fn route(&self, from: Option<String>, dialed: String) -> Result<RouteReport, AppError> {
        Ok(calls::route(&self.dial_plans, &self.db, from.as_deref(), &dialed).await?)
    }

    async fn caller_id(&self, calling: String, to: Option<String>) -> Result<CallerIdReport, AppError> {
        Ok(calls::caller_id(&self.dial_plans, &self.db, &calling, to.as_deref()).await?)
    }
}

#[async_trait]
impl RangesPort for Services {
    async fn list(&self) -> Result<Vec<VirtualExtensionRange>, AppError> {
        let all = ranges::RangeFilter { limit: 10_000, ..Default::default() };
        Ok(ranges::list(&self.db, &all).await?.0)
    }

    async fn create(&self, actor: &Actor, input: RangeInput) -> Result<SavedRange, AppError> {
        Ok(ranges::create(&self.db, actor, &input).await?)
    }

    async fn update(
        &self,
        actor: &Actor,
        id: String,
        version: i32,
        input: RangeInput,
    ) -> Result<SavedRange, AppError> {
        // The panel sends the whole range: every part is replaced.
        let change = ranges::RangeChange {
            name: Some(input.name),
            prefix: Some(input.prefix),
            patterns: Some((PatternAction::Replace, input.patterns)),
            version: Some(version),
        };
        Ok(ranges::update(&self.db, actor, &id, &change).await?)
    }

    async fn delete(&self, actor: &Actor, id: String) -> Result<(), AppError> {
        Ok(ranges::delete(&self.db, actor, &id).await?)
    }

    async fn check(&self, input: RangeInput, editing: Option<String>) -> Result<RangeVerdict, AppError> {
        Ok(ranges::validate(&self.db, &input, editing.as_deref()).await?)
    }
}
