//! Retention (`RETENTION_DAYS`): the real `expire_conversations` handler, on the
//! injectable clock, deletes the conversations idle past the retention (as their deletes
//! do: the stream carries their removal for the deletion events) and keeps every other,
//! reading the idle index and never scanning; each sweep goes on from the last day it
//! swept whole.

use std::sync::Arc;

use glchat_app::clock::{Clock, ManualClock, SystemClock};
use glchat_functions::handlers::expire_conversations;
use glchat_tests::stream::{EventSource, records};
use glchat_tests::{Options, TestApp};
use serde_json::json;

const DAY_MS: u64 = 24 * 60 * 60 * 1000;

async fn app_with(days: &str, clock: Arc<ManualClock>) -> TestApp {
    let first_day = glchat_app::store::keys::day_of(clock.now().minus_days(3));
    TestApp::spawn_with(Options {
        stream: true,
        clock: clock.clone(),
        extra: vec![
            ("RETENTION_DAYS".into(), days.into()),
            ("RETENTION_FIRST_DAY".into(), first_day),
        ],
        ..Options::default()
    })
    .await
}

async fn sweep(app: &TestApp) -> glchat_app::ops::retention::Swept {
    let deps = app.deps_for(expire_conversations::NEEDS).await;
    expire_conversations::handle(deps, json!({ "source": "aws.events" }))
        .await
        .unwrap()
}

#[tokio::test]
async fn conversations_idle_past_the_retention_are_deleted_and_active_ones_kept() {
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let app = app_with("30", clock.clone()).await;
    let idle = app.conversation_id("alice", "bot").await;
    app.upload("alice", &idle, "notes.txt", b"old notes").await;
    let active = app.conversation_id("alice", "bot").await;
    let bobs = app.conversation_id("bob", "bot").await;
    clock.advance_ms(20 * DAY_MS);
    app.append("alice", &active, "user", "still here").await;
    let recent = app.conversation_id("bob", "other").await;
    clock.advance_ms(11 * DAY_MS);

    app.dynamodb_calls();
    let swept = sweep(&app).await;
    assert_eq!(swept.deleted, 2, "alice's idle conversation and bob's");
    assert!(swept.complete);
    assert!(
        !app.dynamodb_calls().iter().any(|c| c == "Scan"),
        "the sweep reads the idle index"
    );
    for (user, id, kept) in [
        ("alice", &idle, false),
        ("bob", &bobs, false),
        ("alice", &active, true),
        ("bob", &recent, true),
    ] {
        let status = app.read_conversation(user, id).await.status;
        assert_eq!(status, if kept { 200 } else { 404 }, "{user}'s {id}");
    }
    assert!(
        app.objects_under(&format!("tenants/{}/conversations/{idle}/", app.options.tenant))
            .await
            .is_empty()
    );
    // Their removal reached the stream the deletion events are published from.
    let source = EventSource::of("publish_deletions");
    for id in [&idle, &bobs] {
        let removed = records(&app).await.into_iter().any(|r| {
            r["eventName"] == "REMOVE"
                && r["dynamodb"]["OldImage"]["PK"]["S"] == format!("CONV#{id}")
                && source.keeps(&r)
        });
        assert!(removed, "{id}'s deletion event");
    }

    // The next sweep goes on from the last day swept whole: the other two, idle at last.
    clock.advance_ms(25 * DAY_MS);
    assert_eq!(sweep(&app).await.deleted, 2);
    for (user, id) in [("alice", &active), ("bob", &recent)] {
        let status = app.read_conversation(user, id).await.status;
        assert_eq!(status, 404, "{user}'s {id}");
    }
    assert_eq!(sweep(&app).await.deleted, 0, "nothing twice");
}

#[tokio::test]
async fn activity_after_the_index_was_read_keeps_the_conversation() {
    use glchat_app::store::DeleteScope;

    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let app = app_with("30", clock.clone()).await;
    let id = app.conversation_id("alice", "bot").await;
    clock.advance_ms(31 * DAY_MS);
    let cutoff = clock.now().minus_days(30);
    // The owner writes after the sweep found the conversation idle: its delete refuses.
    app.append("alice", &id, "user", "back again").await;
    let scope = DeleteScope {
        idle_before: Some(cutoff),
        ..DeleteScope::owner(glchat_app::ids::UserId::parse("alice").unwrap())
    };
    let conversation = glchat_app::ids::ConversationId::parse(&id).unwrap();
    let began = app
        .app
        .store
        .begin_delete(&conversation, &scope, clock.now())
        .await
        .unwrap();
    assert!(began.is_none(), "not idle any more");
    assert_eq!(sweep(&app).await.deleted, 0);
    app.read_conversation("alice", &id).await.assert_status(200);
}

#[tokio::test]
async fn without_a_retention_nothing_is_deleted() {
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let app = app_with("0", clock.clone()).await;
    let id = app.conversation_id("alice", "bot").await;
    clock.advance_ms(3_650 * DAY_MS);
    assert_eq!(sweep(&app).await.deleted, 0);
    app.read_conversation("alice", &id).await.assert_status(200);
}
