//! Load: a fixed number of clients sending a mixed workload to the local API for a
//! fixed time, over DynamoDB Local and s3s-fs on the same machine. Throughput, latency
//! per kind and overall, errors, and what the mix cost in DynamoDB per request.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use glchat_tests::scenario::history_text;
use serde::Serialize;
use serde_json::json as json_value;

use crate::stats::{Summary, round};
use crate::world::{CHATBOT, Reply, USER, World, form, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    GetConversation,
    ListConversations,
    AppendMessage,
    Search,
    PublicShareRead,
    CreateConversation,
}

impl Kind {
    pub fn route(self) -> &'static str {
        match self {
            Kind::GetConversation => "GET /conversations/{id}",
            Kind::ListConversations => "GET /conversations",
            Kind::AppendMessage => "POST /conversations/{id}/messages",
            Kind::Search => "GET /conversations?query=",
            Kind::PublicShareRead => "GET /conversations/shared/{share_id}",
            Kind::CreateConversation => "POST /conversations",
        }
    }
}

/// The mix as a repeating schedule of 20 requests: reading a conversation 35 %, the
/// list 20 %, appending 15 %, public share reads 15 %, search 10 %, creating 5 %
/// (each followed by the new conversation's first message, one more append).
const SCHEDULE: [Kind; 20] = {
    use Kind::*;
    [
        GetConversation,
        ListConversations,
        AppendMessage,
        GetConversation,
        PublicShareRead,
        GetConversation,
        Search,
        ListConversations,
        GetConversation,
        AppendMessage,
        PublicShareRead,
        GetConversation,
        ListConversations,
        CreateConversation,
        GetConversation,
        AppendMessage,
        PublicShareRead,
        ListConversations,
        GetConversation,
        Search,
    ]
};

/// A word of every seeded and appended message: a search finds a page of matches
/// among the newest conversations.
const SEARCH_TERM: &str = "museum";

#[derive(Debug, Serialize)]
pub struct Load {
    pub seconds: f64,
    pub concurrency: usize,
    pub requests: usize,
    pub throughput_rps: f64,
    pub latency: Summary,
    pub by_kind: Vec<KindLatency>,
    pub errors: usize,
    pub error_samples: Vec<String>,
    pub per_request: PerRequest,
}

#[derive(Debug, Serialize)]
pub struct KindLatency {
    pub kind: Kind,
    pub route: &'static str,
    pub requests: usize,
    pub latency: Summary,
}

/// What an average request of the mix cost.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PerRequest {
    pub dynamodb_calls: f64,
    pub read_units: f64,
    pub write_units: f64,
    pub s3_calls: f64,
}

struct Sample {
    kind: Kind,
    took: Duration,
    error: Option<String>,
}

impl Sample {
    fn of(kind: Kind, sent: Instant, outcome: &anyhow::Result<Reply>) -> Self {
        let error = match outcome {
            Ok(reply) if reply.status == 200 => None,
            Ok(reply) => Some(format!("{}: {} {}", kind.route(), reply.status, reply.text())),
            Err(err) => Some(format!("{}: {err:#}", kind.route())),
        };
        Self {
            kind,
            took: sent.elapsed(),
            error,
        }
    }
}

fn created_id(reply: &Reply) -> Option<String> {
    let body: serde_json::Value = serde_json::from_slice(&reply.body).ok()?;
    Some(body["conversation"]["id"].as_str()?.to_owned())
}

/// A user message of chat-like text (the search term among its words).
async fn append(world: &World, conversation: &str, n: usize) -> anyhow::Result<Reply> {
    let body = json(&json_value!({ "role": "user", "content": history_text(n) }));
    world
        .call("POST", format!("/conversations/{conversation}/messages"), Some(body))
        .await
}

pub async fn run(world: &World, seconds: u64, concurrency: usize) -> anyhow::Result<Load> {
    let app = world.app();
    app.dynamodb_calls.take();
    app.store.calls().take_consumed();
    world.s3_calls.take();

    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let clients = (0..concurrency).map(|client| async move {
        let mut samples = Vec::new();
        // Each client starts at another point of the schedule.
        let mut n = client * 7;
        while Instant::now() < deadline {
            let kind = SCHEDULE[n % SCHEDULE.len()];
            let sent = Instant::now();
            let outcome = request(world, kind, n).await;
            samples.push(Sample::of(kind, sent, &outcome));
            // A new chat gets its first message at once, as the front end sends it; an
            // ever-growing pile of empty conversations would make every search slower.
            if let (Kind::CreateConversation, Ok(reply)) = (kind, &outcome)
                && let Some(id) = created_id(reply)
            {
                let sent = Instant::now();
                let outcome = append(world, &id, n).await;
                samples.push(Sample::of(Kind::AppendMessage, sent, &outcome));
            }
            n += 1;
        }
        samples
    });
    let samples: Vec<Sample> = futures::future::join_all(clients).await.into_iter().flatten().collect();
    let elapsed = started.elapsed().as_secs_f64();

    let calls = app.dynamodb_calls.take().len();
    let consumed = app.store.calls().take_consumed();
    let s3_calls = world.s3_calls.take().len();
    let requests = samples.len();
    let per = |total: f64| round(total / requests.max(1) as f64);

    let mut by_kind: BTreeMap<Kind, Vec<Duration>> = BTreeMap::new();
    for sample in &samples {
        by_kind.entry(sample.kind).or_default().push(sample.took);
    }
    let errors: Vec<&String> = samples.iter().filter_map(|s| s.error.as_ref()).collect();
    let all: Vec<Duration> = samples.iter().map(|s| s.took).collect();
    Ok(Load {
        seconds: round(elapsed),
        concurrency,
        requests,
        throughput_rps: round(requests as f64 / elapsed),
        latency: Summary::of(&all).context("no requests were made")?,
        by_kind: by_kind
            .into_iter()
            .filter_map(|(kind, took)| {
                Some(KindLatency {
                    kind,
                    route: kind.route(),
                    requests: took.len(),
                    latency: Summary::of(&took)?,
                })
            })
            .collect(),
        errors: errors.len(),
        error_samples: errors.iter().take(5).map(|e| e.to_string()).collect(),
        per_request: PerRequest {
            dynamodb_calls: per(calls as f64),
            read_units: per(consumed.read_units),
            write_units: per(consumed.write_units),
            s3_calls: per(s3_calls as f64),
        },
    })
}

async fn request(world: &World, kind: Kind, n: usize) -> anyhow::Result<Reply> {
    let ids = &world.conversations;
    let conversation = &ids[n % ids.len()];
    match kind {
        Kind::GetConversation => world.call("GET", format!("/conversations/{conversation}"), None).await,
        Kind::ListConversations => world.call("GET", "/conversations".to_owned(), None).await,
        Kind::AppendMessage => append(world, conversation.as_str(), n).await,
        Kind::Search => {
            world
                .call("GET", format!("/conversations?query={SEARCH_TERM}"), None)
                .await
        }
        Kind::PublicShareRead => {
            world
                .anonymous("GET", format!("/conversations/shared/{}", world.share))
                .await
        }
        Kind::CreateConversation => {
            let body = form(&format!("user_id={USER}&chatbot_id={CHATBOT}&title=Load+{n}"));
            world.call("POST", "/conversations".to_owned(), Some(body)).await
        }
    }
}
