//! Each endpoint's DynamoDB calls, held to the table in `docs/data-model.md`.

use std::collections::BTreeMap;

use glchat_tests::TestApp;
use serde_json::json;

/// The rows between `<!-- budget -->` and `<!-- /budget -->`: scenario -> sorted calls.
fn documented_budget() -> BTreeMap<String, Vec<String>> {
    let doc = include_str!("../../../docs/data-model.md");
    let start = doc
        .find("<!-- budget -->")
        .expect("docs/data-model.md has a <!-- budget --> table");
    let end = doc.find("<!-- /budget -->").expect("the budget table is closed");
    doc[start..end]
        .lines()
        .filter(|l| l.starts_with('|') && !l.contains("---") && !l.contains("scenario"))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            let scenario = cells[0].trim_matches('`').to_owned();
            let mut calls: Vec<String> = cells[1].split('+').map(|c| c.trim().to_owned()).collect();
            calls.sort();
            (scenario, calls)
        })
        .collect()
}

#[tokio::test]
async fn every_endpoint_stays_within_its_documented_calls() {
    let budget = documented_budget();
    let app = TestApp::spawn().await;
    let token = app.token("alice");
    let mut measured: BTreeMap<String, Vec<String>> = BTreeMap::new();

    app.post("/conversations")
        .bearer(&token)
        .form(&[("user_id", "alice"), ("chatbot_id", "bot"), ("title", "Budget")])
        .send()
        .await
        .assert_status(200);
    measured.insert("create_conversation".into(), app.dynamodb_calls());
    let id = app.get("/conversations").bearer(&token).send().await.body["conversations"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    measured.insert("list_conversations".into(), app.dynamodb_calls());
    app.get("/conversations?chatbot_id=bot&limit=5")
        .bearer(&token)
        .send()
        .await
        .assert_status(200);
    measured.insert("list_conversations (chatbot_id)".into(), app.dynamodb_calls());

    let first = app.append("alice", &id, "user", "hello").await;
    measured.insert("append_message (default parent)".into(), app.dynamodb_calls());
    app.post(&format!("/conversations/{id}/messages"))
        .bearer(&token)
        .json(&json!({ "role": "assistant", "content": "hi", "parent_id": first["id"] }))
        .send()
        .await
        .assert_status(200);
    measured.insert("append_message (parent_id given)".into(), app.dynamodb_calls());

    app.get(&format!("/conversations/{id}?limit=10"))
        .bearer(&token)
        .send()
        .await
        .assert_status(200);
    measured.insert("get_conversation".into(), app.dynamodb_calls());
    app.patch(&format!("/conversations/{id}"))
        .bearer(&token)
        .form(&[("title", "Renamed")])
        .send()
        .await
        .assert_status(200);
    measured.insert("rename_conversation".into(), app.dynamodb_calls());

    app.upload("alice", &id, "a.txt", b"abc").await;
    measured.insert("create_attachment".into(), app.dynamodb_calls());
    app.post(&format!("/conversations/{id}/generate-title"))
        .bearer(&token)
        .multipart(&[("message", "a title please")])
        .send()
        .await
        .assert_status(200);
    measured.insert("generate_title".into(), app.dynamodb_calls());

    let shared = app
        .post(&format!("/conversations/{id}/share"))
        .bearer(&token)
        .form(&[])
        .send()
        .await;
    let share_id = shared.body["shared_conversation_id"].as_str().unwrap().to_owned();
    measured.insert("share_conversation".into(), app.dynamodb_calls());
    app.get(&format!("/conversations/{id}/share"))
        .bearer(&token)
        .send()
        .await
        .assert_status(200);
    measured.insert("get_share".into(), app.dynamodb_calls());
    app.get(&format!("/conversations/shared/{share_id}"))
        .send()
        .await
        .assert_status(200);
    measured.insert("get_shared_conversation".into(), app.dynamodb_calls());
    app.get("/conversations/shared")
        .bearer(&token)
        .send()
        .await
        .assert_status(200);
    measured.insert("list_shared_conversations".into(), app.dynamodb_calls());
    let clone = app
        .post(&format!("/conversations/shared/{share_id}/clone"))
        .bearer(&app.token("bob"))
        .form(&[("user_id", "bob"), ("old_parent_id", &id)])
        .send()
        .await;
    clone.assert_status(200);
    measured.insert("clone_shared_conversation".into(), app.dynamodb_calls());
    app.delete(&format!("/conversations/shared/{share_id}"))
        .bearer(&token)
        .send()
        .await
        .assert_status(200);
    measured.insert("delete_shared_conversation".into(), app.dynamodb_calls());

    // A search that examines three conversations.
    for _ in 0..2 {
        app.create_conversation("alice", "bot", Some("other")).await;
    }
    app.dynamodb_calls();
    app.get("/conversations?query=hello")
        .bearer(&token)
        .send()
        .await
        .assert_status(200);
    measured.insert(
        "list_conversations (query, 3 conversations)".into(),
        app.dynamodb_calls(),
    );

    app.delete(&format!("/conversations/{id}"))
        .bearer(&token)
        .send()
        .await
        .assert_status(200);
    measured.insert("delete_conversation".into(), app.dynamodb_calls());
    let reply = app
        .post("/conversations/delete")
        .bearer(&token)
        .json(&json!({ "user_id": "alice", "chatbot_id": "bot" }))
        .send()
        .await;
    assert_eq!(reply.body["deleted_count"], 2);
    measured.insert("delete_conversations (2 conversations)".into(), app.dynamodb_calls());

    let unmeasured: Vec<&String> = budget.keys().filter(|k| !measured.contains_key(*k)).collect();
    assert!(unmeasured.is_empty(), "documented but not measured: {unmeasured:?}");
    for (scenario, calls) in &measured {
        assert!(!calls.iter().any(|c| c == "Scan"), "{scenario} scanned the table");
        assert_eq!(
            Some(calls),
            budget.get(scenario),
            "{scenario}: measured {calls:?}, documented {:?}",
            budget.get(scenario)
        );
    }
}
