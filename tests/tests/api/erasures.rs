//! Erasure (`POST /me/erasure`, `GET /me/erasure/{id}`): run by the real `run_jobs`
//! from the stream records its event source keeps, it leaves nothing of the user's in
//! the table or the bucket (read whole, here, to prove it) but the receipt; each
//! conversation's deletion reaches the stream the deletion events are published from;
//! another user's clone of their link stays; and cut at any call of any step, then handed
//! over again, it ends the same, its receipt counting exactly.

use glchat_tests::jobs::{cut_every_step, run_jobs};
use glchat_tests::stream::{EventSource, records};
use glchat_tests::{Options, TestApp};
use serde_json::{Value, json};

fn with_stream() -> Options {
    Options {
        stream: true,
        ..Options::default()
    }
}

/// Everything of alice's a user leaves behind in a life of using the service: two
/// conversations (one with a file and a public link, one revoked link), an export, a
/// keyed request, a search; bob's conversation and his clone of her link.
struct Lived {
    conversations: Vec<String>,
    clone: String,
}

async fn live(app: &TestApp) -> Lived {
    let trip = app.conversation_id("alice", "travel").await;
    app.append("alice", &trip, "user", "Plan a week in Bali").await;
    app.append("alice", &trip, "assistant", "Day 1: Ubud").await;
    app.upload("alice", &trip, "passport.txt", b"alice's passport number")
        .await;
    let share_id = app.share("alice", &trip).await;
    let recipes = app.conversation_id("alice", "cooking").await;
    app.append("alice", &recipes, "user", "Rendang, step by step").await;
    // A link she revoked: its dead marker names her until the erasure.
    let revoked_id = app.share("alice", &recipes).await;
    app.delete(&format!("/conversations/shared/{revoked_id}"))
        .bearer(&app.token("alice"))
        .send()
        .await
        .assert_status(200);
    app.post("/conversations/exports")
        .bearer(&app.token("alice"))
        .header("idempotency-key", "alice-export")
        .json(&json!({}))
        .send()
        .await
        .assert_status(202);
    // An import she asked for and uploaded, never started: its upload waits in the bucket.
    let accepted = app
        .post("/conversations/imports")
        .bearer(&app.token("alice"))
        .json(&json!({ "file_name": "old.json", "size": 2 }))
        .send()
        .await;
    accepted.assert_status(202);
    let headers: Vec<(String, String)> = accepted.body["upload_headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    let url = accepted.body["upload_url"].as_str().unwrap();
    let (status, _) = glchat_tests::client::raw_request("PUT", url, &headers, b"[]".to_vec()).await;
    assert_eq!(status, 200);
    app.get("/conversations?query=bali")
        .bearer(&app.token("alice"))
        .send()
        .await
        .assert_status(200);
    let bobs = app.conversation_id("bob", "travel").await;
    app.append("bob", &bobs, "user", "Bob's own plans").await;
    let clone = app
        .post(&format!("/conversations/shared/{share_id}/clone"))
        .bearer(&app.token("bob"))
        .form(&[("user_id", "bob"), ("old_parent_id", &trip)])
        .send()
        .await;
    clone.assert_status(200);
    Lived {
        conversations: vec![trip, recipes],
        clone: clone.body["conversation"]["id"].as_str().unwrap().to_owned(),
    }
}

async fn receipt(app: &TestApp, user: &str, id: &str) -> Value {
    let reply = app
        .get(&format!("/me/erasure/{id}"))
        .bearer(&app.token(user))
        .send()
        .await;
    reply.assert_status(200);
    reply.body
}

/// What of `user`'s is left: items that name them, and objects of theirs.
async fn left_of(app: &TestApp, user: &str, lived: &Lived) -> Vec<String> {
    let mut left: Vec<String> = app
        .table_items()
        .await
        .into_iter()
        .filter(|(key, item)| {
            !key.starts_with(&format!("USER#{user} ERASURE#")) && item.contains(&format!("\"{user}\""))
        })
        .map(|(key, _)| key)
        .collect();
    let tenant = &app.options.tenant;
    for prefix in lived
        .conversations
        .iter()
        .map(|c| format!("tenants/{tenant}/conversations/{c}/"))
        .chain([
            format!("tenants/{tenant}/exports/"),
            format!("tenants/{tenant}/erasures/"),
            format!("tenants/{tenant}/shares/"),
        ])
    {
        left.extend(app.objects_under(&prefix).await);
    }
    left
}

#[tokio::test]
async fn an_erasure_leaves_nothing_of_the_user_but_the_receipt_and_publishes_their_deletions() {
    let app = TestApp::spawn_with(with_stream()).await;
    let lived = live(&app).await;
    run_jobs(&app, 0).await; // the export is made: a zip of hers in the bucket
    assert!(
        !left_of(&app, "alice", &lived).await.is_empty(),
        "she left things behind"
    );

    let reply = app.post("/me/erasure").bearer(&app.token("alice")).send().await;
    reply.assert_status(202);
    let id = reply.body["erasure_id"].as_str().unwrap().to_owned();
    let pending = receipt(&app, "alice", &id).await;
    assert_eq!(
        (&pending["status"], &pending["finished_at"]),
        (&json!("pending"), &Value::Null)
    );
    run_jobs(&app, 0).await;

    let done = receipt(&app, "alice", &id).await;
    assert_eq!(done["status"], "done", "{done}");
    assert!(done["finished_at"].is_string());
    assert_eq!(
        [
            &done["conversations"],
            &done["messages"],
            &done["attachments"],
            &done["share_links"],
            &done["exports"]
        ],
        [&json!(2), &json!(3), &json!(1), &json!(1), &json!(1)],
        "{done}"
    );
    let left = left_of(&app, "alice", &lived).await;
    assert!(left.is_empty(), "left of alice's: {left:#?}");

    // Each of her conversations' removal reached the stream, and the deletion events'
    // publisher takes it.
    let source = EventSource::of("publish_deletions");
    for conversation in &lived.conversations {
        let removed = records(&app).await.into_iter().any(|r| {
            r["eventName"] == "REMOVE"
                && r["dynamodb"]["OldImage"]["PK"]["S"] == format!("CONV#{conversation}")
                && source.keeps(&r)
        });
        assert!(removed, "{conversation}'s deletion event");
    }
    // Bob's clone of her link is his, and stays.
    app.get(&format!("/conversations/{}", lived.clone))
        .bearer(&app.token("bob"))
        .send()
        .await
        .assert_status(200);
    assert_eq!(app.count("bob", "").await, json!(2));
    // Her receipt is hers alone.
    let foreign = app
        .get(&format!("/me/erasure/{id}"))
        .bearer(&app.token("bob"))
        .send()
        .await;
    foreign.assert_status(404);
    assert_eq!(foreign.detail(), "Erasure not found");
    // She may use the service again; a keyed repeat of the erasure is the same one.
    let keyed = |key: &'static str| {
        app.post("/me/erasure")
            .bearer(&app.token("carol"))
            .header("idempotency-key", key)
            .send()
    };
    let first = keyed("carol-erasure").await;
    let again = keyed("carol-erasure").await;
    assert_eq!(first.body, again.body);
    assert_eq!(again.headers["idempotent-replayed"], "true");
}

