//! `make invoke`: one function's real binary run once under the local Runtime API
//! against the local stack, the way `sam local invoke -e` runs it in Docker: the
//! events' fixture is seeded into a fresh table and bucket, the event is handed over,
//! and the response, the function's log lines and the events it published come back.

use std::path::Path;

use anyhow::Context;
use bytes::Bytes;

use crate::TestApp;
use crate::bus::Subscriber;
use crate::fixtures::{event_options, seed};
use crate::runtime_api::{RuntimeApi, Subject, deployed_env};

/// The key of the users' tags in the invoked function's logs (deployed, it is generated
/// into the tenant's auth secret).
pub const LOG_HASH_KEY: &str = "local-log-hash-key-for-make-invoke-000";

/// What one invocation answered and wrote.
#[derive(Debug)]
pub struct Invoked {
    /// What the function answered (a route's proxy response, a trigger's result).
    pub response: serde_json::Value,
    /// The function's output, line by line (JSON lines, as in Lambda).
    pub log: Vec<String>,
    /// The events it published to the tenant's bus, as a subscriber received them.
    pub published: Vec<serde_json::Value>,
}

/// Runs `program` (a function's binary named `name`) once with `event`.
pub async fn invoke(program: &Path, name: &str, event: Bytes) -> anyhow::Result<Invoked> {
    invoke_with(program, name, event, |env| async move { Ok(env) }).await
}

/// `invoke`, with the deployed environment changed by `adapt` first (the local
/// stack's endpoints put behind TLS, a variable taken out).
pub async fn invoke_with<F, Fut>(program: &Path, name: &str, event: Bytes, adapt: F) -> anyhow::Result<Invoked>
where
    F: FnOnce(Vec<(String, String)>) -> Fut,
    Fut: Future<Output = anyhow::Result<Vec<(String, String)>>>,
{
    let app = TestApp::spawn_with(event_options()).await;
    seed(&app).await;
    let subscriber = Subscriber::on(&app).await;
    let mut env = deployed_env(&app);
    env.push(("LOG_HASH_KEY".into(), LOG_HASH_KEY.into()));
    let env = adapt(env).await?;
    let api = RuntimeApi::start().await?;
    let log = tempfile_path(name);
    let subject = Subject {
        name: name.to_owned(),
        program: program.to_owned(),
        args: Vec::new(),
        execution_env: "AWS_Lambda_provided.al2023",
        event,
    };
    let started = api.start_once(&subject, &env, &log).await;
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    let started = started.with_context(|| format!("invoking {name}; its output:\n{output}"))?;
    Ok(Invoked {
        response: serde_json::from_slice(&started.body).context("the function's response")?,
        log: output.lines().map(str::to_owned).collect(),
        published: subscriber.drain().await,
    })
}

fn tempfile_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("glchat-invoke-{name}-{}.log", ulid::Ulid::new()))
}
