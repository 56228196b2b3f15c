//! Implements app's `Backend` port with the services, for the server functions.

use crate::services::sessions::{self, SessionPolicy};
use crate::services::{locations, virtual_extensions};
use app::api::backend::Backend;
use app::api::backend::ClientInfo;
use app::error::AppError;
use app::model::admin::Actor;
use app::model::directory::Verdict;
use app::model::{ListQuery, Location, SavedVirtualExtension, VirtualExtensionInput, VirtualExtensionPage};
use async_trait::async_trait;
use sea_orm::DatabaseConnection;

#[derive(Clone)]
pub struct Services {
    db: DatabaseConnection,
}

impl Services {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
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

    async fn check_virtual_extension(&self, input: VirtualExtensionInput) -> Result<Verdict, AppError> {
        Ok(virtual_extensions::check(&self.db, &input).await?)
    }

    async fn list_locations(&self) -> Result<Vec<Location>, AppError> {
        Ok(locations::list(&self.db).await?)
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
}
