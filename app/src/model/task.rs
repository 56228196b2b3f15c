//! CSV imports as tasks: what the Tasks list and a task's page show.

use super::ErrorCode;
use serde::{Deserialize, Serialize};

/// Where a task is. Stored as `as_str`; shown as `label`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
// Stored as a text column in this form; the entities hold the enum itself (server only).
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case"))]
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
        self.into()
    }

    pub fn parse(raw: &str) -> Option<Self> {
        raw.parse().ok()
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
    pub const ACTIVE: [TaskStatus; 3] = [TaskStatus::Queued, TaskStatus::Validating, TaskStatus::Importing];

    /// One of [`ACTIVE`](Self::ACTIVE).
    pub fn is_active(self) -> bool {
        Self::ACTIVE.contains(&self)
    }
}

/// What an import run came to, as the rule naming its task's final status reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportRun {
    /// Why the file as a whole could not be read (encoding, header, size), if it could not.
    pub file_error: Option<(ErrorCode, String)>,
    /// Whether the valid rows were written.
    pub applied: bool,
    /// "Reject the whole file if any row has an error" was chosen.
    pub all_or_nothing: bool,
    /// Rows with an error.
    pub failed: u64,
    /// Rows without one: added, updated, deleted or unchanged.
    pub valid: u64,
}

/// A finished task's status, and the code and message that say why when nothing was changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskOutcome {
    pub status: TaskStatus,
    pub code: Option<ErrorCode>,
    pub message: Option<String>,
}

impl ImportRun {
    /// The rule: an unreadable file fails; no failed row completes; a failed row under
    /// all-or-nothing rejects the whole file; every row failing changes nothing; otherwise the
    /// valid rows were applied and the task completes with errors.
    pub fn outcome(self) -> TaskOutcome {
        let failed = |code: ErrorCode, message: String| TaskOutcome {
            status: TaskStatus::Failed,
            code: Some(code),
            message: Some(message),
        };
        if let Some((code, message)) = self.file_error {
            return failed(code, message);
        }
        if self.failed == 0 {
            return TaskOutcome { status: TaskStatus::Completed, code: None, message: None };
        }
        if !self.applied && self.all_or_nothing {
            return failed(
                ErrorCode::RejectedWholeFile,
                format!(
                    "Nothing was changed: {} row{} had errors and \"Reject the whole file if any row has an \
                     error\" was chosen. Download the errors, fix them and submit the file again.",
                    self.failed,
                    if self.failed == 1 { "" } else { "s" }
                ),
            );
        }
        if self.valid == 0 {
            return failed(
                ErrorCode::NoValidRow,
                "Nothing was changed: every row had an error. Download the errors, fix them and submit \
                 the file again."
                    .to_string(),
            );
        }
        TaskOutcome { status: TaskStatus::CompletedWithErrors, code: None, message: None }
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

    fn run(failed: u64, valid: u64, applied: bool, all_or_nothing: bool) -> ImportRun {
        ImportRun { file_error: None, applied, all_or_nothing, failed, valid }
    }

    #[test]
    fn a_finished_import_names_its_status() {
        use TaskStatus::*;
        let unreadable = ImportRun {
            file_error: Some((ErrorCode::HeaderMissingColumn, "No Extension column.".to_string())),
            ..run(0, 0, false, false)
        };
        let table: [(&str, ImportRun, TaskStatus, Option<ErrorCode>); 8] = [
            ("unreadable file", unreadable, Failed, Some(ErrorCode::HeaderMissingColumn)),
            ("every row applied", run(0, 10, true, false), Completed, None),
            ("nothing to change", run(0, 10, false, false), Completed, None),
            ("empty file", run(0, 0, false, true), Completed, None),
            ("some rows failed", run(2, 8, true, false), CompletedWithErrors, None),
            (
                "all-or-nothing, a row failed",
                run(1, 9, false, true),
                Failed,
                Some(ErrorCode::RejectedWholeFile),
            ),
            ("every row failed", run(5, 0, false, false), Failed, Some(ErrorCode::NoValidRow)),
            (
                "all-or-nothing, every row failed",
                run(5, 0, false, true),
                Failed,
                Some(ErrorCode::RejectedWholeFile),
            ),
        ];
        for (case, run, status, code) in table {
            let outcome = run.outcome();
            assert_eq!((outcome.status, outcome.code), (status, code), "{case}");
            assert_eq!(outcome.message.is_some(), code.is_some(), "{case}: a message exactly when it failed");
        }
        let one = run(1, 9, false, true).outcome().message.unwrap();
        assert!(one.contains("1 row had errors"), "{one}");
        let three = run(3, 9, false, true).outcome().message.unwrap();
        assert!(three.contains("3 rows had errors"), "{three}");
    }

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
