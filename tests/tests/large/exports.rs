//! An export at real size: 5,000 conversations, one of them 20,000 messages long, and
//! 300 attachments, made in steps of at most 1,000 conversations (the deployed
//! default), into one zip that holds every conversation, every message once and every
//! file.

use std::collections::HashSet;

use glchat_tests::jobs::{download, finish_export};
use glchat_tests::{TestApp, seed};
use serde_json::json;

#[tokio::test]
async fn five_thousand_conversations_a_long_history_and_300_files_export_into_one_zip() {
    let _turn = glchat_tests::at_real_size().await;
    let app = TestApp::spawn().await;
    let store = &app.app.store;
    let short = seed::conversations(store, "alice", "bot", 4_999, 2, |c, m| format!("c{c} m{m}"))
        .await
        .unwrap();
    let long = seed::conversations(store, "alice", "bot", 1, 20_000, |_, m| {
        format!("long m{m:05} {}", "x".repeat(200))
    })
    .await
    .unwrap();
    let deps = app.deps_for(glchat_app::config::Needs::ALL).await;
    let files = seed::attachments(&deps, &short[0], 300, 1_024).await.unwrap();
    seed::conversations(store, "bob", "bot", 3, 2, |c, m| format!("bob c{c} m{m}"))
        .await
        .unwrap();

    let reply = app
        .post("/conversations/exports")
        .bearer(&app.token("alice"))
        .json(&json!({}))
        .send()
        .await;
    reply.assert_status(202);
    let id = reply.body["export_id"].as_str().unwrap().to_owned();
    let job = finish_export(&app, "alice", &id).await;
    assert_eq!(
        job.step,
        1 + 5 + 1,
        "the list, five steps of 1,000 conversations, the zip"
    );

    let ready = app
        .get(&format!("/conversations/exports/{id}"))
        .bearer(&app.token("alice"))
        .send()
        .await;
    ready.assert_status(200);
    assert_eq!(
        (
            &ready.body["status"],
            &ready.body["conversations"],
            &ready.body["messages"],
            &ready.body["attachments"]
        ),
        (&json!("ready"), &json!(5_000), &json!(4_999 * 2 + 20_000), &json!(300))
    );
    let zip = download(ready.body["url"].as_str().unwrap()).await;
    let conversations = zip.conversations["conversations"].as_array().unwrap();
    assert_eq!(conversations.len(), 5_000);
    let ids: HashSet<&str> = conversations.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 5_000, "each conversation once");
    assert!(short.iter().chain(&long).all(|c| ids.contains(c.as_str())));
    let history = conversations.iter().find(|c| c["id"] == long[0].as_str()).unwrap()["messages"]
        .as_array()
        .unwrap();
    assert_eq!(history.len(), 20_000);
    let unique: HashSet<&str> = history.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(unique.len(), 20_000, "every message once");
    assert_eq!(
        history[19_999]["content"].as_str().unwrap().get(..11),
        Some("long m19999")
    );
    assert_eq!(zip.files.len(), 300);
    for file in &files {
        let path = format!("attachments/{}/{}/{}", short[0], file.id, file.file_name);
        assert_eq!(zip.files.get(&path).map(Vec::len), Some(1_024), "{path}");
    }
    assert!(!zip.conversations.to_string().contains("bob c"), "nothing of bob's");
}
