//! Warm overhead: an endpoint through the local API (HTTP, auth, validation, the
//! handler, JSON) against the same store calls made directly, alternating in one run.

use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use glchat_shared::clock::Timestamp;
use glchat_shared::ids::{MessageId, ShareId, UserId, new_ulid};
use glchat_shared::models::{Message, MessageRole};
use glchat_shared::search::list_conversations;
use glchat_shared::sharing::active_snapshot;
use glchat_shared::store::keys::ListIndex;
use glchat_shared::store::{AppendOutcome, MessageWindow, NewMessage, ParentCheck};
use serde::Serialize;
use serde_json::json as json_value;

use crate::stats::{Summary, round};
use crate::world::{USER, World, json};

/// Requests of each kind before measuring (connections, caches, JIT of DynamoDB Local).
const WARM_UP: usize = 20;

#[derive(Debug, Serialize)]
pub struct Overhead {
    pub endpoint: &'static str,
    pub api: Summary,
    pub direct: Summary,
    /// API p50 over direct p50.
    pub p50_ratio: f64,
    /// What the API adds at the median, in milliseconds.
    pub p50_added_ms: f64,
}

pub async fn run(world: &World, iterations: usize) -> anyhow::Result<Vec<Overhead>> {
    let app = world.app();
    let store = &app.store;
    let user = &UserId::parse(USER).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    // The API and the direct calls work on different halves of the conversations, so
    // neither finds the other's fresh write in its way.
    let ids = &world.conversations;
    let half = ids.len() / 2;
    let pick = |i: usize| &ids[i % half];
    let other = |i: usize| &ids[half + i % half];
    let share = ShareId::parse(&world.share).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mut results = Vec::new();

    results.push(
        compare(
            "GET /conversations/{id}",
            iterations,
            |i| ok(world.call("GET", format!("/conversations/{}", pick(i)), None)),
            |i| async move {
                let view = store
                    .load_conversation(other(i), MessageWindow::newest_before(None, None))
                    .await?;
                ensure!(view.is_some_and(|v| &v.conversation.user_id == user), "not found");
                Ok(())
            },
        )
        .await?,
    );

    let index = ListIndex::for_user(user, None);
    results.push(
        compare(
            "GET /conversations",
            iterations,
            |_| ok(world.call("GET", "/conversations".to_owned(), None)),
            |_| async {
                let (page, _count) = tokio::try_join!(
                    list_conversations(store, &index, None, 20, None),
                    store.count_conversations(user, None)
                )?;
                ensure!(page.conversations.len() == 20, "a short page");
                Ok(())
            },
        )
        .await?,
    );

    results.push(
        compare(
            "POST /conversations/{id}/messages",
            iterations,
            |i| {
                let body = json(&json_value!({ "role": "user", "content": format!("Warm message {i}") }));
                ok(world.call("POST", format!("/conversations/{}/messages", pick(i)), Some(body)))
            },
            // What the handler does for a message without parent_id: read the head,
            // then append under it with the head guarded.
            |i| async move {
                let id = other(i);
                let meta = store.conversation_head(id).await?.context("not found")?;
                let now = app.clock.now();
                let ulid = new_ulid(now);
                let parent = match &meta.head_message_id {
                    Some(head) => (head.to_string(), ParentCheck::Message(head.clone())),
                    None => (id.to_string(), ParentCheck::Conversation),
                };
                let message = Message {
                    id: MessageId::from_ulid(ulid),
                    conversation_id: id.clone(),
                    role: MessageRole::User,
                    content: format!("Direct message {i}"),
                    deanonymized_content: None,
                    created_time: Timestamp::from_unix_ms(ulid.timestamp_ms()).unwrap_or(now),
                    is_active: true,
                    parent_id: Some(parent.0),
                    source: None,
                    feedback: None,
                    metadata_: None,
                };
                let new = NewMessage {
                    message,
                    parent: parent.1,
                    expected_head: Some(meta.head_message_id),
                };
                let outcome = store.append_message(user, &new).await?;
                ensure!(outcome == AppendOutcome::Appended, "append: {outcome:?}");
                Ok(())
            },
        )
        .await?,
    );

    results.push(
        compare(
            "GET /conversations/shared/{share_id} (public)",
            iterations,
            |_| ok(world.anonymous("GET", format!("/conversations/shared/{}", world.share))),
            |_| async {
                ensure!(active_snapshot(app, &share).await?.is_some(), "no snapshot");
                Ok(())
            },
        )
        .await?,
    );
    Ok(results)
}

/// Times `api` and `direct` alternately, `iterations` times each after the warm-up.
async fn compare<A, FA, D, FD>(
    endpoint: &'static str,
    iterations: usize,
    mut api: A,
    mut direct: D,
) -> anyhow::Result<Overhead>
where
    A: FnMut(usize) -> FA,
    FA: Future<Output = anyhow::Result<()>>,
    D: FnMut(usize) -> FD,
    FD: Future<Output = anyhow::Result<()>>,
{
    let (mut through_api, mut straight) = (Vec::new(), Vec::new());
    for i in 0..WARM_UP + iterations {
        // Alternating which goes first keeps any after-effect of one off the other.
        let (took, direct_took) = if i % 2 == 0 {
            let took = timed(api(i))
                .await
                .with_context(|| format!("{endpoint} through the API"))?;
            (
                took,
                timed(direct(i)).await.with_context(|| format!("{endpoint} directly"))?,
            )
        } else {
            let direct_took = timed(direct(i)).await.with_context(|| format!("{endpoint} directly"))?;
            (
                timed(api(i))
                    .await
                    .with_context(|| format!("{endpoint} through the API"))?,
                direct_took,
            )
        };
        if i >= WARM_UP {
            through_api.push(took);
            straight.push(direct_took);
        }
    }
    let api = Summary::of(&through_api).context("no samples")?;
    let direct = Summary::of(&straight).context("no samples")?;
    Ok(Overhead {
        endpoint,
        p50_ratio: round(api.p50_ms / direct.p50_ms),
        p50_added_ms: round(api.p50_ms - direct.p50_ms),
        api,
        direct,
    })
}

async fn timed(work: impl Future<Output = anyhow::Result<()>>) -> anyhow::Result<Duration> {
    let started = Instant::now();
    work.await?;
    Ok(started.elapsed())
}

/// A call that must answer 200.
async fn ok(call: impl Future<Output = anyhow::Result<crate::world::Reply>>) -> anyhow::Result<()> {
    let reply = call.await?;
    ensure!(reply.status == 200, "status {}: {}", reply.status, reply.text());
    Ok(())
}
