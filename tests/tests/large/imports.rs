//! A ChatGPT export at real size: 2,000 conversations of 20 messages and a regenerated
//! answer each (42,000 messages, a 10 MB file), imported in steps of 1,000
//! conversations; every conversation and message once, the regenerated branch active;
//! imported again, nothing new.

use glchat_tests::chatgpt::bulk;
use glchat_tests::jobs::import;
use glchat_tests::{Options, TestApp};
use serde_json::json;

async fn imported(app: &TestApp, bytes: &[u8]) -> serde_json::Value {
    let accepted = app
        .post("/conversations/imports")
        .bearer(&app.token("alice"))
        .json(&json!({ "file_name": "conversations.json", "size": bytes.len() }))
        .send()
        .await;
    accepted.assert_status(202);
    import(app, "alice", &accepted.body, bytes).await;
    let id = accepted.body["import_id"].as_str().unwrap();
    app.get(&format!("/conversations/imports/{id}"))
        .bearer(&app.token("alice"))
        .send()
        .await
        .body
}

#[tokio::test]
async fn two_thousand_chatgpt_conversations_import_once() {
    let _turn = glchat_tests::at_real_size().await;
    let app = TestApp::spawn_with(Options {
        stream: true,
        ..Options::default()
    })
    .await;
    let file = serde_json::to_vec(&bulk(2_000, 20)).unwrap();
    assert!(file.len() > 8 * 1024 * 1024, "{} bytes", file.len());
    let done = imported(&app, &file).await;
    assert_eq!(
        (
            &done["status"],
            &done["conversations_imported"],
            &done["messages_imported"],
            &done["conversations_skipped"]
        ),
        (&json!("done"), &json!(2_000), &json!(42_000), &json!(0)),
        "{done}"
    );
    assert_eq!(app.count("alice", "").await, json!(2_000));
    let newest = app
        .get("/conversations?chatbot_id=chatgpt&limit=1")
        .bearer(&app.token("alice"))
        .send()
        .await;
    let id = newest.body["conversations"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(newest.body["conversations"][0]["title"], "Conversation 1999");
    let read = app
        .get(&format!("/conversations/{id}?limit=100"))
        .bearer(&app.token("alice"))
        .send()
        .await;
    let messages = read.body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 21);
    let last = messages.last().unwrap();
    assert_eq!(
        (&last["content"], &last["is_active"]),
        (&json!("regenerated"), &json!(true))
    );
    assert_eq!(messages[19]["is_active"], false, "the answer it replaced");

    let again = imported(&app, &file).await;
    assert_eq!(
        (&again["conversations_imported"], &again["conversations_skipped"]),
        (&json!(0), &json!(2_000))
    );
    assert_eq!(app.count("alice", "").await, json!(2_000), "no duplicate");
}
