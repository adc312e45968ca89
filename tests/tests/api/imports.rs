//! Imports (`POST /conversations/imports`, `GET /conversations/imports/{id}`): a ChatGPT
//! export written by the tests' own generator (`glchat_tests::chatgpt`: regenerated
//! answers, an edited question, a tool call, an image), uploaded to the presigned URL,
//! started by the upload's S3 event and read by `run_jobs`; every branch kept, the
//! active path marked, times and model kept, the unreadable conversation listed with
//! its reason; imported again, nothing is duplicated; the split files and a zip work;
//! this service's own export round-trips exactly; what is no export fails, writing
//! nothing.

use glchat_tests::chatgpt::{sample, zip_of};
use glchat_tests::jobs::{download, import, run_jobs};
use glchat_tests::{Options, TestApp};
use serde_json::{Value, json};

fn with_stream() -> Options {
    Options {
        stream: true,
        extra: vec![("RATE_LIMIT_EXPORTS_PER_MINUTE".into(), "20".into())],
        ..Options::default()
    }
}

async fn accept(app: &TestApp, user: &str, file_name: &str, size: usize) -> Value {
    let reply = app
        .post("/conversations/imports")
        .bearer(&app.token(user))
        .json(&json!({ "file_name": file_name, "size": size }))
        .send()
        .await;
    reply.assert_status(202);
    assert_eq!(reply.body["status"], "awaiting_upload");
    reply.body
}

async fn imported(app: &TestApp, user: &str, file_name: &str, bytes: &[u8]) -> Value {
    let accepted = accept(app, user, file_name, bytes.len()).await;
    import(app, user, &accepted, bytes).await;
    let id = accepted["import_id"].as_str().unwrap();
    let reply = app
        .get(&format!("/conversations/imports/{id}"))
        .bearer(&app.token(user))
        .send()
        .await;
    reply.assert_status(200);
    reply.body
}

