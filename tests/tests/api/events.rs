//! The committed API Gateway HTTP API (v2) events, one per route: each is decoded the
//! way the Lambda runtime decodes it and handled by its route's handler against the
//! local stack, in an order that lets every one of them succeed.

use std::collections::BTreeSet;
use std::sync::Arc;

use glchat_functions::lambda::respond;
use glchat_functions::routes::routes;
use glchat_shared::ids::{ChatbotId, ConversationId, ShareId, UserId};
use glchat_shared::models::{ConversationRecord, ShareLinkRecord, SnapshotContent};
use glchat_shared::store::{MessageWindow, SnapshotRecord};
use glchat_tests::{Options, TestApp};
use lambda_http::request::LambdaRequest;
use serde_json::{Value, json};

const CONVERSATION: &str = "01JEVENTC0NVERSAT10N000000";
const SHARE: &str = "EventShare000000000000";
const CLONE: &str = "01JEVENTC10NE0000000000000";

/// Creating, reading and sharing first; revoking and deleting last.
const ORDER: [&str; 15] = [
    "create_conversation",
    "list_conversations",
    "get_conversation",
    "rename_conversation",
    "append_message",
    "create_attachment",
    "generate_title",
    "share_conversation",
    "get_share",
    "list_shared_conversations",
    "get_shared_conversation",
    "clone_shared_conversation",
    "delete_shared_conversation",
    "delete_conversation",
    "delete_conversations",
];

fn events_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("events")
}

/// The fixture conversation (two messages, title "Bali trip") and its share link.
async fn seed(app: &TestApp) {
    let now = app.app.clock.now();
    let record = ConversationRecord {
        id: ConversationId::parse(CONVERSATION).unwrap(),
        user_id: UserId::parse("dev-user").unwrap(),
        chatbot_id: ChatbotId::parse("general").unwrap(),
        title: Some("Bali trip".into()),
        model_name: "openai/gpt-4o-mini".into(),
        created_time: now,
        updated_time: now,
        is_active: true,
        is_anonymized: false,
        deanonymized_mapping: Default::default(),
        metadata_: None,
    };
    assert!(app.app.store.create_conversation(&record).await.unwrap());
    app.append("dev-user", CONVERSATION, "user", "Plan a week in Bali")
        .await;
    app.append("dev-user", CONVERSATION, "assistant", "Day 1: Ubud").await;
    let view = app
        .app
        .store
        .load_conversation(
            &record.id,
            MessageWindow {
                limit: None,
                up_to: None,
            },
        )
        .await
        .unwrap()
        .unwrap();
    let link = ShareLinkRecord {
        share_id: ShareId::parse(SHARE).unwrap(),
        user_id: record.user_id.clone(),
        conversation_id: record.id.clone(),
        conversation_title: "Bali trip".into(),
        created_time: now,
        last_updated_time: now,
        expired_time: None,
        snapshot_id: ulid::Ulid::from_parts(now.unix_ms(), 0).to_string(),
    };
    let snapshot = SnapshotRecord {
        link,
        chatbot_id: record.chatbot_id.clone(),
        content: Some(SnapshotContent::public(view.conversation, view.messages, Vec::new())),
        snapshot_key: None,
    };
    app.app.store.save_share(&snapshot).await.unwrap();
}

#[tokio::test]
async fn every_committed_event_runs_through_its_handler() {
    let app = TestApp::spawn_with(Options {
        tenant: "local".into(),
        jwt_secret: "local-dev-secret".into(),
        nextauth_secret: "local-nextauth-secret".into(),
        ..Options::default()
    })
    .await;
    seed(&app).await;

    let files: BTreeSet<String> = std::fs::read_dir(events_dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".json").map(str::to_owned))
        .collect();
    let names: BTreeSet<String> = routes().iter().map(|r| r.name.to_owned()).collect();
    assert_eq!(files, names, "one event per route");
    assert_eq!(ORDER.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>(), names);

    for name in ORDER {
        let text = std::fs::read_to_string(events_dir().join(format!("{name}.json"))).unwrap();
        let raw: Value = serde_json::from_str(&text).unwrap();
        let route = routes().into_iter().find(|r| r.name == name).unwrap();
        assert_eq!(
            raw["routeKey"],
            format!("{} {}", route.method, route.path),
            "{name}: its route key"
        );

        let event: LambdaRequest =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: not a Lambda event: {e}"));
        let request: lambda_http::Request = event.into();
        let path = request.uri().path().to_owned();
        let response = respond(Arc::clone(&app.app), request, route.handler).await;
        let status = response.status().as_u16();
        let body: Value = serde_json::from_slice(response.body().as_ref()).unwrap();
        assert_eq!(status, 200, "{name}: {body}");
        app.check_contract(route.method.as_str(), &path, status, &body)
            .unwrap_or_else(|e| panic!("{name}: {e}"));

        match name {
            "create_conversation" => assert_eq!(body["conversation"]["title"], "From an event"),
            "list_conversations" => assert_eq!(body["conversations_count"], 2),
            "get_conversation" => {
                assert_eq!(
                    body["messages"].as_array().unwrap().len(),
                    1,
                    "the query string reached the handler"
                );
                assert_eq!(body["messages"][0]["content"], "Day 1: Ubud");
            }
            "rename_conversation" => assert_eq!(body["conversation"]["title"], "Renamed by an event"),
            "append_message" => assert_eq!(body["message"]["content"], "And on day 3?"),
            "create_attachment" => assert_eq!(body["attachment"]["size"], 2048),
            "generate_title" => assert_eq!(
                body,
                json!({ "title": "Plan a week in Bali with kids" }),
                "the base64 multipart body"
            ),
            "share_conversation" | "get_share" => assert_eq!(body["shared_conversation_id"], SHARE),
            "list_shared_conversations" => {
                assert_eq!(body["today"][0]["id"], SHARE, "the session cookie of the cookies array");
                assert_eq!(body["today"][0]["first_matching_word"], "Bali");
            }
            "get_shared_conversation" => assert_eq!(body["messages"].as_array().unwrap().len(), 3),
            "clone_shared_conversation" => assert_eq!(body["conversation"]["id"], CLONE),
            "delete_shared_conversation" => assert_eq!(body["status"], "deleted"),
            "delete_conversation" => assert_eq!(body["conversation_id"], CONVERSATION),
            "delete_conversations" => assert_eq!(body, json!({ "deleted_count": 2, "complete": true })),
            other => panic!("no expectation for {other}"),
        }
    }
}
