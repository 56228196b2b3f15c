//! `vext csv check`, `vext csv import` and `vext csv export`.

use super::*;

/// The file and the database a check or import works on, or (code, message) saying which
/// could not be opened.
async fn open(
    url: &str,
    path: &std::path::Path,
) -> Result<(std::io::BufReader<std::fs::File>, sea_orm::DatabaseConnection), (ErrorCode, String)> {
    let file = std::fs::File::open(path)
        .map(std::io::BufReader::new)
        .map_err(|e| (ErrorCode::FileUnreadable, format!("cannot open the file: {e}")))?;
    let db = store::open(url).await.map_err(|e| (ErrorCode::DatabaseUnavailable, e.to_string()))?;
    Ok((file, db))
}

/// A file that could not be checked at all (exit status 2): one line on stderr, or a JSON
/// document whose `verdict` field (`valid`, `applied`) is false.
fn failure(shown: &str, format: Format, verdict: &str, code: ErrorCode, message: &str) -> ExitCode {
    match format {
        Format::Text => eprintln!("{shown}: {code}: {message}"),
        Format::Json => println!(
            "{}",
            serde_json::json!({ "file": shown, (verdict): false, "error": { "code": code, "message": message } })
        ),
    }
    ExitCode::from(2)
}

/// `vext csv check`: prints every problem and a summary; its exit code is the verdict.
pub(super) async fn csv_check(
    url: &str,
    path: &std::path::Path,
    format: Format,
    limits: app::model::csv::Limits,
) -> ExitCode {
    use crate::services::import::{check, CheckError};
    let shown = path.display().to_string();
    let file_failure = |code: ErrorCode, message: String| failure(&shown, format, "valid", code, &message);
    let (file, db) = match open(url, path).await {
        Ok(opened) => opened,
        Err((code, message)) => return file_failure(code, message),
    };
    let report = match check(&db, &command_line(), file, limits).await {
        Ok(report) => report,
        Err(CheckError::File(e)) => return file_failure(e.code, e.message),
        Err(CheckError::Service(e)) => {
            let error = AppError::from(e);
            return file_failure(ErrorCode::Internal, error.to_string());
        }
    };
    print_report(&shown, &report, None, format);
    if report.is_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// One line per problem, then a summary (text); or one JSON document. `applied` is the import's
/// answer (None for a check).
fn print_report(
    shown: &str,
    report: &crate::services::import::CheckReport,
    applied: Option<bool>,
    format: Format,
) {
    let s = &report.summary;
    match format {
        Format::Text => {
            for problem in &report.problems {
                println!("{problem}");
            }
            let (add, update, delete) = match applied {
                None | Some(false) => ("to add", "to update", "to delete"),
                Some(true) => ("added", "updated", "deleted"),
            };
            println!(
                "{shown}: {} rows: {} valid ({} {add}, {} {update}, {} {delete}, {} unchanged), {} with errors, {} warnings.",
                s.rows,
                s.rows - s.failed,
                s.add,
                s.update,
                s.delete,
                s.unchanged,
                s.failed,
                s.warnings
            );
            match applied {
                Some(true) => println!("{shown}: applied in one transaction."),
                Some(false) => println!("{shown}: nothing was changed."),
                None => {}
            }
        }
        Format::Json => {
            let mut document = serde_json::json!({
                "file": shown,
                "valid": report.is_valid(),
                "summary": s,
                "problems": report.problems,
            });
            if let Some(applied) = applied {
                document["applied"] = serde_json::Value::Bool(applied);
            }
            println!("{document}");
        }
    }
}

/// `vext csv import`: the same check, then the valid rows applied in one transaction.
pub(super) async fn csv_import(
    url: &str,
    path: &std::path::Path,
    options: crate::services::import::ImportOptions,
    format: Format,
) -> ExitCode {
    use crate::services::import::import;
    use crate::services::import::CheckError;
    let shown = path.display().to_string();
    let file_failure = |code: ErrorCode, message: String| failure(&shown, format, "applied", code, &message);
    let (file, db) = match open(url, path).await {
        Ok(opened) => opened,
        Err((code, message)) => return file_failure(code, message),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| shown.clone());
    let outcome = match import(&db, &command_line(), &name, file, options).await {
        Ok(outcome) => outcome,
        Err(CheckError::File(e)) => return file_failure(e.code, e.message),
        Err(CheckError::Service(e)) => {
            return file_failure(ErrorCode::Internal, AppError::from(e).to_string())
        }
    };
    print_report(&shown, &outcome.report, Some(outcome.applied), format);
    if outcome.report.is_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `vext csv export`: every entry in the template's format, streamed in batches.
pub(super) async fn csv_export(url: &str, out: Option<&std::path::Path>) -> ExitCode {
    use crate::services::virtual_extensions::{export_batch, export_record};
    use app::model::csv::Column;
    use std::io::Write;
    let db = match store::open(url).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("vext: {e}");
            return ExitCode::from(2);
        }
    };
    let sink: Box<dyn Write> = match out {
        Some(path) => match std::fs::File::create(path) {
            Ok(file) => Box::new(std::io::BufWriter::new(file)),
            Err(e) => {
                eprintln!("{}: cannot write the file: {e}", path.display());
                return ExitCode::from(2);
            }
        },
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut writer = ::csv::WriterBuilder::new().terminator(::csv::Terminator::CRLF).from_writer(sink);
    let query = app::model::ListQuery::default();
    let mut after: Option<String> = None;
    let mut count = 0u64;
    let result: Result<(), String> = async {
        writer.write_record(Column::ALL.iter().map(|c| c.header())).map_err(|e| e.to_string())?;
        loop {
            let batch = export_batch(&db, &query, after.as_deref(), 1_000)
                .await
                .map_err(|e| AppError::from(e).to_string())?;
            let Some(last) = batch.last() else { break };
            after = Some(last.id.clone());
            for entry in &batch {
                writer.write_record(export_record(entry)).map_err(|e| e.to_string())?;
                count += 1;
            }
        }
        writer.flush().map_err(|e| e.to_string())
    }
    .await;
    match result {
        Ok(()) => {
            if let Some(path) = out {
                eprintln!("Exported {count} virtual extensions to {}.", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("vext: export failed: {message}");
            ExitCode::from(2)
        }
    }
}
