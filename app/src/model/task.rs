//! CSV imports as tasks: what the Tasks list and a task's page show.

use serde::{Deserialize, Serialize};

/// Where a task is. Stored as `as_str`; shown as `label`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Stored, waiting for a worker.
    Queued,
    /// A worker is checking every row.
    Validating,
    /// A worker is applying the valid rows (one transaction).
    Importing,
    /// Every row applied (or unchanged).
    Completed,
    /// The valid rows applied; some rows had errors and were not.
    CompletedWithErrors,
    /// Nothing applied: the file was unusable, or all-or-nothing and a row had an error.
    Failed,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 6] = [
        TaskStatus::Queued,
        TaskStatus::Validating,
        TaskStatus::Importing,
        TaskStatus::Completed,
        TaskStatus::CompletedWithErrors,
        TaskStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Queued => "queued",
            TaskStatus::Validating => "validating",
            TaskStatus::Importing => "importing",
            TaskStatus::Completed => "completed",
            TaskStatus::CompletedWithErrors => "completed_with_errors",
            TaskStatus::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    pub fn label(self) -> &'static str {
        match self {
            TaskStatus::Queued => "Queued",
            TaskStatus::Validating => "Validating",
            TaskStatus::Importing => "Importing",
            TaskStatus::Completed => "Completed",
            TaskStatus::CompletedWithErrors => "Completed with errors",
            TaskStatus::Failed => "Failed",
        }
    }

    /// Queued or running: the task will still change.
    pub fn is_active(self) -> bool {
        matches!(self, TaskStatus::Queued | TaskStatus::Validating | TaskStatus::Importing)
    }
}

/// One task as the Tasks list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSummary {
    pub id: String,
    pub file_name: String,
    /// The submitter's email when they submitted.
    pub submitted_by: String,
    /// RFC 3339, UTC.
    pub submitted_at: String,
    pub finished_at: Option<String>,
    pub status: TaskStatus,
    /// "Reject the whole file if any row has an error" was chosen.
    pub all_or_nothing: bool,
    /// Rows in the file (known at upload).
    pub total_rows: u64,
    /// Rows checked so far (validating), or applied so far (importing).
    pub processed_rows: u64,
    pub added: u64,
    pub updated: u64,
    pub deleted: u64,
    pub unchanged: u64,
    pub failed: u64,
    pub warnings: u64,
    /// Why a Failed task changed nothing, in a sentence.
    pub error: Option<String>,
}

impl TaskSummary {
    /// Progress in percent (0–100) for the bar.
    pub fn percent(&self) -> u64 {
        if !self.status.is_active() {
            return 100;
        }
        (self.processed_rows.min(self.total_rows) * 100).checked_div(self.total_rows).unwrap_or(0)
    }
}

/// One row problem of a task (errors, and warnings on rows that were applied).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskRowError {
    pub row: u64,
    pub column: String,
    pub code: String,
    pub message: String,
    /// False for a warning (the row was applied).
    pub is_error: bool,
}

/// Rows of problems per page of a task's page.
pub const TASK_ERRORS_PAGE: u64 = 100;

/// A task's page: the summary and one page of its row problems.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskDetail {
    pub task: TaskSummary,
    pub problems: Vec<TaskRowError>,
    /// Problems in all (errors and warnings).
    pub total_problems: u64,
    pub page: crate::model::PageIndex,
}

/// The answer to an upload: the task that runs (or already runs) the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submitted {
    pub task_id: String,
    /// The same file was already queued or running: no second import was started.
    pub duplicate: bool,
}

/// Validate's answer: what Submit would do with the file now, and the first problems.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationReport {
    pub rows: u64,
    pub add: u64,
    pub update: u64,
    pub delete: u64,
    pub unchanged: u64,
    pub failed: u64,
    pub warnings: u64,
    /// The first [`VALIDATE_PROBLEMS_SHOWN`] problems, in row order.
    pub problems: Vec<TaskRowError>,
    pub total_problems: u64,
}

/// Problems Validate lists (the rest are counted; Submit keeps them all on the task's page).
pub const VALIDATE_PROBLEMS_SHOWN: usize = 100;

/// Why an upload (Validate or Submit) was refused: the file as a whole, the size, the role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadError {
    pub code: String,
    pub message: String,
}

/// Where uploads go (plain routes on the server: multipart with a body limit).
pub mod routes {
    /// POST (multipart: `file`, `all_or_nothing`): queue an import task.
    pub const SUBMIT: &str = "/api/imports";
    /// POST (multipart: `file`): the dry run.
    pub const VALIDATE: &str = "/api/imports/validate";

    /// GET: the rows that failed, with an Error column.
    pub fn errors_csv(task: &str) -> String {
        format!("/api/imports/{task}/errors.csv")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for status in TaskStatus::ALL {
            assert_eq!(TaskStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(TaskStatus::parse("done"), None);
        assert!(TaskStatus::Importing.is_active());
        assert!(!TaskStatus::CompletedWithErrors.is_active());
        assert_eq!(TaskStatus::CompletedWithErrors.label(), "Completed with errors");
    }

    #[test]
    fn percent_is_bounded() {
        let mut task = TaskSummary {
            id: "t".into(),
            file_name: "f.csv".into(),
            submitted_by: "a@example.com".into(),
            submitted_at: "2026-11-27T10:00:00Z".into(),
            finished_at: None,
            status: TaskStatus::Validating,
            all_or_nothing: false,
            total_rows: 200,
            processed_rows: 50,
            added: 0,
            updated: 0,
            deleted: 0,
            unchanged: 0,
            failed: 0,
            warnings: 0,
            error: None,
        };
        assert_eq!(task.percent(), 25);
        task.processed_rows = 500;
        assert_eq!(task.percent(), 100);
        task.total_rows = 0;
        assert_eq!(task.percent(), 0);
        task.status = TaskStatus::Failed;
        assert_eq!(task.percent(), 100);
    }
}
