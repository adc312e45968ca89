//! `POST /conversations/{id}/messages`: parents, ordering, validation, ownership.

use glchat_tests::TestApp;
use serde_json::json;

#[tokio::test]
async fn messages_chain_to_the_newest_by_default() {
    let app = TestApp::spawn().await;
    let conversation = app.create_conversation("alice", "bot", None).await;
    let id = conversation["id"].as_str().unwrap();
    let first = app.append("alice", id, "user", "Hi").await;
    let second = app.append("alice", id, "assistant", "Hello!").await;
    let third = app.append("alice", id, "user", "Plan a trip").await;

    assert_eq!(first["parent_id"], id, "a first message hangs off the conversation");
    assert_eq!(second["parent_id"], first["id"]);
    assert_eq!(third["parent_id"], second["id"]);
    for message in [&first, &second, &third] {
        assert_eq!(message["conversation_id"], id);
        assert_eq!(message["is_active"], true);
        assert_eq!(message["feedback"], json!(null));
    }
    assert!(first["id"].as_str() < second["id"].as_str() && second["id"].as_str() < third["id"].as_str());

    let read = app
        .get(&format!("/conversations/{id}"))
        .bearer(&app.token("alice"))
        .send()
        .await;
    assert_eq!(read.body["messages"], json!([first, second, third]));
    assert_eq!(read.body["conversation"]["updated_time"], third["created_time"]);
}

#[tokio::test]
async fn explicit_parents_must_belong_to_the_conversation() {
    let app = TestApp::spawn().await;
    let token = app.token("alice");
    let a = app.create_conversation("alice", "bot", None).await;
    let b = app.create_conversation("alice", "bot", None).await;
    let (a, b) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let root = app.append("alice", a, "user", "question").await;
    let answer = app.append("alice", a, "assistant", "answer").await;
    let other = app.append("alice", b, "user", "elsewhere").await;

    // A regenerated answer replaces `answer`: its parent is the question.
    let reply = app
        .post(&format!("/conversations/{a}/messages"))
        .bearer(&token)
        .json(&json!({ "role": "assistant", "content": "better answer", "parent_id": root["id"], "source": "regenerate", "deanonymized_content": "better answer, Alice", "metadata_": { "model": "x" } }))
        .send()
        .await;
    reply.assert_status(200);
    let regenerated = &reply.body["message"];
    assert_eq!(regenerated["parent_id"], root["id"]);
    assert_eq!(regenerated["source"], "regenerate");
    assert_eq!(regenerated["deanonymized_content"], "better answer, Alice");
    assert_eq!(regenerated["metadata_"], json!({ "model": "x" }));
    assert_ne!(regenerated["id"], answer["id"]);

    let reply = app
        .post(&format!("/conversations/{a}/messages"))
        .bearer(&token)
        .form(&[("role", "user"), ("content", "new root"), ("parent_id", a)])
        .send()
        .await;
    reply.assert_status(200);
    assert_eq!(reply.body["message"]["parent_id"], a);

    for parent in [other["id"].as_str().unwrap(), "01NOSUCHMESSAGE0000000000X"] {
        let reply = app
            .post(&format!("/conversations/{a}/messages"))
            .bearer(&token)
            .json(&json!({ "role": "user", "content": "orphan", "parent_id": parent }))
            .send()
            .await;
        reply.assert_invalid("body", "parent_id", "value_error");
    }
    let read = app.get(&format!("/conversations/{a}")).bearer(&token).send().await;
    assert_eq!(
        read.body["messages"].as_array().unwrap().len(),
        4,
        "refused appends wrote nothing"
    );
}

