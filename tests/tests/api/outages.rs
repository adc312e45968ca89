//! When AWS refuses: throttling (DynamoDB `ThrottlingException`, S3 `SlowDown`) that
//! outlasts the SDK's retries answers 503 with `Retry-After` and writes nothing; a
//! `TransactionConflict` is a race, answered 409 with `Retry-After`, never a 500.
//! The refusals are the services' own answers, given in front of the real servers.

use glchat_tests::faults::{Refusal, s3_bulk_delete, s3_copy};
use glchat_tests::{Options, Reply, TestApp};
use serde_json::{Value, json};

/// The SDK tries an operation this often before giving up.
const ATTEMPTS: usize = glchat_app::sdk::SDK_ATTEMPTS as usize;

async fn app_refusing(refusals: &[Refusal]) -> TestApp {
    TestApp::spawn_with(Options {
        refusals: refusals.to_vec(),
        ..Options::default()
    })
    .await
}

fn assert_retry_later(reply: &Reply, status: u16, detail: &str) {
    reply.assert_status(status);
    assert_eq!(reply.detail(), detail);
    assert_eq!(
        reply.headers.get("retry-after").and_then(|v| v.to_str().ok()),
        Some("1"),
        "{status} says when to retry"
    );
    for internal in ["Throttling", "SlowDown", "TransactionConflict", "DynamoDB", "S3"] {
        assert!(!reply.text.contains(internal), "{} leaks {internal}", reply.text);
    }
}

#[tokio::test]
async fn dynamodb_throttling_on_a_write_answers_503_and_writes_nothing() {
    let throttled = Refusal::dynamodb_throttling("TransactWriteItems", ATTEMPTS);
    let app = app_refusing(std::slice::from_ref(&throttled)).await;
    let form = [("user_id", "alice"), ("chatbot_id", "bot")];

    let reply = app
        .post("/conversations")
        .bearer(&app.token("alice"))
        .form(&form)
        .send()
        .await;
    assert_retry_later(&reply, 503, "Service temporarily unavailable, please retry");
    assert_eq!(throttled.remaining(), 0, "every attempt of the SDK was throttled");
    assert_eq!(app.count("alice", "").await, json!(0), "nothing was written");

    // Once DynamoDB takes requests again, the same request succeeds, once.
    let again = app
        .post("/conversations")
        .bearer(&app.token("alice"))
        .form(&form)
        .send()
        .await;
    again.assert_status(200);
    assert_eq!(app.count("alice", "").await, json!(1));
}

#[tokio::test]
async fn throttling_the_sdk_rides_out_answers_as_usual() {
    let throttled = Refusal::dynamodb_throttling("TransactWriteItems", ATTEMPTS - 1);
    let app = app_refusing(std::slice::from_ref(&throttled)).await;
    let reply = app
        .post("/conversations")
        .bearer(&app.token("alice"))
        .form(&[("user_id", "alice"), ("chatbot_id", "bot")])
        .send()
        .await;
    reply.assert_status(200);
    assert_eq!(throttled.remaining(), 0);
    assert_eq!(app.count("alice", "").await, json!(1), "written exactly once");
}

/// A first share cut off after its copies (its save refused until the SDK gives up)
/// leaves copies under a share id already reserved on the conversation: the retry
/// reuses the id and removes them, a delete removes them, nothing is listed meanwhile.
#[tokio::test]
async fn a_first_share_cut_off_after_its_copies_leaves_nothing_behind() {
    let save = Refusal::dynamodb_throttling("TransactWriteItems", 0);
    let app = app_refusing(std::slice::from_ref(&save)).await;
    let shares = "tenants/acme/shares/";
    let mut ids = Vec::new();
    for title in ["Kept", "Deleted"] {
        let id = app.create_conversation("alice", "bot", Some(title)).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.append("alice", &id, "user", "hello").await;
        app.upload("alice", &id, "notes.txt", b"notes").await;
        // The reservation passes; the save is refused.
        save.arm_after(1, ATTEMPTS);
        let cut = app
            .post(&format!("/conversations/{id}/share"))
            .bearer(&app.token("alice"))
            .form(&[])
            .send()
            .await;
        assert_retry_later(&cut, 503, "Service temporarily unavailable, please retry");
        assert_eq!(save.remaining(), 0);
        app.get(&format!("/conversations/{id}/share"))
            .bearer(&app.token("alice"))
            .send()
            .await
            .assert_status(404);
        ids.push(id);
    }
    assert_eq!(
        app.objects_under(shares).await.len(),
        2,
        "each cut share copied its file"
    );
    let listed = app
        .get("/conversations/shared")
        .bearer(&app.token("alice"))
        .send()
        .await;
    assert_eq!(listed.body["today"], json!([]), "nothing published");

    let share_id = app.share("alice", &ids[0]).await;
    app.delete(&format!("/conversations/{}", ids[1]))
        .bearer(&app.token("alice"))
        .send()
        .await
        .assert_status(200);
    let left = app.objects_under(shares).await;
    assert_eq!(left.len(), 1, "the retry's copy only: {left:?}");
    assert!(left[0].starts_with(&format!("{shares}{share_id}/")), "{left:?}");
}

