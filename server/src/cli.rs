//! `vext …`: serve the console, migrate, and script locations.

use crate::backend::Services;
use crate::config::{DatabaseArgs, ServeArgs};
use crate::services::locations;
use crate::store;
use app::error::AppError;
use app::model::LocationInput;
use clap::{Parser, Subcommand};
use leptos::prelude::LeptosOptions;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "vext",
    version,
    about = "Virtual Extensions console: give external numbers internal extensions and directory names."
)]
pub struct Cli {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web console (the default when no command is given).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage locations.
    #[command(subcommand)]
    Location(LocationCommand),
    /// Work with virtual extension CSV files (the columns of virtual-extension-template.csv).
    #[command(subcommand)]
    Csv(CsvCommand),
    /// Manage administrators.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Organization-wide settings.
    #[command(subcommand)]
    Settings(SettingsCommand),
}

#[derive(Subcommand, Debug)]
pub enum SettingsCommand {
    /// Show the virtual extension mode, or set it: `standard` (the default) or `enhanced`.
    Mode {
        /// The new mode; omit to show the current one.
        mode: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create an administrator. The password is read from the terminal (asked twice) or, when
    /// stdin is not a terminal, from its first line. There is never a default password.
    Create {
        #[arg(long)]
        email: String,
        /// full, read-only or location.
        #[arg(long)]
        role: String,
        /// A location a location administrator manages (repeat for several).
        #[arg(long = "location")]
        locations: Vec<String>,
    },
    /// List administrators: email, role, and whether disabled (nothing when there are none).
    List,
}

#[derive(Subcommand, Debug)]
pub enum CsvCommand {
    /// Check a file against the rules and the current database, changing nothing.
    /// Exit status: 0 every row is valid, 1 some row is not, 2 the file itself is unusable.
    Check {
        /// The CSV file (UTF-8, with the template's header row).
        file: std::path::PathBuf,
        /// `text`: one line per problem and a summary; `json`: the same as one JSON document.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum LocationCommand {
    /// Create a location.
    Add {
        /// Unique location name, as admins will pick it.
        #[arg(long)]
        name: String,
        /// Digits dialed before a location-level extension from other locations (the ESN).
        #[arg(long, default_value = "")]
        routing_prefix: String,
        /// ISO 3166-1 alpha-2 country code (e.g. US), used for phone number hints.
        #[arg(long, default_value = "")]
        country: String,
    },
    /// List locations.
    List,
}

/// `vext` alone means `vext serve`, with the serve settings read from the environment.
#[derive(Parser)]
struct ServeDefaults {
    #[command(flatten)]
    serve: ServeArgs,
}

/// A command's failure, printed as one line on stderr; the exit code says what kind.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Store(#[from] store::StoreError),
    #[error("{0}")]
    App(AppError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl From<crate::services::ServiceError> for CliError {
    fn from(error: crate::services::ServiceError) -> Self {
        CliError::App(error.into())
    }
}

impl CliError {
    /// 1: the input was refused; 2: vext could not run (database, network, files).
    fn exit_code(&self) -> u8 {
        match self {
            CliError::App(
                AppError::Validation { .. } | AppError::Conflict { .. } | AppError::BadRequest { .. },
            ) => 1,
            _ => 2,
        }
    }

    fn report(&self) {
        match self {
            CliError::App(error) if !error.field_errors().is_empty() => {
                for e in error.field_errors() {
                    eprintln!("{}: {}: {}", e.field, e.code, e.message);
                }
            }
            other => eprintln!("vext: error: {other}"),
        }
    }
}

pub async fn run(cli: Cli) -> ExitCode {
    let command = cli.command.unwrap_or_else(|| Command::Serve(ServeDefaults::parse_from(["vext"]).serve));
    let result = match command {
        Command::Serve(args) => serve(&cli.database.database_url, args).await,
        Command::Migrate => migrate(&cli.database.database_url).await,
        Command::Location(command) => location(&cli.database.database_url, command).await,
        Command::Settings(SettingsCommand::Mode { mode }) => {
            settings_mode(&cli.database.database_url, mode.as_deref()).await
        }
        Command::Admin(AdminCommand::Create { email, role, locations }) => {
            admin_create(&cli.database.database_url, &email, &role, &locations).await
        }
        Command::Admin(AdminCommand::List) => admin_list(&cli.database.database_url).await,
        Command::Csv(CsvCommand::Check { file, format }) => {
            return csv_check(&cli.database.database_url, &file, format).await;
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            error.report();
            ExitCode::from(error.exit_code())
        }
    }
}

/// `vext csv check`: prints every problem and a summary; its exit code is the verdict.
async fn csv_check(url: &str, path: &std::path::Path, format: Format) -> ExitCode {
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

/// The new password: asked twice on a terminal, else the first line of stdin.
fn read_new_password() -> Result<String, CliError> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password (8–128 characters): ")?;
        let again = rpassword::prompt_password("Password again: ")?;
        if first != again {
            return Err(CliError::Io(std::io::Error::other("the two passwords differ; nothing was created")));
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

async fn admin_create(url: &str, email: &str, role: &str, locations: &[String]) -> Result<(), CliError> {
    let role =
        app::model::admin::Role::parse(role).map_err(|e| CliError::App(AppError::validation(vec![e])))?;
    let db = store::open(url).await?;
    let password = read_new_password()?;
    let admin = crate::services::admins::create(&db, email, role, locations, password).await?;
    println!("Created {} {} (id {}).", admin.role.label().to_lowercase(), admin.email, admin.id);
    Ok(())
}

async fn settings_mode(url: &str, mode: Option<&str>) -> Result<(), CliError> {
    use crate::services::settings;
    use app::model::VirtualExtensionMode;
    let db = store::open(url).await?;
    let Some(raw) = mode else {
        println!("Virtual extension mode: {}", settings::virtual_extension_mode(&db).await?);
        return Ok(());
    };
    let mode = VirtualExtensionMode::parse(raw).ok_or_else(|| {
        CliError::App(AppError::BadRequest {
            message: format!("mode {raw:?} is not one vext knows: use standard or enhanced"),
        })
    })?;
    let previous = settings::set_virtual_extension_mode(&db, mode).await?;
    println!("Virtual extension mode: {previous} → {mode}.");
    if mode == VirtualExtensionMode::Enhanced {
        eprintln!(
            "warning: virtual extensions won't work properly unless your PSTN provider supports the \
             special network signalling Enhanced mode relies on. Phone numbers outside the public numbering \
             plans are now accepted (still strict E.164)."
        );
    }
    Ok(())
}

async fn admin_list(url: &str) -> Result<(), CliError> {
    let db = store::open(url).await?;
    for admin in crate::services::admins::list(&db).await? {
        let state = if admin.disabled { "disabled" } else { "active" };
        println!("{}\t{}\t{state}", admin.email, admin.role.as_str());
    }
    Ok(())
}

async fn migrate(url: &str) -> Result<(), CliError> {
    store::open(url).await?;
    println!("Database is up to date ({}).", store::redact_url(url));
    Ok(())
}

async fn location(url: &str, command: LocationCommand) -> Result<(), CliError> {
    let db = store::open(url).await?;
    match command {
        LocationCommand::Add { name, routing_prefix, country } => {
            let new = LocationInput { name, routing_prefix, country }
                .validate()
                .map_err(|fields| CliError::App(AppError::validation(fields)))?;
            let created = locations::create(&db, new).await?;
            println!(
                "Created location {} (id {}{}{}).",
                created.name,
                created.id,
                created.routing_prefix.map(|p| format!(", routing prefix {p}")).unwrap_or_default(),
                created.country.map(|c| format!(", country {c}")).unwrap_or_default(),
            );
        }
        LocationCommand::List => {
            for l in locations::list(&db).await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    l.id,
                    l.name,
                    l.routing_prefix.unwrap_or_default(),
                    l.country.unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}

async fn serve(url: &str, args: ServeArgs) -> Result<(), CliError> {
    let db = store::open(url).await?;
    tracing::info!(database = %store::redact_url(url), "database ready");
    if crate::services::admins::count(&db).await? == 0 {
        tracing::warn!(
            "no administrator exists yet: create the first with `vext admin create --email you@example.com --role full` \
             (it asks for the password; there is never a default one)"
        );
    }
    let options = LeptosOptions::builder()
        .output_name(std::env::var("LEPTOS_OUTPUT_NAME").unwrap_or_else(|_| "vext".to_string()))
        .site_root(args.site_root.clone())
        .site_addr(args.addr)
        .build();
    let backend: app::api::backend::SharedBackend = Arc::new(Services::new(db.clone()));
    let router = crate::http::router(options, db.clone(), backend, &args);
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot listen on {}: {e}", args.addr)))?;
    tracing::info!("vext listening on http://{}", args.addr);
    let grace = Duration::from_secs(args.shutdown_grace_secs);
    axum::serve(listener, router.into_make_service()).with_graceful_shutdown(shutdown_signal(grace)).await?;
    db.close().await.ok();
    tracing::info!("vext stopped");
    Ok(())
}

/// Resolves on SIGINT or SIGTERM; after `grace` more, exits even if requests are still open.
async fn shutdown_signal(grace: Duration) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!(grace_secs = grace.as_secs(), "shutting down: finishing open requests");
    tokio::spawn(async move {
        tokio::time::sleep(grace).await;
        tracing::warn!("shutdown grace period over; exiting");
        std::process::exit(0);
    });
}
