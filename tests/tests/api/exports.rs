//! Exports (`POST /conversations/exports`, `GET /conversations/exports/{id}`): made by
//! the real `run_jobs` handler from the records of the table's stream its event source
//! keeps, downloaded from the presigned URL and read back: every branch, attachment
//! files, live share links, nothing of anyone else's; the request refused whole for a
//! foreign id; continued over steps; safe to hand over twice and to cut midway; given
//! up, with its reason, when a step keeps failing.

use glchat_app::deps::ClientHooks;
use glchat_tests::faults::Fault;
use glchat_tests::jobs::{ExportZip, cut_every_step, download, run_jobs};
use glchat_tests::{Options, TestApp};
use serde_json::{Value, json};

fn with_stream(extra: &[(&str, &str)]) -> Options {
    Options {
        stream: true,
        extra: extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        ..Options::default()
    }
}

async fn start(app: &TestApp, user: &str, body: Value) -> String {
    let reply = app
        .post("/conversations/exports")
        .bearer(&app.token(user))
        .json(&body)
        .send()
        .await;
    reply.assert_status(202);
    assert_eq!(reply.body["status"], "pending");
    reply.body["export_id"].as_str().unwrap().to_owned()
}

async fn status(app: &TestApp, user: &str, id: &str) -> Value {
    let reply = app
        .get(&format!("/conversations/exports/{id}"))
        .bearer(&app.token(user))
        .send()
        .await;
    reply.assert_status(200);
    reply.body
}

/// The export's `conversations.json` validates against `docs/export.schema.json`.
fn assert_valid(zip: &ExportZip) {
    let schema: Value = serde_json::from_str(include_str!("../../../docs/export.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the export schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&zip.conversations)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "conversations.json against its schema: {errors:#?}");
}

fn conversation<'a>(zip: &'a ExportZip, id: &str) -> &'a Value {
    zip.conversations["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} is not in the export"))
}

