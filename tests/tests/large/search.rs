//! Search at real size: thousands of conversations, matches too large for one response.

use glchat_app::ops::conversations::DEFAULT_LIMIT;
use glchat_tests::{TestApp, found_conversations};
use serde_json::{Value, json};

const CONVERSATIONS: usize = 5_000;

/// A rare word in the oldest of 5,000 conversations is found by one request: the walk
/// is bounded by time, not by a count of conversations. DynamoDB Local in a debug test
/// build answers a few hundred queries a second where DynamoDB answers thousands, so
/// this test gives the request the time it needs here (search budget and function
/// timeout raised); how long it takes is measured by `make bench` (release build).
#[tokio::test]
async fn a_rare_word_among_thousands_of_conversations_is_found_by_one_request() {
    let _turn = glchat_tests::at_real_size().await;
    let app = TestApp::spawn_with(glchat_tests::Options {
        extra: vec![("SEARCH_TIME_BUDGET_MS".into(), "300000".into())],
        function_timeout: Some(std::time::Duration::from_secs(360)),
        ..glchat_tests::Options::default()
    })
    .await;
    let ids = glchat_tests::seed::conversations(&app.app.store, "alice", "bot", CONVERSATIONS, 1, |c, m| {
        if c == 0 && m == 0 {
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
        found_conversations(&reply.body),
        [(
            "Conversation 0".to_owned(),
            json!("the ferry to Krakatau leaves at dawn")
        )]
    );
    assert_eq!(reply.body["conversations"][0]["id"], ids[0].as_str());
    assert_eq!(reply.body["cursor"], Value::Null, "the whole history was searched");
    assert_eq!(reply.body["conversations_count"], CONVERSATIONS);
    let calls = app.dynamodb_calls();
    assert!(!calls.iter().any(|c| c == "Scan"));
    // The first index page is one page of results (20), later ones 100 conversations.
    let index_pages = 1 + (CONVERSATIONS - DEFAULT_LIMIT).div_ceil(100);
    assert_eq!(
        calls.len(),
        CONVERSATIONS + index_pages + 2,
        "a query per conversation (one message each), the index pages, the counter, the rate count"
    );
    app.drop_table().await;
}

/// Matches too large for one response (each a 40,000-character message) come in
/// pages under Lambda's 6 MB, and following the cursor finds every one once.
#[tokio::test]
async fn large_matches_come_in_pages_under_a_responses_size() {
    let _turn = glchat_tests::at_real_size().await;
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
    app.drop_table().await;
}
