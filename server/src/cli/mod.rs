//! `vext …`: serve the console, migrate, and the commands admins script (locations, CSV
//! checks, administrators, settings, API tokens).

mod admin;
mod calls;
mod csv;
mod serve;
mod token;

use admin::{admin_create, admin_list, admin_reset_password, admin_set_disabled, settings_mode};
use csv::csv_check;
use serve::serve;

use crate::config::{
    effective, ConfigError, ConfigFile, CsvLimitArgs, DatabaseArgs, Problem, ServeArgs, Setting,
};
use crate::services::audit::command_line;
use crate::services::locations;
use crate::store;
use crate::store::backup::BackupError;
use app::error::AppError;
use app::model::{ErrorCode, LocationInput};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use leptos::prelude::LeptosOptions;
use std::process::ExitCode;
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
    /// A TOML file of settings (`setting = value`, the names `vext config check` prints);
    /// environment variables and flags override it.
    #[arg(long, env = "VEXT_CONFIG", global = true)]
    pub config: Option<std::path::PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The command line as read, with the configuration file it named and, for `serve` and
/// `config check`, every setting's value and source.
pub struct Parsed {
    pub cli: Cli,
    pub settings: Vec<Setting>,
}

/// Why the command line cannot run.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// Also `--help` and `--version`, which clap prints.
    #[error(transparent)]
    Clap(#[from] clap::Error),
    #[error(transparent)]
    File(#[from] ConfigError),
}

impl ParseError {
    /// Prints the error (or the help) and exits: 2 for errors, 0 for help and version.
    pub fn exit(self) -> ! {
        match self {
            ParseError::Clap(error) => error.exit(),
            ParseError::File(error) => {
                eprintln!("vext: error: {error}");
                std::process::exit(2)
            }
        }
    }
}

/// Reads the command line, with the settings of the configuration file that `--config` or
/// `VEXT_CONFIG` names as defaults under the environment's and the flags'. No command means
/// `serve`.
pub fn parse(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Parsed, ParseError> {
    let mut args: Vec<std::ffi::OsString> = args.into_iter().collect();
    let file = match config_path(&args) {
        Some(path) => Some(ConfigFile::read(&path)?),
        None => None,
    };
    let command = || -> Result<clap::Command, ParseError> {
        let command = Cli::command();
        Ok(match &file {
            Some(file) => file.apply(command)?,
            None => command,
        })
    };
    let mut matches = command()?.try_get_matches_from(&args)?;
    if matches.subcommand_name().is_none() {
        args.push("serve".into());
        matches = command()?.try_get_matches_from(&args)?;
    }
    let cli = Cli::from_arg_matches(&matches)?;
    let mut built = command()?;
    built.build();
    let settings = match matches.subcommand() {
        Some(("serve", serve)) => built.find_subcommand("serve").map(|c| effective(c, serve, file.as_ref())),
        Some(("config", config)) => match config.subcommand() {
            Some(("check", check)) => built
                .find_subcommand("config")
                .and_then(|c| c.find_subcommand("check"))
                .map(|c| effective(c, check, file.as_ref())),
            _ => None,
        },
        _ => None,
    };
    Ok(Parsed { cli, settings: settings.unwrap_or_default() })
}

/// The configuration file named by `--config FILE` (or `--config=FILE`), else by `VEXT_CONFIG`.
fn config_path(args: &[std::ffi::OsString]) -> Option<std::path::PathBuf> {
    let mut words = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(word) = words.next() {
        if word == "--" {
            break;
        }
        if word == "--config" {
            return words.next().map(|path| path.into_owned().into());
        }
        if let Some(path) = word.strip_prefix("--config=") {
            return Some(path.into());
        }
    }
    std::env::var_os("VEXT_CONFIG").filter(|v| !v.is_empty()).map(Into::into)
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web console (the default when no command is given).
    Serve(ServeArgs),
    /// The configuration (`vext config check`).
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Write a consistent copy of the SQLite database to a new file while vext serves, then
    /// check the copy. (PostgreSQL: it prints the pg_dump line to use.)
    Backup {
        /// The backup file to create (never overwritten).
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Replace the SQLite database with a backup, once checked; refused while a vext server
    /// uses the database. The database replaced is kept beside it. The next start migrates an
    /// older backup forward.
    Restore {
        /// A file written by `vext backup`.
        file: std::path::PathBuf,
    },
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
    /// Manage API tokens (the REST API's credentials).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Test call routing: where a call dialed by someone at a location goes, and why.
    /// Exit status: 0 the call reaches a number, 1 nothing matched (rejected), 2 vext could
    /// not answer.
    Route {
        /// The caller's location (name or id); omit for organization level.
        #[arg(long)]
        from: Option<String>,
        /// What is dialed: an extension, an ESN, a national or + number.
        dialed: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Caller ID: what a phone at a location shows when a number calls it.
    /// Exit status: 0 a virtual extension has the number, 1 none has.
    CallerId {
        /// The called phone's location (name or id); omit for organization level.
        #[arg(long)]
        to: Option<String>,
        /// The calling number: E.164, national, with or without +.
        number: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Print the configuration `vext serve` would run with (flags, environment, file,
    /// defaults), where each value comes from (secrets masked), and refuse what makes no sense.
    /// Exit status: 0 valid, 1 not (each problem printed with how to put it right).
    Check(ServeArgs),
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create a token and print its secret on stdout (the only time it is shown).
    Create {
        /// Unique; the audit log records its changes as "API token NAME".
        #[arg(long)]
        name: String,
        /// full, read-only or location.
        #[arg(long)]
        role: String,
        /// A location a location token manages (repeat for several).
        #[arg(long = "location")]
        locations: Vec<String>,
        /// Days until it stops working (1 to 3650); without, it does not expire.
        #[arg(long)]
        expires_days: Option<u32>,
    },
    /// List tokens (tab-separated): id, name, role, locations, status, created by, created,
    /// last used, expires.
    List,
    /// Revoke a token: its next request is refused.
    Revoke {
        /// The token's name, or its id.
        token: String,
    },
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
    /// Set a new password (read like `create` does) and end the administrator's sessions: the
    /// way back in when the last full administrator forgot theirs.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
    /// Disable an administrator: their sessions end and they cannot sign in.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Re-enable a disabled administrator (also lifts a sign-in back-off).
    Enable {
        #[arg(long)]
        email: String,
    },
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
        #[command(flatten)]
        limits: CsvLimitArgs,
    },
    /// Check a file, then apply its valid rows in one transaction (as the upload's Submit does).
    /// Exit status: 0 every row applied, 1 some row failed (the others were applied, unless
    /// --all-or-nothing), 2 the file itself is unusable.
    Import {
        file: std::path::PathBuf,
        /// Reject the whole file if any row has an error.
        #[arg(long)]
        all_or_nothing: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        limits: CsvLimitArgs,
    },
    /// Write every virtual extension in the template's format (Action UPDATE: importing the
    /// file again changes nothing), to stdout or a file.
    Export {
        #[arg(long)]
        out: Option<std::path::PathBuf>,
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
        /// ISO 3166-1 alpha-2 country code (e.g. US), for number hints and national dialing.
        #[arg(long, default_value = "")]
        country: String,
        /// The one digit dialed here before an outside number (e.g. 9).
        #[arg(long, default_value = "")]
        outside_dial_digit: String,
    },
    /// List locations: id, name, routing prefix, country, virtual extensions, location
    /// administrators (tab-separated).
    List,
    /// Change a location: only the options given change; an empty value clears the routing
    /// prefix or country.
    Update {
        /// The location's current name, or its id.
        #[arg(long)]
        location: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        routing_prefix: Option<String>,
        #[arg(long)]
        country: Option<String>,
        #[arg(long)]
        outside_dial_digit: Option<String>,
    },
    /// Delete a location that has no virtual extensions and no location administrators.
    Delete {
        /// The location's name, or its id.
        #[arg(long)]
        location: String,
    },
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
    #[error("{0}")]
    Backup(#[from] store::backup::BackupError),
    /// Settings that make no sense (`serve` refuses to start with them).
    #[error("the configuration is not valid")]
    Config(Vec<Problem>),
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
                AppError::Validation { .. }
                | AppError::Conflict { .. }
                | AppError::BadRequest { .. }
                | AppError::NotFound { .. },
            ) => 1,
            CliError::Backup(
                BackupError::Postgres { .. }
                | BackupError::Exists(_)
                | BackupError::InUse(_)
                | BackupError::Restoring(_)
                | BackupError::NotABackup { .. },
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
            CliError::Config(problems) => {
                for problem in problems {
                    eprintln!("vext: error: {problem}");
                }
                eprintln!("vext: `vext config check` prints every setting and where it comes from");
            }
            other => eprintln!("vext: error: {other}"),
        }
    }
}

pub async fn run(parsed: Parsed) -> ExitCode {
    let Parsed { cli, settings } = parsed;
    let Some(command) = cli.command else { unreachable!("parse() turns a missing command into `serve`") };
    let result = match command {
        Command::Serve(args) => serve(&cli.database, args).await,
        Command::Config(ConfigCommand::Check(args)) => {
            return config_check(&cli.database, &args, &settings, cli.config.as_deref());
        }
        Command::Migrate => migrate(&cli.database.database_url).await,
        Command::Backup { out } => backup(&cli.database.database_url, &out).await,
        Command::Restore { file } => restore(&cli.database.database_url, &file).await,
        Command::Location(command) => location(&cli.database.database_url, command).await,
        Command::Settings(SettingsCommand::Mode { mode }) => {
            settings_mode(&cli.database.database_url, mode.as_deref()).await
        }
        Command::Admin(AdminCommand::Create { email, role, locations }) => {
            admin_create(&cli.database.database_url, &email, &role, &locations).await
        }
        Command::Token(command) => token::token(&cli.database.database_url, command).await,
        Command::Admin(AdminCommand::List) => admin_list(&cli.database.database_url).await,
        Command::Admin(AdminCommand::ResetPassword { email }) => {
            admin_reset_password(&cli.database.database_url, &email).await
        }
        Command::Admin(AdminCommand::Disable { email }) => {
            admin_set_disabled(&cli.database.database_url, &email, true).await
        }
        Command::Admin(AdminCommand::Enable { email }) => {
            admin_set_disabled(&cli.database.database_url, &email, false).await
        }
        Command::Csv(CsvCommand::Check { file, format, limits }) => {
            return csv_check(&cli.database.database_url, &file, format, limits.limits()).await;
        }
        Command::Csv(CsvCommand::Import { file, all_or_nothing, format, limits }) => {
            let options = crate::services::import::ImportOptions { all_or_nothing, limits: limits.limits() };
            return csv::csv_import(&cli.database.database_url, &file, options, format).await;
        }
        Command::Csv(CsvCommand::Export { out }) => {
            return csv::csv_export(&cli.database.database_url, out.as_deref()).await;
        }
        Command::Route { from, dialed, format } => {
            return calls::route(&cli.database.database_url, from.as_deref(), &dialed, format).await;
        }
        Command::CallerId { to, number, format } => {
            return calls::caller_id(&cli.database.database_url, to.as_deref(), &number, format).await;
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

/// `vext config check`: every setting, its value and its source, then the problems.
fn config_check(
    database: &DatabaseArgs,
    serve: &ServeArgs,
    settings: &[Setting],
    file: Option<&std::path::Path>,
) -> ExitCode {
    println!("vext {} configuration (a flag wins over the environment, which wins over the file, then the default)", env!("CARGO_PKG_VERSION"));
    match file {
        Some(file) => println!("file: {}", file.display()),
        None => println!("file: none (--config FILE or VEXT_CONFIG names one)"),
    }
    let width = settings.iter().map(|s| s.name.len()).max().unwrap_or(0);
    let value_width = settings.iter().map(|s| s.value.chars().count()).max().unwrap_or(0).min(48);
    for setting in settings {
        let (value, source) = if setting.name == "site_root" && serve.site_root.is_none() {
            (
                serve.site_root().display().to_string(),
                "default (beside the binary, else target/site)".to_string(),
            )
        } else {
            (setting.value.clone(), setting.source.to_string())
        };
        let env = setting.env.as_deref().unwrap_or_default();
        println!("  {:<width$}  {value:<value_width$}  {source}  [{env}]", setting.name);
    }
    let problems = crate::config::problems(database, serve);
    let site = serve.site_root();
    if !site.join("pkg").is_dir() {
        println!(
            "warning: site_root: {} holds no built site (no pkg folder): the pages will not load; the REST API and the look-ups work",
            site.display()
        );
    }
    if problems.is_empty() {
        println!("The configuration is valid.");
        return ExitCode::SUCCESS;
    }
    for problem in &problems {
        println!("error: {problem}");
    }
    ExitCode::from(1)
}

async fn backup(url: &str, out: &std::path::Path) -> Result<(), CliError> {
    let Some(path) = store::sqlite_path(url) else {
        let out = out.display().to_string();
        return Err(BackupError::Postgres { url: store::redact_url(url), out }.into());
    };
    if !path.exists() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("there is no database at {} to back up (check DATABASE_URL)", path.display()),
        )
        .into());
    }
    let db = store::connect(url).await?;
    let done = store::backup::backup(&db, url, out).await;
    db.close().await.ok();
    let done = done?;
    println!(
        "Backed up {} to {} ({} bytes, {} migrations, integrity check ok).",
        store::redact_url(url),
        done.path.display(),
        done.bytes,
        done.migrations
    );
    Ok(())
}

async fn restore(url: &str, file: &std::path::Path) -> Result<(), CliError> {
    let done = store::backup::restore(url, file).await?;
    println!(
        "Restored {} from {} ({} migrations).",
        done.database.display(),
        file.display(),
        done.migrations
    );
    if let Some(previous) = done.previous {
        println!("The database it replaced is kept as {} (delete it once you are sure).", previous.display());
    }
    println!("Start vext: it brings an older backup's schema up to date.");
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
        LocationCommand::Add { name, routing_prefix, country, outside_dial_digit } => {
            let input = LocationInput { name, routing_prefix, country, outside_dial_digit };
            let created = locations::create(&db, &command_line(), &input).await?;
            println!(
                "Created location {} (id {}{}{}).",
                created.name,
                created.id,
                created.routing_prefix.map(|p| format!(", routing prefix {p}")).unwrap_or_default(),
                created.country.map(|c| format!(", country {c}")).unwrap_or_default(),
            );
        }
        LocationCommand::List => {
            for row in locations::rows(&db).await? {
                let l = row.location;
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    l.id,
                    l.name,
                    l.routing_prefix.unwrap_or_default(),
                    l.country.unwrap_or_default(),
                    row.virtual_extensions,
                    row.administrators,
                );
            }
        }
        LocationCommand::Update { location, name, routing_prefix, country, outside_dial_digit } => {
            let current = find_location(&db, &location).await?;
            let mut input = current.to_input();
            if let Some(name) = name {
                input.name = name;
            }
            if let Some(prefix) = routing_prefix {
                input.routing_prefix = prefix;
            }
            if let Some(country) = country {
                input.country = country;
            }
            if let Some(digit) = outside_dial_digit {
                input.outside_dial_digit = digit;
            }
            let updated = locations::update(&db, &command_line(), &current.id, &input).await?;
            println!(
                "Updated location {} (id {}, routing prefix {}, country {}).",
                updated.name,
                updated.id,
                updated.routing_prefix.as_deref().unwrap_or("none"),
                updated.country.as_deref().unwrap_or("none"),
            );
        }
        LocationCommand::Delete { location } => {
            let current = find_location(&db, &location).await?;
            let deleted = locations::delete(&db, &command_line(), &current.id).await?;
            println!("Deleted location {} (id {}).", deleted.name, deleted.id);
        }
    }
    Ok(())
}

/// A location by exact name, else by id.
pub(super) async fn find_location(
    db: &sea_orm::DatabaseConnection,
    name_or_id: &str,
) -> Result<app::model::Location, CliError> {
    if let Some(found) = locations::find_by_name(db, name_or_id).await? {
        return Ok(found);
    }
    Ok(locations::get(db, name_or_id).await?)
}
