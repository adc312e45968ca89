//! Test support: spawn the real app (the local API server, the same handlers the
//! Lambdas run) on a free port against DynamoDB Local and s3s-fs with a fresh table and
//! bucket, call it over HTTP, and check every response against `openapi.json`.

pub mod bus;
pub mod chatgpt;
pub mod client;
pub mod contract;
pub mod event_schemas;
pub mod faults;
pub mod filters;
pub mod fixtures;
pub mod iam;
pub mod invoke;
pub mod jobs;
pub mod llm;
pub mod local_stack;
pub mod runtime_api;
pub mod scenario;
pub mod seed;
pub mod stream;
pub mod template;
pub mod tls;
pub mod tokens;

use std::collections::HashMap;
use std::sync::Arc;

use glchat_app::Deps;
use glchat_app::clock::{Clock, SystemClock};
use glchat_app::config::{Needs, SecretStore};
use glchat_app::deps::ClientHooks;

pub use client::{Call, Reply};
pub use contract::Contract;

/// Each conversation a list or search answered: its title and first matching message.
pub fn found_conversations(body: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
    body["conversations"]
        .as_array()
        .expect("a conversations list")
        .iter()
        .map(|c| {
            (
                c["title"].as_str().unwrap_or("").to_owned(),
                c["first_matching_message"].clone(),
            )
        })
        .collect()
}

/// A clock stopped at the start of the current minute: a per-minute rate window does
/// not turn during a test that counts requests against it.
pub fn stopped_at_this_minute() -> Arc<glchat_app::clock::ManualClock> {
    let minute = time::OffsetDateTime::now_utc().unix_timestamp() as u64 / 60 * 60;
    Arc::new(glchat_app::clock::ManualClock::new(
        glchat_app::clock::Timestamp::from_unix_ms(minute * 1000).expect("a time"),
    ))
}

/// Tests at real size (thousands of items) take turns: run side by side on the 2-core
/// machine they would be measuring DynamoDB Local's contention against the functions'
/// timeouts, which the local API enforces. They run in a binary of their own, after
/// the others, so each turn begins by deleting the tables this run created and left in
/// DynamoDB Local (by earlier binaries, or by a test at real size that failed before
/// dropping its own): DynamoDB Local slows down with every megabyte it holds.
pub async fn at_real_size() -> tokio::sync::MutexGuard<'static, ()> {
    static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let turn = TURN.lock().await;
    local_stack::verified().drop_created_tables().await;
    turn
}

/// The web app's origin in every test app's `ALLOWED_ORIGINS`.
pub const WEB_APP_ORIGIN: &str = "https://chat.acme.test";

/// How a test app is configured; `Default` is tenant `acme` with fixed test secrets.
#[derive(Clone)]
pub struct Options {
    pub tenant: String,
    pub jwt_secret: String,
    pub nextauth_secret: String,
    pub clock: Arc<dyn Clock>,
    /// Extra environment-style settings (e.g. `JWT_ISSUER`).
    pub extra: Vec<(String, String)>,
    /// Interceptors on the app's SDK clients (failure injection).
    pub hooks: ClientHooks,
    /// The IAM actions of the app's DynamoDB requests.
    pub actions: iam::ActionLog,
    /// Requests the services refuse, as AWS does when it throttles or writers meet.
    pub refusals: Vec<faults::Refusal>,
    /// Every function's timeout, instead of the template's (tests of the limit).
    pub function_timeout: Option<std::time::Duration>,
    /// The secrets in the local Secrets Manager, the environment naming them by ARN
    /// only, as deployed (`glchat_app::secrets`); otherwise in the environment.
    pub secrets_in_store: bool,
    /// The table's stream on, as deployed (`stream::changes` reads it); off otherwise,
    /// since DynamoDB Local slows down with every record it keeps.
    pub stream: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            tenant: "acme".into(),
            jwt_secret: "test-jwt-secret-of-the-integration-tests".into(),
            nextauth_secret: "test-nextauth-secret-of-the-integration-tests".into(),
            clock: Arc::new(SystemClock),
            extra: Vec::new(),
            hooks: ClientHooks::default(),
            actions: iam::ActionLog::default(),
            refusals: Vec::new(),
            function_timeout: None,
            secrets_in_store: false,
            stream: false,
        }
    }
}

