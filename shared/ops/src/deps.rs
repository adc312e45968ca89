//! `Deps`: what a function's operations use, built once per cold start from its
//! [`Needs`] (config, keys, SDK clients) and shared by every request of the process.
//! A function builds only what it needs: no LLM client outside title generation, no
//! S3 client where no object is touched, no token keys on the public read.

use std::sync::Arc;

use anyhow::Context;
use aws_config::SdkConfig;

use crate::OpError;
use crate::config::{Config, Needs, built_without};
use crate::laps::Laps;
use crate::telemetry::UserTagger;
use glchat_auth::Authenticator;
use glchat_clients::blobs::Blobs;
use glchat_clients::bus::Bus;
pub use glchat_clients::hooks::ClientHooks;
use glchat_clients::llm::TitleGenerator;
use glchat_domain::caller::Caller;
use glchat_domain::clock::{Clock, SystemClock};
use glchat_domain::cursor::CursorSigner;
use glchat_store::Store;
use glchat_store::calls::CallLog;
use secrecy::ExposeSecret;

#[derive(Debug)]
pub struct Deps {
    pub config: Config,
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    /// The DynamoDB operations made through `store`, for budgets in tests and logs.
    pub dynamodb_calls: CallLog,
    blobs: Option<Blobs>,
    bus: Option<Bus>,
    auth: Option<Authenticator>,
    users: UserTagger,
    cursors: Option<CursorSigner>,
    titles: Option<TitleGenerator>,
}

impl Deps {
    /// Reads the environment and the tenant's secrets and builds what `needs` asks for
    /// (the local server's start: no warm-up, its table may not exist yet).
    pub async fn from_env(needs: Needs) -> anyhow::Result<Arc<Self>> {
        let (config, sdk) = configure(needs, |name| std::env::var(name).ok()).await?;
        Ok(Arc::new(Self::new(config, &sdk, Arc::new(SystemClock))?))
    }

    /// A Lambda's init: `from_env` plus the DynamoDB connection's warm-up, timing each
    /// phase in `laps`. The DynamoDB client comes first, and its warm-up (DNS, TCP, TLS
    /// and one call, which init then pays instead of the first request) runs while the
    /// secrets are read and the rest is built: on Lambda the two handshakes, to
    /// DynamoDB and to Secrets Manager, overlap.
    pub async fn lambda_init(needs: Needs, laps: &mut Laps) -> anyhow::Result<Arc<Self>> {
        let lookup = |name: &str| std::env::var(name).ok();
        let hooks = ClientHooks::default();
        let (base, sdk) = base_and_sdk(&lookup, laps).await?;
        let (store, dynamodb_calls) = Clients::dynamodb(&base, &sdk, &hooks);
        laps.lap("clients");
        let rest = async {
            let config = complete(needs, &lookup, &sdk).await?;
            laps.lap("secrets");
            let blobs = Clients::s3(&config, &sdk, &hooks);
            let bus = Clients::eventbridge(&config, &sdk, &hooks);
            laps.lap("clients");
            let keys = Keys::build(&config)?;
            laps.lap("keys");
            anyhow::Ok((config, blobs, bus, keys))
        };
        let warm_up = async {
            if needs.table {
                store.warm_up().await;
            }
        };
        let ((), rest) = tokio::join!(warm_up, rest);
        let (config, blobs, bus, keys) = rest?;
        // What the warm-up took beyond the rest of init.
        laps.lap("warm_up");
        // The warm-up is init's, not the first request's: its call is not counted there.
        dynamodb_calls.take();
        dynamodb_calls.take_consumed();
        let clients = Clients {
            store,
            blobs,
            bus,
            dynamodb_calls,
        };
        Ok(Arc::new(Self::assemble(config, clients, keys, Arc::new(SystemClock))))
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
        let clients = Clients::build(&config, sdk, &hooks);
        let keys = Keys::build(&config)?;
        Ok(Self::assemble(config, clients, keys, clock))
    }

    fn assemble(config: Config, clients: Clients, keys: Keys, clock: Arc<dyn Clock>) -> Self {
        Self {
            store: clients.store,
            blobs: clients.blobs,
            bus: clients.bus,
            dynamodb_calls: clients.dynamodb_calls,
            auth: keys.auth,
            users: keys.users,
            cursors: keys.cursors,
            titles: keys.titles,
            clock,
            config,
        }
    }

    /// The verifier of this function's credentials.
    pub fn authenticator(&self) -> Result<&Authenticator, OpError> {
        self.auth
            .as_ref()
            .ok_or_else(|| built_without("token verification").into())
    }

    /// Tags the caller's log lines with their pseudonymous tag.
    pub fn record_caller(&self, caller: &Caller) {
        self.users.record(&caller.user_id);
    }

    pub fn blobs(&self) -> Result<&Blobs, OpError> {
        self.blobs.as_ref().ok_or_else(|| built_without("the bucket").into())
    }

    pub fn bus(&self) -> Result<&Bus, OpError> {
        self.bus.as_ref().ok_or_else(|| built_without("the event bus").into())
    }

    pub fn cursors(&self) -> Result<&CursorSigner, OpError> {
        self.cursors
            .as_ref()
            .ok_or_else(|| built_without("the cursor signer").into())
    }

    pub fn titles(&self) -> Result<&TitleGenerator, OpError> {
        self.titles
            .as_ref()
            .ok_or_else(|| built_without("the title generator").into())
    }
}

