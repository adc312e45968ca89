//! Cold starts: each release binary started under a local Lambda Runtime API (the
//! `2018-06-01` protocol a function's runtime polls), with the environment a deployed
//! function has and HTTPS to the local stack (`glchat_tests::tls`), timed from exec to its first
//! `next` poll (init) and to its first response. Every start of a function is
//! interleaved with a start of each reference Lambda (`hello`: `lambda_http` alone;
//! `sdk`: plus the SDK set up as the AWS docs show, see `src/bin`; and `sdk` opening its
//! DynamoDB connection in init as the functions do), so a ratio compares
//! starts made at the same moment on this noisy machine. The whole sequence runs in
//! rounds; the spread of a function's ratio over the rounds says how far to trust it.
//! Beside them, a Python 3 + boto3 handler doing the same set-up.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use glchat_tests::TestApp;
use glchat_tests::fixtures::{EVENT_ORDER, event_options, events_dir, seed};
use glchat_tests::runtime_api::{RuntimeApi, Started, Subject, deployed_env};
use serde::Serialize;

use crate::stats::{Summary, round};
use glchat_tests::tls::TlsFront;

#[derive(Debug, Serialize)]
pub struct Starts {
    pub function: String,
    pub init: Summary,
    pub first_response: Summary,
    /// Status codes of the first responses (later starts of a deleting event find
    /// their target gone, which is part of the realistic sequence).
    pub statuses: BTreeMap<u16, usize>,
}

impl Starts {
    fn of(function: &str, starts: &[Started]) -> anyhow::Result<Self> {
        let mut statuses = BTreeMap::new();
        for started in starts {
            let status = started.status.context("a route answered without a status")?;
            *statuses.entry(status).or_insert(0) += 1;
        }
        let (init, first): (Vec<Duration>, Vec<Duration>) = starts.iter().map(|s| (s.init, s.first_response)).unzip();
        Ok(Self {
            function: function.to_owned(),
            init: Summary::of(&init).context("no starts")?,
            first_response: Summary::of(&first).context("no starts")?,
            statuses,
        })
    }
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
    let mut starts = Vec::new();
    for _ in 0..times {
        starts.push(start(api, subject, env, log).await?);
    }
    Starts::of(&subject.name, &starts)
}

async fn start(api: &RuntimeApi, subject: &Subject, env: &[(String, String)], log: &Path) -> anyhow::Result<Started> {
    api.start_once(subject, env, log)
        .await
        .with_context(|| format!("starting {} (its log: {})", subject.name, log.display()))
}

/// One function against the references started beside it.
#[derive(Debug, Serialize)]
pub struct FunctionStarts {
    #[serde(flatten)]
    pub starts: Starts,
    /// The references' init medians over the starts interleaved with this function's.
    pub hello_init_p50_ms: f64,
    pub sdk_init_p50_ms: f64,
    /// Init median over the `sdk` reference's: at most 1.0 is the target.
    pub init_ratio_to_sdk: f64,
    /// The same against `sdk` opening its DynamoDB connection in init as the functions do
    /// (`REFERENCE_WARM_UP_TABLE`): the same round trip on both sides.
    pub sdk_warm_up_init_p50_ms: f64,
    pub init_ratio_to_sdk_warm_up: f64,
    /// Init median minus the `hello` reference's: what the function's own set-up costs.
    pub init_ms_over_hello: f64,
    /// `init_ratio_to_sdk` of each round.
    pub round_ratios: Vec<f64>,
    /// Largest over smallest round ratio.
    pub spread: f64,
    /// Median milliseconds of each init phase, as the function logged them.
    pub phases: Vec<Phase>,
}

#[derive(Debug, Serialize)]
pub struct Phase {
    pub phase: String,
    pub p50_ms: f64,
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
    pub transport: &'static str,
    pub rounds: usize,
    pub starts_per_round: usize,
    pub functions: Vec<FunctionStarts>,
    /// Every start of each reference in the run.
    pub hello: Starts,
    pub sdk: Starts,
    pub sdk_warm_up: Starts,
    /// Over the functions: the median `init_ratio_to_sdk_warm_up`.
    pub median_ratio_to_sdk_warm_up: f64,
    /// Over the functions: the median and the largest `init_ratio_to_sdk`, the median
    /// `init_ms_over_hello`, and the median round-to-round spread.
    pub median_ratio_to_sdk: f64,
    pub max_ratio_to_sdk: f64,
    pub median_ms_over_hello: f64,
    pub median_spread: f64,
    pub python: Starts,
    pub python_version: String,
    pub python_vs_rust: Ratio,
    /// Every AWS endpoint refusing at once, `starts` per function beside the references.
    pub refused: Vec<RefusedStarts>,
    pub refused_median_ratio_to_sdk: f64,
    pub refused_max_ratio_to_sdk: f64,
    /// What reading the secrets from Secrets Manager adds to a cold start.
    pub secrets: Vec<SecretsCost>,
}

