//! Conversations at real size, read under Lambda's limits (the local API enforces
//! them): no response passes 6 MB, and a client reads a whole history by paging back
//! with `max_date`, every message exactly once, in order.

use std::collections::HashSet;

use glchat_tests::{TestApp, seed};
use serde_json::Value;

/// Reads every message of `path` (a conversation or a public share read) by paging
/// back with `max_date`, as a client does; checks each page's size on the way.
pub(crate) async fn read_whole(app: &TestApp, path: &str, token: Option<&str>, limit: Option<usize>) -> Vec<Value> {
    let mut messages: Vec<Value> = Vec::new();
    let mut max_date: Option<String> = None;
    let limit = limit.map_or(String::new(), |l| format!("limit={l}&"));
    for _ in 0..1_000 {
        let url = match &max_date {
            None => format!("{path}?{limit}"),
            Some(date) => format!("{path}?{limit}max_date={date}"),
        };
        let mut call = app.get(&url);
        if let Some(token) = token {
            call = call.bearer(token);
        }
        let reply = call.send().await;
        reply.assert_status(200);
        assert!(
            reply.text.len() < 6 * 1024 * 1024,
            "a page of {} bytes",
            reply.text.len()
        );
        let page = reply.body["messages"].as_array().unwrap().clone();
        let Some(oldest) = page.first() else {
            return messages;
        };
        max_date = Some(oldest["created_time"].as_str().unwrap().to_owned());
        messages.splice(0..0, page);
    }
    panic!("paging did not end");
}

pub(crate) fn assert_every_message_once_in_order(read: &[Value], expected: usize) {
    let ids: Vec<&str> = read.iter().map(|m| m["id"].as_str().unwrap()).collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), expected, "every message");
    assert_eq!(unique.len(), expected, "each once");
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "oldest first");
}

#[tokio::test]
async fn messages_bigger_than_a_response_are_read_in_pages_under_six_megabytes() {
    let _turn = glchat_tests::at_real_size().await;
    let app = TestApp::spawn().await;
    // 170 messages of 40,000 characters: 6.8 MB of text.
    let ids = seed::conversations(&app.app.store, "alice", "bot", 1, 170, |_, m| {
        format!("{m:05} {}", "z".repeat(39_994))
    })
    .await
    .unwrap();
    let path = format!("/conversations/{}", ids[0]);
    let token = app.token("alice");

    let first = app.get(&format!("{path}?limit=170")).bearer(&token).send().await;
    first.assert_status(200);
    let page = first.body["messages"].as_array().unwrap();
    assert!(page.len() < 170 && page.len() >= 50, "bounded by size: {}", page.len());
    assert_eq!(
        page.last().unwrap()["content"].as_str().unwrap()[..5],
        *"00169",
        "the newest message closes the page"
    );
    let whole = read_whole(&app, &path, Some(&token), None).await;
    assert_every_message_once_in_order(&whole, 170);
    app.drop_table().await;
}

#[tokio::test]
async fn a_five_thousand_message_conversation_is_read_shared_cloned_and_deleted() {
    let _turn = glchat_tests::at_real_size().await;
    let app = TestApp::spawn().await;
    let ids = seed::conversations(&app.app.store, "alice", "bot", 1, 5_000, |_, m| {
        format!("{m:05} {}", "w".repeat(1_494))
    })
    .await
    .unwrap();
    let id = ids[0].to_string();
    let token = app.token("alice");
    let path = format!("/conversations/{id}");

    let first = app.get(&path).bearer(&token).send().await;
    assert_eq!(
        first.body["messages"].as_array().unwrap().len(),
        100,
        "the default page"
    );
    assert_every_message_once_in_order(&read_whole(&app, &path, Some(&token), None).await, 5_000);

    let share = app.share("alice", &id).await;
    let public = format!("/conversations/shared/{share}");
    // The 7.5 MB snapshot is in S3 in chunks of about 1 MB: each page reads one or two.
    let chunks = app.objects_under(&format!("tenants/acme/shares/{share}/")).await;
    assert!(chunks.len() >= 8, "a head and chunks: {chunks:?}");
    assert_every_message_once_in_order(&read_whole(&app, &public, None, None).await, 5_000);

    // One request, or more where this machine writes slower than the clone's budget:
    // then it answers 202 with the clone's id, and the same request with it continues.
    let mut form = vec![("user_id", "bob".to_owned()), ("old_parent_id", id.clone())];
    let clone = loop {
        let reply = app
            .post(&format!("{public}/clone"))
            .bearer(&app.token("bob"))
            .form(&form.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>())
            .send()
            .await;
        if reply.status != 202 {
            break reply;
        }
        assert!(form.len() < 3 || form[2].1 == reply.body["conversation_id"]);
        form.truncate(2);
        form.push((
            "new_conversation_id",
            reply.body["conversation_id"].as_str().unwrap().to_owned(),
        ));
    };
    clone.assert_status(200);
    assert_eq!(
        clone.body["messages"].as_array().unwrap().len(),
        100,
        "the clone's first page"
    );
    let clone_path = format!("/conversations/{}", clone.body["conversation"]["id"].as_str().unwrap());
    let cloned = read_whole(&app, &clone_path, Some(&app.token("bob")), None).await;
    assert_every_message_once_in_order(&cloned, 5_000);
    assert_eq!(cloned[4_999]["content"].as_str().unwrap()[..5], *"04999");

    app.delete(&path).bearer(&token).send().await.assert_status(200);
    assert_eq!(app.items_of(&id).await, 0);
    app.get(&public).send().await.assert_status(404);
    app.drop_table().await;
}

#[tokio::test]
async fn a_conversation_with_300_attachments_is_shared_and_deleted_whole() {
    let _turn = glchat_tests::at_real_size().await;
    let app = TestApp::spawn().await;
    let ids = seed::conversations(&app.app.store, "alice", "bot", 1, 2, |_, m| format!("m{m}"))
        .await
        .unwrap();
    let id = ids[0].to_string();
    seed::attachments(&app.app, &ids[0], 300, 1_024).await.unwrap();
    let token = app.token("alice");
    let originals = format!("tenants/acme/conversations/{id}/");
    assert_eq!(app.objects_under(&originals).await.len(), 300);

    let share = app.share("alice", &id).await;
    let copies = format!("tenants/acme/shares/{share}/");
    assert_eq!(app.objects_under(&copies).await.len(), 300, "every attachment copied");
    let public = app.get(&format!("/conversations/shared/{share}")).send().await;
    public.assert_status(200);
    let names: Vec<&str> = public.body["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["file_name"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (0..300).map(|i| format!("file-{i:04}.bin")).collect();
    assert_eq!(names, expected, "in order");

    app.delete(&format!("/conversations/{id}"))
        .bearer(&token)
        .send()
        .await
        .assert_status(200);
    assert!(app.objects_under(&originals).await.is_empty(), "the originals are gone");
    assert!(app.objects_under(&copies).await.is_empty(), "the copies are gone");
    assert_eq!(app.items_of(&id).await, 0);
    app.drop_table().await;
}
