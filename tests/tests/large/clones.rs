//! Clones too large for one request: written over several requests, out of every
//! list until complete, started over when the link changes, removed by a delete.
//! The clone's time budget is 1 ms here, so every request writes one chunk (500 items).

use glchat_tests::faults::Refusal;
use glchat_tests::{Options, TestApp, seed};
use serde_json::Value;

use crate::history::{assert_every_message_once_in_order, read_whole};

const MESSAGES: usize = 1_200;
const ATTACHMENTS: usize = 3;

struct Shared {
    conversation: String,
    clone_path: String,
}

/// Alice's conversation of 1,200 messages and 3 attachments, shared.
async fn large_shared(app: &TestApp) -> Shared {
    let ids = seed::conversations(&app.app.store, "alice", "bot", 1, MESSAGES, |_, m| {
        format!("{m:05} hello")
    })
    .await
    .unwrap();
    seed::attachments(&app.app, &ids[0], ATTACHMENTS, 64).await.unwrap();
    let share = app.share("alice", ids[0].as_str()).await;
    Shared {
        conversation: ids[0].to_string(),
        clone_path: format!("/conversations/shared/{share}/clone"),
    }
}

fn spawn_options() -> Options {
    Options {
        extra: vec![("CLONE_TIME_BUDGET_MS".into(), "1".into())],
        ..Options::default()
    }
}

async fn clone(app: &TestApp, shared: &Shared, user: &str, id: Option<&str>) -> glchat_tests::Reply {
    let mut form = vec![("user_id", user), ("old_parent_id", shared.conversation.as_str())];
    if let Some(id) = id {
        form.push(("new_conversation_id", id));
    }
    app.post(&shared.clone_path)
        .bearer(&app.token(user))
        .form(&form)
        .send()
        .await
}

fn assert_in_progress(reply: &glchat_tests::Reply, written: usize, total: usize) -> String {
    reply.assert_status(202);
    assert_eq!(reply.body["complete"], false);
    assert_eq!(reply.body["items_written"], written);
    assert_eq!(reply.body["items_total"], total);
    reply.body["conversation_id"].as_str().unwrap().to_owned()
}

/// Bob sees nothing of an unfinished clone: not listed, not counted, not found.
async fn assert_invisible(app: &TestApp, id: &str) {
    let bob = app.get("/conversations").bearer(&app.token("bob")).send().await;
    bob.assert_status(200);
    assert_eq!(bob.body["conversations"], serde_json::json!([]));
    assert_eq!(bob.body["conversations_count"], 0);
    let read = app
        .get(&format!("/conversations/{id}"))
        .bearer(&app.token("bob"))
        .send()
        .await;
    read.assert_status(404);
    let append = app
        .post(&format!("/conversations/{id}/messages"))
        .bearer(&app.token("bob"))
        .json(&serde_json::json!({"role": "user", "content": "too early"}))
        .send()
        .await;
    append.assert_status(404);
}

