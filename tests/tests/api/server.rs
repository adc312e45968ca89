//! The local server itself: health, the spec, unknown routes.

use glchat_tests::TestApp;
use serde_json::json;

#[tokio::test]
async fn serves_health_and_the_committed_spec() {
    let app = TestApp::spawn().await;
    let health = app.get("/health").send().await;
    health.assert_status(200);
    assert_eq!(health.body, json!({ "status": "ok" }));

    let spec = app.get("/openapi.json").send().await;
    spec.assert_status(200);
    assert_eq!(spec.body["openapi"], "3.1.0");
    assert!(spec.body["paths"]["/conversations/{conversation_id}/messages"]["post"].is_object());
    assert_eq!(
        spec.body,
        serde_json::from_str::<serde_json::Value>(glchat_functions::local::OPENAPI).unwrap()
    );
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_like_fastapi() {
    let app = TestApp::spawn().await;
    let reply = app.get("/nope").send().await;
    reply.assert_status(404);
    assert_eq!(reply.body, json!({ "detail": "Not Found" }));
    let reply = app
        .call(http::Method::PUT, "/conversations")
        .bearer(&app.token("a"))
        .send()
        .await;
    reply.assert_status(405);
    assert_eq!(reply.body, json!({ "detail": "Method Not Allowed" }));
}

#[test]
fn the_route_table_and_the_spec_list_the_same_operations() {
    let spec: serde_json::Value = serde_json::from_str(glchat_functions::local::OPENAPI).unwrap();
    let mut documented: Vec<String> = spec["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .collect();
    documented.sort();
    let mut routed: Vec<String> = glchat_functions::routes::routes()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    routed.sort();
    assert_eq!(routed, documented);
    assert_eq!(routed.len(), 21, "the 13 seed operations and the 8 this service adds");
}
