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