#[tokio::test]
async fn an_export_holds_every_branch_file_and_link_of_the_callers_and_nothing_else() {
    let app = TestApp::spawn_with(with_stream(&[])).await;
    let trip = app.conversation_id("alice", "travel").await;
    let question = app.append("alice", &trip, "user", "Plan a week in Bali").await;
    let first = app.append("alice", &trip, "assistant", "Day 1: Ubud").await;
    // A regenerated answer: a second branch from the same question, now the active one.
    let regenerated = app
        .post(&format!("/conversations/{trip}/messages"))
        .bearer(&app.token("alice"))
        .json(&json!({ "role": "assistant", "content": "Day 1: Canggu", "parent_id": question["id"] }))
        .send()
        .await;
    regenerated.assert_status(200);
    // An answer hidden from the conversation (as a clone or an import may hold one).
    let hidden = glchat_app::models::Message {
        id: glchat_app::ids::MessageId::from_ulid(ulid::Ulid::new()),
        conversation_id: glchat_app::ids::ConversationId::parse(&trip).unwrap(),
        role: glchat_app::models::MessageRole::Assistant,
        content: "Day 1: Seminyak".into(),
        deanonymized_content: None,
        created_time: app.app.clock.now(),
        is_active: false,
        parent_id: Some(question["id"].as_str().unwrap().to_owned()),
        source: None,
        feedback: None,
        metadata_: None,
    };
    app.app.store.put_collection_items(&[hidden], &[]).await.unwrap();
    let attachment = app
        .upload("alice", &trip, "itinerary.txt", b"Ubud, Canggu, Uluwatu")
        .await;
    let share_id = app.share("alice", &trip).await;
    let recipes = app.conversation_id("alice", "cooking").await;
    app.append("alice", &recipes, "user", "Rendang, step by step").await;
    let bobs = app.conversation_id("bob", "travel").await;
    app.append("bob", &bobs, "user", "Bob's private plans").await;

    let id = start(&app, "alice", json!({})).await;
    let pending = status(&app, "alice", &id).await;
    assert_eq!((&pending["status"], &pending["url"]), (&json!("pending"), &Value::Null));
    let handed = run_jobs(&app, 0).await;
    assert_eq!(
        handed, 3,
        "the job's insert, then the writes of the list and of the conversations"
    );

    let ready = status(&app, "alice", &id).await;
    assert_eq!(ready["status"], "ready", "{ready}");
    assert_eq!(
        (&ready["conversations"], &ready["messages"], &ready["attachments"]),
        (&json!(2), &json!(5), &json!(1))
    );
    assert_eq!(ready["failure"], Value::Null);
    // `expires_at` is when the URL stops working: an hour on (the export is kept 7
    // days; asking again gives a fresh URL). While pending, when the export goes.
    let at = |v: &Value| {
        time::OffsetDateTime::parse(v.as_str().unwrap(), &time::format_description::well_known::Rfc3339).unwrap()
    };
    let url_for = at(&ready["expires_at"]) - time::OffsetDateTime::now_utc();
    assert!(
        url_for > time::Duration::minutes(55) && url_for <= time::Duration::minutes(60),
        "{ready}"
    );
    assert!(at(&pending["expires_at"]) - time::OffsetDateTime::now_utc() > time::Duration::days(6));
    let zip = download(ready["url"].as_str().unwrap()).await;
    assert_valid(&zip);
    assert_eq!(zip.conversations["format"], "glchat-export");
    assert_eq!(zip.conversations["user_id"], "alice");
    assert_eq!(zip.conversations["conversations"].as_array().unwrap().len(), 2);

    let exported = conversation(&zip, &trip);
    let messages = exported["messages"].as_array().unwrap();
    let contents: Vec<&str> = messages.iter().map(|m| m["content"].as_str().unwrap()).collect();
    assert_eq!(
        contents,
        ["Plan a week in Bali", "Day 1: Ubud", "Day 1: Canggu", "Day 1: Seminyak"],
        "every branch"
    );
    assert!(messages[1..].iter().all(|m| m["parent_id"] == question["id"]));
    assert_eq!(messages[1]["id"], first["id"]);
    let active: Vec<&Value> = messages.iter().map(|m| &m["is_active"]).collect();
    assert_eq!(
        active,
        [&json!(true), &json!(true), &json!(true), &json!(false)],
        "as stored"
    );
    assert_eq!(exported["share_link"]["share_id"], share_id);
    let path = format!(
        "attachments/{trip}/{}/itinerary.txt",
        attachment["id"].as_str().unwrap()
    );
    assert_eq!(exported["attachments"][0]["path"], path.as_str());
    assert_eq!(
        zip.files.get(&path).map(Vec::as_slice),
        Some(&b"Ubud, Canggu, Uluwatu"[..])
    );
    assert_eq!(zip.files.len(), 1);
    assert_eq!(conversation(&zip, &recipes)["share_link"], Value::Null);
    let text = zip.conversations.to_string();
    assert!(
        !text.contains(&bobs) && !text.contains("Bob's private plans"),
        "nothing of bob's"
    );

    // Once made, only the zip is kept of it: the list and the parts are gone.
    let prefix = format!("tenants/{}/exports/{id}/", app.options.tenant);
    assert_eq!(app.objects_under(&prefix).await, [format!("{prefix}glchat-export.zip")]);
    // Another user's export, or one that does not exist, is not found.
    for (user, export) in [
        ("bob", id.as_str()),
        ("alice", "01JNOTANEXP0RT000000000000"),
        ("alice", "a#b"),
    ] {
        let reply = app
            .get(&format!("/conversations/exports/{export}"))
            .bearer(&app.token(user))
            .send()
            .await;
        reply.assert_status(404);
        assert_eq!(reply.detail(), "Export not found");
    }
}

