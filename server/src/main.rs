use clap::Parser;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = server::cli::Cli::parse();
    // Commands print their own results; the server logs at info unless RUST_LOG says otherwise.
    let default_level = if matches!(cli.command, None | Some(server::cli::Command::Serve(_))) {
        "info,sqlx=warn,sea_orm=warn"
    } else {
        "warn"
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if std::env::var("VEXT_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
    server::cli::run(cli).await
}
