//! Conversations at real size, through the local API with Lambda's limits on: a history
//! of 5,000 messages of 1.5 KB read page by page, shared, read publicly page by page,
//! cloned and deleted; a conversation of 300 attachments shared, read and deleted.
//! Each step reports its requests, time, largest response and what it cost in
//! DynamoDB calls, capacity and S3 calls.

use std::time::Instant;

use anyhow::{Context, ensure};
use bytes::Bytes;
use glchat_tests::seed;
use serde::Serialize;

use crate::markdown::table;
use crate::stats::round;
use crate::world::{World, form};

const USER: &str = "large-user";
const MESSAGES: usize = 5_000;
const MESSAGE_CHARS: usize = 1_500;
const ATTACHMENTS: usize = 300;
const ATTACHMENT_BYTES: usize = 256 * 1024;

#[derive(Debug, Serialize)]
pub struct Large {
    pub history_seed_seconds: f64,
    pub attachments_seed_seconds: f64,
    pub steps: Vec<Step>,
}

#[derive(Debug, Serialize)]
pub struct Step {
    pub what: String,
    pub requests: usize,
    pub ms: f64,
    pub largest_response_bytes: usize,
    pub dynamodb_calls: usize,
    pub read_units: f64,
    pub write_units: f64,
    /// S3 requests and presigned URLs (which make no request) together.
    pub s3_calls: usize,
    /// The benchmark process's resident memory when the step began and its peak during
    /// the step: every function runs in this process, so the growth bounds what the
    /// step's function needs beyond its start.
    pub rss_before_mib: f64,
    pub rss_peak_mib: f64,
}

/// One step's requests, measured together.
struct Measure<'a> {
    world: &'a World,
    token: String,
    started: Instant,
    requests: usize,
    largest: usize,
    rss_before_mib: f64,
}

impl<'a> Measure<'a> {
    fn begin(world: &'a World) -> Self {
        world.app().dynamodb_calls.take();
        world.app().store.calls().take_consumed();
        world.s3_calls.take();
        reset_peak_rss();
        Self {
            rss_before_mib: memory_mib("VmRSS"),
            world,
            token: world.app.token(USER),
            started: Instant::now(),
            requests: 0,
            largest: 0,
        }
    }

    /// One request, as the large user or anonymous; its status must be one of `expect`.
    async fn send(
        &mut self,
        authenticated: bool,
        method: &str,
        path: String,
        body: Option<(&'static str, Bytes)>,
        expect: &[u16],
    ) -> anyhow::Result<serde_json::Value> {
        let token = authenticated.then_some(self.token.as_str());
        let reply = self.world.request(token, method, &path, body).await?;
        ensure!(
            expect.contains(&reply.status),
            "{method} {path} answered {}: {}",
            reply.status,
            reply.text()
        );
        self.requests += 1;
        self.largest = self.largest.max(reply.body.len());
        serde_json::from_slice(&reply.body).context("a JSON answer")
    }

    /// Every message of `path` by paging back with `max_date`, as a client reads it.
    async fn read_whole(&mut self, authenticated: bool, path: &str) -> anyhow::Result<usize> {
        let mut read = 0;
        let mut max_date: Option<String> = None;
        loop {
            let url = match &max_date {
                None => path.to_owned(),
                Some(date) => format!("{path}?max_date={date}"),
            };
            let page = self.send(authenticated, "GET", url, None, &[200]).await?;
            let messages = page["messages"].as_array().context("no messages")?;
            let Some(oldest) = messages.first() else {
                return Ok(read);
            };
            read += messages.len();
            max_date = Some(oldest["created_time"].as_str().context("no created_time")?.to_owned());
        }
    }

    fn end(self, what: &str) -> Step {
        let ms = self.started.elapsed().as_secs_f64() * 1000.0;
        let app = self.world.app();
        let consumed = app.store.calls().take_consumed();
        Step {
            what: what.to_owned(),
            requests: self.requests,
            ms: round(ms),
            largest_response_bytes: self.largest,
            dynamodb_calls: app.dynamodb_calls.take().len(),
            read_units: round(consumed.read_units),
            write_units: round(consumed.write_units),
            s3_calls: self.world.s3_calls.take().len(),
            rss_before_mib: self.rss_before_mib,
            rss_peak_mib: memory_mib("VmHWM"),
        }
    }
}

/// Starts the process's peak resident memory over from its current size (Linux).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A memory figure of this process from `/proc/self/status`, in MiB (0 where unknown).
fn memory_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| round(kb / 1024.0))
}

