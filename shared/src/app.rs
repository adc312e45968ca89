//! `App`: what every handler needs, built once per cold start (config, verified keys,
//! SDK clients) and shared by all requests of the process.

use std::sync::Arc;

use anyhow::Context;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};

use aws_smithy_runtime_api::client::interceptors::SharedInterceptor;

use crate::auth::Authenticator;
use crate::blobs::Blobs;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::cursor::CursorSigner;
use crate::store::Store;
use crate::store::calls::CallLog;
use crate::titles::TitleGenerator;

#[derive(Debug)]
pub struct App {
    pub config: Config,
    pub auth: Authenticator,
    pub store: Store,
    pub blobs: Blobs,
    pub cursors: CursorSigner,
    pub titles: TitleGenerator,
    pub clock: Arc<dyn Clock>,
    /// The DynamoDB operations made through `store`, for budgets in tests and logs.
    pub dynamodb_calls: CallLog,
}

impl App {
    /// Reads the environment and builds the clients, as a Lambda's init does.
    pub async fn from_env() -> anyhow::Result<Arc<Self>> {
        let config = Config::from_env().context("reading configuration")?;
        let sdk = load_sdk_config(&config).await;
        Ok(Arc::new(Self::new(config, &sdk, Arc::new(SystemClock))?))
    }

    pub fn new(config: Config, sdk: &SdkConfig, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        Self::with_hooks(config, sdk, clock, ClientHooks::default())
    }

    /// Like `new`, with extra SDK interceptors (tests inject failures with them).
    pub fn with_hooks(
        config: Config,
        sdk: &SdkConfig,
        clock: Arc<dyn Clock>,
        hooks: ClientHooks,
    ) -> anyhow::Result<Self> {
        let dynamodb_calls = CallLog::default();
        let mut dynamodb = aws_sdk_dynamodb::config::Builder::from(sdk).interceptor(dynamodb_calls.interceptor());
        for interceptor in hooks.dynamodb {
            dynamodb.push_interceptor(interceptor);
        }
        // Path-style addressing for S3-compatible servers (the local stack); AWS takes both.
        let force_path_style = std::env::var("S3_FORCE_PATH_STYLE").is_ok_and(|v| v == "true");
        let mut s3 = aws_sdk_s3::config::Builder::from(sdk).force_path_style(force_path_style);
        for interceptor in hooks.s3 {
            s3.push_interceptor(interceptor);
        }
        let store = Store::new(
            aws_sdk_dynamodb::Client::from_conf(dynamodb.build()),
            config.table_name.clone(),
            dynamodb_calls.clone(),
        );
        let blobs = Blobs::new(
            aws_sdk_s3::Client::from_conf(s3.build()),
            config.bucket_name.clone(),
            config.tenant.clone(),
        );
        Ok(Self {
            auth: Authenticator::new(&config).context("loading the token verification keys")?,
            store,
            blobs,
            cursors: CursorSigner::new(&config.cursor_secret),
            titles: TitleGenerator::new(config.llm.clone()).context("building the LLM client")?,
            clock,
            dynamodb_calls,
            config,
        })
    }
}

/// Extra interceptors for the SDK clients.
#[derive(Debug, Clone, Default)]
pub struct ClientHooks {
    pub dynamodb: Vec<SharedInterceptor>,
    pub s3: Vec<SharedInterceptor>,
}

/// The shared AWS SDK configuration: region and credentials from the environment
/// (endpoint overrides such as `AWS_ENDPOINT_URL_DYNAMODB` included), bounded timeouts
/// and the standard retry mode, which backs off on throttling.
pub async fn load_sdk_config(config: &Config) -> SdkConfig {
    let operation = config.aws_operation_timeout;
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(std::time::Duration::from_secs(2))
                .operation_attempt_timeout(operation / 3)
                .operation_timeout(operation)
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(3))
        .load()
        .await
}
