//! Server functions for the API Tokens page (full administrators; the services decide).

use crate::error::AppError;
use crate::model::token::{ApiTokenInfo, ApiTokenInput, CreatedApiToken};
use leptos::prelude::*;

/// Every API token, newest first.
#[server(endpoint = "list_api_tokens")]
pub async fn list_api_tokens() -> Result<Vec<ApiTokenInfo>, AppError> {
    use super::backend::{actor, backend};
    backend()?.list_api_tokens(&actor()?).await
}

/// Makes a token: the answer holds its secret, shown once.
#[server(endpoint = "create_api_token")]
pub async fn create_api_token(input: ApiTokenInput) -> Result<CreatedApiToken, AppError> {
    use super::backend::{actor, backend};
    backend()?.create_api_token(&actor()?, input).await
}

/// Revokes a token: every server refuses it within half a second.
#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: String) -> Result<ApiTokenInfo, AppError> {
    use super::backend::{actor, backend};
    backend()?.revoke_api_token(&actor()?, id).await
}
