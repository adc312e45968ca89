//! One request to every endpoint, in an order that lets each succeed, with the DynamoDB
//! calls and capacity each one made: the budget test holds the calls to the table in
//! `docs/data-model.md`, the benchmarks report the capacity.

use std::collections::{BTreeMap, BTreeSet};

use glchat_app::store::calls::Consumed;
use serde_json::json;

use crate::TestApp;

/// What requests between the scenarios are recorded as, and then dropped.
const SET_UP: &str = "set-up";

/// What one scenario's request cost.
#[derive(Debug, Clone)]
pub struct Measured {
    pub scenario: String,
    /// The DynamoDB operations, sorted.
    pub calls: Vec<String>,
    pub consumed: Consumed,
    /// The IAM actions they needed (`crate::iam`).
    pub actions: BTreeSet<String>,
}

/// The rows between `<!-- budget -->` and `<!-- /budget -->`: scenario -> sorted calls.
pub fn documented_budget() -> BTreeMap<String, Vec<String>> {
    let doc = include_str!("../../docs/data-model.md");
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

/// About 200 characters of chat text, different for each `seed`.
pub fn history_text(seed: usize) -> String {
    const WORDS: &[&str] = &[
        "plan", "trip", "budget", "hotel", "flight", "weather", "museum", "beach", "dinner", "train", "ticket", "visa",
        "passport", "market", "temple", "rice", "coffee", "river", "island", "sunset",
    ];
    (0..32)
        .map(|i| WORDS[(seed * 7 + i * 13 + seed / 3) % WORDS.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

/// Calls every endpoint once as user `alice` (and `bob` for the clone), one scenario of
/// the budget table after another. `history` messages are appended to the conversation
/// under test before it is read, shared, cloned and deleted: none in the tests, a
/// realistic length in the benchmarks.
pub async fn every_endpoint(app: &TestApp, history: usize) -> Vec<Measured> {
    let mut measured = Vec::new();
    let mut measure = |scenario: &str| {
        measured.push(Measured {
            scenario: scenario.to_owned(),
            calls: app.dynamodb_calls(),
            consumed: app.app.store.calls().take_consumed(),
            actions: app.options.actions.take(),
        })
    };
    measure(SET_UP);
    let token = app.token("alice");

    app.post("/conversations")
        .bearer(&token)
        .form(&[("user_id", "alice"), ("chatbot_id", "bot"), ("title", "Budget")])
        .send()
        .await
        .assert_status(200);
    measure("create_conversation");
    let id = app.get("/conversations").bearer(&token).send().await.body["conversations"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    measure("list_conversations");
    app.get("/conversations?chatbot_id=bot&limit=5")
        .bearer(&token)
        .send()
        .await
        .assert_status(200);
    measure("list_conversations (chatbot_id)");

    let first = app.append("alice", &id, "user", "hello").await;
    measure("append_message (default parent)");
    app.post(&format!("/conversations/{id}/messages"))
        .bearer(&token)
        .json(&json!({ "role": "assistant", "content": "hi", "parent_id": first["id"] }))
        .send()
        .await
        .assert_status(200);
    measure("append_message (parent_id given)");

    // The conversation's earlier history, not part of any measurement.
    for i in 0..history {
        let role = if i % 2 == 0 { "user" } else { "assistant" };
        app.append("alice", &id, role, &history_text(i)).await;
    }
    measure(SET_UP);

    app.get(&format!("/conversations/{id}?limit=10"))
        .bearer(&token)
        .send()
        .await
        .assert_status(200);
    measure("get_conversation");
    app.patch(&format!("/conversations/{id}"))
        .bearer(&token)
        .form(&[("title", "Renamed")])
        .send()
        .await
        .assert_status(200);
    measure("rename_conversation");

    app.upload("alice", &id, "a.txt", b"abc").await;
    measure("create_attachment");
    app.post(&format!("/conversations/{id}/generate-title"))
        .bearer(&token)
        .multipart(&[("message", "a title please")])
        .send()
        .await
        .assert_status(200);
    measure("generate_title");

    let shared = app
        .post(&format!("/conversations/{id}/share"))
        .bearer(&token)
        .form(&[])
        .send()
        .await;
    let share_id = shared.body["shared_conversation_id"].as_str().unwrap().to_owned();
    measure("share_conversation");
    app.get(&format!("/conversations/{id}/share"))
        .bearer(&token)
        .send()
        .await
        .assert_status(200);
    measure("get_share");
    app.get(&format!("/conversations/shared/{share_id}"))
        .send()
        .await
        .assert_status(200);
    measure("get_shared_conversation");
    app.get("/conversations/shared")
        .bearer(&token)
        .send()
        .await
        .assert_status(200);
    measure("list_shared_conversations");
    let clone = app
        .post(&format!("/conversations/shared/{share_id}/clone"))
        .bearer(&app.token("bob"))
        .form(&[("user_id", "bob"), ("old_parent_id", &id)])
        .send()
        .await;
    clone.assert_status(200);
    measure("clone_shared_conversation");
    let export = app
        .post("/conversations/exports")
        .bearer(&token)
        .json(&json!({ "conversation_ids": [id] }))
        .send()
        .await;
    export.assert_status(202);
    measure("create_export (1 listed conversation)");
    let export_id = export.body["export_id"].as_str().unwrap().to_owned();
    app.get(&format!("/conversations/exports/{export_id}"))
        .bearer(&token)
        .send()
        .await
        .assert_status(200);
    measure("get_export (pending)");
    let import = app
        .post("/conversations/imports")
        .bearer(&token)
        .json(&json!({ "file_name": "chatgpt.zip", "size": 1024 }))
        .send()
        .await;
    import.assert_status(202);
    measure("create_import");
    let import_id = import.body["import_id"].as_str().unwrap().to_owned();
    app.get(&format!("/conversations/imports/{import_id}"))
        .bearer(&token)
        .send()
        .await
        .assert_status(200);
    measure("get_import (awaiting upload)");
    // Bob asks for his erasure (its job never runs here).
    let erasure = app.post("/me/erasure").bearer(&app.token("bob")).send().await;
    erasure.assert_status(202);
    measure("create_erasure");
    let erasure_id = erasure.body["erasure_id"].as_str().unwrap().to_owned();
    app.get(&format!("/me/erasure/{erasure_id}"))
        .bearer(&app.token("bob"))
        .send()
        .await
        .assert_status(200);
    measure("get_erasure (pending)");
    app.delete(&format!("/conversations/shared/{share_id}"))
        .bearer(&token)
        .send()
        .await
        .assert_status(200);
    measure("delete_shared_conversation");

    // A search that examines three conversations.
    for _ in 0..2 {
        app.create_conversation("alice", "bot", Some("other")).await;
    }
    measure(SET_UP);
    app.get("/conversations?query=hello")
        .bearer(&token)
        .send()
        .await
        .assert_status(200);
    measure("list_conversations (query, 3 conversations)");

    app.delete(&format!("/conversations/{id}"))
        .bearer(&token)
        .send()
        .await
        .assert_status(200);
    measure("delete_conversation");
    let reply = app
        .post("/conversations/delete")
        .bearer(&token)
        .json(&json!({ "user_id": "alice", "chatbot_id": "bot" }))
        .send()
        .await;
    assert_eq!(reply.body["deleted_count"], 2);
    measure("delete_conversations (2 conversations)");

    measured.retain(|m| m.scenario != SET_UP);
    measured
}
