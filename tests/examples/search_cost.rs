//! Measures what a content search costs for a user with 1,000 conversations of 20
//! messages each: per request latency, DynamoDB calls, items read and read capacity,
//! for a rare and a common term. Run against the local stack:
//!
//!     infra/local/stack.sh -- cargo run --release -p glchat-tests --example search_cost
//!
//! Prints one JSON object (used in docs/data-model.md).

use std::time::Instant;

use futures::StreamExt;
use glchat_shared::clock::Timestamp;
use glchat_shared::ids::{ChatbotId, ConversationId, MessageId, UserId, new_ulid};
use glchat_shared::models::{ConversationRecord, Message, MessageRole};
use glchat_shared::store::{NewMessage, ParentCheck};
use glchat_tests::TestApp;
use serde_json::json;

const CONVERSATIONS: usize = 1_000;
const MESSAGES: usize = 20;
const WORDS: &[&str] = &[
    "plan", "trip", "budget", "hotel", "flight", "weather", "museum", "beach", "dinner", "train", "ticket", "visa",
    "passport", "market", "temple", "rice", "coffee", "river", "island", "sunset",
];

fn text(seed: usize) -> String {
    // About 200 characters of plausible chat text, different per message.
    (0..32)
        .map(|i| WORDS[(seed * 7 + i * 13 + seed / 3) % WORDS.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let app = TestApp::spawn().await;
    let user = UserId::parse("bench-user").map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let chatbot = ChatbotId::parse("travel").map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let store = &app.app.store;
    let seeded = Instant::now();
    let start_ms = Timestamp::from_unix_ms(1_700_000_000_000)
        .expect("a valid time")
        .unix_ms();

    futures::stream::iter(0..CONVERSATIONS)
        .map(|c| {
            let (user, chatbot) = (user.clone(), chatbot.clone());
            async move {
                let created = Timestamp::from_unix_ms(start_ms + (c as u64) * 60_000).expect("time");
                let record = ConversationRecord {
                    id: ConversationId::generate(created),
                    user_id: user.clone(),
                    chatbot_id: chatbot,
                    title: Some(format!("Conversation {c}")),
                    model_name: "openai/gpt-4o-mini".into(),
                    created_time: created,
                    updated_time: created,
                    is_active: true,
                    is_anonymized: false,
                    deanonymized_mapping: Default::default(),
                    metadata_: None,
                };
                store.create_conversation(&record).await?;
                let mut parent = (record.id.to_string(), ParentCheck::Conversation);
                for m in 0..MESSAGES {
                    let at = Timestamp::from_unix_ms(created.unix_ms() + 1_000 * (m as u64 + 1)).expect("time");
                    let id = MessageId::from_ulid(new_ulid(at));
                    // The rare term is in one message of one conversation; the common one
                    // in the last message of every other conversation.
                    let mut content = text(c * MESSAGES + m);
                    if c == CONVERSATIONS / 2 && m == 10 {
                        content.push_str(" krakatau");
                    }
                    if c % 2 == 0 && m == MESSAGES - 1 {
                        content.push_str(" itinerary");
                    }
                    let message = Message {
                        id: id.clone(),
                        conversation_id: record.id.clone(),
                        role: if m % 2 == 0 {
                            MessageRole::User
                        } else {
                            MessageRole::Assistant
                        },
                        content,
                        deanonymized_content: None,
                        created_time: at,
                        is_active: true,
                        parent_id: Some(parent.0.clone()),
                        source: None,
                        feedback: None,
                        metadata_: None,
                    };
                    store
                        .append_message(
                            &user,
                            &NewMessage {
                                message,
                                parent: parent.1.clone(),
                                expected_head: None,
                            },
                        )
                        .await?;
                    parent = (id.to_string(), ParentCheck::Message(id));
                }
                anyhow::Ok(())
            }
        })
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<Vec<_>>>()?;
    let seed_seconds = seeded.elapsed().as_secs_f64();

    let token = app.token("bench-user");
    let mut results = serde_json::Map::new();
    for (name, term) in [("rare", "krakatau"), ("common", "itinerary")] {
        let mut requests = Vec::new();
        let mut path = format!("/conversations?query={term}&limit=20");
        loop {
            app.dynamodb_calls();
            store.calls().take_consumed();
            let started = Instant::now();
            let reply = app.get(&path).bearer(&token).send().await;
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            anyhow::ensure!(reply.status == 200, "search failed: {}", reply.text);
            let consumed = store.calls().take_consumed();
            let calls = app.dynamodb_calls().len();
            requests.push(json!({
                "ms": (ms * 10.0).round() / 10.0,
                "matches": reply.body["conversations"].as_array().map_or(0, Vec::len),
                "dynamodb_calls": calls,
                "items_read": consumed.items_read,
                "read_capacity_units": (consumed.read_units * 10.0).round() / 10.0,
            }));
            match reply.body["cursor"].as_str() {
                // The common term fills a page at once: one page is what a user waits for.
                Some(cursor) if name == "rare" => {
                    path = format!("/conversations?query={term}&limit=20&cursor={cursor}")
                }
                _ => break,
            }
        }
        results.insert(name.into(), json!({ "term": term, "requests": requests }));
    }
    let report = json!({
        "conversations": CONVERSATIONS,
        "messages_per_conversation": MESSAGES,
        "seed_seconds": (seed_seconds * 10.0).round() / 10.0,
        "search": results,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
