//! `GET /conversations?query=`: title and content matches, the earliest matching
//! message, filters and pages.

use glchat_tests::TestApp;
use serde_json::{Value, json};

fn found(body: &Value) -> Vec<(String, Value)> {
    body["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["title"].as_str().unwrap_or("").to_owned(),
                c["first_matching_message"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn finds_content_and_title_matches_with_the_earliest_matching_message() {
    let app = TestApp::spawn().await;
    let token = app.token("alice");
    let content_only = app.create_conversation("alice", "travel", Some("Holiday")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.append("alice", &content_only, "user", "Where should we stay?")
        .await;
    let first_hit = app
        .append("alice", &content_only, "assistant", "Try UBUD in central Bali.")
        .await;
    app.append("alice", &content_only, "user", "Is Bali crowded in August?")
        .await;
    let title_only = app.create_conversation("alice", "travel", Some("Bali budget")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.append("alice", &title_only, "user", "numbers please").await;
    let neither = app.create_conversation("alice", "travel", Some("Groceries")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.append("alice", &neither, "user", "milk and eggs").await;
    let other_bot = app.create_conversation("alice", "work", Some("Memo")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.append("alice", &other_bot, "user", "bali offsite?").await;
    let bobs = app.create_conversation("bob", "travel", Some("Bob")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.append("bob", &bobs, "user", "bali with bob").await;

    let reply = app.get("/conversations?query=BALI").bearer(&token).send().await;
    reply.assert_status(200);
    assert_eq!(
        found(&reply.body),
        vec![
            ("Memo".to_owned(), json!("bali offsite?")),
            ("Bali budget".to_owned(), json!(null)),
            ("Holiday".to_owned(), json!("Try UBUD in central Bali.")),
        ]
    );
    assert_eq!(
        reply.body["conversations"][2]["first_matching_message_id"],
        first_hit["id"]
    );
    assert_eq!(reply.body["conversations"][1]["first_matching_message_id"], json!(null));
    assert_eq!(reply.body["conversations_count"], 4);

    let travel = app
        .get("/conversations?query=bali&chatbot_id=travel")
        .bearer(&token)
        .send()
        .await;
    assert_eq!(found(&travel.body).len(), 2, "the chatbot filter applies to search");
    assert_eq!(travel.body["conversations_count"], 3);

    let ubud = app.get("/conversations?query=ubud").bearer(&token).send().await;
    assert_eq!(
        found(&ubud.body),
        vec![("Holiday".to_owned(), json!("Try UBUD in central Bali."))]
    );
    let nothing = app.get("/conversations?query=bob").bearer(&token).send().await;
    assert_eq!(
        nothing.body["conversations"],
        json!([]),
        "another user's content is not searched"
    );
}

#[tokio::test]
async fn search_pages_with_a_cursor_in_list_order() {
    let app = TestApp::spawn().await;
    let token = app.token("alice");
    let mut expected = Vec::new();
    for i in 0..9 {
        let id = app
            .create_conversation("alice", "bot", Some(&format!("Chat {i}")))
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let text = if i % 2 == 0 {
            format!("the Café number {i}")
        } else {
            format!("plain {i}")
        };
        app.append("alice", &id, "user", &text).await;
        if i % 2 == 0 {
            expected.push(id);
        }
    }
    expected.reverse();
    let mut seen = Vec::new();
    let mut path = "/conversations?query=CAFÉ&limit=2".to_owned();
    loop {
        let reply = app.get(&path.replace('É', "%C3%89")).bearer(&token).send().await;
        reply.assert_status(200);
        for c in reply.body["conversations"].as_array().unwrap() {
            assert!(c["first_matching_message"].as_str().unwrap().contains("Café"));
            seen.push(c["id"].as_str().unwrap().to_owned());
        }
        match reply.body["cursor"].as_str() {
            Some(cursor) => path = format!("/conversations?query=CAFÉ&limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, expected, "every match once, newest activity first");
}

#[tokio::test]
async fn an_overlong_search_text_is_refused() {
    let app = TestApp::spawn().await;
    let long = "a".repeat(201);
    for path in ["/conversations", "/conversations/shared"] {
        let reply = app
            .get(&format!("{path}?query={long}"))
            .bearer(&app.token("alice"))
            .send()
            .await;
        reply.assert_invalid("query", "query", "string_too_long");
    }
}

/// A rare word among 2,000 conversations (each with history) is found by one request.
/// (DynamoDB Local answers about 650 queries a second on this machine, so 5,000
/// conversations, which take one request on DynamoDB, are measured by `make bench`
/// rather than held to the function's timeout here.)
#[tokio::test]
async fn a_rare_word_among_thousands_of_conversations_is_found_by_one_request() {
    let app = TestApp::spawn().await;
    let ids = glchat_tests::seed::conversations(&app.app.store, "alice", "bot", 2_000, 2, |c, m| {
        if c == 17 && m == 1 {
            "the ferry to Krakatau leaves at dawn".to_owned()
        } else {
            format!("conversation {c} message {m}: plans and tickets")
        }
    })
    .await
    .unwrap();
    app.dynamodb_calls();

    let reply = app
        .get("/conversations?query=krakatau")
        .bearer(&app.token("alice"))
        .send()
        .await;
    reply.assert_status(200);
    assert_eq!(
        found(&reply.body),
        [(
            "Conversation 17".to_owned(),
            json!("the ferry to Krakatau leaves at dawn")
        )]
    );
    assert_eq!(reply.body["conversations"][0]["id"], ids[17].as_str());
    assert_eq!(reply.body["cursor"], Value::Null, "the whole history was searched");
    assert_eq!(reply.body["conversations_count"], 2_000);
    let calls = app.dynamodb_calls();
    assert!(!calls.iter().any(|c| c == "Scan"));
    assert_eq!(
        calls.len(),
        2_000 + 20 + 1,
        "a query per conversation, 20 index pages, the counter"
    );
}

/// Matches too large for one response (each a 40,000-character message) come in
/// pages under Lambda's 6 MB, and following the cursor finds every one once.
#[tokio::test]
async fn large_matches_come_in_pages_under_a_responses_size() {
    let app = TestApp::spawn().await;
    glchat_tests::seed::conversations(&app.app.store, "alice", "bot", 120, 1, |c, _| {
        format!("{c:03} needle {}", "q".repeat(39_990))
    })
    .await
    .unwrap();
    let mut seen = std::collections::HashSet::new();
    let mut path = "/conversations?query=needle&limit=100".to_owned();
    let mut pages = 0;
    loop {
        let reply = app.get(&path).bearer(&app.token("alice")).send().await;
        reply.assert_status(200);
        assert!(
            reply.text.len() < 6 * 1024 * 1024,
            "a page of {} bytes",
            reply.text.len()
        );
        pages += 1;
        for conversation in reply.body["conversations"].as_array().unwrap() {
            assert!(
                seen.insert(conversation["id"].as_str().unwrap().to_owned()),
                "each once"
            );
        }
        match reply.body["cursor"].as_str() {
            Some(cursor) => path = format!("/conversations?query=needle&limit=100&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 120);
    assert!(pages >= 2, "4.8 MB of matches take more than one page");
}
