//! Deletion events at real size: a conversation with more attachments than one event
//! can name, deleted, its stream handed to `publish_deletions` in the template's
//! batches, every deletion read off the PutEvents requests the bus accepted (a
//! subscriber's queue on moto takes a tenth of a second per event; the small runs in
//! the `api` suite read one).

use std::collections::BTreeSet;

use glchat_app::deps::ClientHooks;
use glchat_functions::handlers::publish_deletions;
use glchat_tests::bus::{Sent, create_bus};
use glchat_tests::event_schemas::validate;
use glchat_tests::stream::{EventSource, lambda_event, records};
use glchat_tests::{Options, TestApp, seed};
use serde_json::Value;

/// 3,000 attachments (three times the default limit: a tenant may raise it, and data
/// may predate it): the delete records as many as one event can name on its tombstone,
/// which stays a valid item, and says there were more; the `ConversationDeleted` lists
/// those, in order, and is flagged; each of the 3,000 has its own `AttachmentDeleted`.
#[tokio::test]
async fn a_conversation_with_3000_attachments_publishes_every_deletion() {
    let _turn = glchat_tests::at_real_size().await;
    let sent = Sent::default();
    let app = TestApp::spawn_with(Options {
        stream: true,
        hooks: ClientHooks {
            eventbridge: vec![sent.interceptor()],
            ..ClientHooks::default()
        },
        // No attempt times out and is sent again (and read twice) on a slow machine.
        extra: vec![("AWS_OPERATION_TIMEOUT_MS".into(), "60000".into())],
        ..Options::default()
    })
    .await;
    create_bus(app.var("EVENT_BUS_NAME")).await;
    let ids = seed::conversations(&app.app.store, "alice", "bot", 1, 20, |_, m| format!("m{m}"))
        .await
        .unwrap();
    let id = ids[0].to_string();
    let attachments = seed::attachments(&app.app, &ids[0], 3_000, 16).await.unwrap();
    let in_order: Vec<String> = attachments.iter().map(|a| a.id.to_string()).collect();

    app.delete(&format!("/conversations/{id}"))
        .bearer(&app.token("alice"))
        .send()
        .await
        .assert_status(200);

    let source = EventSource::of("publish_deletions");
    let batches = source.batches(&records(&app).await);
    assert!(batches.len() >= 30, "{} batches", batches.len());
    let deps = app.deps_for(publish_deletions::NEEDS).await;
    for batch in &batches {
        let answer = publish_deletions::handle(deps.clone(), lambda_event(batch))
            .await
            .unwrap();
        assert!(answer.batch_item_failures.is_empty());
    }

    let delivered = sent.events();
    let of = |kind: &str| -> Vec<&Value> {
        delivered
            .iter()
            .filter(|e| e["detail-type"] == kind)
            .map(|e| &e["detail"])
            .collect()
    };
    for event in &delivered {
        let kind = event["detail-type"].as_str().unwrap();
        validate(kind, &event["detail"]).unwrap_or_else(|e| panic!("{kind}: {e}"));
    }
    let removed: BTreeSet<String> = of("AttachmentDeleted")
        .iter()
        .map(|d| d["attachment_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(removed, in_order.iter().cloned().collect(), "each attachment once");
    assert_eq!(of("AttachmentDeleted").len(), 3_000);

    let conversation = of("ConversationDeleted");
    assert_eq!(conversation.len(), 1);
    let listed: Vec<String> = conversation[0]["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["attachment_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(conversation[0]["attachments_truncated"], true);
    assert!((1_000..3_000).contains(&listed.len()), "{} listed", listed.len());
    assert_eq!(listed, in_order[..listed.len()], "the first ones, in order");
    let size = conversation[0].to_string().len();
    assert!(size < 256 * 1024, "within EventBridge's entry limit: {size} bytes");
    let ids: BTreeSet<&str> = delivered
        .iter()
        .map(|e| e["detail"]["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3_001);
    app.drop_table().await;
}
