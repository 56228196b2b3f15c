//! Server functions for CSV import tasks. Uploads, Validate and the errors download are plain
//! axum routes on the server (multipart with a body limit; a file download).

use crate::error::AppError;
use crate::model::task::{TaskDetail, TaskSummary};
use leptos::prelude::*;

/// The newest import tasks, newest first (full and read-only administrators).
#[server(endpoint = "list_tasks")]
pub async fn list_tasks() -> Result<Vec<TaskSummary>, AppError> {
    use super::backend::{actor, backend};
    backend()?.list_tasks(&actor()?).await
}

/// One import task and a page of its row problems.
#[server(endpoint = "get_task")]
pub async fn get_task(id: String, page: crate::model::PageIndex) -> Result<TaskDetail, AppError> {
    use super::backend::{actor, backend};
    backend()?.get_task(&actor()?, id, page).await
}
