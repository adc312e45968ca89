//! Attachments at real size: more items than one Query page holds.

use glchat_tests::TestApp;

/// Attachment items past the 1 MB one Query page holds are all read (as data written
/// before the limit, or migrated, may have them).
#[tokio::test]
async fn attachments_past_one_page_are_read_whole() {
    let _turn = glchat_tests::at_real_size().await;
    use glchat_app::ids::{AttachmentId, ConversationId, MessageId};
    use glchat_app::models::AttachmentRecord;

    let app = TestApp::spawn().await;
    let ids = glchat_tests::seed::conversations(&app.app.store, "alice", "bot", 1, 2, |_, m| format!("m{m}"))
        .await
        .unwrap();
    let id: &ConversationId = &ids[0];
    let now = app.app.clock.now();
    let message = MessageId::parse("01JMESSAGE0000000000000000").unwrap();
    // 1,500 items of about 800 bytes (the longest name and type): 1.2 MB.
    let attachments: Vec<AttachmentRecord> = (0..1_500u64)
        .map(|i| {
            let attachment = AttachmentId::from_ulid(ulid::Ulid::from_parts(now.unix_ms(), u128::from(i)));
            AttachmentRecord {
                object_key: format!("tenants/acme/conversations/{id}/attachments/{attachment}"),
                id: attachment,
                conversation_id: id.clone(),
                file_name: format!("{i:04}-{}", "n".repeat(250)),
                content_type: format!("application/{}", "t".repeat(115)),
                size: 1,
                message_id: Some(message.clone()),
                created_time: now,
            }
        })
        .collect();
    app.app.store.put_collection_items(&[], &attachments).await.unwrap();
    app.dynamodb_calls();

    let view = app
        .get(&format!("/conversations/{id}?limit=1"))
        .bearer(&app.token("alice"))
        .send()
        .await;
    view.assert_status(200);
    let names: Vec<&str> = view.body["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["file_name"].as_str().unwrap()[..4])
        .collect();
    let expected: Vec<String> = (0..1_500).map(|i| format!("{i:04}")).collect();
    assert_eq!(names, expected, "every attachment, once, oldest first");
    let queries = app.dynamodb_calls().iter().filter(|c| *c == "Query").count();
    assert!(
        queries >= 3,
        "the attachments took more than one page ({queries} Queries)"
    );

    // Someone else pays one page, not the rest.
    app.get(&format!("/conversations/{id}"))
        .bearer(&app.token("bob"))
        .send()
        .await
        .assert_status(404);
    assert_eq!(app.dynamodb_calls(), ["Query"]);
    app.drop_table().await;
}
