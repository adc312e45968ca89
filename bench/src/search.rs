//! Search cost: what content search costs a user with 1,000 and then 5,000
//! conversations of 20 messages, for a rare term (one message of one conversation: the
//! search examines everything) and a common one (every other conversation: the newest
//! fill a page).

use std::time::Instant;

use anyhow::{Context, ensure};
use glchat_tests::scenario::history_text;
use serde::Serialize;

use crate::stats::round;
use crate::world::World;
use glchat_tests::seed;

const USER: &str = "search-user";
/// The user's history grows from the first size to the second between measurements.
const SIZES: [usize; 2] = [1_000, 5_000];
const MESSAGES: usize = 20;
const RARE: &str = "krakatau";
const COMMON: &str = "itinerary";

#[derive(Debug, Serialize)]
pub struct SearchCost {
    pub conversations: usize,
    pub messages_per_conversation: usize,
    pub seed_seconds: f64,
    pub terms: Vec<TermCost>,
}

#[derive(Debug, Serialize)]
pub struct TermCost {
    pub name: &'static str,
    pub term: &'static str,
    /// One entry per page the client asks for: every page until the end (rare), or
    /// the first, full page (common: what a user waits for).
    pub requests: Vec<PageCost>,
}

#[derive(Debug, Serialize)]
pub struct PageCost {
    pub ms: f64,
    pub matches: usize,
    pub dynamodb_calls: usize,
    pub items_read: u64,
    pub read_units: f64,
}

pub async fn run(world: &World) -> anyhow::Result<Vec<SearchCost>> {
    let mut seeded = 0;
    let mut costs = Vec::new();
    for size in SIZES {
        let started = Instant::now();
        let first = seeded == 0;
        seed::conversations(&world.app().store, USER, "travel", size - seeded, MESSAGES, |c, m| {
            let mut text = history_text(c * MESSAGES + m);
            if first && c == size / 2 && m == MESSAGES / 2 {
                text.push_str(&format!(" {RARE}"));
            }
            if c % 2 == 0 && m == MESSAGES - 1 {
                text.push_str(&format!(" {COMMON}"));
            }
            text
        })
        .await
        .context("seeding the search corpus")?;
        seeded = size;
        let seed_seconds = round(started.elapsed().as_secs_f64());
        costs.push(SearchCost {
            conversations: size,
            messages_per_conversation: MESSAGES,
            seed_seconds,
            terms: measure_terms(world).await?,
        });
    }
    Ok(costs)
}

async fn measure_terms(world: &World) -> anyhow::Result<Vec<TermCost>> {
    let token = world.app.token(USER);
    let app = world.app();
    let mut terms = Vec::new();
    for (name, term) in [("rare", RARE), ("common", COMMON)] {
        let mut requests = Vec::new();
        let mut path = format!("/conversations?query={term}&limit=20");
        loop {
            app.dynamodb_calls.take();
            app.store.calls().take_consumed();
            let started = Instant::now();
            let reply = world.call_as(&token, "GET", path.clone()).await?;
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            ensure!(reply.status == 200, "search failed: {}", reply.text());
            let consumed = app.store.calls().take_consumed();
            let body: serde_json::Value = serde_json::from_slice(&reply.body)?;
            requests.push(PageCost {
                ms: round(ms),
                matches: body["conversations"].as_array().map_or(0, Vec::len),
                dynamodb_calls: app.dynamodb_calls.take().len(),
                items_read: consumed.items_read,
                read_units: round(consumed.read_units),
            });
            match body["cursor"].as_str() {
                Some(cursor) if name == "rare" => {
                    path = format!("/conversations?query={term}&limit=20&cursor={cursor}")
                }
                _ => break,
            }
        }
        terms.push(TermCost { name, term, requests });
    }
    Ok(terms)
}
