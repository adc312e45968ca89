//! Create, read and rename.

use glchat_tests::TestApp;
use serde_json::json;

#[tokio::test]
async fn create_returns_the_stored_conversation_with_defaults() {
    let app = TestApp::spawn().await;
    let reply = app
        .post("/conversations")
        .bearer(&app.token("alice"))
        .form(&[
            ("user_id", "alice"),
            ("chatbot_id", "travel"),
            ("title", "  Trip to Bali  "),
            ("metadata_", r#"{"source":"web"}"#),
        ])
        .send()
        .await;
    reply.assert_status(200);
    let created = &reply.body["conversation"];
    assert_eq!(created["user_id"], "alice");
    assert_eq!(created["chatbot_id"], "travel");
    assert_eq!(created["title"], "Trip to Bali");
    assert_eq!(created["model_name"], "openai/gpt-4o-mini");
    assert_eq!(created["metadata_"], json!({ "source": "web" }));
    assert_eq!(created["is_active"], true);
    assert_eq!(created["is_anonymized"], false);
    assert_eq!(created["deanonymized_mapping"], json!({}));
    assert_eq!(created["created_time"], created["updated_time"]);
    let id = created["id"].as_str().unwrap();
    assert_eq!(id.len(), 26, "a ULID");

    let read = app
        .get(&format!("/conversations/{id}"))
        .bearer(&app.token("alice"))
        .send()
        .await;
    read.assert_status(200);
    assert_eq!(&read.body["conversation"], created);
    assert_eq!(read.body["messages"], json!([]));
    assert_eq!(read.body["attachments"], json!([]));
}

#[tokio::test]
async fn create_takes_multipart_and_optional_fields() {
    let app = TestApp::spawn().await;
    let reply = app
        .post("/conversations")
        .bearer(&app.token("alice"))
        .multipart(&[
            ("user_id", "alice"),
            ("chatbot_id", "bot"),
            ("model_name", "anthropic/claude"),
        ])
        .send()
        .await;
    reply.assert_status(200);
    assert_eq!(reply.body["conversation"]["title"], json!(null));
    assert_eq!(reply.body["conversation"]["metadata_"], json!(null));
    assert_eq!(reply.body["conversation"]["model_name"], "anthropic/claude");
}

#[tokio::test]
async fn create_reports_every_invalid_field_as_422_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let token = app.token("alice");
    let reply = app
        .post("/conversations")
        .bearer(&token)
        .form(&[("title", "x")])
        .send()
        .await;
    assert_eq!(
        reply.validation_errors(),
        vec![
            (vec!["body".to_owned(), "user_id".to_owned()], "missing".to_owned()),
            (vec!["body".to_owned(), "chatbot_id".to_owned()], "missing".to_owned()),
        ]
    );
    assert_eq!(reply.body["detail"][0]["msg"], "Field required");

    let reply = app
        .post("/conversations")
        .bearer(&token)
        .header("accept-language", "id")
        .form(&[
            ("user_id", "alice"),
            ("chatbot_id", "bot"),
            ("metadata_", "[1,2]"),
            ("title", &"t".repeat(300)),
        ])
        .send()
        .await;
    assert_eq!(
        reply.validation_errors(),
        vec![
            (
                vec!["body".to_owned(), "title".to_owned()],
                "string_too_long".to_owned()
            ),
            (vec!["body".to_owned(), "metadata_".to_owned()], "dict_type".to_owned()),
        ]
    );
    assert_eq!(
        reply.body["detail"][0]["msg"],
        "Teks harus memiliki paling banyak 255 karakter"
    );

    let list = app.get("/conversations").bearer(&token).send().await;
    assert_eq!(list.body["conversations_count"], 0);
}

