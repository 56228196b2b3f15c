//! How far the imports this process runs are: a task's stored row says "validating" from its
//! claim to its commit (its transaction is not visible before), so the Tasks list overlays the
//! live phase and row count from here.

use app::model::task::{TaskStatus, TaskSummary};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// How far an import is, for the Tasks list: which phase, and rows done. Shared between the
/// import and whoever watches it (atomics: the import never waits for a reader).
#[derive(Debug, Default)]
pub struct Progress {
    applying: AtomicBool,
    rows: AtomicU64,
}

impl Progress {
    /// Rows checked, and written when importing (a chunk at a time).
    pub fn rows(&self) -> u64 {
        self.rows.load(Ordering::Relaxed)
    }

    /// True once the first rows are written (before: reading and checking the first chunk).
    pub fn is_applying(&self) -> bool {
        self.applying.load(Ordering::Relaxed)
    }

    pub(crate) fn advance(&self, rows: u64) {
        self.rows.fetch_add(rows, Ordering::Relaxed);
    }

    pub(crate) fn start_applying(&self) {
        self.applying.store(true, Ordering::Relaxed);
    }
}

/// The progress of the tasks this process is running, for the Tasks list: a task's stored row
/// says "validating" from its claim to its commit (its transaction is not visible before), so
/// the live counts come from here.
#[derive(Clone, Debug, Default)]
pub struct Board(Arc<Mutex<HashMap<String, Arc<Progress>>>>);

impl Board {
    /// Registers `task`; the returned guard unregisters it when dropped.
    pub fn track(&self, task: &str) -> Tracked {
        let progress = Arc::new(Progress::default());
        self.0.lock().unwrap_or_else(|p| p.into_inner()).insert(task.to_string(), progress.clone());
        Tracked { board: self.clone(), task: task.to_string(), progress }
    }

    pub(super) fn overlay(&self, summary: &mut TaskSummary) {
        if !summary.status.is_active() {
            return;
        }
        let board = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(progress) = board.get(&summary.id) {
            summary.status =
                if progress.is_applying() { TaskStatus::Importing } else { TaskStatus::Validating };
            summary.processed_rows = progress.rows();
        }
    }
}

/// A task on the board while it runs.
pub struct Tracked {
    board: Board,
    task: String,
    pub progress: Arc<Progress>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.board.0.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.task);
    }
}