/// A running app with its own table and bucket.
pub struct TestApp {
    pub base: String,
    /// The local server's dependencies: everything, as it mounts every route.
    pub app: Arc<Deps>,
    pub options: Options,
    /// The environment the app was configured from.
    vars: HashMap<String, String>,
    client: client::HttpClient,
    contract: Arc<Contract>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(Options::default()).await
    }

    pub async fn spawn_with(options: Options) -> Self {
        let stack = local_stack::verified();
        let table = stack.name("t");
        let mut vars: HashMap<String, String> = HashMap::from([
            ("TENANT_ID".into(), options.tenant.clone()),
            ("TABLE_NAME".into(), table.clone()),
            ("BUCKET_NAME".into(), stack.name("b")),
            ("JWT_SECRET".into(), options.jwt_secret.clone()),
            ("NEXTAUTH_SECRET".into(), options.nextauth_secret.clone()),
            ("ALLOWED_ORIGINS".into(), WEB_APP_ORIGIN.into()),
            // Created by a test that reads the events (`bus::Subscriber`).
            ("EVENT_BUS_NAME".into(), stack.name("bus")),
            // Tests run many requests of one user in a minute; the limits have their own.
            ("RATE_LIMIT_TITLES_PER_MINUTE".into(), "10000".into()),
            ("RATE_LIMIT_SEARCHES_PER_MINUTE".into(), "10000".into()),
            ("RATE_LIMIT_SHARES_PER_MINUTE".into(), "10000".into()),
            ("RATE_LIMIT_CLONES_PER_MINUTE".into(), "10000".into()),
            (
                "CURSOR_SECRET".into(),
                "test-cursor-secret-of-the-integration-tests".into(),
            ),
        ]);
        vars.extend(options.extra.iter().cloned());
        if options.secrets_in_store {
            move_secrets_to_store(&mut vars).await;
        }
        let app = build_deps(&vars, &options, Needs::ALL).await;
        // No stream unless a test reads it: DynamoDB Local slows down with every stream
        // record it keeps (see `schema::Stream::Off`).
        let stream = match options.stream {
            true => glchat_app::store::schema::Stream::On,
            false => glchat_app::store::schema::Stream::Off,
        };
        stack.record_table(&table);
        glchat_functions::local::prepare_storage(&app, stream)
            .await
            .expect("creating the table and bucket");
        app.dynamodb_calls.take();

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding a free port");
        let base = format!("http://{}", listener.local_addr().expect("local address"));
        let timeouts = options.function_timeout.map_or(
            glchat_functions::local::Timeouts::Template,
            glchat_functions::local::Timeouts::All,
        );
        tokio::spawn(glchat_functions::local::serve_with(
            Arc::clone(&app),
            listener,
            std::future::pending(),
            timeouts,
        ));
        Self {
            base,
            app,
            options,
            vars,
            client: client::HttpClient::new(),
            contract: Arc::new(Contract::load()),
        }
    }

    /// Dependencies over the same table and bucket built for `needs` only, as the
    /// Lambda of a route with those needs builds them.
    /// A setting of the app's environment (`""` when unset).
    pub fn var(&self, name: &str) -> &str {
        self.vars.get(name).map_or("", String::as_str)
    }

    pub async fn deps_for(&self, needs: Needs) -> Arc<Deps> {
        build_deps(&self.vars, &self.options, needs).await
    }

    pub fn call(&self, method: http::Method, path: &str) -> Call {
        Call::new(
            self.client.clone(),
            Arc::clone(&self.contract),
            method,
            &self.base,
            path,
        )
    }

    pub fn get(&self, path: &str) -> Call {
        self.call(http::Method::GET, path)
    }

    pub fn post(&self, path: &str) -> Call {
        self.call(http::Method::POST, path)
    }

    pub fn patch(&self, path: &str) -> Call {
        self.call(http::Method::PATCH, path)
    }

    pub fn delete(&self, path: &str) -> Call {
        self.call(http::Method::DELETE, path)
    }

    /// Checks a reply obtained some other way (events fed to handlers) against the contract.
    pub fn check_contract(
        &self,
        method: &str,
        path: &str,
        status: u16,
        body: &serde_json::Value,
    ) -> Result<(), String> {
        self.contract.check(method, path, status, body)
    }

    /// A valid bearer token of this deployment for `user`.
    pub fn token(&self, user: &str) -> String {
        tokens::bearer(&self.options.jwt_secret, self.claims(user))
    }

    /// `sub`, an `exp` an hour away and the app's tenant claim: what its tokens carry.
    pub fn claims(&self, user: &str) -> serde_json::Value {
        let mut claims = tokens::claims(user);
        claims["tenant_id"] = self.options.tenant.as_str().into();
        claims
    }

    /// The DynamoDB operations made since the last call, sorted.
    pub fn dynamodb_calls(&self) -> Vec<String> {
        let mut calls = self.app.dynamodb_calls.take();
        calls.sort();
        calls
    }

    /// Creates a conversation for `user` and returns its JSON.
    pub async fn create_conversation(&self, user: &str, chatbot: &str, title: Option<&str>) -> serde_json::Value {
        let mut form = vec![("user_id", user), ("chatbot_id", chatbot)];
        if let Some(title) = title {
            form.push(("title", title));
        }
        let reply = self
            .post("/conversations")
            .bearer(&self.token(user))
            .form(&form)
            .send()
            .await;
        reply.assert_status(200);
        reply.body["conversation"].clone()
    }

    /// `GET /conversations/{id}` as `user` (its first page).
    pub async fn read_conversation(&self, user: &str, id: &str) -> Reply {
        self.get(&format!("/conversations/{id}"))
            .bearer(&self.token(user))
            .send()
            .await
    }

    /// Creates an untitled conversation for `user` and returns its id.
    pub async fn conversation_id(&self, user: &str, chatbot: &str) -> String {
        let created = self.create_conversation(user, chatbot, None).await;
        created["id"].as_str().expect("a conversation id").to_owned()
    }

    /// Shares (or refreshes) `user`'s conversation without expiry and returns the share id.
    pub async fn share(&self, user: &str, conversation: &str) -> String {
        let reply = self
            .post(&format!("/conversations/{conversation}/share"))
            .bearer(&self.token(user))
            .form(&[])
            .send()
            .await;
        reply.assert_status(200);
        reply.body["shared_conversation_id"]
            .as_str()
            .expect("a shared_conversation_id")
            .to_owned()
    }

    /// `conversations_count` of `GET /conversations{query}` as `user`.
    pub async fn count(&self, user: &str, query: &str) -> serde_json::Value {
        let reply = self
            .get(&format!("/conversations{query}"))
            .bearer(&self.token(user))
            .send()
            .await;
        reply.assert_status(200);
        reply.body["conversations_count"].clone()
    }

    /// Appends a message to a conversation as `user` and returns the message JSON.
    pub async fn append(&self, user: &str, conversation: &str, role: &str, content: &str) -> serde_json::Value {
        let reply = self
            .post(&format!("/conversations/{conversation}/messages"))
            .bearer(&self.token(user))
            .json(&serde_json::json!({ "role": role, "content": content }))
            .send()
            .await;
        reply.assert_status(200);
        reply.body["message"].clone()
    }
}