#[tokio::test]
async fn listed_conversations_are_exported_alone_and_a_foreign_one_refuses_the_request() {
    // Refused requests count toward the rate too (it is taken before any work).
    let app = TestApp::spawn_with(with_stream(&[("RATE_LIMIT_EXPORTS_PER_MINUTE", "10")])).await;
    let first = app.conversation_id("alice", "bot").await;
    let second = app.conversation_id("alice", "bot").await;
    let bobs = app.conversation_id("bob", "bot").await;

    // As FastAPI says it: a bad item of the list is named by its index.
    for (body, loc, kind) in [
        (
            json!({ "conversation_ids": [] }),
            json!(["body", "conversation_ids"]),
            "too_short",
        ),
        (
            json!({ "conversation_ids": "all" }),
            json!(["body", "conversation_ids"]),
            "list_type",
        ),
        (
            json!({ "conversation_ids": [first, "a#b"] }),
            json!(["body", "conversation_ids", 1]),
            "value_error",
        ),
        (
            json!({ "conversation_ids": [7] }),
            json!(["body", "conversation_ids", 0]),
            "string_type",
        ),
    ] {
        let reply = app
            .post("/conversations/exports")
            .bearer(&app.token("alice"))
            .json(&body)
            .send()
            .await;
        reply.assert_status(422);
        let detail = &reply.body["detail"][0];
        assert_eq!(
            (&detail["loc"], &detail["type"]),
            (&loc, &json!(kind)),
            "{}",
            reply.text
        );
    }
    let many: Vec<String> = (0..1_001).map(|i| format!("c{i}")).collect();
    let reply = app
        .post("/conversations/exports")
        .bearer(&app.token("alice"))
        .json(&json!({ "conversation_ids": many }))
        .send()
        .await;
    reply.assert_status(422);

    // Another user's id, or a missing one, refuses the whole request: no export is made.
    for foreign in [bobs.as_str(), "01JMISSINGC0NVERSAT10N0000"] {
        let reply = app
            .post("/conversations/exports")
            .bearer(&app.token("alice"))
            .json(&json!({ "conversation_ids": [first, foreign] }))
            .send()
            .await;
        reply.assert_status(404);
        assert_eq!(reply.detail(), "Conversation not found");
    }
    assert_eq!(run_jobs(&app, 0).await, 0, "no job was created");

    let id = start(&app, "alice", json!({ "conversation_ids": [second, second] })).await;
    run_jobs(&app, 0).await;
    let ready = status(&app, "alice", &id).await;
    assert_eq!(
        (&ready["status"], &ready["conversations"]),
        (&json!("ready"), &json!(1))
    );
    let zip = download(ready["url"].as_str().unwrap()).await;
    let ids: Vec<&Value> = zip.conversations["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect();
    assert_eq!(ids, [&json!(second)]);

    // No body at all asks for every conversation, as `{}` does; an empty body of another
    // type is refused.
    let bare = app
        .post("/conversations/exports")
        .bearer(&app.token("alice"))
        .send()
        .await;
    bare.assert_status(202);
    let plain = app
        .post("/conversations/exports")
        .bearer(&app.token("alice"))
        .header("content-type", "text/plain")
        .send()
        .await;
    plain.assert_status(415);
    run_jobs(&app, 0).await;
    let every = status(&app, "alice", bare.body["export_id"].as_str().unwrap()).await;
    assert_eq!(
        (&every["status"], &every["conversations"]),
        (&json!("ready"), &json!(2)),
        "{every}"
    );
}

#[tokio::test]
async fn a_keyed_repeat_is_the_same_export_and_the_rate_is_limited() {
    let app = TestApp::spawn_with(Options {
        clock: glchat_tests::stopped_at_this_minute(),
        ..with_stream(&[("RATE_LIMIT_EXPORTS_PER_MINUTE", "2")])
    })
    .await;
    app.conversation_id("alice", "bot").await;
    let send = |key: Option<&'static str>| {
        let mut call = app
            .post("/conversations/exports")
            .bearer(&app.token("alice"))
            .json(&json!({}));
        if let Some(key) = key {
            call = call.header("idempotency-key", key);
        }
        call.send()
    };
    let first = send(Some("export-1")).await;
    first.assert_status(202);
    let again = send(Some("export-1")).await;
    again.assert_status(202);
    assert_eq!(again.body, first.body, "the same export");
    assert_eq!(again.headers["idempotent-replayed"], "true");
    send(None).await.assert_status(202);
    let limited = send(None).await;
    limited.assert_status(429);
    assert!(limited.headers.contains_key("retry-after"));
    run_jobs(&app, 0).await;
    assert_eq!(
        status(&app, "alice", first.body["export_id"].as_str().unwrap()).await["status"],
        "ready"
    );
}