#[tokio::test]
async fn rename_changes_the_title_only_for_the_owner() {
    let app = TestApp::spawn().await;
    let created = app.create_conversation("alice", "bot", Some("Old")).await;
    let id = created["id"].as_str().unwrap();
    let path = format!("/conversations/{id}");

    let reply = app
        .patch(&path)
        .bearer(&app.token("mallory"))
        .form(&[("title", "Pwned")])
        .send()
        .await;
    reply.assert_status(404);
    assert_eq!(reply.detail(), "Conversation not found");

    let reply = app
        .patch(&path)
        .bearer(&app.token("alice"))
        .form(&[("title", "New title")])
        .send()
        .await;
    reply.assert_status(200);
    assert_eq!(reply.body["conversation"]["title"], "New title");
    assert_eq!(
        reply.body["conversation"]["updated_time"], created["updated_time"],
        "a rename is not activity"
    );

    let read = app.get(&path).bearer(&app.token("alice")).send().await;
    assert_eq!(read.body["conversation"]["title"], "New title");

    let reply = app
        .patch(&path)
        .bearer(&app.token("alice"))
        .form(&[("title", "")])
        .send()
        .await;
    reply.assert_invalid("body", "title", "missing");
    let reply = app
        .patch("/conversations/01NOSUCHCONVERSATION00000")
        .bearer(&app.token("alice"))
        .form(&[("title", "x")])
        .send()
        .await;
    reply.assert_status(404);
}

#[tokio::test]
async fn someone_elses_conversation_is_not_found() {
    let app = TestApp::spawn().await;
    let created = app.create_conversation("alice", "bot", Some("Private")).await;
    let id = created["id"].as_str().unwrap();
    app.append("alice", id, "user", "secret plans").await;

    let reply = app
        .get(&format!("/conversations/{id}"))
        .bearer(&app.token("mallory"))
        .send()
        .await;
    reply.assert_status(404);
    assert_eq!(reply.detail(), "Conversation not found");
    assert!(!reply.text.contains("secret"));
    let reply = app
        .get(&format!("/conversations/{id}"))
        .bearer(&app.token("mallory"))
        .header("accept-language", "id")
        .send()
        .await;
    assert_eq!(reply.detail(), "Percakapan tidak ditemukan");
    for bad in ["does-not-exist", "has%23hash", "%20"] {
        app.get(&format!("/conversations/{bad}"))
            .bearer(&app.token("alice"))
            .send()
            .await
            .assert_status(404);
    }
}

#[tokio::test]
async fn limit_and_max_date_pick_the_newest_messages_before_a_date() {
    let app = TestApp::spawn().await;
    let created = app.create_conversation("alice", "bot", None).await;
    let id = created["id"].as_str().unwrap();
    let mut sent = Vec::new();
    for i in 0..6 {
        sent.push(
            app.append(
                "alice",
                id,
                if i % 2 == 0 { "user" } else { "assistant" },
                &format!("m{i}"),
            )
            .await,
        );
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    }
    let token = app.token("alice");
    let contents = |body: &serde_json::Value| -> Vec<String> {
        body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["content"].as_str().unwrap().to_owned())
            .collect()
    };

    let all = app.get(&format!("/conversations/{id}")).bearer(&token).send().await;
    assert_eq!(contents(&all.body), ["m0", "m1", "m2", "m3", "m4", "m5"]);

    let newest = app
        .get(&format!("/conversations/{id}?limit=2"))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(contents(&newest.body), ["m4", "m5"], "the newest two, oldest first");

    // Strictly before m4's own timestamp: m4 itself is excluded.
    let m4_time = sent[4]["created_time"].as_str().unwrap();
    let query = format!("/conversations/{id}?limit=3&max_date={}", m4_time.replace(':', "%3A"));
    let before = app.get(&query).bearer(&token).send().await;
    assert_eq!(contents(&before.body), ["m1", "m2", "m3"]);

    let early = app
        .get(&format!("/conversations/{id}?max_date=2001-01-01T00:00:00"))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(contents(&early.body), Vec::<String>::new());
    let zero = app
        .get(&format!("/conversations/{id}?limit=0"))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(contents(&zero.body), Vec::<String>::new());

    let reply = app
        .get(&format!("/conversations/{id}?limit=-1&max_date=yesterday"))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(
        reply.validation_errors(),
        vec![
            (
                vec!["query".to_owned(), "limit".to_owned()],
                "greater_than_equal".to_owned()
            ),
            (
                vec!["query".to_owned(), "max_date".to_owned()],
                "datetime_parsing".to_owned()
            ),
        ]
    );
    let reply = app
        .get(&format!("/conversations/{id}?limit=many"))
        .bearer(&token)
        .send()
        .await;
    reply.assert_invalid("query", "limit", "int_parsing");
}
