//! `Deps`: what a function's operations use, built once per cold start from its
//! [`Needs`] (config, keys, SDK clients) and shared by every request of the process.
//! A function builds only what it needs: no LLM client outside title generation, no
//! S3 client where no object is touched, no token keys on the public read.

use std::sync::Arc;

use anyhow::Context;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_runtime_api::client::interceptors::SharedInterceptor;
use http::HeaderMap;

use crate::auth::{Authenticator, Caller, check_tenant_header};
use crate::blobs::Blobs;
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, Needs};
use crate::cursor::CursorSigner;
use crate::error::ApiError;
use crate::ops::OpError;
use crate::store::Store;
use crate::store::calls::CallLog;
use crate::telemetry::UserTagger;
use crate::titles::TitleGenerator;
use secrecy::ExposeSecret;

#[derive(Debug)]
pub struct Deps {
    pub config: Config,
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    /// The DynamoDB operations made through `store`, for budgets in tests and logs.
    pub dynamodb_calls: CallLog,
    blobs: Option<Blobs>,
    auth: Option<Authenticator>,
    users: UserTagger,
    cursors: Option<CursorSigner>,
    titles: Option<TitleGenerator>,
}

impl Deps {
    /// Reads the environment and the tenant's secrets and builds what `needs` asks
    /// for, as a Lambda's init does.
    pub async fn from_env(needs: Needs) -> anyhow::Result<Arc<Self>> {
        let (config, sdk) = configure(needs, |name| std::env::var(name).ok()).await?;
        Ok(Arc::new(Self::new(config, &sdk, Arc::new(SystemClock))?))
    }

    pub fn new(config: Config, sdk: &SdkConfig, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        Self::with_hooks(config, sdk, clock, ClientHooks::default())
    }

    /// Like `new`, with extra SDK interceptors and HTTP client (tests inject failures).
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
        if let Some(client) = &hooks.http_client {
            dynamodb.set_http_client(Some(client.clone()));
        }
        let store = Store::new(
            aws_sdk_dynamodb::Client::from_conf(dynamodb.build()),
            config.table_name.clone(),
            dynamodb_calls.clone(),
        );
        let blobs = config.bucket.as_ref().map(|bucket| {
            // Path-style addressing for S3-compatible servers (the local stack); AWS takes both.
            let mut s3 = aws_sdk_s3::config::Builder::from(sdk).force_path_style(bucket.force_path_style);
            for interceptor in &hooks.s3 {
                s3.push_interceptor(interceptor.clone());
            }
            if let Some(client) = &hooks.http_client {
                s3.set_http_client(Some(client.clone()));
            }
            Blobs::new(
                aws_sdk_s3::Client::from_conf(s3.build()),
                bucket.name.clone(),
                config.tenant.clone(),
            )
        });
        let auth = config
            .jwt
            .as_ref()
            .map(|jwt| Authenticator::new(&config.tenant, jwt, config.nextauth_secret.as_ref()))
            .transpose()
            .context("loading the token verification keys")?;
        let titles = config
            .needs
            .llm
            .then(|| TitleGenerator::new(config.llm.clone()))
            .transpose()
            .context("building the LLM client")?;
        Ok(Self {
            auth,
            users: UserTagger::new(config.log_hash_key.as_ref().map(|k| k.expose_secret())),
            store,
            blobs,
            cursors: config.cursor_secret.as_ref().map(CursorSigner::new),
            titles,
            clock,
            dynamodb_calls,
            config,
        })
    }

    /// The authenticated caller: 401 without valid credentials, 403 for a credential
    /// not bound to this tenant or a cookie-authenticated write from a foreign page.
    pub fn caller<B>(&self, req: &http::Request<B>) -> Result<Caller, ApiError> {
        self.auth
            .as_ref()
            .ok_or_else(|| ApiError::Internal(missing("token verification")))?
            .authenticate(req.method(), req.headers())
            .inspect(|caller| self.users.record(&caller.user_id))
    }

    /// For public endpoints: `X-Tenant-ID`, when sent, names this tenant.
    pub fn check_tenant(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        check_tenant_header(&self.config.tenant, headers)
    }

    pub fn blobs(&self) -> Result<&Blobs, OpError> {
        self.blobs.as_ref().ok_or_else(|| missing("the bucket").into())
    }

    pub fn cursors(&self) -> Result<&CursorSigner, OpError> {
        self.cursors.as_ref().ok_or_else(|| missing("the cursor signer").into())
    }

    pub fn titles(&self) -> Result<&TitleGenerator, OpError> {
        self.titles
            .as_ref()
            .ok_or_else(|| missing("the title generator").into())
    }
}

/// A function reached for something its `Needs` left out: a bug, caught by the tests
/// that run every handler with exactly its own needs.
fn missing(what: &str) -> anyhow::Error {
    anyhow::anyhow!("this function was built without {what}")
}

/// Extra interceptors for the SDK clients, and the HTTP client they send through.
#[derive(Debug, Clone, Default)]
pub struct ClientHooks {
    pub dynamodb: Vec<SharedInterceptor>,
    pub s3: Vec<SharedInterceptor>,
    /// Instead of the SDK's own (tests answer some requests as AWS would refuse them).
    pub http_client: Option<SharedHttpClient>,
}

/// How often the SDK tries one DynamoDB or S3 operation before giving up.
pub const SDK_ATTEMPTS: u32 = 3;

/// The configuration for `needs` from `lookup` and the tenant's secret stores (those
/// whose ARN `lookup` names; a value there wins over the environment), with the SDK
/// configuration that read them.
pub async fn configure(needs: Needs, lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<(Config, SdkConfig)> {
    // The table-only settings carry the SDK's timeouts, and need no secret.
    let base = Config::from_lookup(Needs::TABLE, &lookup).context("reading configuration")?;
    let sdk = load_sdk_config(&base).await;
    let secrets = crate::secrets::fetch(needs, &lookup, &sdk)
        .await
        .context("reading the tenant's secrets")?;
    let config = Config::from_lookup(needs, |name| secrets.get(name).cloned().or_else(|| lookup(name)))
        .context("reading configuration")?;
    Ok((config, sdk))
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
                .operation_attempt_timeout(operation / SDK_ATTEMPTS)
                .operation_timeout(operation)
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(SDK_ATTEMPTS))
        .load()
        .await
}
