//! The local API fails where API Gateway and Lambda would: bodies over 10 MB, events
//! over Lambda's 6 MB, functions past their timeout. API Gateway's own answers, not
//! the API's error shapes. (Responses over 6 MB fail the same way; no endpoint makes
//! one, which `history.rs` checks at real size.)

use std::time::Duration;

use glchat_tests::faults::{Refusal, dynamodb_operation};
use glchat_tests::{Options, TestApp};
use serde_json::json;

fn assert_gateway(reply: &glchat_tests::Reply, status: u16, message: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.body, json!({ "message": message }), "API Gateway's own body");
}

#[tokio::test]
async fn bodies_over_api_gateways_limit_are_refused_before_the_function() {
    let app = TestApp::spawn().await;
    let big = "x".repeat(10 * 1024 * 1024 + 1);
    let reply = app
        .post("/conversations")
        .bearer(&app.token("alice"))
        .raw_body(
            "application/x-www-form-urlencoded",
            format!("user_id=alice&chatbot_id=bot&title={big}"),
        )
        .send()
        .await;
    assert_gateway(&reply, 413, "Request Entity Too Large");
    assert_eq!(app.count("alice", "").await, json!(0));
}

#[tokio::test]
async fn events_over_lambdas_limit_fail_the_invocation() {
    let app = TestApp::spawn().await;
    // 7 MB of JSON: under API Gateway's 10 MB, over Lambda's 6 MB payload.
    let reply = app
        .post("/conversations/delete")
        .bearer(&app.token("alice"))
        .json(&json!({ "user_id": "alice", "chatbot_id": "bot", "padding": "x".repeat(7 * 1024 * 1024) }))
        .send()
        .await;
    assert_gateway(&reply, 500, "Internal Server Error");

    // A binary body travels base64: 4.8 MB of multipart is 6.4 MB in the event.
    let id = app.conversation_id("alice", "bot").await;
    let message = "y".repeat(4_800_000);
    let reply = app
        .post(&format!("/conversations/{id}/generate-title"))
        .bearer(&app.token("alice"))
        .multipart(&[("message", &message)])
        .send()
        .await;
    assert_gateway(&reply, 500, "Internal Server Error");
    // Just under: the same request with a smaller body reaches the function.
    let reply = app
        .post(&format!("/conversations/{id}/generate-title"))
        .bearer(&app.token("alice"))
        .multipart(&[("message", "Plan a trip")])
        .send()
        .await;
    reply.assert_status(200);
}

#[tokio::test]
async fn a_function_past_its_timeout_fails_the_invocation() {
    let slow = Refusal::stall(dynamodb_operation("GetItem"), 1, Duration::from_millis(1_500));
    let app = TestApp::spawn_with(Options {
        refusals: vec![slow.clone()],
        function_timeout: Some(Duration::from_millis(300)),
        ..Options::default()
    })
    .await;
    let id = app.conversation_id("alice", "bot").await;
    let reply = app
        .get(&format!("/conversations/{id}/share"))
        .bearer(&app.token("alice"))
        .send()
        .await;
    assert_gateway(&reply, 500, "Internal Server Error");
    assert_eq!(slow.remaining(), 0, "the GetItem was the slow call");
    // Without the stall the same request answers in time.
    let reply = app
        .get(&format!("/conversations/{id}/share"))
        .bearer(&app.token("alice"))
        .send()
        .await;
    reply.assert_status(404);
}
