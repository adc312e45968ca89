//! Crash points: every write endpoint is cut off after each of its AWS calls in turn
//! (its k-th call is held and the function's timeout drops the handler's future, as
//! when a sandbox dies: no clean-up runs), then the same request is repeated without
//! faults, and the whole table and bucket must hold together: every item and object
//! belongs to a live, complete conversation or a live link, the counts match the
//! lists, every listed conversation reads whole, every live link reads publicly.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use glchat_app::clock::{Clock, ManualClock, SystemClock};
use glchat_tests::client::Call;
use glchat_tests::faults::Refusal;
use glchat_tests::{Options, TestApp};
use serde_json::json;

/// The function timeout in these tests: a held call never returns before it.
const TIMEOUT: Duration = Duration::from_millis(1_500);

/// One write endpoint, built afresh for each crash point over its own conversation.
type Request = fn(&TestApp, &Fixture, &str) -> Call;

struct Fixture {
    /// Alice's conversation with two messages and an uploaded attachment.
    conversation: String,
    /// Its public link.
    share: String,
    /// Another of Alice's, with a message and an attachment, never shared.
    unshared: String,
}

async fn fixture(app: &TestApp) -> Fixture {
    let conversation = app.create_conversation("alice", "bot", Some("Crash")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.append("alice", &conversation, "user", "question").await;
    app.append("alice", &conversation, "assistant", "answer").await;
    app.upload("alice", &conversation, "notes.txt", b"notes").await;
    let share = app.share("alice", &conversation).await;
    let unshared = app.create_conversation("alice", "bot", Some("Fresh")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.append("alice", &unshared, "user", "first").await;
    app.upload("alice", &unshared, "fresh.txt", b"fresh").await;
    Fixture {
        conversation,
        share,
        unshared,
    }
}

fn endpoints() -> Vec<(&'static str, Request)> {
    vec![
        ("create_conversation", |app, _, key| {
            app.post("/conversations")
                .bearer(&app.token("alice"))
                .header("idempotency-key", key)
                .form(&[("user_id", "alice"), ("chatbot_id", "bot")])
        }),
        ("rename_conversation", |app, f, _| {
            app.patch(&format!("/conversations/{}", f.conversation))
                .bearer(&app.token("alice"))
                .form(&[("title", "Renamed")])
        }),
        ("append_message", |app, f, key| {
            app.post(&format!("/conversations/{}/messages", f.conversation))
                .bearer(&app.token("alice"))
                .header("idempotency-key", key)
                .json(&json!({ "role": "user", "content": "more" }))
        }),
        ("create_attachment", |app, f, key| {
            app.post(&format!("/conversations/{}/attachments", f.conversation))
                .bearer(&app.token("alice"))
                .header("idempotency-key", key)
                .json(&json!({ "file_name": "b.txt", "content_type": "text/plain", "size": 1 }))
        }),
        ("generate_title", |app, f, _| {
            app.post(&format!("/conversations/{}/generate-title", f.conversation))
                .bearer(&app.token("alice"))
                .multipart(&[("message", "plan a trip")])
        }),
        ("share_conversation (first)", |app, f, _| {
            app.post(&format!("/conversations/{}/share", f.unshared))
                .bearer(&app.token("alice"))
                .form(&[])
        }),
        ("share_conversation (refresh)", |app, f, _| {
            app.post(&format!("/conversations/{}/share", f.conversation))
                .bearer(&app.token("alice"))
                .form(&[])
        }),
        ("delete_shared_conversation", |app, f, _| {
            app.delete(&format!("/conversations/shared/{}", f.share))
                .bearer(&app.token("alice"))
        }),
        ("clone_shared_conversation", |app, f, key| {
            app.post(&format!("/conversations/shared/{}/clone", f.share))
                .bearer(&app.token("bob"))
                .header("idempotency-key", key)
                .form(&[("user_id", "bob"), ("old_parent_id", f.conversation.as_str())])
        }),
        ("delete_conversation", |app, f, _| {
            app.delete(&format!("/conversations/{}", f.conversation))
                .bearer(&app.token("alice"))
        }),
        ("delete_conversations", |app, _, _| {
            app.post("/conversations/delete")
                .bearer(&app.token("alice"))
                .json(&json!({ "user_id": "alice", "chatbot_id": "bot" }))
        }),
    ]
}

#[tokio::test]
async fn every_write_survives_being_cut_off_after_any_call() {
    // The endpoints side by side, each with its own app: the cut requests spend most
    // of the time waiting out the function timeout.
    let runs = endpoints()
        .into_iter()
        .map(|(name, request)| crash_points(name, request));
    let counts = futures::future::join_all(runs).await;
    let cases: usize = counts.iter().map(|(_, n)| n).sum();
    eprintln!("crash points run: {cases} {counts:?}");
    assert!(cases > 40, "crash points: {cases}");
}

/// Cuts `request` after its first call, its second, ... until it runs uncut; returns
/// how many requests that took.
async fn crash_points(name: &'static str, request: Request) -> (&'static str, usize) {
    let hold = Refusal::stall(|_| true, 0, Duration::from_secs(60));
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let app = TestApp::spawn_with(Options {
        refusals: vec![hold.clone()],
        function_timeout: Some(TIMEOUT),
        clock: clock.clone(),
        ..Options::default()
    })
    .await;
    for k in 1.. {
        let fixture = fixture(&app).await;
        // A key per crash point: the repeat uses it again, the next point not.
        let key = format!("crash-{k}");
        hold.arm_after(k - 1, 1);
        let cut = request(&app, &fixture, &key).send().await;
        let held = hold.remaining() == 0;
        hold.arm(0);
        if !held {
            assert!(cut.status < 300, "{name} uncut answered {}: {}", cut.status, cut.text);
            return (name, k);
        }
        assert_eq!(cut.status, 500, "{name} cut at call {k} answered {}", cut.status);
        // The client retries once the cut request's idempotency claim has lapsed
        // (sooner it gets 409 with `Retry-After`).
        clock.advance_ms(31_000);
        let repeat = request(&app, &fixture, &key).send().await;
        assert!(
            repeat.status < 300 || (repeat.status == 404 && name.starts_with("delete")),
            "{name}: the repeat after call {k} answered {}: {}",
            repeat.status,
            repeat.text
        );
        assert_consistent(&app, &format!("{name} cut after call {}", k - 1)).await;
        assert!(k < 60, "{name} never ran uncut");
    }
    unreachable!("the loop returns")
}

fn s(item: &HashMap<String, AttributeValue>, name: &str) -> String {
    match item.get(name) {
        Some(AttributeValue::S(v)) => v.clone(),
        _ => String::new(),
    }
}

/// The invariants after any interrupted request was repeated.
pub(crate) async fn assert_consistent(app: &TestApp, case: &str) {
    // The whole table (a test may scan; the service never does).
    let items: Vec<HashMap<String, AttributeValue>> = app
        .app
        .store
        .client()
        .scan()
        .table_name(app.app.store.table())
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .expect("scanning the test table");
    let by_key: HashMap<(String, String), &HashMap<String, AttributeValue>> =
        items.iter().map(|i| ((s(i, "PK"), s(i, "SK")), i)).collect();
    let conversation = |pk: &str| by_key.get(&(pk.to_owned(), "CONV".to_owned())).copied();
    let mut live_shares = BTreeSet::new();
    for item in &items {
        let (pk, sk, entity) = (s(item, "PK"), s(item, "SK"), s(item, "entity"));
        if pk.starts_with("CONV#") {
            let parent = conversation(&pk).unwrap_or_else(|| panic!("{case}: {pk}/{sk} has no conversation"));
            assert!(
                !parent.contains_key("deleting") && !parent.contains_key("clone_progress"),
                "{case}: {pk} is left deleting or cloning"
            );
            if entity == "share_link" {
                assert!(!item.contains_key("pending"), "{case}: {pk}'s link left pending");
                let share = s(item, "share_id");
                let snapshot = by_key
                    .get(&(format!("SHARE#{share}"), "SHARE".to_owned()))
                    .unwrap_or_else(|| panic!("{case}: link {share} has no snapshot"));
                assert_eq!(s(snapshot, "entity"), "share_snapshot", "{case}: link {share} is dead");
                live_shares.insert(share);
            }
        }
        if pk.starts_with("SHARE#") && entity == "share_snapshot" {
            let share = pk.trim_start_matches("SHARE#");
            let link = by_key.get(&(format!("CONV#{}", s(item, "conversation_id")), "SHARE".to_owned()));
            assert!(
                link.is_some_and(|l| s(l, "share_id") == share),
                "{case}: snapshot {share} serves without its link"
            );
        }
    }
    // Every object belongs to an attachment item or a live link.
    for key in app.objects_under("tenants/acme/").await {
        let parts: Vec<&str> = key.split('/').collect();
        match parts.as_slice() {
            ["tenants", "acme", "conversations", id, "attachments", attachment] => assert!(
                by_key.contains_key(&(format!("CONV#{id}"), format!("ATT#{attachment}"))),
                "{case}: object {key} has no attachment"
            ),
            ["tenants", "acme", "shares", share, ..] => {
                assert!(live_shares.contains(*share), "{case}: object {key} of a dead link")
            }
            _ => panic!("{case}: unexpected object {key}"),
        }
    }
    // Counts match the lists; every listed conversation and live link reads.
    for user in ["alice", "bob"] {
        let list = app
            .get("/conversations?limit=100")
            .bearer(&app.token(user))
            .send()
            .await;
        let listed = list.body["conversations"].as_array().unwrap();
        assert_eq!(list.body["conversations_count"], listed.len(), "{case}: {user}'s count");
        for c in listed {
            let id = c["id"].as_str().unwrap();
            assert!(conversation(&format!("CONV#{id}")).is_some());
            let read = app
                .get(&format!("/conversations/{id}"))
                .bearer(&app.token(user))
                .send()
                .await;
            assert_eq!(read.status, 200, "{case}: {id} does not read");
        }
    }
    for share in &live_shares {
        let public = app.get(&format!("/conversations/shared/{share}")).send().await;
        assert_eq!(public.status, 200, "{case}: live link {share} does not read");
    }
}
