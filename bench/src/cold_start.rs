//! Cold starts: each release binary started under a local Lambda Runtime API (the
//! `2018-06-01` protocol a function's runtime polls), with the environment a deployed
//! function has, timed from exec to its first `next` poll (init) and to its first
//! response; beside it, a Python 3 + boto3 handler doing the same set-up.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fs::File;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use glchat_tests::TestApp;
use glchat_tests::fixtures::{EVENT_ORDER, event_options, events_dir, seed};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};

use crate::stats::{Summary, round};

/// How long one start may take before the benchmark gives up on it.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A program to start cold, and the event its first invocation carries.
pub struct Subject {
    pub name: String,
    pub program: PathBuf,
    pub args: Vec<String>,
    pub execution_env: &'static str,
    pub event: Bytes,
}

impl Subject {
    /// One of our release binaries, as Lambda runs it on `provided.al2023`.
    pub fn function(functions: &Path, name: &str, event: Bytes) -> Self {
        Self {
            name: name.to_owned(),
            program: functions.join(name),
            args: Vec::new(),
            execution_env: "AWS_Lambda_provided.al2023",
            event,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Starts {
    pub function: String,
    pub init: Summary,
    pub first_response: Summary,
    /// Status codes of the first responses (later starts of a deleting event find
    /// their target gone, which is part of the realistic sequence).
    pub statuses: BTreeMap<u16, usize>,
}

/// The invocation a started runtime will take with its first `next` poll.
struct Pending {
    event: Bytes,
    polled: oneshot::Sender<Instant>,
    answered: oneshot::Sender<(Instant, Bytes)>,
}

#[derive(Default)]
struct Slots {
    pending: Option<Pending>,
    answered: Option<oneshot::Sender<(Instant, Bytes)>>,
}

/// A local Lambda Runtime API serving one invocation per start.
pub struct RuntimeApi {
    addr: SocketAddr,
    slots: Arc<Mutex<Slots>>,
    /// Wakes the polls of killed runtimes, so their connections close.
    killed: Arc<Notify>,
}

impl RuntimeApi {
    pub async fn start() -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding the runtime API")?;
        let addr = listener.local_addr()?;
        let slots = Arc::new(Mutex::new(Slots::default()));
        let killed = Arc::new(Notify::new());
        let (shared, woken) = (Arc::clone(&slots), Arc::clone(&killed));
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (slots, killed) = (Arc::clone(&shared), Arc::clone(&woken));
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        runtime_route(Arc::clone(&slots), Arc::clone(&killed), req)
                    });
                    // A killed runtime drops its connection mid-poll: not an error here.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self { addr, slots, killed })
    }

    /// Starts `subject` `times` times, one process after another, each killed after its
    /// first response. Its output (the function's log) is appended to `log`.
    pub async fn measure(
        &self,
        subject: &Subject,
        env: &[(String, String)],
        times: usize,
        log: &Path,
    ) -> anyhow::Result<Starts> {
        let (mut init, mut first_response) = (Vec::new(), Vec::new());
        let mut statuses = BTreeMap::new();
        for _ in 0..times {
            let (polled, answered, status) = self
                .start_once(subject, env, log)
                .await
                .with_context(|| format!("starting {} (its log: {})", subject.name, log.display()))?;
            init.push(polled);
            first_response.push(answered);
            *statuses.entry(status).or_insert(0) += 1;
        }
        Ok(Starts {
            function: subject.name.clone(),
            init: Summary::of(&init).context("no starts")?,
            first_response: Summary::of(&first_response).context("no starts")?,
            statuses,
        })
    }

    async fn start_once(
        &self,
        subject: &Subject,
        env: &[(String, String)],
        log: &Path,
    ) -> anyhow::Result<(Duration, Duration, u16)> {
        let (polled_tx, polled_rx) = oneshot::channel();
        let (answered_tx, answered_rx) = oneshot::channel();
        *lock(&self.slots) = Slots {
            pending: Some(Pending {
                event: subject.event.clone(),
                polled: polled_tx,
                answered: answered_tx,
            }),
            answered: None,
        };
        let log = File::options()
            .create(true)
            .append(true)
            .open(log)
            .context("opening the function log")?;
        let mut command = tokio::process::Command::new(&subject.program);
        command
            .args(&subject.args)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .envs(lambda_env(
                &subject.name,
                subject.execution_env,
                self.addr,
                &subject.program,
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone().context("sharing the function log")?))
            .stderr(Stdio::from(log))
            .kill_on_drop(true);

        let started = Instant::now();
        let mut child = command
            .spawn()
            .with_context(|| format!("running {}", subject.program.display()))?;
        let invocation = async {
            let polled = polled_rx.await.context("the runtime API stopped")?;
            let (answered, body) = answered_rx.await.context("the runtime API stopped")?;
            anyhow::Ok((polled, answered, body))
        };
        let outcome = tokio::select! {
            outcome = tokio::time::timeout(START_TIMEOUT, invocation) => outcome,
            exited = child.wait() => bail!("the process exited before answering: {exited:?}"),
        };
        child.kill().await.context("stopping the function")?;
        self.killed.notify_waiters();
        let (polled, answered, body) = outcome.context("no response in time")??;
        let status = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["statusCode"].as_u64())
            .and_then(|s| u16::try_from(s).ok())
            .with_context(|| format!("not a Lambda proxy response: {}", String::from_utf8_lossy(&body)))?;
        Ok((polled - started, answered - started, status))
    }
}

