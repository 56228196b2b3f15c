//! Server functions for CSV import tasks. Uploads, Validate and the errors download are plain
//! axum routes on the server (multipart with a body limit; a file download).

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::model::admin::Actor;
use crate::model::task::{TaskDetail, TaskSummary};
use crate::model::PageIndex;
use leptos::prelude::*;

/// What these server functions need from the server.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait TasksPort: Send + Sync + 'static {
    /// The newest import tasks, with live progress (full and read-only administrators).
    async fn list(&self, actor: &Actor) -> Result<Vec<TaskSummary>, AppError>;
    /// One import task and a page of its row problems.
    async fn get(&self, actor: &Actor, id: String, page: PageIndex) -> Result<TaskDetail, AppError>;
}

/// The newest import tasks, newest first (full and read-only administrators).
#[server(endpoint = "list_tasks")]
pub async fn list_tasks() -> Result<Vec<TaskSummary>, AppError> {
    use super::port::{actor, port};
    port::<dyn TasksPort>()?.list(&actor()?).await
}

/// One import task and a page of its row problems.
#[server(endpoint = "get_task")]
pub async fn get_task(id: String, page: PageIndex) -> Result<TaskDetail, AppError> {
    use super::port::{actor, port};
    port::<dyn TasksPort>()?.get(&actor()?, id, page).await
}
