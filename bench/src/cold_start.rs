//! Cold starts: each release binary started under a local Lambda Runtime API (the
//! `2018-06-01` protocol a function's runtime polls), with the environment a deployed
//! function has, timed from exec to its first `next` poll (init) and to its first
//! response; beside it, a Python 3 + boto3 handler doing the same set-up.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use bytes::Bytes;
use glchat_tests::TestApp;
use glchat_tests::fixtures::{EVENT_ORDER, event_options, events_dir, seed};
use glchat_tests::runtime_api::{RuntimeApi, Subject, deployed_env};
use serde::Serialize;

use crate::stats::{Summary, round};

#[derive(Debug, Serialize)]
pub struct Starts {
    pub function: String,
    pub init: Summary,
    pub first_response: Summary,
    /// Status codes of the first responses (later starts of a deleting event find
    /// their target gone, which is part of the realistic sequence).
    pub statuses: BTreeMap<u16, usize>,
}

/// Starts `subject` `times` times, one process after another, each killed after its
/// first response. Its output (the function's log) is appended to `log`.
pub async fn measure(
    api: &RuntimeApi,
    subject: &Subject,
    env: &[(String, String)],
    times: usize,
    log: &Path,
) -> anyhow::Result<Starts> {
    let (mut init, mut first_response) = (Vec::new(), Vec::new());
    let mut statuses = BTreeMap::new();
    for _ in 0..times {
        let started = api
            .start_once(subject, env, log)
            .await
            .with_context(|| format!("starting {} (its log: {})", subject.name, log.display()))?;
        init.push(started.init);
        first_response.push(started.first_response);
        *statuses.entry(started.status).or_insert(0) += 1;
    }
    Ok(Starts {
        function: subject.name.clone(),
        init: Summary::of(&init).context("no starts")?,
        first_response: Summary::of(&first_response).context("no starts")?,
        statuses,
    })
}

/// Init and first-response medians of the Python handler over the Rust function's.
#[derive(Debug, Serialize)]
pub struct Ratio {
    pub rust_function: String,
    pub init_p50_ratio: f64,
    pub first_response_p50_ratio: f64,
}