#[tokio::test]
async fn s3_slow_down_on_a_copy_answers_503_and_the_retry_shares() {
    let slow = Refusal::s3_slow_down(s3_copy, ATTEMPTS);
    let app = app_refusing(std::slice::from_ref(&slow)).await;
    let id = app.create_conversation("alice", "bot", Some("Trip")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.append("alice", &id, "user", "hello").await;
    app.upload("alice", &id, "notes.txt", b"notes").await;
    let share = |app: &TestApp| {
        app.post(&format!("/conversations/{id}/share"))
            .bearer(&app.token("alice"))
            .form(&[])
            .send()
    };

    let reply = share(&app).await;
    assert_retry_later(&reply, 503, "Service temporarily unavailable, please retry");
    assert_eq!(slow.remaining(), 0);
    app.get(&format!("/conversations/{id}/share"))
        .bearer(&app.token("alice"))
        .send()
        .await
        .assert_status(404);

    let shared = share(&app).await;
    shared.assert_status(200);
    let public = app
        .get(&format!(
            "/conversations/shared/{}",
            shared.body["shared_conversation_id"].as_str().unwrap()
        ))
        .send()
        .await;
    public.assert_status(200);
    assert_eq!(
        public.body["attachments"][0]["file_name"], "notes.txt",
        "the copy is there"
    );
}

#[tokio::test]
async fn s3_slow_down_on_a_delete_answers_503_and_the_retry_finishes() {
    let slow = Refusal::s3_slow_down(s3_bulk_delete, 0);
    let app = app_refusing(std::slice::from_ref(&slow)).await;
    let id = app.conversation_id("alice", "bot").await;
    app.upload("alice", &id, "notes.txt", b"notes").await;
    let path = format!("/conversations/{id}");
    let public = format!("/conversations/shared/{}", app.share("alice", &id).await);
    app.get(&public).send().await.assert_status(200);

    slow.arm(ATTEMPTS);
    let reply = app.delete(&path).bearer(&app.token("alice")).send().await;
    assert_retry_later(&reply, 503, "Service temporarily unavailable, please retry");
    assert_eq!(slow.remaining(), 0);
    // The link died with the tombstone, before the cascade was cut.
    app.get(&public).send().await.assert_status(404);
    assert_eq!(
        app.objects_under(&format!("tenants/acme/conversations/{id}/"))
            .await
            .len(),
        1
    );

    app.delete(&path)
        .bearer(&app.token("alice"))
        .send()
        .await
        .assert_status(200);
    assert!(
        app.objects_under(&format!("tenants/acme/conversations/{id}/"))
            .await
            .is_empty()
    );
    assert_eq!(app.items_of(&id).await, 0);
}

/// A transaction that meets another writer is tried again with jitter inside the
/// request; only a conflict that outlasts the tries answers 409 with `Retry-After`.
#[tokio::test]
async fn a_transaction_conflict_is_retried_then_answers_409() {
    let tries = glchat_app::store::CONFLICT_ATTEMPTS as usize;
    let conflict = Refusal::dynamodb_transaction_conflict(0);
    let app = app_refusing(std::slice::from_ref(&conflict)).await;
    let id = app.conversation_id("alice", "bot").await;
    let append = |content: &'static str| {
        app.post(&format!("/conversations/{id}/messages"))
            .bearer(&app.token("alice"))
            .json(&json!({ "role": "user", "content": content }))
            .send()
    };

    conflict.arm(tries - 1);
    let reply = append("ridden out").await;
    reply.assert_status(200);
    assert_eq!(conflict.remaining(), 0);

    conflict.arm(tries);
    let reply = append("lost").await;
    assert_retry_later(&reply, 409, "The conversation changed at the same time, please retry");
    assert_eq!(conflict.remaining(), 0);
    let view = app
        .get(&format!("/conversations/{id}"))
        .bearer(&app.token("alice"))
        .send()
        .await;
    let contents: Vec<&Value> = view.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["content"])
        .collect();
    assert_eq!(
        contents,
        [&json!("ridden out")],
        "each written once, the lost one not at all"
    );
}

/// A bulk delete whose deletes keep conflicting stops with the progress it made.
#[tokio::test]
async fn a_bulk_delete_reports_its_progress_when_a_conflict_stops_it() {
    let tries = glchat_app::store::CONFLICT_ATTEMPTS as usize;
    let conflict = Refusal::dynamodb_transaction_conflict(0);
    let app = app_refusing(std::slice::from_ref(&conflict)).await;
    for _ in 0..6 {
        app.create_conversation("alice", "bot", None).await;
    }
    let bulk = || {
        app.post("/conversations/delete")
            .bearer(&app.token("alice"))
            .json(&json!({ "user_id": "alice", "chatbot_id": "bot" }))
            .send()
    };
    // Two tombstones pass; the other four conflict through every try.
    conflict.arm_after(2, 4 * tries);
    let first = bulk().await;
    first.assert_status(200);
    assert_eq!(first.body, json!({ "deleted_count": 2, "complete": false }));
    assert_eq!(conflict.remaining(), 0);
    assert_eq!(app.count("alice", "").await, json!(4));

    let second = bulk().await;
    assert_eq!(second.body, json!({ "deleted_count": 4, "complete": true }));
    assert_eq!(app.count("alice", "").await, json!(0));
}