fn lock(slots: &Mutex<Slots>) -> std::sync::MutexGuard<'_, Slots> {
    slots.lock().unwrap_or_else(|e| e.into_inner())
}

/// What the Lambda service sets in every function's environment.
fn lambda_env(name: &str, execution_env: &str, api: SocketAddr, program: &Path) -> Vec<(String, String)> {
    let root = program.parent().unwrap_or(Path::new("/")).display().to_string();
    [
        ("AWS_LAMBDA_RUNTIME_API", api.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", format!("glchat-bench-{name}")),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256".into()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/glchat-bench-{name}")),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "bench".into()),
        ("AWS_EXECUTION_ENV", execution_env.into()),
        ("_HANDLER", "bootstrap".into()),
        ("LAMBDA_TASK_ROOT", root),
        ("TZ", ":UTC".into()),
        ("LANG", "en_US.UTF-8".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

async fn runtime_route(
    slots: Arc<Mutex<Slots>>,
    killed: Arc<Notify>,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let now = Instant::now();
    let path = req.uri().path().to_owned();
    if path == "/2018-06-01/runtime/invocation/next" {
        let pending = lock(&slots).pending.take();
        let Some(pending) = pending else {
            // The runtime's second poll: it waits until the process is killed.
            killed.notified().await;
            let mut gone = hyper::Response::new(Full::new(Bytes::new()));
            *gone.status_mut() = hyper::StatusCode::GONE;
            return Ok(gone);
        };
        let _ = pending.polled.send(now);
        lock(&slots).answered = Some(pending.answered);
        let deadline = time::OffsetDateTime::now_utc().unix_timestamp() * 1000 + 15_000;
        let response = hyper::Response::builder()
            .header("lambda-runtime-aws-request-id", "bench-invocation")
            .header("lambda-runtime-deadline-ms", deadline.to_string())
            .header(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:123456789012:function:glchat-bench",
            )
            .header(
                "lambda-runtime-trace-id",
                "Root=1-00000000-000000000000000000000000;Sampled=0",
            )
            .header("content-type", "application/json")
            .body(Full::new(pending.event));
        return Ok(response.unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::new()))));
    }
    // `/invocation/{id}/response` and `/invocation/{id}/error` end the start (an error
    // body is not a proxy response and fails the measurement); after `/init/error` the
    // process exits, which the start notices.
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    if let Some(answered) = lock(&slots).answered.take() {
        let _ = answered.send((now, body));
    }
    let mut response = hyper::Response::new(Full::new(Bytes::from_static(b"{}")));
    *response.status_mut() = hyper::StatusCode::ACCEPTED;
    Ok(response)
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
            plain.push(api.start_once(&subject, env, &log).await?.0);
            read.push(api.start_once(&subject, stored, &log).await?.0);
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
    let config = &app.app.config;
    let bucket = config.bucket.as_ref().map_or("", |b| b.name.as_str());
    let config_region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
    let mut env: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| k.starts_with("AWS_") || k == "S3_FORCE_PATH_STYLE" || k == "PATH")
        .collect();
    env.extend(
        [
            ("TENANT_ID", config.tenant.as_str()),
            ("TABLE_NAME", config.table_name.as_str()),
            ("BUCKET_NAME", bucket),
            ("JWT_ALGORITHM", "HS256"),
            ("JWT_SECRET", app.options.jwt_secret.as_str()),
            ("NEXTAUTH_SECRET", app.options.nextauth_secret.as_str()),
            ("CURSOR_SECRET", app.var("CURSOR_SECRET")),
            ("MAX_ATTACHMENT_BYTES", "26214400"),
            // Every start is the same user: the per-user limits would answer 429.
            ("RATE_LIMIT_TITLES_PER_MINUTE", "100000"),
            ("RATE_LIMIT_SEARCHES_PER_MINUTE", "100000"),
            ("RATE_LIMIT_SHARES_PER_MINUTE", "100000"),
            ("RATE_LIMIT_CLONES_PER_MINUTE", "100000"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_DEFAULT_REGION", config_region.as_str()),
            ("RUST_LOG", "info"),
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
    api.measure(&baseline, &env, 3, &python_log).await?;
    let python_starts = api.measure(&baseline, &env, starts, &python_log).await?;
    let mut rust = Vec::new();
    for name in EVENT_ORDER {
        let subject = Subject::function(functions, name, event(name)?);
        rust.push(
            api.measure(&subject, &env, starts, &logs.join(format!("{name}.log")))
                .await?,
        );
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
