//! `App`: what every handler needs, built once per cold start (config, verified keys,
//! SDK clients) and shared by all requests of the process.

use std::sync::Arc;

use anyhow::Context;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};

use crate::auth::Authenticator;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::cursor::CursorSigner;
use crate::store::Store;
use crate::store::calls::CallLog;

#[derive(Debug)]
pub struct App {
    pub config: Config,
    pub auth: Authenticator,
    pub store: Store,
    pub s3: aws_sdk_s3::Client,
    pub cursors: CursorSigner,
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
        let dynamodb_calls = CallLog::default();
        let dynamodb = aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::config::Builder::from(sdk)
                .interceptor(dynamodb_calls.interceptor())
                .build(),
        );
        // Path-style addressing for S3-compatible servers (the local stack); AWS takes both.
        let force_path_style = std::env::var("S3_FORCE_PATH_STYLE").is_ok_and(|v| v == "true");
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(sdk)
                .force_path_style(force_path_style)
                .build(),
        );
        Ok(Self {
            auth: Authenticator::new(&config).context("loading the token verification keys")?,
            store: Store::new(dynamodb, config.table_name.clone()),
            s3,
            cursors: CursorSigner::new(&config.cursor_secret),
            clock,
            dynamodb_calls,
            config,
        })
    }
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