#[tokio::test]
async fn invalid_messages_are_422_and_change_nothing() {
    let app = TestApp::spawn().await;
    let token = app.token("alice");
    let conversation = app.create_conversation("alice", "bot", None).await;
    let id = conversation["id"].as_str().unwrap();
    let path = format!("/conversations/{id}/messages");

    let reply = app
        .post(&path)
        .bearer(&token)
        .json(&json!({ "role": "system", "content": 5 }))
        .send()
        .await;
    assert_eq!(
        reply.validation_errors(),
        vec![
            (vec!["body".to_owned(), "role".to_owned()], "enum".to_owned()),
            (vec!["body".to_owned(), "content".to_owned()], "string_type".to_owned()),
        ]
    );
    assert_eq!(reply.body["detail"][0]["msg"], "Input should be 'user' or 'assistant'");

    let reply = app.post(&path).bearer(&token).json(&json!({})).send().await;
    assert_eq!(reply.validation_errors().len(), 2);
    let reply = app
        .post(&path)
        .bearer(&token)
        .raw_body("application/json", "{not json")
        .send()
        .await;
    assert_eq!(
        reply.validation_errors(),
        vec![(vec!["body".to_owned()], "json_invalid".to_owned())]
    );
    let reply = app
        .post(&path)
        .bearer(&token)
        .raw_body("application/json", "[]")
        .send()
        .await;
    assert_eq!(
        reply.validation_errors(),
        vec![(vec!["body".to_owned()], "model_attributes_type".to_owned())]
    );
    let long = "x".repeat(40_001);
    let reply = app
        .post(&path)
        .bearer(&token)
        .json(&json!({ "role": "user", "content": long }))
        .send()
        .await;
    reply.assert_invalid("body", "content", "string_too_long");
    let reply = app
        .post(&path)
        .bearer(&token)
        .json(&json!({ "role": "user", "content": "x", "parent_id": "a#b" }))
        .send()
        .await;
    reply.assert_invalid("body", "parent_id", "value_error");

    let read = app.get(&format!("/conversations/{id}")).bearer(&token).send().await;
    assert_eq!(read.body["messages"], json!([]));
    assert_eq!(read.body["conversation"]["updated_time"], conversation["updated_time"]);
}

#[tokio::test]
async fn nobody_appends_to_someone_elses_conversation() {
    let app = TestApp::spawn().await;
    let conversation = app.create_conversation("alice", "bot", None).await;
    let id = conversation["id"].as_str().unwrap();
    let first = app.append("alice", id, "user", "mine").await;
    let path = format!("/conversations/{id}/messages");
    let mallory = app.token("mallory");

    let reply = app
        .post(&path)
        .bearer(&mallory)
        .json(&json!({ "role": "user", "content": "injected" }))
        .send()
        .await;
    reply.assert_status(404);
    assert_eq!(reply.detail(), "Conversation not found");
    for parent in [first["id"].as_str().unwrap(), id] {
        let reply = app
            .post(&path)
            .bearer(&mallory)
            .json(&json!({ "role": "user", "content": "injected", "parent_id": parent }))
            .send()
            .await;
        reply.assert_status(404);
    }
    app.post("/conversations/01NOSUCHCONVERSATION000000/messages")
        .bearer(&mallory)
        .json(&json!({ "role": "user", "content": "x" }))
        .send()
        .await
        .assert_status(404);

    let read = app
        .get(&format!("/conversations/{id}"))
        .bearer(&app.token("alice"))
        .send()
        .await;
    assert_eq!(read.body["messages"], json!([first]));
}

#[tokio::test]
async fn concurrent_appends_keep_one_chain() {
    let app = TestApp::spawn().await;
    let conversation = app.create_conversation("alice", "bot", None).await;
    let id = conversation["id"].as_str().unwrap().to_owned();
    let sends = (0..6).map(|i| {
        let app = &app;
        let id = id.clone();
        async move { app.append("alice", &id, "user", &format!("m{i}")).await }
    });
    let sent = futures::future::join_all(sends).await;
    assert_eq!(sent.len(), 6);

    let read = app
        .get(&format!("/conversations/{id}"))
        .bearer(&app.token("alice"))
        .send()
        .await;
    let messages = read.body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 6);
    // Each message's parent is the one before it: no two appends chose the same head.
    assert_eq!(messages[0]["parent_id"], json!(id));
    for pair in messages.windows(2) {
        assert_eq!(pair[1]["parent_id"], pair[0]["id"]);
    }
}