/// Puts every store's secrets from `vars` into one secret of the local Secrets Manager
/// and leaves only its ARN in `vars`, once per store, as a deployment does (the tenant's
/// `TenantSecrets`).
pub async fn move_secrets_to_store(vars: &mut HashMap<String, String>) {
    let stack = local_stack::verified();
    let client = stack.secrets_manager();
    let stores = [SecretStore::Auth, SecretStore::Cursors, SecretStore::Llm];
    let values: serde_json::Map<String, serde_json::Value> = stores
        .iter()
        .flat_map(|store| store.variables())
        .filter_map(|name| Some((name.to_owned(), vars.remove(name)?.into())))
        .collect();
    let created = client
        .create_secret()
        .name(stack.name("secret"))
        .secret_string(serde_json::Value::Object(values).to_string())
        .send()
        .await
        .expect("creating a secret in the local Secrets Manager");
    let arn = created.arn().expect("a secret's ARN");
    for store in stores {
        vars.insert(store.arn_variable().to_owned(), arn.to_owned());
    }
}

async fn build_deps(vars: &HashMap<String, String>, options: &Options, needs: Needs) -> Arc<Deps> {
    let (config, sdk) = glchat_app::deps::configure(needs, |k| vars.get(k).cloned())
        .await
        .expect("test configuration");
    let mut hooks = options.hooks.clone();
    hooks.dynamodb.push(options.actions.interceptor());
    hooks.s3.push(options.actions.s3_interceptor());
    if !options.refusals.is_empty() {
        // The HTTP client the SDK builds by default (rustls with aws-lc).
        let inner = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc,
            ))
            .build_https();
        hooks.http_client = Some(faults::Refusal::http_client(options.refusals.clone(), inner));
    }
    Arc::new(Deps::with_hooks(config, &sdk, Arc::clone(&options.clock), hooks).expect("building the app"))
}

