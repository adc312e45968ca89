//! The app under measurement: the local API (the tests' `TestApp`, mounting the same
//! handlers the Lambdas run) over DynamoDB Local and s3s-fs, with one user's history.

use std::sync::Arc;

use anyhow::{Context, ensure};
use aws_smithy_runtime_api::client::interceptors::SharedInterceptor;
use bytes::Bytes;
use glchat_app::deps::ClientHooks;
use glchat_app::ids::ConversationId;
use glchat_app::store::calls::CallLog;
use glchat_tests::client::HttpClient;
use glchat_tests::scenario::history_text;
use glchat_tests::{Options, TestApp};

use glchat_tests::seed;

pub const USER: &str = "bench-user";
pub const CHATBOT: &str = "general";
/// A user with a few weeks of chats: 50 conversations of 20 messages.
pub const CONVERSATIONS: usize = 50;
pub const MESSAGES: usize = 20;

pub struct World {
    pub app: TestApp,
    pub token: String,
    /// The seeded conversations, oldest first.
    pub conversations: Vec<ConversationId>,
    /// A public share link of the newest conversation.
    pub share: String,
    /// The S3 operations of the app (DynamoDB's are in `app.app.dynamodb_calls`).
    pub s3_calls: CallLog,
    client: HttpClient,
}

/// A request to the local API: its status and body.
pub struct Reply {
    pub status: u16,
    pub body: Bytes,
}

impl World {
    pub async fn build() -> anyhow::Result<Self> {
        let s3_calls = CallLog::default();
        let app = TestApp::spawn_with(Options {
            hooks: ClientHooks {
                s3: vec![SharedInterceptor::new(s3_calls.interceptor())],
                ..ClientHooks::default()
            },
            ..Options::default()
        })
        .await;
        let conversations = seed::conversations(&app.app.store, USER, CHATBOT, CONVERSATIONS, MESSAGES, |c, m| {
            history_text(c * MESSAGES + m)
        })
        .await
        .context("seeding the user's conversations")?;
        let token = app.token(USER);
        let mut world = Self {
            app,
            token,
            conversations,
            share: String::new(),
            s3_calls,
            client: HttpClient::new(),
        };
        let newest = world.conversations.last().context("no conversations")?.to_string();
        let shared = world
            .call("POST", format!("/conversations/{newest}/share"), Some(form("")))
            .await?;
        ensure!(shared.status == 200, "sharing failed: {}", shared.text());
        let body: serde_json::Value = serde_json::from_slice(&shared.body)?;
        world.share = body["shared_conversation_id"]
            .as_str()
            .context("no shared_conversation_id")?
            .to_owned();
        Ok(world)
    }

    /// A request as the seeded user (bearer token), with an optional body.
    pub async fn call(&self, method: &str, path: String, body: Option<(&'static str, Bytes)>) -> anyhow::Result<Reply> {
        self.request(Some(&self.token), method, &path, body).await
    }

    /// A GET as the holder of `token`.
    pub async fn call_as(&self, token: &str, method: &str, path: String) -> anyhow::Result<Reply> {
        self.request(Some(token), method, &path, None).await
    }

    /// A request without credentials (the public share read).
    pub async fn anonymous(&self, method: &str, path: String) -> anyhow::Result<Reply> {
        self.request(None, method, &path, None).await
    }

    /// A request with or without a bearer token, with an optional body.
    pub async fn request(
        &self,
        token: Option<&str>,
        method: &str,
        path: &str,
        body: Option<(&'static str, Bytes)>,
    ) -> anyhow::Result<Reply> {
        let mut headers = Vec::new();
        if let Some(token) = token {
            headers.push(("authorization".to_owned(), format!("Bearer {token}")));
        }
        let body = match body {
            Some((content_type, bytes)) => {
                headers.push(("content-type".to_owned(), content_type.to_owned()));
                bytes
            }
            None => Bytes::new(),
        };
        let url = format!("{}{path}", self.app.base);
        let (status, _, body) = self.client.exchange(method, &url, &headers, body).await?;
        Ok(Reply { status, body })
    }

    pub fn app(&self) -> &Arc<glchat_app::Deps> {
        &self.app.app
    }
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A form-encoded body.
pub fn form(encoded: &str) -> (&'static str, Bytes) {
    ("application/x-www-form-urlencoded", Bytes::from(encoded.to_owned()))
}

/// A JSON body.
pub fn json(value: &serde_json::Value) -> (&'static str, Bytes) {
    ("application/json", Bytes::from(value.to_string()))
}