/// Each step of an export cut after its first AWS call, its second, ... (the
/// invocation's future dropped while the next call is held, as a timeout or a dying
/// sandbox leaves it), then handed over again: the export ends as one made uncut would,
/// every conversation and file once. And each record handed over twice: the second does
/// nothing.
#[tokio::test]
async fn an_export_continues_over_steps_and_a_repeated_or_cut_step_changes_nothing() {
    use glchat_app::exports::ExportStatus;
    use glchat_app::ids::{ExportId, UserId};
    use glchat_app::ops::exports::run_step;
    use glchat_tests::faults::Refusal;
    use std::time::Duration;

    let hold = Refusal::stall(|_| true, 0, Duration::from_secs(60));
    // Two conversations a step: five take three steps, after the list. Cuts count as
    // attempts; this test makes many.
    let app = TestApp::spawn_with(Options {
        refusals: vec![hold.clone()],
        ..with_stream(&[("JOB_STEP_CONVERSATIONS", "2"), ("JOB_STEP_ATTEMPTS", "1000")])
    })
    .await;
    let mut conversations = Vec::new();
    for i in 0..5 {
        let id = app.conversation_id("alice", "bot").await;
        app.append("alice", &id, "user", &format!("message {i}")).await;
        conversations.push(id);
    }
    app.upload("alice", &conversations[0], "notes.txt", b"first notes")
        .await;
    let id = start(&app, "alice", json!({})).await;
    let deps = app.deps_for(glchat_functions::handlers::run_jobs::NEEDS).await;
    let (user, export) = (UserId::parse("alice").unwrap(), ExportId::parse(&id).unwrap());
    let (steps, cuts) = cut_every_step(
        &hold,
        || async {
            let job = deps.store.job(&user, &export).await.unwrap().unwrap();
            (job.step, job.status == ExportStatus::Pending)
        },
        |step| run_step(&deps, &user, &export, step),
    )
    .await;
    assert_eq!(steps, 1 + 3 + 1, "the list, three steps of conversations, the zip");
    assert!(cuts > 20, "every step was cut at each of its calls: {cuts}");
    let ready = status(&app, "alice", &id).await;
    assert_eq!(
        (
            &ready["status"],
            &ready["conversations"],
            &ready["messages"],
            &ready["attachments"]
        ),
        (&json!("ready"), &json!(5), &json!(5), &json!(1))
    );
    let zip = download(ready["url"].as_str().unwrap()).await;
    assert_valid(&zip);
    let mut contents: Vec<String> = zip.conversations["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["messages"][0]["content"].as_str().unwrap().to_owned())
        .collect();
    contents.sort();
    assert_eq!(
        contents,
        (0..5).map(|i| format!("message {i}")).collect::<Vec<_>>(),
        "each once"
    );
    assert_eq!(zip.files.values().collect::<Vec<_>>(), [&b"first notes".to_vec()]);
    // The export's prefix holds its zip, and at most what a clean-up cut short left of
    // its list and parts, which the bucket's rule removes with the zip.
    let prefix = format!("tenants/{}/exports/{id}/", app.options.tenant);
    let objects = app.objects_under(&prefix).await;
    assert!(objects.contains(&format!("{prefix}glchat-export.zip")), "{objects:?}");
    assert!(
        objects
            .iter()
            .all(|o| o.ends_with("glchat-export.zip") || o.ends_with("manifest.json") || o.contains("/parts/")),
        "{objects:?}"
    );
}

#[tokio::test]
async fn a_step_that_keeps_failing_gives_the_export_up_with_its_reason() {
    // The list's write fails on every attempt Lambda makes.
    let fault = Fault::fail("PutObject", 100);
    let app = TestApp::spawn_with(Options {
        hooks: ClientHooks {
            s3: vec![fault.interceptor()],
            ..ClientHooks::default()
        },
        ..with_stream(&[])
    })
    .await;
    app.conversation_id("alice", "bot").await;
    let id = start(&app, "alice", json!({})).await;
    run_jobs(&app, 6).await;
    let failed = status(&app, "alice", &id).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["url"], Value::Null);
    assert!(failed["failure"].as_str().unwrap().contains("ask for a new one"));
    assert_eq!(
        fault.remaining(),
        100 - glchat_app::config::ExportConfig::DEFAULT_STEP_ATTEMPTS as usize,
        "each attempt tried once; the next gave it up"
    );
}
