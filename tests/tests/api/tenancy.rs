//! Every endpoint refuses another tenant, whether named by the token or by the header,
//! before it reads a body or touches data.

use glchat_functions::routes::routes;
use glchat_tests::TestApp;
use glchat_tests::tokens::bearer;
use serde_json::json;

#[tokio::test]
async fn every_endpoint_refuses_another_tenant_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let conversation = app.create_conversation("alice", "bot", Some("Acme only")).await;
    let id = conversation["id"].as_str().unwrap().to_owned();
    app.append("alice", &id, "user", "hello").await;
    let shared = app
        .post(&format!("/conversations/{id}/share"))
        .bearer(&app.token("alice"))
        .form(&[])
        .send()
        .await;
    let share_id = shared.body["shared_conversation_id"].as_str().unwrap().to_owned();

    let mut foreign = app.claims("alice");
    foreign["tenant_id"] = json!("globex");
    let foreign_token = bearer(&app.options.jwt_secret, foreign);
    let own_token = app.token("alice");
    for route in routes() {
        let path = route
            .path
            .replace("{conversation_id}", &id)
            .replace("{shared_conversation_id}", &share_id);
        let public = route.name == "get_shared_conversation";
        if !public {
            let reply = app
                .call(route.method.clone(), &path)
                .bearer(&foreign_token)
                .json(&json!({ "user_id": "alice", "chatbot_id": "bot" }))
                .send()
                .await;
            assert_eq!(
                reply.status, 403,
                "{} {path} with another tenant's token: {}",
                route.method, reply.text
            );
        }
        let reply = app
            .call(route.method.clone(), &path)
            .bearer(&own_token)
            .header("x-tenant-id", "globex")
            .json(&json!({ "user_id": "alice", "chatbot_id": "bot" }))
            .send()
            .await;
        assert_eq!(
            reply.status, 403,
            "{} {path} with X-Tenant-ID globex: {}",
            route.method, reply.text
        );
        assert_eq!(reply.detail(), "Tenant does not match this deployment");
    }

    let read = app.get(&format!("/conversations/{id}")).bearer(&own_token).send().await;
    read.assert_status(200);
    assert_eq!(read.body["conversation"]["title"], "Acme only");
    assert_eq!(read.body["messages"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get("/conversations").bearer(&own_token).send().await.body["conversations_count"],
        1
    );
    app.get(&format!("/conversations/shared/{share_id}"))
        .send()
        .await
        .assert_status(200);
}