impl TestApp {
    /// Drops the app's table: DynamoDB Local keeps every table in one process, and a
    /// test at real size leaves megabytes that slow every later test down.
    pub async fn drop_table(&self) {
        self.app
            .store
            .client()
            .delete_table()
            .table_name(self.app.store.table())
            .send()
            .await
            .expect("deleting the test table");
    }

    /// The conversation item as stored (read directly, strongly consistent).
    pub async fn conversation_item(
        &self,
        conversation: &str,
    ) -> HashMap<String, aws_sdk_dynamodb::types::AttributeValue> {
        use aws_sdk_dynamodb::types::AttributeValue;
        let store = &self.app.store;
        store
            .client()
            .get_item()
            .table_name(store.table())
            .key("PK", AttributeValue::S(format!("CONV#{conversation}")))
            .key("SK", AttributeValue::S("CONV".into()))
            .consistent_read(true)
            .send()
            .await
            .expect("reading a conversation item")
            .item
            .expect("the conversation item")
    }

    /// How many items the table holds in the conversation's collection (read directly).
    pub async fn items_of(&self, conversation: &str) -> usize {
        let output = self
            .app
            .store
            .client()
            .query()
            .table_name(self.app.store.table())
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(
                ":pk",
                aws_sdk_dynamodb::types::AttributeValue::S(format!("CONV#{conversation}")),
            )
            .consistent_read(true)
            .send()
            .await
            .expect("querying the table");
        output.items().len()
    }

    /// Every item of the app's table, as text, by its key (`PK SK`): a test reads the
    /// whole table to prove what is not there; the service never scans.
    pub async fn table_items(&self) -> std::collections::BTreeMap<String, String> {
        let store = &self.app.store;
        let mut pages = store.client().scan().table_name(store.table()).into_paginator().send();
        let mut items = std::collections::BTreeMap::new();
        while let Some(page) = pages.next().await {
            for item in page.expect("a page of the table").items() {
                let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
                items.insert(format!("{} {}", text("PK"), text("SK")), format!("{item:?}"));
            }
        }
        items
    }

    /// The object keys under `prefix` in the app's bucket (read directly).
    pub async fn objects_under(&self, prefix: &str) -> Vec<String> {
        let blobs = self.app.blobs().expect("the test app has a bucket");
        let output = blobs
            .client()
            .list_objects_v2()
            .bucket(blobs.bucket())
            .prefix(prefix)
            .send()
            .await
            .expect("listing the bucket");
        output
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_owned))
            .collect()
    }

    /// Records an attachment through the API and uploads `bytes` to its presigned URL.
    pub async fn upload(&self, user: &str, conversation: &str, file_name: &str, bytes: &[u8]) -> serde_json::Value {
        let reply = self
            .post(&format!("/conversations/{conversation}/attachments"))
            .bearer(&self.token(user))
            .json(&serde_json::json!({ "file_name": file_name, "content_type": "text/plain", "size": bytes.len() }))
            .send()
            .await;
        reply.assert_status(200);
        let status = client::put_presigned(&reply.body, bytes).await;
        assert_eq!(status, 200, "the presigned upload failed");
        reply.body["attachment"].clone()
    }
}
