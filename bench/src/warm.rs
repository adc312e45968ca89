//! Warm overhead: an endpoint through the local API (HTTP, auth, validation, the
//! handler, JSON) against its operation called directly, alternating in one run.

use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use glchat_app::auth::Caller;
use glchat_app::ids::{ShareId, UserId};
use glchat_app::models::{BoundedText, MessageRole};
use glchat_app::ops::{conversations, messages, shares};
use glchat_app::pages::MessageWindow;
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

/// Each endpoint through the local API against its operation called directly (the
/// same `glchat_app::ops` function the handler calls): the difference is what the
/// HTTP layer, authentication, input parsing and JSON add.
pub async fn run(world: &World, iterations: usize) -> anyhow::Result<Vec<Overhead>> {
    let deps = world.app().as_ref();
    let caller = &Caller {
        user_id: UserId::parse(USER).map_err(|e| anyhow::anyhow!("{e:?}"))?,
        is_admin: false,
    };
    // The API and the direct calls work on different halves of the conversations, so
    // neither finds the other's fresh write in its way.
    let ids = &world.conversations;
    let half = ids.len() / 2;
    let pick = |i: usize| &ids[i % half];
    let other = |i: usize| &ids[half + i % half];
    let share = &ShareId::parse(&world.share).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mut results = Vec::new();

    results.push(
        compare(
            "GET /conversations/{id}",
            iterations,
            |i| ok(world.call("GET", format!("/conversations/{}", pick(i)), None)),
            |i| async move {
                let input = conversations::Get {
                    id: other(i).clone(),
                    window: MessageWindow::newest_before(None, None),
                };
                let view = conversations::get(deps, caller, input).await?;
                ensure!(!view.messages.is_empty(), "no messages");
                Ok(())
            },
        )
        .await?,
    );

    results.push(
        compare(
            "GET /conversations",
            iterations,
            |_| ok(world.call("GET", "/conversations".to_owned(), None)),
            |_| async {
                let input = conversations::List {
                    query: None,
                    chatbot_id: None,
                    cursor: None,
                    limit: conversations::DEFAULT_LIMIT,
                };
                let page = conversations::list(deps, caller, input).await?;
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
            |i| async move {
                let input = messages::Append {
                    id: other(i).clone(),
                    role: MessageRole::User,
                    content: BoundedText(format!("Direct message {i}")),
                    parent: None,
                    deanonymized_content: None,
                    source: None,
                    metadata: None,
                    idempotency: None,
                };
                messages::append(deps, caller, input).await?;
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
                let input = shares::PublicRead {
                    share: share.clone(),
                    window: MessageWindow::newest_before(None, None),
                };
                let snapshot = shares::public_read(deps, input).await?;
                ensure!(!snapshot.messages.is_empty(), "an empty snapshot");
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
