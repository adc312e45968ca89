//! Deleting conversations: the cascade, retries after failures, bulk deletes.

use glchat_app::deps::ClientHooks;
use glchat_tests::faults::Fault;
use glchat_tests::tokens::bearer;
use glchat_tests::{Options, TestApp};
use serde_json::{Value, json};

/// `POST /conversations/delete` as `caller`.
async fn bulk(app: &TestApp, caller: &str, body: &Value) -> glchat_tests::Reply {
    app.post("/conversations/delete")
        .bearer(&app.token(caller))
        .json(body)
        .send()
        .await
}

/// A conversation of `user` with two messages and an uploaded attachment.
async fn furnished(app: &TestApp, user: &str, chatbot: &str) -> String {
    let id = app.create_conversation(user, chatbot, Some("to delete")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.append(user, &id, "user", "question").await;
    app.append(user, &id, "assistant", "answer").await;
    app.upload(user, &id, "notes.txt", b"some notes").await;
    id
}

#[tokio::test]
async fn delete_removes_everything_once_and_only_for_the_owner() {
    let app = TestApp::spawn().await;
    let id = furnished(&app, "alice", "bot").await;
    let keep = furnished(&app, "alice", "bot").await;
    let prefix = format!("tenants/acme/conversations/{id}/");
    assert_eq!(app.items_of(&id).await, 4, "conversation, two messages, one attachment");
    assert_eq!(app.objects_under(&prefix).await.len(), 1);

    let reply = app
        .delete(&format!("/conversations/{id}"))
        .bearer(&app.token("mallory"))
        .send()
        .await;
    reply.assert_status(404);
    let reply = app
        .delete(&format!("/conversations/{id}"))
        .bearer(&app.token("mallory"))
        .header("accept-language", "id-ID")
        .send()
        .await;
    reply.assert_status(404);
    assert_eq!(reply.detail(), "Percakapan tidak ditemukan");
    assert_eq!(app.items_of(&id).await, 4, "another user's delete changed nothing");

    let reply = app
        .delete(&format!("/conversations/{id}"))
        .bearer(&app.token("alice"))
        .send()
        .await;
    reply.assert_status(200);
    assert_eq!(reply.body, json!({ "conversation_id": id, "deleted": true }));
    assert_eq!(app.items_of(&id).await, 0);
    assert!(app.objects_under(&prefix).await.is_empty());
    assert_eq!(app.count("alice", "").await, json!(1));
    assert_eq!(app.count("alice", "?chatbot_id=bot").await, json!(1));
    app.get(&format!("/conversations/{id}"))
        .bearer(&app.token("alice"))
        .send()
        .await
        .assert_status(404);
    let list = app.get("/conversations").bearer(&app.token("alice")).send().await;
    assert_eq!(list.body["conversations"].as_array().unwrap().len(), 1);
    assert_eq!(list.body["conversations"][0]["id"], keep.as_str());
    assert_eq!(app.items_of(&keep).await, 4, "the other conversation is untouched");

    let again = app
        .delete(&format!("/conversations/{id}"))
        .bearer(&app.token("alice"))
        .send()
        .await;
    again.assert_status(404);
    assert_eq!(again.detail(), "Conversation not found");
}

#[tokio::test]
async fn a_delete_that_fails_midway_is_finished_by_a_retry() {
    for (service, fault) in [
        ("s3", Fault::fail("DeleteObjects", 1)),
        ("dynamodb", Fault::fail("BatchWriteItem", 1)),
    ] {
        let hooks = if service == "s3" {
            ClientHooks {
                s3: vec![fault.interceptor()],
                ..ClientHooks::default()
            }
        } else {
            ClientHooks {
                dynamodb: vec![fault.interceptor()],
                ..ClientHooks::default()
            }
        };
        let app = TestApp::spawn_with(Options {
            hooks,
            ..Options::default()
        })
        .await;
        let id = furnished(&app, "alice", "bot").await;
        let path = format!("/conversations/{id}");

        let failed = app.delete(&path).bearer(&app.token("alice")).send().await;
        assert!(
            failed.status >= 500,
            "{service}: the injected failure surfaces ({})",
            failed.status
        );
        assert!(
            !failed.text.contains("injected"),
            "{service}: a 5xx says nothing internal: {}",
            failed.text
        );
        assert_eq!(fault.remaining(), 0, "{service}: the fault fired");
        // Half-deleted: already gone for readers, counted out, but not yet cleaned up.
        app.get(&path)
            .bearer(&app.token("alice"))
            .send()
            .await
            .assert_status(404);
        assert_eq!(app.count("alice", "").await, json!(0), "{service}");
        assert!(app.items_of(&id).await > 0, "{service}: the failure left items behind");
        let reply = app
            .post(&format!("{path}/messages"))
            .bearer(&app.token("alice"))
            .json(&json!({"role": "user", "content": "late"}))
            .send()
            .await;
        reply.assert_status(404);

        let retried = app.delete(&path).bearer(&app.token("alice")).send().await;
        retried.assert_status(200);
        assert_eq!(app.items_of(&id).await, 0, "{service}: no orphan items");
        assert!(
            app.objects_under(&format!("tenants/acme/conversations/{id}/"))
                .await
                .is_empty(),
            "{service}: no orphan objects"
        );
        assert_eq!(app.count("alice", "").await, json!(0), "{service}: counted once");
        assert_eq!(app.count("alice", "?chatbot_id=bot").await, json!(0), "{service}");
        app.delete(&path)
            .bearer(&app.token("alice"))
            .send()
            .await
            .assert_status(404);
    }
}

#[tokio::test]
async fn bulk_delete_by_chatbot_leaves_other_chatbots_and_users_alone() {
    let app = TestApp::spawn().await;
    for _ in 0..7 {
        app.create_conversation("alice", "travel", None).await;
    }
    let furnished_id = furnished(&app, "alice", "travel").await;
    for _ in 0..3 {
        app.create_conversation("alice", "work", None).await;
    }
    app.create_conversation("bob", "travel", None).await;

    let body = json!({ "user_id": "alice", "chatbot_id": "travel" });
    let reply = bulk(&app, "alice", &body).await;
    reply.assert_status(200);
    assert_eq!(reply.body, json!({ "deleted_count": 8, "complete": true }));
    assert_eq!(app.count("alice", "?chatbot_id=travel").await, json!(0));
    assert_eq!(app.count("alice", "?chatbot_id=work").await, json!(3));
    assert_eq!(app.count("alice", "").await, json!(3));
    assert_eq!(app.count("bob", "").await, json!(1));
    assert_eq!(app.items_of(&furnished_id).await, 0);
    assert!(
        app.objects_under(&format!("tenants/acme/conversations/{furnished_id}/"))
            .await
            .is_empty()
    );

    let again = bulk(&app, "alice", &body).await;
    assert_eq!(again.body, json!({ "deleted_count": 0, "complete": true }));
}

#[tokio::test]
async fn bulk_delete_by_ids_takes_only_the_callers_conversations_of_that_chatbot() {
    let app = TestApp::spawn().await;
    let a1 = app.conversation_id("alice", "travel").await;
    let a2 = app.conversation_id("alice", "travel").await;
    let a3 = app.conversation_id("alice", "travel").await;
    let work = app.conversation_id("alice", "work").await;
    let bobs = app.conversation_id("bob", "travel").await;

    let body = json!({ "user_id": "alice", "chatbot_id": "travel", "conversation_ids": [a1, a2, a2, work, bobs, "01NOSUCHCONVERSATION00000X"] });
    let reply = bulk(&app, "alice", &body).await;
    assert_eq!(reply.body, json!({ "deleted_count": 2, "complete": true }));
    let remaining: Vec<String> =
        app.get("/conversations").bearer(&app.token("alice")).send().await.body["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect();
    assert_eq!(remaining.len(), 2);
    assert!(remaining.contains(&a3) && remaining.contains(&work));
    assert_eq!(app.count("alice", "?chatbot_id=travel").await, json!(1));
    assert_eq!(app.count("bob", "").await, json!(1));
    assert_eq!(app.items_of(&bobs).await, 1);
}

#[tokio::test]
async fn bulk_delete_is_for_the_caller_or_an_admin() {
    let app = TestApp::spawn().await;
    app.create_conversation("bob", "travel", None).await;
    let body = json!({ "user_id": "bob", "chatbot_id": "travel" });
    let reply = bulk(&app, "mallory", &body).await;
    reply.assert_status(403);
    let reply = app
        .post("/conversations/delete")
        .bearer(&app.token("mallory"))
        .header("accept-language", "id")
        .json(&body)
        .send()
        .await;
    assert_eq!(reply.detail(), "Anda hanya dapat bertindak untuk pengguna Anda sendiri");
    assert_eq!(app.count("bob", "").await, json!(1));

    let mut admin = app.claims("carol");
    admin["roles"] = json!(["admin"]);
    let reply = app
        .post("/conversations/delete")
        .bearer(&bearer(&app.options.jwt_secret, admin))
        .json(&body)
        .send()
        .await;
    assert_eq!(reply.body, json!({ "deleted_count": 1, "complete": true }));
    assert_eq!(app.count("bob", "").await, json!(0));

    let reply = bulk(&app, "bob", &json!({ "chatbot_id": 5 })).await;
    let mut errors = reply.validation_errors();
    errors.sort();
    assert_eq!(
        errors,
        vec![
            (
                vec!["body".to_owned(), "chatbot_id".to_owned()],
                "string_type".to_owned()
            ),
            (vec!["body".to_owned(), "user_id".to_owned()], "missing".to_owned()),
        ]
    );
    let ids: Vec<String> = (0..1001).map(|i| format!("id{i}")).collect();
    let reply = bulk(
        &app,
        "bob",
        &json!({ "user_id": "bob", "chatbot_id": "x", "conversation_ids": ids }),
    )
    .await;
    reply.assert_invalid("body", "conversation_ids", "too_long");
}

#[tokio::test]
async fn a_large_bulk_delete_proceeds_over_several_calls() {
    let app = TestApp::spawn_with(Options {
        extra: vec![("BULK_DELETE_MAX".into(), "4".into())],
        ..Options::default()
    })
    .await;
    for _ in 0..10 {
        app.create_conversation("alice", "travel", None).await;
    }
    let body = json!({ "user_id": "alice", "chatbot_id": "travel" });
    let mut replies = Vec::new();
    loop {
        let reply = bulk(&app, "alice", &body).await;
        reply.assert_status(200);
        let complete = reply.body["complete"] == json!(true);
        replies.push(reply.body["deleted_count"].clone());
        if complete {
            break;
        }
        assert!(replies.len() < 10, "the bulk delete does not finish");
    }
    assert_eq!(replies, vec![json!(4), json!(4), json!(2)]);
    assert_eq!(app.count("alice", "").await, json!(0));
}

/// A delete records the attachments it is about to remove, and when it began, on the
/// conversation's tombstone (so the item's last image in the table's stream names them
/// for the `ConversationDeleted` event); a retry after some were removed keeps the
/// first record and the first time.
#[tokio::test]
async fn a_delete_records_its_attachments_and_time_before_removing_them() {
    let fault = Fault::fail("BatchWriteItem", 2);
    let app = TestApp::spawn_with(Options {
        hooks: ClientHooks {
            dynamodb: vec![fault.interceptor()],
            ..ClientHooks::default()
        },
        ..Options::default()
    })
    .await;
    let id = app.conversation_id("alice", "bot").await;
    let mut uploaded = Vec::new();
    for name in ["a.txt", "b.txt", "c.txt"] {
        let attachment = app.upload("alice", &id, name, b"some bytes").await;
        uploaded.push(attachment["id"].as_str().unwrap().to_owned());
    }
    let path = format!("/conversations/{id}");
    let tombstone = || async { serde_dynamo::from_item::<_, Value>(app.conversation_item(&id).await).unwrap() };

    assert!(app.delete(&path).bearer(&app.token("alice")).send().await.status >= 500);
    let first = tombstone().await;
    assert_eq!(first["deleting"], true);
    let began = first["deleted_time"]
        .as_str()
        .expect("when the delete began")
        .to_owned();
    let recorded: Vec<(String, String)> = first["deleted_attachments"]
        .as_array()
        .expect("the attachments")
        .iter()
        .map(|a| {
            (
                a["attachment_id"].as_str().unwrap().to_owned(),
                a["object_key"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut ids: Vec<String> = recorded.iter().map(|(id, _)| id.clone()).collect();
    ids.sort();
    uploaded.sort();
    assert_eq!(ids, uploaded);
    for (attachment, key) in &recorded {
        assert_eq!(
            key,
            &format!("tenants/acme/conversations/{id}/attachments/{attachment}")
        );
    }

    // One attachment item already gone, as after a sweep cut short: the retry, cut again,
    // keeps the first record and time.
    let store = &app.app.store;
    store
        .client()
        .delete_item()
        .table_name(store.table())
        .key("PK", aws_sdk_dynamodb::types::AttributeValue::S(format!("CONV#{id}")))
        .key(
            "SK",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("ATT#{}", uploaded[0])),
        )
        .send()
        .await
        .unwrap();
    assert!(app.delete(&path).bearer(&app.token("alice")).send().await.status >= 500);
    let second = tombstone().await;
    assert_eq!(second["deleted_attachments"], first["deleted_attachments"]);
    assert_eq!(second["deleted_time"], began.as_str());
    assert_eq!(fault.remaining(), 0);

    app.delete(&path)
        .bearer(&app.token("alice"))
        .send()
        .await
        .assert_status(200);
    assert_eq!(app.items_of(&id).await, 0, "finished by the third attempt");
}
