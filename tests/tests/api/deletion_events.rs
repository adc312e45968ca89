//! The deletion events' contract (`docs/events.md`, `docs/events/*.schema.json`): the
//! schemas hold the documented example and refuse what a consumer could not rely on.

use glchat_tests::event_schemas::{NAMES, docs_dir, schema, validate};
use serde_json::{Value, json};

/// The `json` block of `docs/events.md`: a whole EventBridge event.
fn documented_example() -> Value {
    let text = std::fs::read_to_string(docs_dir().join("events.md")).unwrap();
    let block = text
        .split("```json\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a json example in docs/events.md");
    serde_json::from_str(block).expect("the example is JSON")
}

#[test]
fn every_event_has_a_schema_with_the_idempotent_id_and_version() {
    for name in NAMES {
        let schema = schema(name);
        let required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        for field in ["version", "event_id", "tenant_id"] {
            assert!(required.contains(&field), "{name} does not require {field}");
        }
        assert_eq!(schema["properties"]["version"]["const"], 1, "{name}");
        assert_eq!(schema["additionalProperties"], false, "{name}");
        let doc = std::fs::read_to_string(docs_dir().join("events.md")).unwrap();
        assert!(
            doc.contains(&format!("events/{name}.v1.schema.json")),
            "{name} is not in docs/events.md"
        );
    }
}

#[test]
fn the_documented_example_is_a_valid_conversation_deleted() {
    let event = documented_example();
    assert_eq!(event["source"], "glchat.conversations");
    assert_eq!(event["detail-type"], "ConversationDeleted");
    validate("ConversationDeleted", &event["detail"]).unwrap();
}

#[test]
fn the_schemas_refuse_what_a_consumer_could_not_rely_on() {
    let detail = documented_example()["detail"].clone();
    let without = |field: &str| {
        let mut d = detail.clone();
        d.as_object_mut().unwrap().remove(field);
        d
    };
    let with = |field: &str, value: Value| {
        let mut d = detail.clone();
        d[field] = value;
        d
    };
    for (case, bad) in [
        ("no attachments", without("attachments")),
        ("no event id", without("event_id")),
        ("a delivery's id, not a derived one", with("event_id", json!("not-hex"))),
        ("another version", with("version", json!(2))),
        ("a local time", with("deleted_at", json!("2026-11-26 04:05:36"))),
        (
            "an attachment without its key",
            with("attachments", json!([{"attachment_id": "a"}])),
        ),
        ("an undocumented field", with("content", json!("the deleted text"))),
    ] {
        assert!(validate("ConversationDeleted", &bad).is_err(), "{case} was accepted");
    }
    let attachment = json!({
        "version": 1, "event_id": "0123456789abcdef0123456789abcdef", "tenant_id": "acme",
        "conversation_id": "c", "attachment_id": "a", "object_key": "tenants/acme/conversations/c/attachments/a",
        "message_id": null, "deleted_at": "2026-11-26T04:05:36.000Z",
    });
    validate("AttachmentDeleted", &attachment).unwrap();
    let share = json!({
        "version": 1, "event_id": "0123456789abcdef0123456789abcdef", "tenant_id": "acme",
        "share_id": "s", "conversation_id": "c", "user_id": "u", "revoked_at": "2026-11-26T04:05:36.120Z",
    });
    validate("ShareRevoked", &share).unwrap();
    assert!(
        validate("ShareRevoked", &attachment).is_err(),
        "kinds are not interchangeable"
    );
    assert!(validate("MessageEdited", &share).is_err(), "an undocumented kind");
}

/// Every event the service builds from a deletion fits its published schema, and the
/// same deletion read twice (a stream record delivered again) gives the same id.
#[test]
fn the_events_the_service_builds_fit_their_schemas() {
    use glchat_shared::clock::Timestamp;
    use glchat_shared::events::event_of;
    use glchat_shared::ids::TenantId;
    use glchat_shared::models::{AttachmentRecord, ConversationRecord, DeletedAttachment};
    use glchat_shared::store::stream::Deleted;

    let tenant = TenantId::parse("acme").unwrap();
    let changed = Timestamp::from_unix_ms(1_764_130_000_000).unwrap();
    let record: ConversationRecord = serde_json::from_value(json!({
        "id": "01JDX6Q4V6N3W7P8R9S0T1U2V3", "user_id": "alice", "chatbot_id": "bot",
        "title": "t", "model_name": "m", "created_time": "2026-11-26T04:05:36.120Z",
        "updated_time": "2026-11-26T04:05:36.120Z", "is_active": true, "is_anonymized": false,
    }))
    .unwrap();
    let attachment: AttachmentRecord = serde_json::from_value(json!({
        "id": "01JDX6R0A1B2C3D4E5F6G7H8J9", "conversation_id": "01JDX6Q4V6N3W7P8R9S0T1U2V3",
        "file_name": "a.txt", "content_type": "text/plain", "size": 3,
        "created_time": "2026-11-26T04:05:37.000Z",
        "object_key": "tenants/acme/conversations/01JDX6Q4V6N3W7P8R9S0T1U2V3/attachments/01JDX6R0A1B2C3D4E5F6G7H8J9",
    }))
    .unwrap();
    let mut with_message = attachment.clone();
    with_message.message_id = Some(glchat_shared::ids::MessageId::parse("01JDX6R0A1B2C3D4E5F6G7H8JA").unwrap());
    let deletions = [
        Deleted::Conversation {
            record: record.clone(),
            attachments: vec![DeletedAttachment {
                attachment_id: attachment.id.clone(),
                object_key: attachment.object_key.clone(),
            }],
            deleted_time: Some(Timestamp::from_unix_ms(1_764_129_999_000).unwrap()),
        },
        Deleted::Conversation {
            record,
            attachments: Vec::new(),
            deleted_time: None,
        },
        Deleted::Attachment(attachment),
        Deleted::Attachment(with_message),
        Deleted::Share {
            share_id: glchat_shared::ids::ShareId::parse("s1").unwrap(),
            conversation_id: glchat_shared::ids::ConversationId::parse("01JDX6Q4V6N3W7P8R9S0T1U2V3").unwrap(),
            user_id: glchat_shared::ids::UserId::parse("alice").unwrap(),
            died_time: changed,
        },
    ];
    let mut ids = std::collections::HashSet::new();
    for deleted in &deletions {
        let event = event_of(&tenant, deleted, changed).unwrap();
        validate(event.detail_type, &event.detail).unwrap_or_else(|e| panic!("{}: {e}", event.detail_type));
        let again = event_of(&tenant, deleted, changed).unwrap();
        assert_eq!(again.detail["event_id"], event.detail["event_id"]);
        ids.insert(event.detail["event_id"].as_str().unwrap().to_owned());
    }
    // The two attachment events are one attachment; the two conversation events one
    // conversation: three things deleted, three ids.
    assert_eq!(ids.len(), 3);
}

