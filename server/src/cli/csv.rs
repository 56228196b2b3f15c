//! `vext csv check`.

use super::*;

/// `vext csv check`: prints every problem and a summary; its exit code is the verdict.
pub(super) async fn csv_check(url: &str, path: &std::path::Path, format: Format) -> ExitCode {
    use crate::services::csv_check::{check, CheckError};
    let shown = path.display().to_string();
    let file_failure = |code: &str, message: String| {
        match format {
            Format::Text => eprintln!("{shown}: {code}: {message}"),
            Format::Json => println!(
                "{}",
                serde_json::json!({ "file": shown, "valid": false, "error": { "code": code, "message": message } })
            ),
        }
        ExitCode::from(2)
    };
    let file = match std::fs::File::open(path) {
        Ok(file) => std::io::BufReader::new(file),
        Err(e) => return file_failure("FILE_UNREADABLE", format!("cannot open the file: {e}")),
    };
    let db = match store::open(url).await {
        Ok(db) => db,
        Err(e) => return file_failure("DATABASE_UNAVAILABLE", e.to_string()),
    };
    let report = match check(&db, file).await {
        Ok(report) => report,
        Err(CheckError::File(e)) => return file_failure(e.code.as_str(), e.message),
        Err(CheckError::Service(e)) => {
            let error = AppError::from(e);
            return file_failure("INTERNAL", error.to_string());
        }
    };
    let s = &report.summary;
    match format {
        Format::Text => {
            for problem in &report.problems {
                println!("{problem}");
            }
            println!(
                "{shown}: {} rows: {} valid ({} to add, {} to update, {} to delete, {} unchanged), {} with errors, {} warnings.",
                s.rows,
                s.rows - s.failed,
                s.add,
                s.update,
                s.delete,
                s.unchanged,
                s.failed,
                s.warnings
            );
        }
        Format::Json => println!(
            "{}",
            serde_json::json!({
                "file": shown,
                "valid": report.is_valid(),
                "summary": s,
                "problems": report.problems,
            })
        ),
    }
    if report.is_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
