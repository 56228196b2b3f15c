//! Bulk Add in CSV: the import engine, its tasks and the worker that runs them.
//!
//! The arrows run one way, from the top of this list to the bottom:
//! - `worker`: claims queued tasks with a lease and runs each, with its completion, in one
//!   transaction;
//! - `tasks`: the upload (a task holding its file), the Tasks list and a task's errors;
//! - `engine`: checks a file and applies it in one transaction, with one audit entry;
//! - `check`: reads and checks the rows chunk by chunk (the rules, the directory, the file's
//!   own rows); when applying, a chunk is checked while the one before it is written;
//! - `write`: a chunk's plan as statements (its rows and their history), and running them;
//! - `progress`: how far the imports this process runs are, for the Tasks list.
//!
//! The rule that names a finished task's status is the model's
//! (`app::model::task::ImportRun::outcome`); the HTTP upload and download are `crate::http`'s.

pub mod check;
pub mod engine;
pub mod progress;
pub mod tasks;
pub mod worker;
mod write;

pub use check::{check, CheckError, CheckReport, ProblemSpill, RowProblem, Severity, CHUNK_ROWS};
pub use engine::{import, import_in, require_importer, ImportOptions, ImportOutcome};
pub use progress::{Board, Progress};
pub use worker::{Ran, Worker};