/// The local proof: deletes of every kind against DynamoDB Local with the table's
/// stream on (one delete, one cut at its sweep and finished by a retry, a bulk delete,
/// and one refused), the stream read back, each record read by the store and turned
/// into its event: exactly one event per deleted thing, each valid against its schema,
/// and none for the refused delete.
#[tokio::test]
async fn every_delete_path_yields_exactly_its_events_from_the_stream() {
    use std::collections::{BTreeMap, BTreeSet};

    use glchat_shared::deps::ClientHooks;
    use glchat_shared::events::event_of;
    use glchat_shared::ids::TenantId;
    use glchat_shared::store::stream::deleted;
    use glchat_tests::faults::Fault;
    use glchat_tests::{Options, TestApp};

    let fault = Fault::fail("BatchWriteItem", 1);
    let app = TestApp::spawn_with(Options {
        stream: true,
        hooks: ClientHooks {
            dynamodb: vec![fault.interceptor()],
            ..ClientHooks::default()
        },
        ..Options::default()
    })
    .await;
    let token = app.token("alice");
    let upload = |conversation: String, name: &'static str| {
        let app = &app;
        async move {
            app.upload("alice", &conversation, name, b"bytes").await["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let cut = app.conversation_id("alice", "bot").await;
    let cut_attachment = upload(cut.clone(), "c.txt").await;
    let single = app.conversation_id("alice", "bot").await;
    let single_attachments = BTreeSet::from([
        upload(single.clone(), "a.txt").await,
        upload(single.clone(), "b.txt").await,
    ]);
    let share = app.share("alice", &single).await;
    let bulk = [
        app.conversation_id("alice", "bulk").await,
        app.conversation_id("alice", "bulk").await,
    ];
    let bobs = app.conversation_id("bob", "bot").await;

    let path = |id: &str| format!("/conversations/{id}");
    assert!(
        app.delete(&path(&cut)).bearer(&token).send().await.status >= 500,
        "cut at its sweep"
    );
    app.delete(&path(&cut)).bearer(&token).send().await.assert_status(200);
    app.delete(&path(&single))
        .bearer(&token)
        .send()
        .await
        .assert_status(200);
    app.delete(&path(&bobs)).bearer(&token).send().await.assert_status(404);
    let reply = app
        .post("/conversations/delete")
        .bearer(&token)
        .json(&json!({ "user_id": "alice", "chatbot_id": "bulk" }))
        .send()
        .await;
    assert_eq!(reply.body, json!({ "deleted_count": 2, "complete": true }));

    let tenant = TenantId::parse("acme").unwrap();
    let mut events: BTreeMap<&'static str, Vec<Value>> = BTreeMap::new();
    for record in glchat_tests::stream::changes(&app).await {
        if let Some(deleted) = deleted(record.change, record.old, record.new).unwrap() {
            let event = event_of(&tenant, &deleted, record.at).unwrap();
            validate(event.detail_type, &event.detail).unwrap_or_else(|e| panic!("{}: {e}", event.detail_type));
            events.entry(event.detail_type).or_default().push(event.detail);
        }
    }
    let field = |kind: &str, name: &str| -> Vec<String> {
        let mut values: Vec<String> = events[kind]
            .iter()
            .map(|d| d[name].as_str().unwrap().to_owned())
            .collect();
        values.sort();
        values
    };
    let mut conversations = vec![cut.clone(), single.clone(), bulk[0].clone(), bulk[1].clone()];
    conversations.sort();
    assert_eq!(
        field("ConversationDeleted", "conversation_id"),
        conversations,
        "once each, bob's not"
    );
    let mut attachments: Vec<String> = single_attachments
        .iter()
        .cloned()
        .chain([cut_attachment.clone()])
        .collect();
    attachments.sort();
    assert_eq!(field("AttachmentDeleted", "attachment_id"), attachments);
    assert_eq!(field("ShareRevoked", "share_id"), [share]);
    let named = |conversation: &str| -> BTreeSet<String> {
        events["ConversationDeleted"]
            .iter()
            .find(|d| d["conversation_id"] == conversation)
            .unwrap()["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["attachment_id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(named(&single), single_attachments);
    assert_eq!(
        named(&cut),
        BTreeSet::from([cut_attachment]),
        "the retry's event names what the cut attempt recorded"
    );
    assert!(named(&bulk[0]).is_empty());
    let ids: BTreeSet<&str> = events
        .values()
        .flatten()
        .map(|d| d["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids.len(),
        events.values().map(Vec::len).sum::<usize>(),
        "one id per deleted thing"
    );
    assert_eq!(fault.remaining(), 0);
}