/// Two erasures a minute per user; a keyed replay takes none.
#[tokio::test]
async fn erasures_are_two_a_minute() {
    let app = TestApp::spawn_with(Options {
        clock: glchat_tests::stopped_at_this_minute(),
        ..with_stream()
    })
    .await;
    let erase = |key: Option<&'static str>| {
        let mut call = app.post("/me/erasure").bearer(&app.token("carol"));
        if let Some(key) = key {
            call = call.header("idempotency-key", key);
        }
        call.send()
    };
    erase(Some("first")).await.assert_status(202);
    erase(Some("first")).await.assert_status(202);
    erase(None).await.assert_status(202);
    let limited = erase(None).await;
    limited.assert_status(429);
    assert!(limited.headers.contains_key("retry-after"), "{:?}", limited.headers);
    app.post("/me/erasure")
        .bearer(&app.token("dave"))
        .send()
        .await
        .assert_status(202);
}

/// Each step of an erasure cut after its first AWS call, its second, ... then handed
/// over again: nothing of the user's is left, and the receipt counts what there was.
#[tokio::test]
async fn an_erasure_cut_at_any_call_of_any_step_ends_the_same() {
    use glchat_app::erasures::ErasureStatus;
    use glchat_app::ids::{ErasureId, UserId};
    use glchat_app::ops::erasures::run_step;
    use glchat_tests::faults::Refusal;
    use std::time::Duration;

    let hold = Refusal::stall(|_| true, 0, Duration::from_secs(60));
    let app = TestApp::spawn_with(Options {
        refusals: vec![hold.clone()],
        ..with_stream()
    })
    .await;
    let lived = live(&app).await;
    run_jobs(&app, 0).await;
    let reply = app.post("/me/erasure").bearer(&app.token("alice")).send().await;
    let id = reply.body["erasure_id"].as_str().unwrap().to_owned();
    let deps = app.deps_for(glchat_functions::handlers::run_jobs::NEEDS).await;
    let (user, erasure) = (UserId::parse("alice").unwrap(), ErasureId::parse(&id).unwrap());
    let (_, cuts) = cut_every_step(
        &hold,
        || async {
            let job = deps.store.job(&user, &erasure).await.unwrap().unwrap();
            (job.step, job.status == ErasureStatus::Pending)
        },
        |step| run_step(&deps, &user, &erasure, step),
    )
    .await;
    assert!(cuts > 30, "cut at every call: {cuts}");
    let done = receipt(&app, "alice", &id).await;
    assert_eq!(
        [
            &done["status"],
            &done["conversations"],
            &done["messages"],
            &done["attachments"],
            &done["share_links"],
            &done["exports"]
        ],
        [&json!("done"), &json!(2), &json!(3), &json!(1), &json!(1), &json!(1)],
        "{done}"
    );
    let left = left_of(&app, "alice", &lived).await;
    assert!(left.is_empty(), "left of alice's: {left:#?}");
}