impl Ratio {
    pub fn of(python: &Starts, rust: &Starts) -> Self {
        Self {
            rust_function: rust.function.clone(),
            init_p50_ratio: round(python.init.p50_ms / rust.init.p50_ms),
            first_response_p50_ratio: round(python.first_response.p50_ms / rust.first_response.p50_ms),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ColdStarts {
    pub starts_per_function: usize,
    pub rust: Vec<Starts>,
    pub python: Starts,
    pub python_version: String,
    pub python_vs_rust: Ratio,
    /// What reading the secrets from Secrets Manager adds to a cold start.
    pub secrets: Vec<SecretsCost>,
}

/// One function started with its secrets in the environment and with them in the
/// secret store (the deployed way), start for start.
#[derive(Debug, Serialize)]
pub struct SecretsCost {
    pub function: String,
    /// How many secrets it reads at init.
    pub stores: usize,
    pub in_environment: Summary,
    pub in_store: Summary,
    pub init_p50_added_ms: f64,
    pub init_p50_ratio: f64,
}

/// The functions compared: one secret (auth) and two (auth and cursors).
const SECRETS_COMPARED: [&str; 2] = ["get_conversation", "list_conversations"];

/// Starts each compared function alternately with `env` (secrets in the environment)
/// and `stored` (their ARNs only), `starts` times each.
async fn secrets_cost(
    api: &RuntimeApi,
    functions: &Path,
    env: &[(String, String)],
    stored: &[(String, String)],
    starts: usize,
    event: impl Fn(&str) -> anyhow::Result<Bytes>,
    logs: &Path,
) -> anyhow::Result<Vec<SecretsCost>> {
    let mut costs = Vec::new();
    for name in SECRETS_COMPARED {
        let subject = Subject::function(functions, name, event(name)?);
        let log = logs.join(format!("{name}-secrets.log"));
        let (mut plain, mut read) = (Vec::new(), Vec::new());
        for _ in 0..starts {
            plain.push(api.start_once(&subject, env, &log).await?.init);
            read.push(api.start_once(&subject, stored, &log).await?.init);
        }
        let (in_environment, in_store) = (
            Summary::of(&plain).context("no starts")?,
            Summary::of(&read).context("no starts")?,
        );
        let needs = glchat_functions::routes::routes()
            .into_iter()
            .find(|r| r.name == name)
            .context("a route")?
            .needs;
        costs.push(SecretsCost {
            function: name.to_owned(),
            stores: glchat_shared::config::secret_stores(needs).len(),
            init_p50_added_ms: round(in_store.p50_ms - in_environment.p50_ms),
            init_p50_ratio: round(in_store.p50_ms / in_environment.p50_ms),
            in_environment,
            in_store,
        });
    }
    Ok(costs)
}

/// The baseline's counterpart among the functions.
const COMPARED: &str = "get_conversation";

/// Every function in the events' order (creating and reading before revoking and
/// deleting), each answering its committed API Gateway event against the events'
/// fixture; the Python handler first, while the fixture conversation exists.
pub async fn run(functions: &Path, python: &Path, starts: usize, out: &Path) -> anyhow::Result<ColdStarts> {
    let app = TestApp::spawn_with(event_options()).await;
    seed(&app).await;
    let mut env = deployed_env(&app);
    env.extend(
        [
            // Every start is the same user: the per-user limits would answer 429.
            ("RATE_LIMIT_TITLES_PER_MINUTE", "100000"),
            ("RATE_LIMIT_SEARCHES_PER_MINUTE", "100000"),
            ("RATE_LIMIT_SHARES_PER_MINUTE", "100000"),
            ("RATE_LIMIT_CLONES_PER_MINUTE", "100000"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    let api = RuntimeApi::start().await?;
    let logs = out.join("cold-start-logs");
    std::fs::create_dir_all(&logs).context("creating the log folder")?;
    let event = |name: &str| -> anyhow::Result<Bytes> {
        let path = events_dir().join(format!("{name}.json"));
        Ok(Bytes::from(
            std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?,
        ))
    };

    let baseline = Subject {
        name: "python3_boto3".into(),
        program: python.to_owned(),
        args: vec![concat!(env!("CARGO_MANIFEST_DIR"), "/python/bootstrap.py").to_owned()],
        execution_env: "AWS_Lambda_python3",
        event: event(COMPARED)?,
    };
    let python_log = logs.join("python3_boto3.log");
    // Unmeasured starts first: DynamoDB Local (a JVM) answers its first requests slowly,
    // which would count against whichever subject came first.
    measure(&api, &baseline, &env, 3, &python_log).await?;
    let python_starts = measure(&api, &baseline, &env, starts, &python_log).await?;
    let mut rust = Vec::new();
    for name in EVENT_ORDER {
        let subject = Subject::function(functions, name, event(name)?);
        rust.push(measure(&api, &subject, &env, starts, &logs.join(format!("{name}.log"))).await?);
    }
    let mut stored_vars: std::collections::HashMap<String, String> = env.iter().cloned().collect();
    let unique = ulid::Ulid::new().to_string().to_lowercase();
    glchat_tests::move_secrets_to_store(&mut stored_vars, &unique).await;
    let stored: Vec<(String, String)> = stored_vars.into_iter().collect();
    let secrets = secrets_cost(&api, functions, &env, &stored, starts, event, &logs).await?;
    let compared = rust
        .iter()
        .find(|s| s.function == COMPARED)
        .context("no get_conversation")?;
    let version = std::process::Command::new(python)
        .arg("--version")
        .output()
        .context("python --version")?;
    Ok(ColdStarts {
        starts_per_function: starts,
        python_vs_rust: Ratio::of(&python_starts, compared),
        python_version: String::from_utf8_lossy(&version.stdout).trim().to_owned(),
        python: python_starts,
        rust,
        secrets,
    })
}
