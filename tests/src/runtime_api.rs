//! A local Lambda Runtime API (the `2018-06-01` protocol a function's runtime polls):
//! starts a function's real binary with the environment Lambda gives it, hands it one
//! event, and times it from exec to its first `next` poll (init) and to its first
//! response. The benchmark's cold starts and `make invoke` run on it.

use std::convert::Infallible;
use std::fs::File;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};

/// How long one start may take before it is given up.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The Lambda request id of every invocation it hands out.
pub const LOCAL_REQUEST_ID: &str = "local-invocation";

/// One start: its timings and the function's answer.
#[derive(Debug, Clone)]
pub struct Started {
    pub init: Duration,
    pub first_response: Duration,
    /// The proxy response's `statusCode` (none for an event function's answer).
    pub status: Option<u16>,
    /// The whole response the function posted.
    pub body: Bytes,
}

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

    /// Starts `subject` once with `env` (and what Lambda sets), hands it its event,
    /// and kills it after its first response. Its output is appended to `log`.
    pub async fn start_once(&self, subject: &Subject, env: &[(String, String)], log: &Path) -> anyhow::Result<Started> {
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
        let answer: serde_json::Value = serde_json::from_slice(&body)
            .with_context(|| format!("not a JSON answer: {}", String::from_utf8_lossy(&body)))?;
        let status = answer["statusCode"].as_u64().and_then(|s| u16::try_from(s).ok());
        Ok(Started {
            init: polled - started,
            first_response: answered - started,
            status,
            body,
        })
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
            .header("lambda-runtime-aws-request-id", LOCAL_REQUEST_ID)
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

/// The environment a deployed function of `app`'s tenant has (secrets in it, as
/// locally): the app's table, bucket and keys, the local stack's endpoints.
pub fn deployed_env(app: &crate::TestApp) -> Vec<(String, String)> {
    let config = &app.app.config;
    let bucket = config.bucket.as_ref().map_or("", |b| b.name.as_str());
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
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
            ("EVENT_BUS_NAME", app.var("EVENT_BUS_NAME")),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_DEFAULT_REGION", region.as_str()),
            ("RUST_LOG", "info"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    env
}