/// The user's conversations with `chatbot`, newest first.
async fn listed(app: &TestApp, user: &str, chatbot: &str) -> Vec<Value> {
    let reply = app
        .get(&format!("/conversations?chatbot_id={chatbot}&limit=100"))
        .bearer(&app.token(user))
        .send()
        .await;
    reply.assert_status(200);
    reply.body["conversations"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_chatgpt_export_keeps_every_branch_and_imported_again_duplicates_nothing() {
    let app = TestApp::spawn_with(with_stream()).await;
    let file = serde_json::to_vec(&sample()).unwrap();
    let done = imported(&app, "alice", "conversations.json", &file).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(
        (
            &done["conversations_imported"],
            &done["conversations_skipped"],
            &done["messages_imported"]
        ),
        (&json!(2), &json!(1), &json!(10)),
        "{done}"
    );
    assert_eq!(
        done["failures"],
        json!([{ "source_id": "c0ffee00-0000-4000-8000-000000000003", "reason": "no mapping" }])
    );

    let conversations = listed(&app, "alice", "chatgpt").await;
    let titles: Vec<&Value> = conversations.iter().map(|c| &c["title"]).collect();
    assert_eq!(titles, [&json!("Rendang"), &json!("Bali with kids")]);
    let trip = &conversations[1];
    assert_eq!(trip["model_name"], "chatgpt/gpt-4o");
    assert_eq!(trip["created_time"], "2023-11-14T22:13:20.500Z");
    assert_eq!(trip["metadata_"]["imported_from"], "chatgpt");
    let reply = app
        .get(&format!("/conversations/{}?limit=100", trip["id"].as_str().unwrap()))
        .bearer(&app.token("alice"))
        .send()
        .await;
    let messages = reply.body["messages"].as_array().unwrap();
    let read: Vec<(&str, bool)> = messages
        .iter()
        .map(|m| (m["content"].as_str().unwrap(), m["is_active"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        read,
        [
            ("Plan a week in Bali with kids", true),
            ("Day 1: Ubud monkey forest", false),
            ("Day 1: Sanur beach", true),
            ("And day 2?", false),
            ("And day 2, with a rainy day plan?", true),
            ("Day 2: Waterbom if it rains", true),
            ("[image]\nIs this beach safe for kids?", true),
            ("Yes, Sanur is calm", true),
        ],
        "every branch, the hidden system message and the tool call left out"
    );
    let id_of = |content: &str| messages.iter().find(|m| m["content"] == content).unwrap()["id"].clone();
    assert_eq!(
        messages[0]["parent_id"], trip["id"],
        "the first hangs from the conversation"
    );
    assert_eq!(messages[1]["parent_id"], id_of("Plan a week in Bali with kids"));
    assert_eq!(messages[2]["parent_id"], id_of("Plan a week in Bali with kids"));
    assert_eq!(
        messages[5]["parent_id"],
        id_of("And day 2, with a rainy day plan?"),
        "past the tool call"
    );
    assert_eq!(messages[2]["created_time"], "2023-11-14T22:13:50.000Z");
    // An append without a parent follows the active branch.
    let next = app
        .append("alice", trip["id"].as_str().unwrap(), "user", "Thanks!")
        .await;
    assert_eq!(next["parent_id"], id_of("Yes, Sanur is calm"));

    // The same export again, as the zip ChatGPT gives: nothing new.
    let zipped = zip_of(&[("conversations.json", file.clone()), ("chat.html", b"<html/>".to_vec())]);
    let again = imported(&app, "alice", "chatgpt-export.zip", &zipped).await;
    assert_eq!(
        (
            &again["status"],
            &again["conversations_imported"],
            &again["conversations_skipped"]
        ),
        (&json!("done"), &json!(0), &json!(3)),
        "{again}"
    );
    assert_eq!(listed(&app, "alice", "chatgpt").await.len(), 2, "no duplicate");
    // Another user importing the same file gets conversations of their own.
    let bobs = imported(&app, "bob", "conversations.json", &file).await;
    assert_eq!(bobs["conversations_imported"], 2);
    // And the import's upload and parts are gone once it is done.
    let prefix = format!("tenants/{}/imports/", app.options.tenant);
    assert!(
        app.objects_under(&prefix).await.is_empty(),
        "{:?}",
        app.objects_under(&prefix).await
    );
}

#[tokio::test]
async fn the_split_files_import_and_what_is_no_export_fails_writing_nothing() {
    let app = TestApp::spawn_with(with_stream()).await;
    let all = sample();
    let list = all.as_array().unwrap();
    let split = zip_of(&[
        ("conversations-000.json", serde_json::to_vec(&json!([list[0]])).unwrap()),
        ("conversations-001.json", serde_json::to_vec(&json!([list[1]])).unwrap()),
    ]);
    let done = imported(&app, "alice", "export.zip", &split).await;
    assert_eq!(
        (&done["status"], &done["conversations_imported"]),
        (&json!("done"), &json!(2)),
        "{done}"
    );

    for (name, bytes, reason) in [
        ("notes.txt", b"just some notes".to_vec(), "not a JSON file or a zip"),
        (
            "photos.zip",
            zip_of(&[("a.jpg", vec![1, 2, 3])]),
            "the zip holds no conversations.json",
        ),
        (
            "conversations.json",
            b"{\"not\": \"a list\"}".to_vec(),
            "not a ChatGPT export: no list of conversations",
        ),
    ] {
        let failed = imported(&app, "carol", name, &bytes).await;
        assert_eq!(failed["status"], "failed", "{failed}");
        assert_eq!(failed["failures"], json!([{ "source_id": name, "reason": reason }]));
        assert_eq!(failed["conversations_imported"], 0);
    }
    assert!(listed(&app, "carol", "chatgpt").await.is_empty(), "nothing written");

    // Declared sizes are checked before any upload; another user's import is not found.
    for (size, kind) in [
        (json!(0), "greater_than_equal"),
        (json!(-1), "greater_than_equal"),
        (json!(300 * 1024 * 1024), "less_than_equal"),
        (json!("big"), "int_parsing"),
    ] {
        let reply = app
            .post("/conversations/imports")
            .bearer(&app.token("alice"))
            .json(&json!({ "file_name": "x.zip", "size": size }))
            .send()
            .await;
        reply.assert_status(422);
        let detail = reply.body["detail"].as_array().unwrap();
        assert_eq!(detail.len(), 1, "one problem with {size}: {}", reply.text);
        assert_eq!(
            (&detail[0]["loc"], &detail[0]["type"]),
            (&json!(["body", "size"]), &json!(kind)),
            "{}",
            reply.text
        );
    }
    let accepted = accept(&app, "alice", "later.zip", 10).await;
    // A PUT of another size than declared is refused: the signature covers it.
    let url = accepted["upload_url"].as_str().unwrap();
    for body in [vec![b'x'; 20], vec![b'x'; 5]] {
        let headers = [
            ("content-type".to_owned(), "application/octet-stream".to_owned()),
            ("content-length".to_owned(), body.len().to_string()),
        ];
        let (status, _) = glchat_tests::client::raw_request("PUT", url, &headers, body).await;
        assert_eq!(status, 403, "an upload of another size");
    }
    assert_eq!(
        app.objects_under(&format!("tenants/{}/imports/", app.options.tenant))
            .await
            .iter()
            .filter(|o| o.contains(accepted["import_id"].as_str().unwrap()))
            .count(),
        0,
        "nothing was stored"
    );
    let foreign = app
        .get(&format!(
            "/conversations/imports/{}",
            accepted["import_id"].as_str().unwrap()
        ))
        .bearer(&app.token("bob"))
        .send()
        .await;
    foreign.assert_status(404);
    assert_eq!(foreign.detail(), "Import not found");
}

/// An export of alice's, made and downloaded: read, and its bytes.
async fn export(app: &TestApp) -> (glchat_tests::jobs::ExportZip, Vec<u8>) {
    let reply = app
        .post("/conversations/exports")
        .bearer(&app.token("alice"))
        .json(&json!({}))
        .send()
        .await;
    let id = reply.body["export_id"].as_str().unwrap().to_owned();
    run_jobs(app, 0).await;
    let ready = app
        .get(&format!("/conversations/exports/{id}"))
        .bearer(&app.token("alice"))
        .send()
        .await;
    let url = ready.body["url"].as_str().unwrap().to_owned();
    let (_, bytes) = glchat_tests::client::raw_request("GET", &url, &[], Vec::new()).await;
    (download(&url).await, bytes)
}

#[tokio::test]
async fn this_services_export_round_trips_exactly() {
    let app = TestApp::spawn_with(with_stream()).await;
    let trip = app.conversation_id("alice", "travel").await;
    let question = app.append("alice", &trip, "user", "Plan a week in Bali").await;
    app.append("alice", &trip, "assistant", "Day 1: Ubud").await;
    app.post(&format!("/conversations/{trip}/messages"))
        .bearer(&app.token("alice"))
        .json(&json!({ "role": "assistant", "content": "Day 1: Canggu", "parent_id": question["id"] }))
        .send()
        .await
        .assert_status(200);
    app.upload("alice", &trip, "itinerary.txt", b"Ubud, Canggu").await;
    let (before, zip) = export(&app).await;

    // Her history erased, then her export imported back.
    let erasure = app.post("/me/erasure").bearer(&app.token("alice")).send().await;
    erasure.assert_status(202);
    run_jobs(&app, 0).await;
    assert!(listed(&app, "alice", "travel").await.is_empty());
    let done = imported(&app, "alice", "glchat-export.zip", &zip).await;
    assert_eq!(
        (&done["status"], &done["conversations_imported"]),
        (&json!("done"), &json!(1)),
        "{done}"
    );

    let (after, _) = export(&app).await;
    assert_eq!(
        after.conversations["conversations"], before.conversations["conversations"],
        "the same conversations, messages, ids, times and attachments"
    );
    assert_eq!(after.files, before.files, "the same files");
}

/// Each step of an import cut after its first AWS call, its second, ... (the
/// invocation's future dropped while the next call is held), then handed over again,
/// and each handed over twice: the import ends as one made uncut would, every
/// conversation and message once, counted once, and nothing left of its upload.
#[tokio::test]
async fn an_import_cut_at_any_call_of_any_step_ends_as_an_uncut_one() {
    use glchat_app::ids::{ImportId, UserId};
    use glchat_app::imports::ImportStatus;
    use glchat_app::ops::imports::run_step;
    use glchat_tests::chatgpt::bulk;
    use glchat_tests::faults::Refusal;
    use glchat_tests::jobs::{cut_every_step, upload_import};
    use std::time::Duration;

    let hold = Refusal::stall(|_| true, 0, Duration::from_secs(60));
    // Two conversations a step: five take three steps, after the reading of the file.
    let mut options = with_stream();
    options.refusals = vec![hold.clone()];
    options.extra.extend([
        ("JOB_STEP_CONVERSATIONS".into(), "2".into()),
        ("JOB_STEP_ATTEMPTS".into(), "1000".into()),
    ]);
    let app = TestApp::spawn_with(options).await;
    let file = serde_json::to_vec(&bulk(5, 4)).unwrap();
    let accepted = accept(&app, "alice", "conversations.json", file.len()).await;
    upload_import(&app, "alice", &accepted, &file).await;
    let id = accepted["import_id"].as_str().unwrap();
    let deps = app.deps_for(glchat_functions::handlers::run_jobs::NEEDS).await;
    let (user, import) = (UserId::parse("alice").unwrap(), ImportId::parse(id).unwrap());
    let (steps, cuts) = cut_every_step(
        &hold,
        || async {
            let job = deps.store.job(&user, &import).await.unwrap().unwrap();
            (job.step, job.status == ImportStatus::Running)
        },
        |step| run_step(&deps, &user, &import, step),
    )
    .await;
    assert_eq!(steps, 1 + 3 + 1, "the reading, three steps of conversations, the end");
    assert!(cuts > 20, "every step was cut at each of its calls: {cuts}");
    let done = app
        .get(&format!("/conversations/imports/{id}"))
        .bearer(&app.token("alice"))
        .send()
        .await;
    assert_eq!(
        (
            &done.body["status"],
            &done.body["conversations_imported"],
            &done.body["messages_imported"],
            &done.body["conversations_skipped"]
        ),
        (&json!("done"), &json!(5), &json!(25), &json!(0)),
        "{}",
        done.text
    );
    let conversations = listed(&app, "alice", "chatgpt").await;
    let mut titles: Vec<&str> = conversations.iter().map(|c| c["title"].as_str().unwrap()).collect();
    titles.sort_unstable();
    assert_eq!(titles, (0..5).map(|c| format!("Conversation {c}")).collect::<Vec<_>>());
    for conversation in &conversations {
        let read = app
            .get(&format!(
                "/conversations/{}?limit=100",
                conversation["id"].as_str().unwrap()
            ))
            .bearer(&app.token("alice"))
            .send()
            .await;
        assert_eq!(read.body["messages"].as_array().unwrap().len(), 5, "{}", read.text);
    }
    // The upload and the parts go with the end of the import; a clean-up cut short
    // leaves at most some of them, which the bucket's rule removes.
    let prefix = format!("tenants/{}/imports/", app.options.tenant);
    let left = app.objects_under(&prefix).await;
    assert!(
        left.iter().all(|o| o.ends_with("/upload") || o.contains("/parts/")),
        "{left:?}"
    );
}

/// A keyed repeat is the same import (the same upload URL); imports and exports share
/// one rate, which a replay does not take from.
#[tokio::test]
async fn a_keyed_repeat_is_the_same_import_and_imports_share_the_exports_rate() {
    let mut options = with_stream();
    options.extra = vec![("RATE_LIMIT_EXPORTS_PER_MINUTE".into(), "2".into())];
    options.clock = glchat_tests::stopped_at_this_minute();
    let app = TestApp::spawn_with(options).await;
    let keyed = || {
        app.post("/conversations/imports")
            .bearer(&app.token("alice"))
            .header("idempotency-key", "import-1")
            .json(&json!({ "file_name": "conversations.json", "size": 10 }))
            .send()
    };
    let first = keyed().await;
    first.assert_status(202);
    let again = keyed().await;
    again.assert_status(202);
    assert_eq!(again.body, first.body, "the same import");
    assert_eq!(again.headers["idempotent-replayed"], "true");
    app.post("/conversations/exports")
        .bearer(&app.token("alice"))
        .json(&json!({}))
        .send()
        .await
        .assert_status(202);
    let limited = app
        .post("/conversations/imports")
        .bearer(&app.token("alice"))
        .json(&json!({ "file_name": "conversations.json", "size": 10 }))
        .send()
        .await;
    limited.assert_status(429);
    assert!(limited.headers.contains_key("retry-after"));
    // Bob's rate is his own.
    accept(&app, "bob", "conversations.json", 10).await;
}
