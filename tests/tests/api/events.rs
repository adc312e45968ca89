//! The committed API Gateway HTTP API (v2) events, one per route: each is decoded the
//! way the Lambda runtime decodes it and handled by its route's handler, with the
//! dependencies its Lambda builds (its `NEEDS`, nothing more), against the local stack,
//! in an order that lets every one of them succeed; then the S3 notification that
//! starts `settle_upload`.

use std::sync::Arc;

use aws_lambda_events::s3::S3Event;
use glchat_functions::handlers::settle_upload;
use glchat_functions::lambda::respond;
use glchat_functions::routes::routes;
use glchat_tests::TestApp;
use glchat_tests::fixtures::{
    CLONE, CONVERSATION, ERASURE, EVENT_ORDER, EXPORT, IMPORT, SHARE, event_options, events_dir, seed,
};
use lambda_http::request::LambdaRequest;
use serde_json::{Value, json};
use std::collections::BTreeSet;

#[tokio::test]
async fn every_committed_event_runs_through_its_handler() {
    let app = TestApp::spawn_with(event_options()).await;
    seed(&app).await;

    let files: BTreeSet<String> = std::fs::read_dir(events_dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".json").map(str::to_owned))
        .collect();
    let names: BTreeSet<String> = routes().iter().map(|r| r.name.to_owned()).collect();
    assert_eq!(files, names, "one event per route");
    assert_eq!(
        EVENT_ORDER.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>(),
        names
    );

    for name in EVENT_ORDER {
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
        let deps = app.deps_for(route.needs).await;
        let response = respond(deps, request, route.handler).await;
        let status = response.status().as_u16();
        let body: Value = serde_json::from_slice(response.body().as_ref()).unwrap();
        let expected = if name.starts_with("create_e") || name == "create_import" {
            202
        } else {
            200
        };
        assert_eq!(status, expected, "{name}: {body}");
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
            "create_export" => assert_eq!(body["status"], "pending"),
            "get_export" => assert_eq!(
                (&body["export_id"], &body["status"], &body["url"]),
                (&json!(EXPORT), &json!("pending"), &Value::Null)
            ),
            "create_import" => assert_eq!(body["status"], "awaiting_upload"),
            "get_import" => assert_eq!(
                (&body["import_id"], &body["status"], &body["failures"]),
                (&json!(IMPORT), &json!("awaiting_upload"), &json!([]))
            ),
            "create_erasure" => assert!(body["erasure_id"].is_string(), "{body}"),
            "get_erasure" => assert_eq!(
                (&body["erasure_id"], &body["status"], &body["finished_at"]),
                (&json!(ERASURE), &json!("pending"), &Value::Null)
            ),
            "delete_shared_conversation" => assert_eq!(body["status"], "deleted"),
            "delete_conversation" => assert_eq!(body["conversation_id"], CONVERSATION),
            "delete_conversations" => assert_eq!(body, json!({ "deleted_count": 2, "complete": true })),
            other => panic!("no expectation for {other}"),
        }
    }

    // The S3 notification, after the fixture conversation is deleted: an upload that
    // landed late (put here directly) is removed. Only the bucket is this test's own.
    let text = std::fs::read_to_string(events_dir().join("s3/settle_upload.json")).unwrap();
    let mut raw: Value = serde_json::from_str(&text).unwrap();
    let key = raw["Records"][0]["s3"]["object"]["key"].as_str().unwrap().to_owned();
    assert!(
        key.starts_with(&format!("tenants/local/conversations/{CONVERSATION}/")),
        "{key}"
    );
    let deps = app.deps_for(settle_upload::NEEDS).await;
    let blobs = deps.blobs().unwrap();
    raw["Records"][0]["s3"]["bucket"]["name"] = json!(blobs.bucket());
    blobs.put_json(&key, b"late".to_vec()).await.unwrap();
    let event: S3Event = serde_json::from_value(raw).expect("an S3 event as Lambda decodes it");
    let settled = settle_upload::handle(Arc::clone(&deps), event).await.unwrap();
    assert_eq!(settled.removed, 1);
    assert!(app.objects_under(&key).await.is_empty());
}