#[tokio::test]
async fn a_clone_too_large_for_one_request_continues_and_is_listed_only_when_complete() {
    let _turn = glchat_tests::at_real_size().await;
    let app = TestApp::spawn_with(spawn_options()).await;
    let shared = large_shared(&app).await;
    let total = MESSAGES + ATTACHMENTS;

    let first = clone(&app, &shared, "bob", None).await;
    let id = assert_in_progress(&first, 500, total);
    assert_invisible(&app, &id).await;
    // Someone else cannot continue (or take) Bob's clone.
    let carol = clone(&app, &shared, "carol", Some(&id)).await;
    carol.assert_status(409);
    assert_eq!(carol.detail(), "Conversation id is already in use");

    assert_in_progress(&clone(&app, &shared, "bob", Some(&id)).await, 1_000, total);
    assert_invisible(&app, &id).await;
    let done = clone(&app, &shared, "bob", Some(&id)).await;
    done.assert_status(200);
    assert_eq!(done.body["conversation"]["id"], id.as_str());
    let page = done.body["messages"].as_array().unwrap();
    assert_eq!(page.len(), 100, "the clone's newest page");
    assert_eq!(page[99]["content"], format!("{:05} hello", MESSAGES - 1));

    assert_eq!(app.count("bob", "").await, 1, "counted once complete");
    let listed = app.get("/conversations").bearer(&app.token("bob")).send().await;
    assert_eq!(listed.body["conversations"][0]["id"], id.as_str());
    let path = format!("/conversations/{id}");
    let whole = read_whole(&app, &path, Some(&app.token("bob")), None).await;
    assert_every_message_once_in_order(&whole, MESSAGES);
    let contents: Vec<String> = whole
        .iter()
        .map(|m| m["content"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = (0..MESSAGES).map(|m| format!("{m:05} hello")).collect();
    assert_eq!(contents, expected);
    for pair in whole.windows(2) {
        assert_eq!(pair[1]["parent_id"], pair[0]["id"], "parents follow the new ids");
    }
    let read = app.get(&path).bearer(&app.token("bob")).send().await;
    assert_eq!(read.body["attachments"].as_array().unwrap().len(), ATTACHMENTS);
    let copies = app.objects_under(&format!("tenants/acme/conversations/{id}/")).await;
    assert_eq!(copies.len(), ATTACHMENTS, "every attachment copied once");
    // The next message continues the chain from the clone's last one.
    let next = app.append("bob", &id, "user", "and then?").await;
    assert_eq!(next["parent_id"], whole[MESSAGES - 1]["id"]);

    // Repeating a finished clone returns it and writes nothing.
    let items = app.items_of(&id).await;
    let again = clone(&app, &shared, "bob", Some(&id)).await;
    again.assert_status(200);
    assert_eq!(again.body["conversation"]["id"], id.as_str());
    assert_eq!(app.items_of(&id).await, items);
    assert_eq!(app.count("bob", "").await, 1);
    app.drop_table().await;
}

#[tokio::test]
async fn an_unfinished_clone_starts_over_when_the_link_is_refreshed() {
    let _turn = glchat_tests::at_real_size().await;
    let app = TestApp::spawn_with(spawn_options()).await;
    let shared = large_shared(&app).await;
    let id = assert_in_progress(&clone(&app, &shared, "bob", None).await, 500, MESSAGES + ATTACHMENTS);

    // Alice adds a message and refreshes the link: the snapshot now has 1,201.
    app.append("alice", &shared.conversation, "user", "one more").await;
    app.share("alice", &shared.conversation).await;
    let total = MESSAGES + 1 + ATTACHMENTS;
    assert_in_progress(&clone(&app, &shared, "bob", Some(&id)).await, 500, total);
    assert_in_progress(&clone(&app, &shared, "bob", Some(&id)).await, 1_000, total);
    clone(&app, &shared, "bob", Some(&id)).await.assert_status(200);

    let whole = read_whole(&app, &format!("/conversations/{id}"), Some(&app.token("bob")), None).await;
    assert_every_message_once_in_order(&whole, MESSAGES + 1);
    let public = read_whole(&app, shared.clone_path.trim_end_matches("/clone"), None, None).await;
    let contents = |messages: &[Value]| -> Vec<Value> { messages.iter().map(|m| m["content"].clone()).collect() };
    assert_eq!(contents(&whole), contents(&public), "the refreshed snapshot, whole");
    assert!(contents(&whole).contains(&Value::from("one more")));
    // Nothing of the first attempt is left: the conversation item, the attachments
    // and the messages of the new snapshot only.
    assert_eq!(app.items_of(&id).await, 1 + total);
    let copies = app.objects_under(&format!("tenants/acme/conversations/{id}/")).await;
    assert_eq!(copies.len(), ATTACHMENTS);
    app.drop_table().await;
}

#[tokio::test]
async fn an_unfinished_clone_is_removed_by_a_delete_or_a_bulk_delete() {
    let _turn = glchat_tests::at_real_size().await;
    let app = TestApp::spawn_with(spawn_options()).await;
    let shared = large_shared(&app).await;
    let total = MESSAGES + ATTACHMENTS;

    let single = assert_in_progress(&clone(&app, &shared, "bob", None).await, 500, total);
    let deleted = app
        .delete(&format!("/conversations/{single}"))
        .bearer(&app.token("bob"))
        .send()
        .await;
    deleted.assert_status(200);
    assert_eq!(deleted.body["conversation_id"], single.as_str());
    assert_eq!(app.items_of(&single).await, 0);
    assert!(
        app.objects_under(&format!("tenants/acme/conversations/{single}/"))
            .await
            .is_empty()
    );

    let bulk = assert_in_progress(&clone(&app, &shared, "bob", None).await, 500, total);
    let deleted = app
        .post("/conversations/delete")
        .bearer(&app.token("bob"))
        .json(&serde_json::json!({"user_id": "bob", "chatbot_id": "bot"}))
        .send()
        .await;
    deleted.assert_status(200);
    assert_eq!(deleted.body, serde_json::json!({"deleted_count": 1, "complete": true}));
    assert_eq!(app.items_of(&bulk).await, 0);
    // Counters never counted either clone, so they did not go negative.
    assert_eq!(app.count("bob", "").await, 0);
    assert_eq!(app.count("bob", "?chatbot_id=bot").await, Value::from(0));
    app.drop_table().await;
}

/// A clone cut off between any two of its writes (here: after a chunk, before its
/// progress is recorded; and before the completing transaction) is finished by the
/// same request repeated, with every item written once.
#[tokio::test]
async fn an_interrupted_clone_is_finished_by_the_repeated_request_without_duplicates() {
    let _turn = glchat_tests::at_real_size().await;
    let attempts = glchat_app::sdk::SDK_ATTEMPTS as usize;
    let progress = Refusal::dynamodb_throttling("UpdateItem", 0);
    let finish = Refusal::dynamodb_throttling("TransactWriteItems", 0);
    let app = TestApp::spawn_with(Options {
        refusals: vec![progress.clone(), finish.clone()],
        ..Options::default()
    })
    .await;
    let shared = large_shared(&app).await;
    let total = MESSAGES + ATTACHMENTS;
    let id = "01KCLONEDCONVERSATION00000";

    // The request's first UpdateItem is its rate count; the next one records progress.
    progress.arm_after(1, attempts);
    let cut = clone(&app, &shared, "bob", Some(id)).await;
    cut.assert_status(503);
    assert_eq!(progress.remaining(), 0);
    assert_invisible(&app, id).await;
    assert_eq!(app.items_of(id).await, 1 + 500, "the first chunk, unrecorded");

    finish.arm(attempts);
    clone(&app, &shared, "bob", Some(id)).await.assert_status(503);
    assert_eq!(finish.remaining(), 0);
    assert_invisible(&app, id).await;
    assert_eq!(app.items_of(id).await, 1 + total, "every item, each once");

    let done = clone(&app, &shared, "bob", Some(id)).await;
    done.assert_status(200);
    assert_eq!(app.items_of(id).await, 1 + total);
    assert_eq!(app.count("bob", "").await, 1);
    let whole = read_whole(&app, &format!("/conversations/{id}"), Some(&app.token("bob")), None).await;
    assert_every_message_once_in_order(&whole, MESSAGES);
    let copies = app.objects_under(&format!("tenants/acme/conversations/{id}/")).await;
    assert_eq!(copies.len(), ATTACHMENTS);
    app.drop_table().await;
}

/// A delete that runs while a clone writes a chunk: the clone's late writes land
/// under a conversation already gone, and the clone, finding it gone, removes them.
#[tokio::test]
async fn a_clone_racing_a_delete_leaves_nothing_behind() {
    let _turn = glchat_tests::at_real_size().await;
    let stall = Refusal::stall(
        glchat_tests::faults::dynamodb_operation("BatchWriteItem"),
        0,
        std::time::Duration::from_millis(1_500),
    );
    let app = TestApp::spawn_with(Options {
        refusals: vec![stall.clone()],
        ..spawn_options()
    })
    .await;
    let shared = large_shared(&app).await;
    let id = "01KCLONEDCONVERSATION00000";

    stall.arm(1);
    let cloning = clone(&app, &shared, "bob", Some(id));
    let deleting = async {
        // The clone is held in its first batch of items by now.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        app.delete(&format!("/conversations/{id}"))
            .bearer(&app.token("bob"))
            .send()
            .await
    };
    let (cloned, deleted) = tokio::join!(cloning, deleting);
    deleted.assert_status(200);
    cloned.assert_status(404);
    assert_eq!(stall.remaining(), 0);
    assert_eq!(app.items_of(id).await, 0, "no item left under the deleted clone");
    assert!(
        app.objects_under(&format!("tenants/acme/conversations/{id}/"))
            .await
            .is_empty()
    );
    assert_eq!(app.count("bob", "").await, 0);
    app.drop_table().await;
}

/// A link revoked while a clone of it is unfinished: the clone can never complete, so
/// its next request answers 404 and removes it; nothing is left parked.
#[tokio::test]
async fn an_unfinished_clone_of_a_revoked_link_is_removed() {
    let _turn = glchat_tests::at_real_size().await;
    let app = TestApp::spawn_with(spawn_options()).await;
    let shared = large_shared(&app).await;
    let id = assert_in_progress(&clone(&app, &shared, "bob", None).await, 500, MESSAGES + ATTACHMENTS);
    assert!(app.items_of(&id).await > 0);

    let share_id = shared
        .clone_path
        .trim_start_matches("/conversations/shared/")
        .trim_end_matches("/clone");
    app.delete(&format!("/conversations/shared/{share_id}"))
        .bearer(&app.token("alice"))
        .send()
        .await
        .assert_status(200);
    let again = clone(&app, &shared, "bob", Some(&id)).await;
    again.assert_status(404);
    assert_eq!(again.detail(), "Shared conversation not found");
    assert_eq!(app.items_of(&id).await, 0, "the unfinished clone is gone");
    assert!(
        app.objects_under(&format!("tenants/acme/conversations/{id}/"))
            .await
            .is_empty()
    );
    assert_eq!(app.count("bob", "").await, 0);
    app.drop_table().await;
}
