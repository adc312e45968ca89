//! `Idempotency-Key` on the endpoints that create: a repeated request creates once and
//! gets the first response again; the key cannot be reused for another request, nor
//! while its first request runs; keys are per user.

use std::time::Duration;

use glchat_tests::faults::{Refusal, dynamodb_operation};
use glchat_tests::{Options, Reply, TestApp};
use serde_json::json;

async fn create(app: &TestApp, user: &str, key: &str, chatbot: &str) -> Reply {
    app.post("/conversations")
        .bearer(&app.token(user))
        .header("idempotency-key", key)
        .form(&[("user_id", user), ("chatbot_id", chatbot)])
        .send()
        .await
}

/// Alice records a 3-byte attachment of `id` under `key`.
async fn attach(app: &TestApp, id: &str, key: &str) -> Reply {
    app.post(&format!("/conversations/{id}/attachments"))
        .bearer(&app.token("alice"))
        .header("idempotency-key", key)
        .json(&json!({ "file_name": "a.txt", "content_type": "text/plain", "size": 3 }))
        .send()
        .await
}

fn replayed(reply: &Reply) -> bool {
    reply.headers.get("idempotent-replayed").is_some_and(|v| v == "true")
}

#[tokio::test]
async fn a_repeated_request_with_its_key_creates_once_and_answers_the_same() {
    let app = TestApp::spawn().await;
    let first = create(&app, "alice", "create-1", "bot").await;
    first.assert_status(200);
    assert!(!replayed(&first));
    let again = create(&app, "alice", "create-1", "bot").await;
    again.assert_status(200);
    assert!(replayed(&again), "the recorded response");
    assert_eq!(again.body, first.body);
    assert_eq!(app.count("alice", "").await, json!(1));
    let id = first.body["conversation"]["id"].as_str().unwrap().to_owned();

    // Append, attachment and share: each once, whatever the repeats.
    let append = || {
        app.post(&format!("/conversations/{id}/messages"))
            .bearer(&app.token("alice"))
            .header("idempotency-key", "append-1")
            .json(&json!({ "role": "user", "content": "hello" }))
            .send()
    };
    let (a, b) = (append().await, append().await);
    assert_eq!((a.status, b.status), (200, 200));
    assert_eq!(a.body, b.body);
    let (a, b) = (attach(&app, &id, "attach-1").await, attach(&app, &id, "attach-1").await);
    assert_eq!((a.status, b.status), (200, 200));
    assert_eq!(a.body["attachment"]["id"], b.body["attachment"]["id"]);
    let share = || {
        app.post(&format!("/conversations/{id}/share"))
            .bearer(&app.token("alice"))
            .header("idempotency-key", "share-1")
            .form(&[])
            .send()
    };
    let (a, b) = (share().await, share().await);
    assert_eq!((a.status, b.status), (200, 200));
    assert_eq!(a.body, b.body, "the same snapshot, not a refresh");
    assert!(replayed(&b));
    let view = app
        .get(&format!("/conversations/{id}"))
        .bearer(&app.token("alice"))
        .send()
        .await;
    assert_eq!(view.body["messages"].as_array().unwrap().len(), 1);
    assert_eq!(view.body["attachments"].as_array().unwrap().len(), 1);

    // A clone with a key and no id: the key names the clone.
    let share_id = a.body["shared_conversation_id"].as_str().unwrap().to_owned();
    let clone = || {
        app.post(&format!("/conversations/shared/{share_id}/clone"))
            .bearer(&app.token("bob"))
            .header("idempotency-key", "clone-1")
            .form(&[("user_id", "bob"), ("old_parent_id", id.as_str())])
            .send()
    };
    let (a, b) = (clone().await, clone().await);
    assert_eq!((a.status, b.status), (200, 200));
    assert_eq!(a.body["conversation"]["id"], b.body["conversation"]["id"]);
    assert_eq!(app.count("bob", "").await, json!(1));
}

