//! `GET /conversations?query=`: title and content matches, the earliest matching
//! message, filters and pages.

use glchat_tests::{TestApp, found_conversations};
use serde_json::json;

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
        found_conversations(&reply.body),
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
    assert_eq!(
        found_conversations(&travel.body).len(),
        2,
        "the chatbot filter applies to search"
    );
    assert_eq!(travel.body["conversations_count"], 3);

    let ubud = app.get("/conversations?query=ubud").bearer(&token).send().await;
    assert_eq!(
        found_conversations(&ubud.body),
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

/// When every conversation matches in its first message, a search reads one page of
/// the list, one small page of messages per conversation it returns, and queries no
/// conversation beyond the page: what it reads does not grow with history length or
/// with how many conversations lie past the page.
#[tokio::test]
async fn a_search_whose_matches_come_early_reads_little() {
    let app = TestApp::spawn().await;
    glchat_tests::seed::conversations(&app.app.store, "alice", "bot", 40, 60, |c, m| {
        format!("conversation {c} message {m}: the museum opens at nine")
    })
    .await
    .unwrap();
    app.dynamodb_calls();
    app.app.store.calls().take_consumed();

    let reply = app
        .get("/conversations?query=museum&limit=5")
        .bearer(&app.token("alice"))
        .send()
        .await;
    reply.assert_status(200);
    let found = found_conversations(&reply.body);
    assert_eq!(found.len(), 5, "{found:?}");
    assert!(
        found
            .iter()
            .all(|(_, first)| first.as_str().unwrap().contains("message 0:"))
    );

    let calls = app.dynamodb_calls();
    let queries = calls.iter().filter(|c| *c == "Query").count();
    // The chatbot counters, one index page (5 + 1 items), one message query per
    // returned conversation.
    assert_eq!(queries, 1 + 1 + 5, "{calls:?}");
    let read = app.app.store.calls().take_consumed().items_read;
    let first_page = glchat_app::store::SEARCH_FIRST_PAGE as u64;
    assert!(
        read <= 1 + 6 + 5 * first_page,
        "{read} items read: a counter, the index page and a first page of each conversation's messages"
    );
}