pub async fn run(world: &World) -> anyhow::Result<Large> {
    let mut steps = Vec::new();

    let seeded = Instant::now();
    let ids = seed::conversations(&world.app().store, USER, "bot", 1, MESSAGES, |_, m| {
        format!("{m:05} {}", "w".repeat(MESSAGE_CHARS - 6))
    })
    .await
    .context("seeding the long history")?;
    let history_seed_seconds = round(seeded.elapsed().as_secs_f64());
    let id = ids[0].to_string();
    let path = format!("/conversations/{id}");

    let mut m = Measure::begin(world);
    let read = m.read_whole(true, &path).await?;
    ensure!(read == MESSAGES, "read {read} of {MESSAGES} messages");
    steps.push(m.end("read 5,000 messages, paging back with max_date"));

    let mut m = Measure::begin(world);
    let shared = m
        .send(true, "POST", format!("{path}/share"), Some(form("")), &[200])
        .await?;
    steps.push(m.end("share 5,000 messages"));
    let share = shared["shared_conversation_id"]
        .as_str()
        .context("no share id")?
        .to_owned();
    let public = format!("/conversations/shared/{share}");

    let mut m = Measure::begin(world);
    let read = m.read_whole(false, &public).await?;
    ensure!(read == MESSAGES, "read {read} of {MESSAGES} shared messages");
    steps.push(m.end("public read of 5,000 messages, paged"));

    let mut m = Measure::begin(world);
    let mut body = format!("user_id={USER}&old_parent_id={id}");
    let clone_id = loop {
        let reply = m
            .send(true, "POST", format!("{public}/clone"), Some(form(&body)), &[200, 202])
            .await?;
        if let Some(id) = reply["conversation"]["id"].as_str() {
            break id.to_owned();
        }
        let clone = reply["conversation_id"].as_str().context("no clone id")?;
        body = format!("user_id={USER}&old_parent_id={id}&new_conversation_id={clone}");
    };
    steps.push(m.end("clone 5,000 messages (until complete)"));

    for (what, target) in [
        ("delete the 5,000-message conversation and its link", &id),
        ("delete the 5,000-message clone", &clone_id),
    ] {
        let mut m = Measure::begin(world);
        m.send(true, "DELETE", format!("/conversations/{target}"), None, &[200])
            .await?;
        steps.push(m.end(what));
    }

    let seeded = Instant::now();
    let ids = seed::conversations(&world.app().store, USER, "bot", 1, 2, |_, m| format!("message {m}"))
        .await
        .context("seeding the attachments' conversation")?;
    seed::attachments(world.app(), &ids[0], ATTACHMENTS, ATTACHMENT_BYTES)
        .await
        .context("seeding 300 attachments")?;
    let attachments_seed_seconds = round(seeded.elapsed().as_secs_f64());
    let path = format!("/conversations/{}", ids[0]);

    let mut m = Measure::begin(world);
    let read = m.send(true, "GET", path.clone(), None, &[200]).await?;
    ensure!(read["attachments"].as_array().map(Vec::len) == Some(ATTACHMENTS));
    steps.push(m.end("read a conversation of 300 attachments"));
    let mut m = Measure::begin(world);
    let shared = m
        .send(true, "POST", format!("{path}/share"), Some(form("")), &[200])
        .await?;
    steps.push(m.end("share 300 attachments of 256 KB"));
    let share = shared["shared_conversation_id"].as_str().context("no share id")?;
    let mut m = Measure::begin(world);
    let public = m
        .send(false, "GET", format!("/conversations/shared/{share}"), None, &[200])
        .await?;
    ensure!(public["attachments"].as_array().map(Vec::len) == Some(ATTACHMENTS));
    steps.push(m.end("public read of 300 attachments"));
    let mut m = Measure::begin(world);
    m.send(true, "DELETE", path, None, &[200]).await?;
    steps.push(m.end("delete 300 attachments, their copies and the link"));

    Ok(Large {
        history_seed_seconds,
        attachments_seed_seconds,
        steps,
    })
}

impl Large {
    pub fn markdown(&self, md: &mut String) {
        use std::fmt::Write;
        let _ = writeln!(
            md,
            "### Large (history seeded in {} s, attachments in {} s)\n",
            self.history_seed_seconds, self.attachments_seed_seconds
        );
        let rows = self.steps.iter().map(|s| {
            vec![
                s.what.clone(),
                s.requests.to_string(),
                s.ms.to_string(),
                format!("{:.2}", s.largest_response_bytes as f64 / 1_048_576.0),
                s.dynamodb_calls.to_string(),
                s.read_units.to_string(),
                s.write_units.to_string(),
                s.s3_calls.to_string(),
                format!("{} → {}", s.rss_before_mib, s.rss_peak_mib),
            ]
        });
        table(
            md,
            &[
                "step",
                "requests",
                "ms",
                "largest response (MiB)",
                "DynamoDB calls",
                "RCU",
                "WCU",
                "S3 calls",
                "RSS MiB (start → peak)",
            ],
            rows,
        );
    }
}
