//! Configuration: flags, environment variables, an optional TOML file (`--config FILE` or
//! `VEXT_CONFIG`) and the built-in defaults, in that order of precedence. `vext config check`
//! prints the result, where each value came from, and what is wrong with it.

use crate::store::{redact_url, DEFAULT_DATABASE_URL};
use app::model::csv::Limits;
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, FromArgMatches};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
/// Settings every subcommand shares.
#[derive(Args, Clone, Debug)]
pub struct DatabaseArgs {
    /// Database URL: sqlite://PATH (default, created on first start) or postgres://USER@HOST/DB.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,
}

/// How large a CSV file may be (upload, Validate, and `vext csv check|import`).
#[derive(Args, Clone, Copy, Debug, PartialEq, Eq)]
pub struct CsvLimitArgs {
    /// Largest CSV file accepted, in bytes.
    #[arg(long, env = "VEXT_CSV_MAX_BYTES", default_value_t = Limits::default().max_bytes)]
    pub csv_max_bytes: u64,
    /// Most rows a CSV file may have (after the header).
    #[arg(long, env = "VEXT_CSV_MAX_ROWS", default_value_t = Limits::default().max_rows)]
    pub csv_max_rows: u64,
}

impl Default for CsvLimitArgs {
    fn default() -> Self {
        let limits = Limits::default();
        Self { csv_max_bytes: limits.max_bytes, csv_max_rows: limits.max_rows }
    }
}

impl CsvLimitArgs {
    pub fn limits(&self) -> Limits {
        Limits { max_bytes: self.csv_max_bytes, max_rows: self.csv_max_rows }
    }
}

/// Who may read `/metrics`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MetricsAccess {
    /// No metrics are collected; `/metrics` answers 404.
    #[default]
    Off,
    /// Clients on a loopback address (a Prometheus agent on the same machine).
    Loopback,
    /// Clients that send `Authorization: Bearer <metrics_token>`, from anywhere.
    Token,
}

/// How log lines are written (on stderr).
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// The shortest lease a task may have: an import renews its lease every third of it, and a
/// renewal is one statement that a busy database may take a second or two to run.
pub const MIN_TASK_LEASE_SECS: u64 = 5;

