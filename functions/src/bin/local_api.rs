//! `make run`'s API server: every route on 127.0.0.1:$PORT against the local stack.

use glchat_app::config::Needs;
use glchat_app::{Deps, telemetry};
use glchat_functions::local;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetry::init();
    // One process serves every route, so it needs what all of them need.
    let app = Deps::from_env(Needs::ALL).await?;
    local::prepare_storage(&app, glchat_app::store::schema::Stream::On).await?;
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let base = format!("http://127.0.0.1:{}", listener.local_addr()?.port());

    println!("GLChat conversation API (tenant {}) on {base}", app.config.tenant);
    println!("  spec:   {base}/openapi.json");
    let dev_user = std::env::var("LOCAL_DEV_USER").ok();
    if let Some(user) = dev_user
        && let Some(token) = local::dev_token(&app.config, &user, 24)
    {
        println!("  bearer token for user {user:?}, valid 24 h:\n\n{token}\n");
        println!("Try it:\n");
        println!(
            "  curl -s -X POST {base}/conversations -H 'Authorization: Bearer {token}' -d user_id={user} -d chatbot_id=general -d title=Hello\n"
        );
        println!("  curl -s {base}/conversations -H 'Authorization: Bearer {token}'\n");
    }
    // The stream's functions, as their event sources would run them deployed (exports).
    if let Ok(endpoint) = std::env::var("AWS_ENDPOINT_URL_DYNAMODB") {
        let deps = std::sync::Arc::clone(&app);
        tokio::spawn(async move {
            if let Err(err) = glchat_functions::local_stream::run(deps, endpoint).await {
                tracing::error!(error = ?err, "the local stream stopped");
            }
        });
    }
    // Retention, as the hourly schedule runs it deployed (RETENTION_DAYS > 0).
    if app.config.retention.as_ref().is_some_and(|r| r.days > 0) {
        let deps = std::sync::Arc::clone(&app);
        tokio::spawn(async move {
            let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                hourly.tick().await;
                if let Err(err) = glchat_app::ops::retention::sweep(&deps).await {
                    tracing::error!(error = ?err, "retention's sweep failed");
                }
            }
        });
    }
    let shutdown = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing a SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term.recv() => {},
        }
    };
    local::serve(app, listener, shutdown).await
}
