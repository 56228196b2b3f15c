//! Server functions for the API Tokens page (full administrators; the services decide).

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::model::admin::Actor;
use crate::model::token::{ApiTokenInfo, ApiTokenInput, CreatedApiToken};
use leptos::prelude::*;

/// What these server functions need from the server.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait TokensPort: Send + Sync + 'static {
    /// Every API token, newest first (full administrators).
    async fn list(&self, actor: &Actor) -> Result<Vec<ApiTokenInfo>, AppError>;
    /// Makes a token; its secret is in the answer and nowhere else.
    async fn create(&self, actor: &Actor, input: ApiTokenInput) -> Result<CreatedApiToken, AppError>;
    async fn revoke(&self, actor: &Actor, id: String) -> Result<ApiTokenInfo, AppError>;
}

/// Every API token, newest first.
#[server(endpoint = "list_api_tokens")]
pub async fn list_api_tokens() -> Result<Vec<ApiTokenInfo>, AppError> {
    use super::port::{actor, port};
    port::<dyn TokensPort>()?.list(&actor()?).await
}

/// Makes a token: the answer holds its secret, shown once.
#[server(endpoint = "create_api_token")]
pub async fn create_api_token(input: ApiTokenInput) -> Result<CreatedApiToken, AppError> {
    use super::port::{actor, port};
    port::<dyn TokensPort>()?.create(&actor()?, input).await
}

/// Revokes a token: every server refuses it within half a second.
#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: String) -> Result<ApiTokenInfo, AppError> {
    use super::port::{actor, port};
    port::<dyn TokensPort>()?.revoke(&actor()?, id).await
}