#[tokio::test]
async fn a_key_reused_for_another_request_or_malformed_answers_422() {
    let app = TestApp::spawn().await;
    create(&app, "alice", "k-1", "bot").await.assert_status(200);
    let other = create(&app, "alice", "k-1", "other-bot").await;
    other.assert_invalid("header", "idempotency-key", "value_error");
    assert_eq!(app.count("alice", "").await, json!(1), "nothing more created");

    for bad in ["", &"k".repeat(256), "has space"] {
        let reply = app
            .post("/conversations")
            .bearer(&app.token("alice"))
            .header("idempotency-key", bad)
            .form(&[("user_id", "alice"), ("chatbot_id", "bot")])
            .send()
            .await;
        reply.assert_invalid("header", "idempotency-key", "value_error");
    }
    assert_eq!(app.count("alice", "").await, json!(1));
}

#[tokio::test]
async fn keys_are_per_user_and_failures_are_not_recorded() {
    let app = TestApp::spawn().await;
    let alices = create(&app, "alice", "shared-key", "bot").await;
    let bobs = create(&app, "bob", "shared-key", "bot").await;
    bobs.assert_status(200);
    assert!(!replayed(&bobs), "Bob never sees Alice's response");
    assert_ne!(bobs.body["conversation"]["id"], alices.body["conversation"]["id"]);
    assert_eq!(bobs.body["conversation"]["user_id"], "bob");

    // A request that failed (here: invalid) leaves the key free for the corrected one.
    let invalid = app
        .post("/conversations")
        .bearer(&app.token("alice"))
        .header("idempotency-key", "fix-me")
        .form(&[("user_id", "alice")])
        .send()
        .await;
    invalid.assert_invalid("body", "chatbot_id", "missing");
    create(&app, "alice", "fix-me", "bot").await.assert_status(200);
    assert_eq!(app.count("alice", "").await, json!(2));
}

/// A repeat sent while the first request still runs answers 409 with `Retry-After`;
/// once the first is done, the repeat gets its response.
#[tokio::test]
async fn a_repeat_while_the_first_runs_answers_409() {
    let stall = Refusal::stall(dynamodb_operation("TransactWriteItems"), 0, Duration::from_millis(800));
    let app = TestApp::spawn_with(Options {
        refusals: vec![stall.clone()],
        ..Options::default()
    })
    .await;
    stall.arm(1);
    let first = create(&app, "alice", "slow", "bot");
    let second = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        create(&app, "alice", "slow", "bot").await
    };
    let (first, second) = tokio::join!(first, second);
    first.assert_status(200);
    second.assert_status(409);
    assert_eq!(
        second.detail(),
        "A request with this Idempotency-Key is still in progress, please retry"
    );
    assert_eq!(second.headers.get("retry-after").unwrap(), "1");
    let third = create(&app, "alice", "slow", "bot").await;
    assert_eq!(third.body, first.body);
    assert_eq!(app.count("alice", "").await, json!(1));
}

/// The record completes in the write's own transaction and nothing is sent after it (no
/// completion, no release): a sandbox that dies right after the write leaves the record
/// completed, so the repeat is replayed, never run a second time.
#[tokio::test]
async fn a_write_and_its_record_complete_together() {
    let app = TestApp::spawn().await;
    app.dynamodb_calls();
    let first = create(&app, "alice", "once-1", "bot").await;
    first.assert_status(200);
    assert_eq!(
        app.dynamodb_calls(),
        ["PutItem", "TransactWriteItems"],
        "the claim, then the write with its record"
    );
    let again = create(&app, "alice", "once-1", "bot").await;
    assert!(replayed(&again), "completed with the write: {}", again.text);
    assert_eq!(again.body, first.body);
    assert_eq!(app.count("alice", "").await, json!(1));

    let id = first.body["conversation"]["id"].as_str().unwrap();
    let append = || {
        app.post(&format!("/conversations/{id}/messages"))
            .bearer(&app.token("alice"))
            .header("idempotency-key", "once-2")
            .json(&json!({ "role": "user", "content": "once" }))
            .send()
    };
    app.dynamodb_calls();
    let first = append().await;
    first.assert_status(200);
    assert_eq!(
        app.dynamodb_calls(),
        ["GetItem", "PutItem", "TransactWriteItems"],
        "the claim, the head, the write with its record"
    );
    let again = append().await;
    assert!(replayed(&again));
    assert_eq!(again.body, first.body);

    app.dynamodb_calls();
    let first = attach(&app, id, "once-3").await;
    first.assert_status(200);
    assert_eq!(app.dynamodb_calls(), ["PutItem", "TransactWriteItems"]);
    let again = attach(&app, id, "once-3").await;
    assert!(replayed(&again));
    assert_eq!(again.body["attachment"]["id"], first.body["attachment"]["id"]);

    let view = app
        .get(&format!("/conversations/{id}"))
        .bearer(&app.token("alice"))
        .send()
        .await;
    assert_eq!(view.body["messages"].as_array().unwrap().len(), 1);
    assert_eq!(view.body["attachments"].as_array().unwrap().len(), 1);
}

