//! Configuration from flags and environment variables (flags win).

use crate::store::DEFAULT_DATABASE_URL;
use app::model::csv::Limits;
use clap::{Args, FromArgMatches};
use std::net::SocketAddr;

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

/// `vext serve` settings.
#[derive(Args, Clone, Debug)]
pub struct ServeArgs {
    /// Address to listen on (cargo-leptos' LEPTOS_SITE_ADDR).
    #[arg(long, env = "LEPTOS_SITE_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// Directory with the built site (WASM, JS, CSS, public files).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,
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
    /// died mid-import is noticed this long after).
    #[arg(long, env = "VEXT_TASK_LEASE_SECS", default_value_t = 60)]
    pub task_lease_secs: u64,
    /// REST API requests allowed per API token per second, on average (each replica counts
    /// its own).
    #[arg(long, env = "VEXT_API_RATE", default_value_t = 100)]
    pub api_rate: u32,
    /// REST API requests one token may make at once above that rate.
    #[arg(long, env = "VEXT_API_BURST", default_value_t = 200)]
    pub api_burst: u32,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serve_defaults_are_the_flags_defaults() {
        let args = ServeArgs::default();
        assert_eq!(args.addr, SocketAddr::from(([127, 0, 0, 1], 3000)));
        assert_eq!(args.site_root, "target/site");
        assert_eq!((args.body_limit, args.sign_in_limit, args.task_lease_secs), (1024 * 1024, 20, 60));
        assert_eq!((args.api_rate, args.api_burst, args.shutdown_grace_secs), (100, 200, 20));
        assert_eq!(args.public_origin, None);
        assert!(!args.trust_forwarded_for);
        assert_eq!(args.csv.limits(), Limits::default());
    }
}
