use server::cli::{parse, Command};
use server::config::LogFormat;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let parsed = parse(std::env::args_os()).unwrap_or_else(|error| error.exit());
    // The server logs as configured; other commands print their own results and log warnings.
    let (filter, format) = match &parsed.cli.command {
        Some(Command::Serve(args)) => (args.log.clone(), args.log_format),
        _ => (std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_string()), LogFormat::Text),
    };
    let filter = EnvFilter::try_new(&filter).unwrap_or_else(|_| EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
    server::cli::run(parsed).await
}