/// A claim's lock is the integration timeout; past it the key is taken over with a new
/// token, and the late request can then neither complete nor release the claim of the
/// request that took it, though both asked the same (same fingerprint).
#[tokio::test]
async fn only_the_request_holding_the_claim_completes_or_releases_it() {
    use glchat_app::clock::Timestamp;
    use glchat_app::http::idempotency::{INTEGRATION_TIMEOUT, record_key};
    use glchat_app::ids::UserId;
    use glchat_app::store::idempotency::Claim;

    let app = TestApp::spawn().await;
    let store = &app.app.store;
    let user = UserId::parse("alice").unwrap();
    let key = record_key(
        &user,
        "create_conversation",
        "k-1",
        "POST",
        "/conversations",
        "x",
        b"same",
    );
    let start = app.app.clock.now();
    let Claim::Claimed(late) = store.claim_idempotency(&key, start, INTEGRATION_TIMEOUT).await.unwrap() else {
        panic!("the first claim");
    };
    // Within the lock the key is in flight; past it the same request takes it over.
    let at = |ms: u64| Timestamp::from_unix_ms(start.unix_ms() + ms).unwrap();
    let within = at(INTEGRATION_TIMEOUT.as_millis() as u64 - 1);
    assert_eq!(
        store
            .claim_idempotency(&key, within, INTEGRATION_TIMEOUT)
            .await
            .unwrap(),
        Claim::InFlight
    );
    let after = at(INTEGRATION_TIMEOUT.as_millis() as u64 + 1);
    let Claim::Claimed(current) = store.claim_idempotency(&key, after, INTEGRATION_TIMEOUT).await.unwrap() else {
        panic!("a lapsed claim is taken over");
    };
    assert_ne!(late, current, "a new token");

    // The late request's release and completion are refused: the current claim stands.
    store.release_idempotency(&late).await.unwrap();
    store
        .complete_idempotency(&late, 200, r#"{"late":true}"#)
        .await
        .unwrap();
    assert_eq!(
        store.claim_idempotency(&key, after, INTEGRATION_TIMEOUT).await.unwrap(),
        Claim::InFlight
    );

    // The holder completes it, and a repeat gets the holder's response.
    store
        .complete_idempotency(&current, 200, r#"{"current":true}"#)
        .await
        .unwrap();
    let replay = store.claim_idempotency(&key, after, INTEGRATION_TIMEOUT).await.unwrap();
    assert_eq!(
        replay,
        Claim::Replay {
            status: 200,
            body: r#"{"current":true}"#.into()
        }
    );
    // Released by its holder, a claim frees the key at once.
    let other = record_key(
        &user,
        "create_conversation",
        "k-2",
        "POST",
        "/conversations",
        "x",
        b"same",
    );
    let Claim::Claimed(held) = store
        .claim_idempotency(&other, start, INTEGRATION_TIMEOUT)
        .await
        .unwrap()
    else {
        panic!("a fresh key");
    };
    store.release_idempotency(&held).await.unwrap();
    assert!(matches!(
        store
            .claim_idempotency(&other, start, INTEGRATION_TIMEOUT)
            .await
            .unwrap(),
        Claim::Claimed(_)
    ));
}
