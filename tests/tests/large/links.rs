//! A user with thousands of share links: the list (which the seed gives no cursor)
//! answers the newest under Lambda's response limit, and a title filter looks at all.

use std::collections::HashSet;

use glchat_tests::{TestApp, seed};
use serde_json::Value;

const GROUPS: [&str; 5] = ["today", "yesterday", "previous_7_days", "previous_30_days", "older"];

fn listed(body: &Value) -> Vec<String> {
    GROUPS
        .iter()
        .flat_map(|g| body[*g].as_array().unwrap().iter())
        .map(|link| link["id"].as_str().unwrap().to_owned())
        .collect()
}

/// 5,000 links with the longest titles (255 four-byte characters) would answer 6.8 MB,
/// which Lambda refuses: the list carries the newest that fit in 4 MB.
#[tokio::test]
async fn thousands_of_links_list_the_newest_under_a_responses_limit() {
    let _turn = glchat_tests::at_real_size().await;
    let app = TestApp::spawn().await;
    let links = seed::share_links(&app.app.store, "alice", 5_000, |i| match i < 10 {
        true => format!("rare {i} {}", "🦀".repeat(240)),
        false => "🦀".repeat(255),
    })
    .await
    .unwrap();

    let reply = app
        .get("/conversations/shared")
        .bearer(&app.token("alice"))
        .send()
        .await;
    reply.assert_status(200);
    assert!(reply.text.len() < 6 * 1024 * 1024, "{} bytes", reply.text.len());
    let ids = listed(&reply.body);
    assert!(
        (2_500..5_000).contains(&ids.len()),
        "the newest that fit, not all: {}",
        ids.len()
    );
    let newest: Vec<String> = links
        .iter()
        .rev()
        .take(ids.len())
        .map(|l| l.share_id.to_string())
        .collect();
    assert_eq!(ids, newest, "the newest, newest first, each once");

    // A title filter examines every link: the ten oldest are found.
    let reply = app
        .get("/conversations/shared?query=rare")
        .bearer(&app.token("alice"))
        .send()
        .await;
    reply.assert_status(200);
    let found: HashSet<String> = listed(&reply.body).into_iter().collect();
    let oldest: HashSet<String> = links[..10].iter().map(|l| l.share_id.to_string()).collect();
    assert_eq!(found, oldest);
    app.drop_table().await;
}