/// A function's init where every AWS endpoint refuses each request at once (the
/// condition issue 15 measured in): its warm-up is one loopback round trip that fails,
/// so init holds little more than the work the function does itself, against the
/// references' in the same moments. The first responses (errors: DynamoDB refuses) are
/// not reported.
#[derive(Debug, Serialize)]
pub struct RefusedStarts {
    pub function: String,
    pub init_p50_ms: f64,
    pub sdk_init_p50_ms: f64,
    pub hello_init_p50_ms: f64,
    pub init_ratio_to_sdk: f64,
    pub init_ms_over_hello: f64,
}

/// `env` with every AWS endpoint a loopback server that refuses each request at once
/// (403 `AccessDeniedException`, which the SDK does not retry), over plain HTTP.
async fn refusing(env: &[(String, String)]) -> anyhow::Result<Vec<(String, String)>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding the refusing endpoint")?;
    let url = format!("http://{}", listener.local_addr().context("its address")?);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|_| async {
                    let body = br#"{"__type":"com.amazon.coral.service#AccessDeniedException","message":"refused"}"#;
                    let mut response = hyper::Response::new(http_body_util::Full::new(Bytes::from_static(body)));
                    *response.status_mut() = hyper::StatusCode::FORBIDDEN;
                    response.headers_mut().insert(
                        hyper::header::CONTENT_TYPE,
                        hyper::header::HeaderValue::from_static("application/x-amz-json-1.0"),
                    );
                    Ok::<_, std::convert::Infallible>(response)
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(env
        .iter()
        .filter(|(k, _)| k != "AWS_CA_BUNDLE")
        .map(|(k, v)| match k.starts_with("AWS_ENDPOINT_URL") {
            true => (k.clone(), url.clone()),
            false => (k.clone(), v.clone()),
        })
        .collect())
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
            stores: glchat_app::config::secret_stores(needs).len(),
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

/// What the functions log their init phases at (`shared/ops/src/laps.rs`).
const PHASES_LOG: &str = "info,glchat::init=debug";

/// Every function in the events' order (creating and reading before revoking and
/// deleting), each answering its committed API Gateway event against the events'
/// fixture, its starts interleaved with the references', in `rounds` rounds of
/// `starts` starts; the Python handler first, while the fixture conversation exists.
pub async fn run(
    functions: &Path,
    python: &Path,
    rounds: usize,
    starts: usize,
    out: &Path,
) -> anyhow::Result<ColdStarts> {
    let app = TestApp::spawn_with(event_options()).await;
    seed(&app).await;
    let mut plain = deployed_env(&app);
    plain.extend(
        [
            // Every start is the same user: the per-user limits would answer 429.
            ("RATE_LIMIT_TITLES_PER_MINUTE", "100000"),
            ("RATE_LIMIT_SEARCHES_PER_MINUTE", "100000"),
            ("RATE_LIMIT_SHARES_PER_MINUTE", "100000"),
            ("RATE_LIMIT_CLONES_PER_MINUTE", "100000"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    let logs = out.join("cold-start-logs");
    // Fresh logs: the init phases are read back from them.
    let _ = std::fs::remove_dir_all(&logs);
    std::fs::create_dir_all(&logs).context("creating the log folder")?;
    let tls = TlsFront::new(&logs)?;
    let mut env = tls.wrap(&plain).await?;
    env.retain(|(k, _)| k != "RUST_LOG");
    env.push(("RUST_LOG".into(), PHASES_LOG.into()));
    // The references make no request: they start in Lambda's own environment, where
    // no CA bundle is named (naming one changes what `aws_config` loads).
    let reference_env: Vec<(String, String)> = env.iter().filter(|(k, _)| k != "AWS_CA_BUNDLE").cloned().collect();
    // `sdk` opening its DynamoDB connection as the functions do: the platform's roots
    // plus the proxies' authority, and the table to describe.
    let mut warm_reference_env = reference_env.clone();
    warm_reference_env.extend([
        ("SSL_CERT_FILE".to_owned(), tls.system_bundle.display().to_string()),
        ("REFERENCE_WARM_UP_TABLE".to_owned(), app.app.config.table_name.clone()),
    ]);
    let api = RuntimeApi::start().await?;
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

    let hello = Subject::function(functions, "hello", event(COMPARED)?);
    let sdk = Subject::function(functions, "sdk", event(COMPARED)?);
    let sdk_warm = Subject::function(functions, "sdk", event(COMPARED)?);
    let (hello_log, sdk_log, sdk_warm_log) = (
        logs.join("hello.log"),
        logs.join("sdk.log"),
        logs.join("sdk-warm-up.log"),
    );
    let mut by_function: BTreeMap<&str, Interleaved> = BTreeMap::new();
    let (mut all_hello, mut all_sdk, mut all_sdk_warm) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        for name in EVENT_ORDER {
            let subject = Subject::function(functions, name, event(name)?);
            let log = logs.join(format!("{name}.log"));
            let mut round = Round::default();
            for _ in 0..starts {
                round.hello.push(start(&api, &hello, &reference_env, &hello_log).await?);
                round.sdk.push(start(&api, &sdk, &reference_env, &sdk_log).await?);
                round
                    .sdk_warm
                    .push(start(&api, &sdk_warm, &warm_reference_env, &sdk_warm_log).await?);
                round.function.push(start(&api, &subject, &env, &log).await?);
            }
            all_hello.extend(round.hello.iter().cloned());
            all_sdk.extend(round.sdk.iter().cloned());
            all_sdk_warm.extend(round.sdk_warm.iter().cloned());
            by_function.entry(name).or_default().rounds.push(round);
        }
    }
    let mut results = Vec::new();
    for name in EVENT_ORDER {
        let interleaved = by_function.remove(name).context("a function without starts")?;
        let phases = phases_of(&logs.join(format!("{name}.log")))?;
        results.push(interleaved.summarize(name, phases)?);
    }

    let refusing_env = refusing(&plain).await?;
    let mut refused = Vec::new();
    for name in EVENT_ORDER {
        let subject = Subject::function(functions, name, event(name)?);
        let log = logs.join(format!("{name}-refused.log"));
        let (mut h, mut s, mut f) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..starts {
            h.push(start(&api, &hello, &refusing_env, &hello_log).await?);
            s.push(start(&api, &sdk, &refusing_env, &sdk_log).await?);
            f.push(start(&api, &subject, &refusing_env, &log).await?);
        }
        let (hello_p50, sdk_p50, function_p50) = (init_p50(&h)?, init_p50(&s)?, init_p50(&f)?);
        refused.push(RefusedStarts {
            function: name.to_owned(),
            init_p50_ms: function_p50,
            sdk_init_p50_ms: sdk_p50,
            hello_init_p50_ms: hello_p50,
            init_ratio_to_sdk: round(function_p50 / sdk_p50),
            init_ms_over_hello: round(function_p50 - hello_p50),
        });
    }

    let mut stored_vars: std::collections::HashMap<String, String> = env.iter().cloned().collect();
    glchat_tests::move_secrets_to_store(&mut stored_vars).await;
    let stored: Vec<(String, String)> = stored_vars.into_iter().collect();
    let secrets = secrets_cost(&api, functions, &env, &stored, starts, event, &logs).await?;
    let compared = results
        .iter()
        .find(|f| f.starts.function == COMPARED)
        .context("no get_conversation")?;
    let version = std::process::Command::new(python)
        .arg("--version")
        .output()
        .context("python --version")?;
    let median = |values: Vec<f64>| crate::stats::median(&values).map_or(0.0, round);
    Ok(ColdStarts {
        transport: "HTTPS through a TLS-terminating loopback proxy in front of each local endpoint",
        rounds,
        starts_per_round: starts,
        python_vs_rust: Ratio::of(&python_starts, &compared.starts),
        python_version: String::from_utf8_lossy(&version.stdout).trim().to_owned(),
        python: python_starts,
        median_ratio_to_sdk: median(results.iter().map(|f| f.init_ratio_to_sdk).collect()),
        max_ratio_to_sdk: results.iter().map(|f| f.init_ratio_to_sdk).fold(0.0, f64::max),
        median_ms_over_hello: median(results.iter().map(|f| f.init_ms_over_hello).collect()),
        median_spread: median(results.iter().map(|f| f.spread).collect()),
        hello: Starts::of("hello", &all_hello)?,
        sdk: Starts::of("sdk", &all_sdk)?,
        sdk_warm_up: Starts::of("sdk + warm-up", &all_sdk_warm)?,
        median_ratio_to_sdk_warm_up: median(results.iter().map(|f| f.init_ratio_to_sdk_warm_up).collect()),
        functions: results,
        refused_median_ratio_to_sdk: median(refused.iter().map(|f| f.init_ratio_to_sdk).collect()),
        refused_max_ratio_to_sdk: refused.iter().map(|f| f.init_ratio_to_sdk).fold(0.0, f64::max),
        refused,
        secrets,
    })
}

/// One round of a function's starts, each beside one start of each reference.
#[derive(Debug, Default)]
struct Round {
    hello: Vec<Started>,
    sdk: Vec<Started>,
    sdk_warm: Vec<Started>,
    function: Vec<Started>,
}

#[derive(Debug, Default)]
struct Interleaved {
    rounds: Vec<Round>,
}

/// The init median of `starts`.
fn init_p50(starts: &[Started]) -> anyhow::Result<f64> {
    let init: Vec<Duration> = starts.iter().map(|s| s.init).collect();
    Ok(Summary::of(&init).context("no starts")?.p50_ms)
}

impl Interleaved {
    fn summarize(self, name: &str, phases: Vec<Phase>) -> anyhow::Result<FunctionStarts> {
        let mut round_ratios = Vec::new();
        for one in &self.rounds {
            round_ratios.push(round(init_p50(&one.function)? / init_p50(&one.sdk)?));
        }
        let all = |pick: fn(&Round) -> &Vec<Started>| -> Vec<Started> {
            self.rounds.iter().flat_map(|r| pick(r).iter().cloned()).collect()
        };
        let (function, hello, sdk) = (all(|r| &r.function), all(|r| &r.hello), all(|r| &r.sdk));
        let starts = Starts::of(name, &function)?;
        let (hello_p50, sdk_p50) = (init_p50(&hello)?, init_p50(&sdk)?);
        let sdk_warm_p50 = init_p50(&all(|r| &r.sdk_warm))?;
        let smallest = round_ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let largest = round_ratios.iter().copied().fold(0.0, f64::max);
        Ok(FunctionStarts {
            init_ratio_to_sdk: round(starts.init.p50_ms / sdk_p50),
            init_ratio_to_sdk_warm_up: round(starts.init.p50_ms / sdk_warm_p50),
            sdk_warm_up_init_p50_ms: sdk_warm_p50,
            init_ms_over_hello: round(starts.init.p50_ms - hello_p50),
            hello_init_p50_ms: hello_p50,
            sdk_init_p50_ms: sdk_p50,
            spread: round(largest / smallest),
            round_ratios,
            phases,
            starts,
        })
    }
}

/// The median of each init phase over the `init phases` lines of a function's log.
fn phases_of(log: &Path) -> anyhow::Result<Vec<Phase>> {
    let text = std::fs::read_to_string(log).with_context(|| format!("reading {}", log.display()))?;
    let mut samples: Vec<(String, Vec<f64>)> = Vec::new();
    for line in text.lines() {
        let Ok(entry) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if entry["message"] != "init phases" {
            continue;
        }
        let phases: serde_json::Map<String, serde_json::Value> = entry["phases"]
            .as_str()
            .and_then(|text| serde_json::from_str(text).ok())
            .context("an init phases line without its phases")?;
        for (name, ms) in phases {
            let (Some(phase), Some(ms)) = (name.strip_suffix("_ms"), ms.as_f64()) else {
                continue;
            };
            match samples.iter_mut().find(|(p, _)| p == phase) {
                Some((_, values)) => values.push(ms),
                None => samples.push((phase.to_owned(), vec![ms])),
            }
        }
    }
    anyhow::ensure!(!samples.is_empty(), "{} holds no init phases", log.display());
    Ok(samples
        .into_iter()
        .map(|(phase, values)| Phase {
            phase,
            p50_ms: crate::stats::median(&values).map_or(0.0, round),
        })
        .collect())
}
