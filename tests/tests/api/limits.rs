//! Per-user rate limits on the endpoints that cost the tenant most (title, search,
//! share, clone): past the limit for the minute, 429 with `Retry-After`, and nothing is
//! done (no LLM call, no snapshot); other users are not affected; the next minute lets
//! the user in again.

use std::sync::Arc;

use glchat_app::clock::ManualClock;
use glchat_tests::llm::{Behavior, FakeLlm};
use glchat_tests::{Options, Reply, TestApp};
use serde_json::json;

const LIMIT: usize = 4;

async fn limited_app(llm: &FakeLlm) -> (TestApp, Arc<ManualClock>) {
    let clock = glchat_tests::stopped_at_this_minute();
    let limit = LIMIT.to_string();
    let app = TestApp::spawn_with(Options {
        clock: clock.clone(),
        extra: vec![
            ("LLM_BASE_URL".into(), llm.base_url.clone()),
            ("LLM_MODEL".into(), "tenant/model".into()),
            ("RATE_LIMIT_TITLES_PER_MINUTE".into(), limit.clone()),
            ("RATE_LIMIT_SEARCHES_PER_MINUTE".into(), limit.clone()),
            ("RATE_LIMIT_SHARES_PER_MINUTE".into(), limit.clone()),
            ("RATE_LIMIT_CLONES_PER_MINUTE".into(), limit),
        ],
        ..Options::default()
    })
    .await;
    (app, clock)
}

fn assert_limited(reply: &Reply, what: &str) {
    reply.assert_status(429);
    assert_eq!(reply.detail(), "Too many requests, please retry later", "{what}");
    let retry: u64 = reply.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{what}: Retry-After {retry}");
}

#[tokio::test]
async fn each_limited_endpoint_answers_429_past_its_limit_and_lets_in_next_minute() {
    let llm = FakeLlm::start(Behavior::Reply("A title".into())).await;
    let (app, clock) = limited_app(&llm).await;
    let id = app.conversation_id("alice", "bot").await;
    app.append("alice", &id, "user", "plan a trip to Bali").await;
    let share_id = app.share("alice", &id).await;
    let token = app.token("alice");

    let title = || {
        app.post(&format!("/conversations/{id}/generate-title"))
            .bearer(&token)
            .multipart(&[("message", "plan a trip")])
            .send()
    };
    let search = || app.get("/conversations?query=bali").bearer(&token).send();
    let share = || {
        app.post(&format!("/conversations/{id}/share"))
            .bearer(&token)
            .form(&[])
            .send()
    };
    let clone = || {
        app.post(&format!("/conversations/shared/{share_id}/clone"))
            .bearer(&token)
            .form(&[("user_id", "alice"), ("old_parent_id", id.as_str())])
            .send()
    };

    for _ in 0..LIMIT {
        title().await.assert_status(200);
        search().await.assert_status(200);
        clone().await.assert_status(200);
    }
    // One share already made the link.
    for _ in 1..LIMIT {
        share().await.assert_status(200);
    }
    let link = app
        .get(&format!("/conversations/{id}/share"))
        .bearer(&token)
        .send()
        .await
        .body;

    assert_limited(&title().await, "title");
    assert_eq!(llm.received().len(), LIMIT, "the refused title reached no LLM");
    assert_limited(&search().await, "search");
    assert_limited(&share().await, "share");
    assert_limited(&clone().await, "clone");
    let after = app
        .get(&format!("/conversations/{id}/share"))
        .bearer(&token)
        .send()
        .await
        .body;
    assert_eq!(after, link, "the refused share took no snapshot");
    let list = app.get("/conversations").bearer(&token).send().await;
    list.assert_status(200);
    assert_eq!(
        list.body["conversations_count"],
        json!(1 + LIMIT),
        "no fifth clone; plain lists unlimited"
    );

    // Another user has their own allowance.
    app.get("/conversations?query=bali")
        .bearer(&app.token("bob"))
        .send()
        .await
        .assert_status(200);

    clock.advance_ms(60_000);
    title().await.assert_status(200);
    search().await.assert_status(200);
    share().await.assert_status(200);
    clone().await.assert_status(200);
}
