//! `GET /conversations`: order, cursor pagination, filters, counts.

use std::collections::HashSet;

use glchat_tests::TestApp;
use serde_json::{Value, json};

/// Follows cursors from `first` to the end, returning every page.
async fn all_pages(app: &TestApp, token: &str, first: &str) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut path = first.to_owned();
    loop {
        let reply = app.get(&path).bearer(token).send().await;
        reply.assert_status(200);
        let cursor = reply.body["cursor"].as_str().map(str::to_owned);
        pages.push(reply.body);
        match cursor {
            Some(cursor) => {
                let separator = if first.contains('?') { '&' } else { '?' };
                path = format!("{first}{separator}cursor={cursor}");
            }
            None => return pages,
        }
        assert!(pages.len() < 100, "pagination does not end");
    }
}

fn ids(pages: &[Value]) -> Vec<String> {
    pages
        .iter()
        .flat_map(|p| {
            p["conversations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[tokio::test]
async fn cursor_pages_cover_every_conversation_once_newest_first() {
    let app = TestApp::spawn().await;
    let mut created = HashSet::new();
    for i in 0..23 {
        let bot = if i % 3 == 0 { "support" } else { "general" };
        created.insert(
            app.create_conversation("alice", bot, Some(&format!("Chat {i}"))).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    app.create_conversation("bob", "general", Some("Not alice's")).await;
    let token = app.token("alice");

    let pages = all_pages(&app, &token, "/conversations?limit=5").await;
    assert_eq!(pages.len(), 5, "23 conversations in pages of 5");
    for page in &pages[..4] {
        assert_eq!(page["conversations"].as_array().unwrap().len(), 5);
    }
    assert!(pages[4]["cursor"].is_null());
    let listed = ids(&pages);
    assert_eq!(listed.len(), 23, "no duplicates, no gaps");
    assert_eq!(listed.iter().cloned().collect::<HashSet<_>>(), created);
    for page in &pages {
        assert_eq!(page["conversations_count"], 23);
    }
    let order: Vec<(String, String)> = pages
        .iter()
        .flat_map(|p| p["conversations"].as_array().unwrap().clone())
        .map(|c| {
            (
                c["updated_time"].as_str().unwrap().to_owned(),
                c["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut sorted = order.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(order, sorted, "updated_time descending");

    let support = all_pages(&app, &token, "/conversations?chatbot_id=support&limit=3").await;
    let support_ids = ids(&support);
    assert_eq!(support_ids.len(), 8);
    assert_eq!(support[0]["conversations_count"], 8);
    assert!(
        support
            .iter()
            .flat_map(|p| p["conversations"].as_array().unwrap().clone())
            .all(|c| c["chatbot_id"] == "support")
    );

    let exact = app.get("/conversations?limit=23").bearer(&token).send().await;
    assert_eq!(exact.body["conversations"].as_array().unwrap().len(), 23);
    assert!(exact.body["cursor"].is_null(), "no cursor when nothing follows");
    let default = app.get("/conversations").bearer(&token).send().await;
    assert_eq!(
        default.body["conversations"].as_array().unwrap().len(),
        20,
        "limit defaults to 20"
    );
}

#[tokio::test]
async fn new_activity_moves_a_conversation_to_the_top() {
    let app = TestApp::spawn().await;
    let first = app.create_conversation("alice", "bot", Some("first")).await;
    app.create_conversation("alice", "bot", Some("second")).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let message = app
        .append("alice", first["id"].as_str().unwrap(), "user", "hello again")
        .await;
    let list = app.get("/conversations").bearer(&app.token("alice")).send().await;
    let top = &list.body["conversations"][0];
    assert_eq!(top["title"], "first");
    assert_eq!(top["updated_time"], message["created_time"]);
    assert_eq!(list.body["conversations"][1]["title"], "second");
}

#[tokio::test]
async fn cursors_cannot_be_forged_or_reused_elsewhere() {
    let app = TestApp::spawn().await;
    for i in 0..4 {
        app.create_conversation("alice", "bot", Some(&format!("c{i}"))).await;
        app.create_conversation("bob", "bot", Some(&format!("c{i}"))).await;
    }
    let alice = app.token("alice");
    let page = app.get("/conversations?limit=2").bearer(&alice).send().await;
    let cursor = page.body["cursor"].as_str().unwrap().to_owned();

    let mut tampered = cursor.clone().into_bytes();
    tampered[3] = if tampered[3] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for bad in [tampered.as_str(), "not-a-cursor", "e30.AAAA"] {
        let reply = app
            .get(&format!("/conversations?limit=2&cursor={bad}"))
            .bearer(&alice)
            .send()
            .await;
        reply.assert_invalid("query", "cursor", "value_error");
    }
    // Bob cannot replay Alice's cursor, nor can it move to another filter.
    let reply = app
        .get(&format!("/conversations?limit=2&cursor={cursor}"))
        .bearer(&app.token("bob"))
        .send()
        .await;
    reply.assert_status(422);
    let reply = app
        .get(&format!("/conversations?limit=2&chatbot_id=bot&cursor={cursor}"))
        .bearer(&alice)
        .send()
        .await;
    reply.assert_status(422);
    let reply = app
        .get(&format!("/conversations?limit=2&query=c&cursor={cursor}"))
        .bearer(&alice)
        .send()
        .await;
    reply.assert_status(422);
    // The genuine cursor still works.
    let next = app
        .get(&format!("/conversations?limit=2&cursor={cursor}"))
        .bearer(&alice)
        .send()
        .await;
    next.assert_status(200);
    assert_eq!(next.body["conversations"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn limit_must_be_between_1_and_100() {
    let app = TestApp::spawn().await;
    let token = app.token("alice");
    for (limit, kind) in [
        ("0", "greater_than_equal"),
        ("101", "less_than_equal"),
        ("ten", "int_parsing"),
    ] {
        let reply = app
            .get(&format!("/conversations?limit={limit}"))
            .bearer(&token)
            .send()
            .await;
        reply.assert_invalid("query", "limit", kind);
    }
    app.get("/conversations?limit=100")
        .bearer(&token)
        .send()
        .await
        .assert_status(200);
}

#[tokio::test]
async fn count_is_exact_per_user_and_chatbot() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        app.create_conversation("alice", "a", None).await;
    }
    for _ in 0..2 {
        app.create_conversation("alice", "b", None).await;
    }
    app.create_conversation("bob", "a", None).await;
    let count = |query: &'static str, user: &'static str| {
        let app = &app;
        async move {
            app.get(&format!("/conversations{query}"))
                .bearer(&app.token(user))
                .send()
                .await
                .body["conversations_count"]
                .clone()
        }
    };
    assert_eq!(count("", "alice").await, json!(5));
    assert_eq!(count("?chatbot_id=a", "alice").await, json!(3));
    assert_eq!(count("?chatbot_id=b", "alice").await, json!(2));
    assert_eq!(count("?chatbot_id=c", "alice").await, json!(0));
    assert_eq!(count("", "bob").await, json!(1));
    assert_eq!(count("", "carol").await, json!(0));
}

#[tokio::test]
async fn title_query_is_case_insensitive_and_pages() {
    let app = TestApp::spawn().await;
    let titles = [
        "Trip to BALI",
        "Groceries",
        "bali budget",
        "Work",
        "Ubud and Bali",
        "İstanbul notes",
        "misc",
    ];
    for title in titles {
        app.create_conversation("alice", "bot", Some(title)).await;
    }
    app.create_conversation("bob", "bot", Some("Bob's Bali")).await;
    let token = app.token("alice");

    let pages = all_pages(&app, &token, "/conversations?query=BaLi&limit=2").await;
    let found: Vec<String> = pages
        .iter()
        .flat_map(|p| p["conversations"].as_array().unwrap().clone())
        .map(|c| c["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        found,
        ["Ubud and Bali", "bali budget", "Trip to BALI"],
        "newest first, alice's only"
    );
    assert_eq!(
        pages[0]["conversations_count"], 7,
        "the count is of the user's conversations"
    );

    let reply = app
        .get("/conversations?query=i%CC%87stanbul")
        .bearer(&token)
        .send()
        .await;
    assert_eq!(reply.body["conversations"][0]["title"], "İstanbul notes");
    let none = app.get("/conversations?query=nowhere").bearer(&token).send().await;
    assert_eq!(none.body["conversations"], json!([]));
    assert!(none.body["cursor"].is_null());
}

/// How many entries the user's partition of GSI1 holds (lists no longer read it).
async fn gsi1_entries(app: &TestApp, partition: &str) -> usize {
    use aws_sdk_dynamodb::types::AttributeValue;
    let store = &app.app.store;
    let output = store
        .client()
        .query()
        .table_name(store.table())
        .index_name("GSI1")
        .key_condition_expression("GSI1PK = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(partition.to_owned()))
        .send()
        .await
        .unwrap();
    output.items().len()
}

/// Conversations written before lists merged the chatbots' partitions carry GSI1 keys:
/// they are still listed (from GSI2), and an append takes them out of GSI1, so from
/// then on a move costs one index entry. New conversations never enter GSI1.
#[tokio::test]
async fn conversations_of_the_old_layout_leave_gsi1_on_their_next_append() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let app = TestApp::spawn().await;
    let old = app.conversation_id("alice", "general").await;
    let new = app.conversation_id("alice", "support").await;
    let fresh = app.conversation_item(&new).await;
    assert!(
        !fresh.contains_key("GSI1PK") && !fresh.contains_key("GSI1SK"),
        "{fresh:?}"
    );

    // As the previous release wrote it: GSI1 keys beside GSI2's.
    let item = app.conversation_item(&old).await;
    let store = &app.app.store;
    store
        .client()
        .update_item()
        .table_name(store.table())
        .key("PK", item["PK"].clone())
        .key("SK", item["SK"].clone())
        .update_expression("SET GSI1PK = :pk, GSI1SK = GSI2SK")
        .expression_attribute_values(":pk", AttributeValue::S("USER#alice".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(gsi1_entries(&app, "USER#alice").await, 1);

    let token = app.token("alice");
    let listed = app.get("/conversations").bearer(&token).send().await;
    listed.assert_status(200);
    assert_eq!(ids(std::slice::from_ref(&listed.body)), [new.clone(), old.clone()]);
    assert_eq!(listed.body["conversations_count"], 2);

    app.post(&format!("/conversations/{old}/messages"))
        .bearer(&token)
        .json(&json!({"role": "user", "content": "hello again"}))
        .send()
        .await
        .assert_status(200);
    let moved = app.conversation_item(&old).await;
    assert!(
        !moved.contains_key("GSI1PK") && !moved.contains_key("GSI1SK"),
        "{moved:?}"
    );
    assert_eq!(gsi1_entries(&app, "USER#alice").await, 0);
    let listed = app.get("/conversations").bearer(&token).send().await;
    assert_eq!(
        ids(std::slice::from_ref(&listed.body)),
        [old, new],
        "the append moved it to the top"
    );
}

/// A chatbot whose conversations are all deleted drops out of the merged list; the
/// others' conversations still come in activity order with the right count.
#[tokio::test]
async fn the_merged_list_skips_chatbots_with_nothing_left() {
    let app = TestApp::spawn().await;
    let token = app.token("alice");
    let gone = app.conversation_id("alice", "retired").await;
    let a = app.conversation_id("alice", "a").await;
    let b = app.conversation_id("alice", "b").await;
    let c = app.conversation_id("alice", "c").await;
    app.delete(&format!("/conversations/{gone}"))
        .bearer(&token)
        .send()
        .await
        .assert_status(200);
    app.dynamodb_calls();
    let listed = app.get("/conversations?limit=2").bearer(&token).send().await;
    listed.assert_status(200);
    assert_eq!(ids(std::slice::from_ref(&listed.body)), [c, b]);
    assert_eq!(listed.body["conversations_count"], 3);
    assert!(listed.body["cursor"].is_string());
    let calls = app.dynamodb_calls();
    assert_eq!(
        calls.iter().filter(|c| *c == "Query").count(),
        1 + 3,
        "the counters, then one partition per chatbot with conversations: {calls:?}"
    );
    let rest = all_pages(&app, &token, "/conversations?limit=2").await;
    assert_eq!(ids(&rest), {
        let listed = ids(std::slice::from_ref(&listed.body));
        let mut all = listed.clone();
        all.push(a);
        all
    });
}