/// `vext serve` settings.
#[derive(Args, Clone, Debug)]
pub struct ServeArgs {
    /// Address to listen on (cargo-leptos' LEPTOS_SITE_ADDR).
    #[arg(long, env = "LEPTOS_SITE_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// Directory with the built site (WASM, JS, CSS, public files). Default: the `site` folder
    /// beside the vext binary (a release archive), else target/site (a source checkout).
    #[arg(long, env = "LEPTOS_SITE_ROOT")]
    pub site_root: Option<PathBuf>,
    /// Largest request body accepted by server functions, in bytes.
    #[arg(long, env = "VEXT_BODY_LIMIT", default_value_t = 1024 * 1024)]
    pub body_limit: usize,
    /// vext's public origin(s) behind a proxy, comma-separated (e.g. https://vext.example.com):
    /// state-changing requests must come from it; https also turns on HSTS.
    #[arg(long, env = "VEXT_PUBLIC_ORIGIN")]
    pub public_origin: Option<String>,
    /// Behind a reverse proxy: take the client's address (for logs, the audit log and the
    /// sign-in limit) from the right-most X-Forwarded-For entry. Only set it when a proxy you
    /// run always sets that header; otherwise clients could claim any address.
    #[arg(long, env = "VEXT_TRUST_FORWARDED_FOR", default_value_t = false)]
    pub trust_forwarded_for: bool,
    /// Sign-in attempts allowed per client address per minute (each replica counts its own).
    #[arg(long, env = "VEXT_SIGN_IN_LIMIT", default_value_t = 20)]
    pub sign_in_limit: u32,
    /// Seconds that shutdown waits for open requests after SIGTERM/SIGINT.
    #[arg(long, env = "VEXT_SHUTDOWN_GRACE_SECS", default_value_t = 20)]
    pub shutdown_grace_secs: u64,
    #[command(flatten)]
    pub csv: CsvLimitArgs,
    /// Seconds a worker holds a claimed import before another may take it over (a worker that
    /// died mid-import is noticed this long after; a running import renews it).
    #[arg(long, env = "VEXT_TASK_LEASE_SECS", default_value_t = 60)]
    pub task_lease_secs: u64,
    /// Days a finished import task (its file and row problems) is kept; 0 keeps them forever.
    /// Their audit log entries stay either way.
    #[arg(long, env = "VEXT_TASK_RETENTION_DAYS", default_value_t = 90)]
    pub task_retention_days: u32,
    /// REST API requests allowed per API token per second, on average (each replica counts
    /// its own).
    #[arg(long, env = "VEXT_API_RATE", default_value_t = 100)]
    pub api_rate: u32,
    /// REST API requests one token may make at once above that rate.
    #[arg(long, env = "VEXT_API_BURST", default_value_t = 200)]
    pub api_burst: u32,
    /// Prometheus metrics at /metrics: off, loopback (clients on this machine) or token.
    #[arg(long, env = "VEXT_METRICS", value_enum, default_value_t = MetricsAccess::Off)]
    pub metrics: MetricsAccess,
    /// The bearer token /metrics asks for when metrics = token (at least 16 characters).
    #[arg(long, env = "VEXT_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Log filter (tracing's syntax, e.g. info,sqlx=warn).
    #[arg(long, env = "RUST_LOG", default_value = "info,sqlx=warn,sea_orm=warn")]
    pub log: String,
    /// Log lines as text or json (one JSON object per line).
    #[arg(long, env = "VEXT_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

impl Default for ServeArgs {
    /// The defaults the flags above declare (the environment is not read): one list of
    /// defaults, for tests and benches that start a server in-process.
    fn default() -> Self {
        let command = Self::augment_args(clap::Command::new("serve")).mut_args(|arg| arg.env(None::<&str>));
        command
            .try_get_matches_from(["serve"])
            .and_then(|matches| Self::from_arg_matches(&matches))
            .unwrap_or_else(|error| unreachable!("every serve flag has a default or is optional: {error}"))
    }
}

impl ServeArgs {
    /// The built site's folder: as configured, else beside the binary, else `target/site`.
    pub fn site_root(&self) -> PathBuf {
        self.site_root.clone().or_else(site_beside_binary).unwrap_or_else(|| PathBuf::from("target/site"))
    }
}

/// The `site` folder beside the running binary, when it holds a built site (a release archive).
fn site_beside_binary() -> Option<PathBuf> {
    let site = std::env::current_exe().ok()?.parent()?.join("site");
    site.join("pkg").is_dir().then_some(site)
}

/// What is wrong with a setting, and how to put it right.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub setting: &'static str,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.setting, self.message)
    }
}

/// The settings that make no sense, each with what to write instead (empty: all good).
pub fn problems(database: &DatabaseArgs, serve: &ServeArgs) -> Vec<Problem> {
    let mut found = Vec::new();
    let mut refuse = |setting: &'static str, message: String| found.push(Problem { setting, message });
    let url = database.database_url.as_str();
    if !["sqlite:", "postgres://", "postgresql://"].iter().any(|scheme| url.starts_with(scheme)) {
        refuse(
            "database_url",
            format!(
                "{:?} is not a database vext can use: write sqlite://PATH (e.g. sqlite:///var/lib/vext/vext.db) or postgres://USER@HOST/DB",
                redact_url(url)
            ),
        );
    }
    for origin in serve.public_origin.iter().flat_map(|list| list.split(',')).map(str::trim) {
        if let Err(message) = check_origin(origin) {
            refuse("public_origin", message);
        }
    }
    let positive: [(&'static str, u64, &str); 6] = [
        (
            "body_limit",
            serve.body_limit as u64,
            "every request with a body would be refused; the default is 1048576 (1 MiB)",
        ),
        (
            "csv_max_bytes",
            serve.csv.csv_max_bytes,
            "every CSV file would be refused; the default is 10485760 (10 MiB)",
        ),
        ("csv_max_rows", serve.csv.csv_max_rows, "every CSV file would be refused; the default is 100000"),
        ("sign_in_limit", u64::from(serve.sign_in_limit), "nobody could sign in; the default is 20 a minute"),
        (
            "api_rate",
            u64::from(serve.api_rate),
            "every REST API request would be refused; the default is 100 a second",
        ),
        (
            "api_burst",
            u64::from(serve.api_burst),
            "every REST API request would be refused; the default is 200",
        ),
    ];
    for (setting, value, why) in positive {
        if value == 0 {
            refuse(setting, format!("0 makes no sense: {why}"));
        }
    }
    if serve.task_lease_secs < MIN_TASK_LEASE_SECS {
        refuse(
            "task_lease_secs",
            format!(
                "{} s is shorter than a chunk of an import may take to write on a busy database: another replica \
                 could take a healthy import over. Use at least {MIN_TASK_LEASE_SECS} (the default is 60)",
                serve.task_lease_secs
            ),
        );
    }
    let token = serve.metrics_token.as_deref().unwrap_or_default();
    match serve.metrics {
        MetricsAccess::Token if token.chars().count() < 16 => refuse(
            "metrics_token",
            "metrics = token needs a metrics_token of at least 16 characters (e.g. from `openssl rand -hex 16`)"
                .to_string(),
        ),
        MetricsAccess::Off | MetricsAccess::Loopback if !token.is_empty() => refuse(
            "metrics_token",
            format!(
                "a token is set but metrics = {}: set metrics = token to use it, or remove the token",
                if serve.metrics == MetricsAccess::Off { "off" } else { "loopback" }
            ),
        ),
        _ => {}
    }
    if let Err(error) = tracing_subscriber::EnvFilter::try_new(&serve.log) {
        refuse("log", format!("{:?} is not a log filter ({error}); e.g. info,sqlx=warn", serve.log));
    }
    found
}

/// An origin is a scheme, a host and maybe a port: `https://vext.example.com`.
fn check_origin(origin: &str) -> Result<(), String> {
    let Some(rest) = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://")) else {
        return Err(format!(
            "{origin:?} has no scheme: write https://{} (or http:// for a plain-HTTP origin)",
            origin.split("://").last().unwrap_or(origin)
        ));
    };
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => (host, Some(port)),
        _ => (authority, None),
    };
    let host_ok = !host.is_empty()
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'));
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
    if host_ok && port_ok {
        Ok(())
    } else {
        Err(format!(
            "{origin:?} is not an origin: only a scheme, a host and a port, like https://vext.example.com or \
             https://vext.example.com:8443 (no path, no user)"
        ))
    }
}

