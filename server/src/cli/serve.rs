//! `vext serve`: the web console, with graceful shutdown.

use super::*;
use std::sync::Arc;

pub(super) async fn serve(database: &DatabaseArgs, args: ServeArgs) -> Result<(), CliError> {
    let problems = crate::config::problems(database, &args);
    if !problems.is_empty() {
        return Err(CliError::Config(problems));
    }
    let url = database.database_url.as_str();
    // SQLite: held until exit, so `vext restore` waits for this server to stop.
    let _serving = store::backup::hold_for_serving(url)?;
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
        .site_root(args.site_root().to_string_lossy().into_owned())
        .site_addr(args.addr)
        .build();
    let board = crate::services::import::Board::default();
    let dial_plans = Arc::new(crate::services::calls::DialPlans::default());
    let worker = crate::services::import::Worker::new(
        db.clone(),
        board.clone(),
        Duration::from_secs(args.task_lease_secs.max(1)),
    );
    // The look-ups answer from memory: keep the snapshot current (built now, before the first call).
    let watch = tokio::spawn(dial_plans.clone().watch(db.clone()));
    let retention = tokio::spawn(prune_tasks(db.clone(), args.task_retention_days));
    let jobs = crate::http::Jobs { wake: worker.waker(), board, dial_plans };
    let router = crate::http::router(options, db.clone(), &args, jobs);
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot listen on {}: {e}", args.addr)))?;
    let bound = listener.local_addr().unwrap_or(args.addr);
    tracing::info!("vext listening on http://{bound}");
    let grace = Duration::from_secs(args.shutdown_grace_secs);
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(worker.run(stopping, grace));
    axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async move {
            shutdown_signal(grace).await;
            let _ = stop.send(true);
        })
        .await?;
    // A running import finishes, or is rolled back and queued again, within the grace period.
    if let Err(error) = worker.await {
        tracing::error!(%error, "import worker ended abnormally");
    }
    watch.abort();
    retention.abort();
    db.close().await.ok();
    tracing::info!("vext stopped");
    Ok(())
}

/// Deletes finished import tasks older than `days` (0: never) at start and then hourly. Every
/// replica may do it: a task deleted twice is deleted once.
async fn prune_tasks(db: sea_orm::DatabaseConnection, days: u32) {
    if days == 0 {
        return;
    }
    let mut hourly = tokio::time::interval(Duration::from_secs(3600));
    loop {
        hourly.tick().await;
        let cutoff = chrono::Utc::now() - chrono::Duration::days(i64::from(days));
        match crate::services::import::tasks::prune_finished(&db, cutoff).await {
            Ok(0) => {}
            Ok(deleted) => {
                tracing::info!(deleted, days, "deleted finished import tasks past their retention")
            }
            Err(error) => tracing::warn!(%error, "cannot delete old import tasks; trying again in an hour"),
        }
    }
}

/// Resolves on SIGINT or SIGTERM; after `grace` (and a few seconds for a rolled-back import to
/// give its task back) exits even if requests are still open.
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
        tokio::time::sleep(grace + Duration::from_secs(5)).await;
        tracing::warn!("shutdown grace period over; exiting");
        std::process::exit(0);
    });
}