/// An SDK client's config `builder` with the hooks' `interceptors` and HTTP client
/// (a macro: each service's builder is a type of its own, with no trait in common).
macro_rules! with_hooks {
    ($builder:expr, $interceptors:expr, $hooks:expr) => {{
        let mut builder = $builder;
        for interceptor in $interceptors {
            builder.push_interceptor(interceptor.clone());
        }
        if let Some(client) = &$hooks.http_client {
            builder.set_http_client(Some(client.clone()));
        }
        builder
    }};
}

/// The SDK clients a function's needs ask for: DynamoDB always, S3 with a bucket,
/// EventBridge with a bus.
struct Clients {
    store: Store,
    blobs: Option<Blobs>,
    bus: Option<Bus>,
    dynamodb_calls: CallLog,
}

impl Clients {
    fn build(config: &Config, sdk: &SdkConfig, hooks: &ClientHooks) -> Self {
        let (store, dynamodb_calls) = Self::dynamodb(config, sdk, hooks);
        Self {
            store,
            blobs: Self::s3(config, sdk, hooks),
            bus: Self::eventbridge(config, sdk, hooks),
            dynamodb_calls,
        }
    }

    fn eventbridge(config: &Config, sdk: &SdkConfig, hooks: &ClientHooks) -> Option<Bus> {
        config.events.as_ref().map(|events| {
            let eventbridge = with_hooks!(
                aws_sdk_eventbridge::config::Builder::from(sdk),
                &hooks.eventbridge,
                hooks
            );
            Bus::new(aws_sdk_eventbridge::Client::from_conf(eventbridge.build()), &events.bus)
        })
    }

    fn dynamodb(config: &Config, sdk: &SdkConfig, hooks: &ClientHooks) -> (Store, CallLog) {
        let dynamodb_calls = CallLog::default();
        let dynamodb = with_hooks!(
            aws_sdk_dynamodb::config::Builder::from(sdk).interceptor(dynamodb_calls.interceptor()),
            &hooks.dynamodb,
            hooks
        );
        let store = Store::new(
            aws_sdk_dynamodb::Client::from_conf(dynamodb.build()),
            config.table_name.clone(),
            dynamodb_calls.clone(),
        );
        (store, dynamodb_calls)
    }

    fn s3(config: &Config, sdk: &SdkConfig, hooks: &ClientHooks) -> Option<Blobs> {
        config.bucket.as_ref().map(|bucket| {
            // Path-style addressing for S3-compatible servers (the local stack); AWS takes both.
            let s3 = with_hooks!(
                aws_sdk_s3::config::Builder::from(sdk).force_path_style(bucket.force_path_style),
                &hooks.s3,
                hooks
            );
            Blobs::new(
                aws_sdk_s3::Client::from_conf(s3.build()),
                bucket.name.clone(),
                config.tenant.clone(),
            )
        })
    }
}

/// The keys and the LLM client a function's needs ask for.
struct Keys {
    auth: Option<Authenticator>,
    users: UserTagger,
    cursors: Option<CursorSigner>,
    titles: Option<TitleGenerator>,
}

impl Keys {
    fn build(config: &Config) -> anyhow::Result<Self> {
        let auth = config
            .auth
            .as_ref()
            .map(|auth| Authenticator::new(&config.tenant, &auth.jwt, auth.nextauth_secret.as_ref()))
            .transpose()
            .context("loading the token verification keys")?;
        let titles = config
            .titles
            .as_ref()
            .map(|titles| TitleGenerator::new(titles.llm.clone()))
            .transpose()
            .context("building the LLM client")?;
        let log_hash_key = config.auth.as_ref().and_then(|auth| auth.log_hash_key.as_ref());
        Ok(Self {
            auth,
            users: UserTagger::new(log_hash_key.map(|k| k.expose_secret())),
            cursors: config
                .lists
                .as_ref()
                .map(|lists| CursorSigner::new(&lists.cursor_secret)),
            titles,
        })
    }
}

/// The configuration for `needs` from `lookup` and the tenant's secret stores (those
/// whose ARN `lookup` names; a value there wins over the environment), with the SDK
/// configuration that read them.
pub async fn configure(needs: Needs, lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<(Config, SdkConfig)> {
    let (_, sdk) = base_and_sdk(&lookup, &mut Laps::since(std::time::Instant::now())).await?;
    let config = complete(needs, &lookup, &sdk).await?;
    Ok((config, sdk))
}

/// The table-only settings (they carry the SDK's timeouts, and need no secret) and the
/// SDK configuration, each phase timed in `laps`.
async fn base_and_sdk(
    lookup: &impl Fn(&str) -> Option<String>,
    laps: &mut Laps,
) -> anyhow::Result<(Config, SdkConfig)> {
    let base = Config::from_lookup(Needs::TABLE, lookup).context("reading configuration")?;
    laps.lap("config");
    let sdk = glchat_clients::sdk::sdk_config(base.aws_operation_timeout, lookup)
        .await
        .context("configuring the AWS SDK")?;
    laps.lap("sdk_config");
    Ok((base, sdk))
}

/// The whole configuration for `needs`: the tenant's secrets read through `sdk`, then
/// every setting.
async fn complete(needs: Needs, lookup: &impl Fn(&str) -> Option<String>, sdk: &SdkConfig) -> anyhow::Result<Config> {
    let secrets = glchat_clients::secrets::fetch(crate::config::secrets_wanted(needs, lookup), sdk)
        .await
        .context("reading the tenant's secrets")?;
    Config::from_lookup(needs, |name| secrets.get(name).cloned().or_else(|| lookup(name)))
        .context("reading configuration")
}