/// Settings whose values `vext config check` does not print.
const SECRETS: &[&str] = &["metrics_token"];

/// A configuration file's settings (TOML: `setting = value`, the names `vext config check`
/// prints), as the text a flag would take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub values: BTreeMap<String, String>,
}

/// Why the configuration file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("the configuration file {} is not valid TOML: {message}", path.display())]
    Syntax { path: PathBuf, message: String },
    #[error("{} sets {key}: {message}", path.display())]
    Value { path: PathBuf, key: String, message: String },
    #[error("{} sets {key}, which is not a vext setting{suggestion}", path.display())]
    Unknown { path: PathBuf, key: String, suggestion: String },
}

impl ConfigFile {
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        Self::parse(path, &text)
    }

    /// Settings are top-level keys; a value is a string, an integer, true/false, or (for
    /// public_origin) a list of strings.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let table: toml::Table = text.parse().map_err(|error: toml::de::Error| ConfigError::Syntax {
            path: path.to_path_buf(),
            message: error.to_string(),
        })?;
        let mut values = BTreeMap::new();
        for (key, value) in table {
            let text = match value {
                toml::Value::String(text) => text,
                toml::Value::Integer(n) => n.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                toml::Value::Array(items) if items.iter().all(toml::Value::is_str) => {
                    items.iter().filter_map(toml::Value::as_str).collect::<Vec<_>>().join(",")
                }
                other => {
                    return Err(ConfigError::Value {
                        path: path.to_path_buf(),
                        message: format!(
                            "a {} is not a setting's value: write a string, a whole number or true/false",
                            other.type_str()
                        ),
                        key,
                    })
                }
            };
            values.insert(key, text);
        }
        Ok(Self { path: path.to_path_buf(), values })
    }

    /// `command` with the file's values as its defaults (so the environment and flags still
    /// win), in every subcommand that has the setting. A key no command knows is refused.
    pub fn apply(&self, command: clap::Command) -> Result<clap::Command, ConfigError> {
        let mut known = Vec::new();
        collect_settings(&command, &mut known);
        for key in self.values.keys() {
            if !known.contains(key) {
                let nearest = known.iter().min_by_key(|k| strsim::levenshtein(k, key));
                let suggestion = match nearest {
                    Some(near) if strsim::levenshtein(near, key) <= 3 => format!(" (did you mean {near}?)"),
                    _ => format!("; the settings are: {}", known.join(", ")),
                };
                return Err(ConfigError::Unknown { path: self.path.clone(), key: key.clone(), suggestion });
            }
        }
        Ok(self.apply_to(command))
    }

    fn apply_to(&self, command: clap::Command) -> clap::Command {
        let command = command.mut_args(|arg| match self.values.get(arg.get_id().as_str()) {
            Some(value) => arg.default_value(value.clone()),
            None => arg,
        });
        let names: Vec<String> = command.get_subcommands().map(|s| s.get_name().to_string()).collect();
        names.iter().fold(command, |command, name| command.mut_subcommand(name, |sub| self.apply_to(sub)))
    }
}

/// The settings a configuration file may hold: every option that has an environment variable.
fn collect_settings(command: &clap::Command, into: &mut Vec<String>) {
    for arg in command.get_arguments() {
        let id = arg.get_id().as_str().to_string();
        if arg.get_env().is_some() && id != "config" && !into.contains(&id) {
            into.push(id);
        }
    }
    for sub in command.get_subcommands() {
        collect_settings(sub, into);
    }
}

/// Where a setting's value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Flag,
    Env(String),
    File(PathBuf),
    Default,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Flag => write!(f, "flag"),
            Source::Env(name) => write!(f, "environment {name}"),
            Source::File(path) => write!(f, "file {}", path.display()),
            Source::Default => write!(f, "default"),
        }
    }
}

/// One setting as it is in effect, its value masked when secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    pub name: String,
    pub env: Option<String>,
    pub value: String,
    pub source: Source,
}

/// The settings of `command` (built, so that global options are in it) as `matches` has them.
pub fn effective(command: &clap::Command, matches: &ArgMatches, file: Option<&ConfigFile>) -> Vec<Setting> {
    let mut settings = Vec::new();
    for arg in command.get_arguments() {
        let name = arg.get_id().as_str();
        let Some(env) = arg.get_env() else { continue };
        if name == "config" || settings.iter().any(|s: &Setting| s.name == name) {
            continue;
        }
        let env = env.to_string_lossy().into_owned();
        let raw: Vec<String> = matches
            .try_get_raw(name)
            .ok()
            .flatten()
            .map(|values| values.map(|v| v.to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        let value = match raw.join(",") {
            value if value.is_empty() => "(not set)".to_string(),
            value if SECRETS.contains(&name) => format!("(set, {} characters)", value.chars().count()),
            value if name == "database_url" => redact_url(&value),
            value => value,
        };
        let source = match matches.value_source(name) {
            Some(ValueSource::CommandLine) => Source::Flag,
            Some(ValueSource::EnvVariable) => Source::Env(env.clone()),
            _ => match file {
                Some(file) if file.values.contains_key(name) => Source::File(file.path.clone()),
                _ => Source::Default,
            },
        };
        settings.push(Setting { name: name.to_string(), env: Some(env), value, source });
    }
    // Where the data lives first (a global option, so clap lists it last).
    settings.sort_by_key(|s| s.name != "database_url");
    settings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serve_defaults_are_the_flags_defaults() {
        let args = ServeArgs::default();
        assert_eq!(args.addr, SocketAddr::from(([127, 0, 0, 1], 3000)));
        assert_eq!(args.site_root, None);
        assert_eq!((args.body_limit, args.sign_in_limit, args.task_lease_secs), (1024 * 1024, 20, 60));
        assert_eq!((args.api_rate, args.api_burst, args.shutdown_grace_secs), (100, 200, 20));
        assert_eq!(
            (args.task_retention_days, args.metrics, args.log_format),
            (90, MetricsAccess::Off, LogFormat::Text)
        );
        assert_eq!(args.public_origin, None);
        assert!(!args.trust_forwarded_for);
        assert_eq!(args.csv.limits(), Limits::default());
        assert_eq!(problems(&database(DEFAULT_DATABASE_URL), &args), [], "the defaults make sense");
    }

    fn database(url: &str) -> DatabaseArgs {
        DatabaseArgs { database_url: url.to_string() }
    }

    fn refused(serve: &ServeArgs) -> Vec<&'static str> {
        problems(&database("sqlite://vext.db"), serve).into_iter().map(|p| p.setting).collect()
    }

    #[test]
    fn origins_need_a_scheme_and_nothing_after_the_host() {
        for good in [
            "https://vext.example.com",
            "http://127.0.0.1:3000",
            "https://vext.example.com/",
            "https://[::1]:8443",
        ] {
            assert_eq!(check_origin(good), Ok(()), "{good}");
        }
        let no_scheme = check_origin("vext.example.com").unwrap_err();
        assert!(no_scheme.contains("write https://vext.example.com"), "{no_scheme}");
        for bad in [
            "https://",
            "https://vext.example.com/path",
            "https://user@vext.example.com",
            "https://h:0",
            "https://h:99999",
            "ftp://h",
        ] {
            assert!(check_origin(bad).is_err(), "{bad}");
        }
        let serve = ServeArgs {
            public_origin: Some("https://a.example.com, b.example.com".into()),
            ..ServeArgs::default()
        };
        assert_eq!(refused(&serve), ["public_origin"]);
    }

    #[test]
    fn nonsense_is_refused_with_the_setting_named() {
        let zero_limits = ServeArgs {
            body_limit: 0,
            sign_in_limit: 0,
            csv: CsvLimitArgs { csv_max_bytes: 0, csv_max_rows: 1 },
            ..ServeArgs::default()
        };
        assert_eq!(refused(&zero_limits), ["body_limit", "csv_max_bytes", "sign_in_limit"]);
        let short_lease = ServeArgs { task_lease_secs: MIN_TASK_LEASE_SECS - 1, ..ServeArgs::default() };
        assert_eq!(refused(&short_lease), ["task_lease_secs"]);
        let lease_ok = ServeArgs { task_lease_secs: MIN_TASK_LEASE_SECS, ..ServeArgs::default() };
        assert_eq!(refused(&lease_ok), Vec::<&str>::new());
        let no_token = ServeArgs { metrics: MetricsAccess::Token, ..ServeArgs::default() };
        assert_eq!(refused(&no_token), ["metrics_token"]);
        let unused_token =
            ServeArgs { metrics_token: Some("0123456789abcdef".into()), ..ServeArgs::default() };
        assert_eq!(refused(&unused_token), ["metrics_token"]);
        let token = ServeArgs { metrics: MetricsAccess::Token, ..unused_token };
        assert_eq!(refused(&token), Vec::<&str>::new());
        let bad_filter = ServeArgs { log: "info,=[".into(), ..ServeArgs::default() };
        assert_eq!(refused(&bad_filter), ["log"]);
        let mysql = problems(&database("mysql://root:secret@db/vext"), &ServeArgs::default());
        assert_eq!(mysql.len(), 1);
        assert!(!mysql[0].message.contains("secret"), "the password is not repeated: {}", mysql[0]);
    }

    #[test]
    fn a_file_sets_defaults_that_the_environment_and_flags_override() {
        let path = Path::new("/etc/vext/vext.toml");
        let file = ConfigFile::parse(
            path,
            "addr = \"0.0.0.0:8080\"\napi_rate = 5\ntrust_forwarded_for = true\npublic_origin = [\"https://a.example.com\", \"https://b.example.com\"]\n",
        )
        .unwrap();
        assert_eq!(file.values["public_origin"], "https://a.example.com,https://b.example.com");
        let command = || {
            // Variables no environment has: the file and the flags decide.
            let command = ServeArgs::augment_args(clap::Command::new("serve")).mut_args(|arg| {
                let unset = format!("VEXT_UNSET_IN_THIS_TEST_{}", arg.get_id().as_str().to_uppercase());
                arg.env(unset)
            });
            file.apply(command).unwrap()
        };
        let from_file = ServeArgs::from_arg_matches(&command().get_matches_from(["serve"])).unwrap();
        assert_eq!(
            (from_file.addr.port(), from_file.api_rate, from_file.trust_forwarded_for),
            (8080, 5, true)
        );
        let matches = command().get_matches_from(["serve", "--api-rate", "7"]);
        assert_eq!(ServeArgs::from_arg_matches(&matches).unwrap().api_rate, 7, "a flag wins over the file");
        let mut built = command();
        built.build();
        let settings = effective(&built, &matches, Some(&file));
        let source = |name: &str| settings.iter().find(|s| s.name == name).map(|s| s.source.clone()).unwrap();
        assert_eq!(source("api_rate"), Source::Flag);
        assert_eq!(source("addr"), Source::File(path.to_path_buf()));
        assert_eq!(source("body_limit"), Source::Default);

        let unknown = ConfigFile::parse(path, "api_rtae = 5\n").unwrap().apply(command()).unwrap_err();
        assert!(
            unknown.to_string().contains("api_rtae, which is not a vext setting (did you mean api_rate?)"),
            "{unknown}"
        );
        let table = ConfigFile::parse(path, "[serve]\naddr = \"x\"\n").unwrap_err();
        assert!(table.to_string().contains("sets serve: a table is not a setting's value"), "{table}");
        let syntax = ConfigFile::parse(path, "addr = \n").unwrap_err();
        assert!(syntax.to_string().contains("is not valid TOML"), "{syntax}");
    }
}
