//! Deployed, a function's environment holds no secret: it names the tenant's secrets in
//! Secrets Manager by ARN (`AUTH_SECRETS_ARN`, `CURSOR_SECRETS_ARN`, `LLM_SECRETS_ARN`)
//! and reads them once at cold start. Here they sit in the local Secrets Manager (moto)
//! and the app works exactly as with secrets in its environment.

use std::collections::HashMap;

use glchat_app::config::Needs;
use glchat_tests::llm::{Behavior, FakeLlm};
use glchat_tests::tokens::nextauth_cookie;
use glchat_tests::{Options, TestApp};
use serde_json::json;

#[tokio::test]
async fn functions_read_their_secrets_from_the_store() {
    let llm = FakeLlm::start(Behavior::Reply("Kept in the store".into())).await;
    let app = TestApp::spawn_with(Options {
        secrets_in_store: true,
        extra: vec![
            ("LLM_BASE_URL".into(), llm.base_url.clone()),
            ("LLM_MODEL".into(), "tenant/model".into()),
            ("LLM_API_KEY".into(), "sk-read-from-secrets-manager".into()),
        ],
        ..Options::default()
    })
    .await;
    for name in ["JWT_SECRET", "NEXTAUTH_SECRET", "CURSOR_SECRET", "LLM_API_KEY"] {
        assert_eq!(app.var(name), "", "{name} is not in the environment");
    }
    for arn in ["AUTH_SECRETS_ARN", "CURSOR_SECRETS_ARN", "LLM_SECRETS_ARN"] {
        assert!(app.var(arn).starts_with("arn:aws:secretsmanager:"), "{arn}");
    }

    // Tokens and cookies made with the stored secrets are accepted.
    let id = app.conversation_id("alice", "bot").await;
    let cookie = nextauth_cookie(
        &app.options.nextauth_secret,
        json!({ "sub": "alice", "tenant_id": "acme" }),
        3600,
    );
    app.get("/conversations")
        .header("cookie", &format!("__Secure-next-auth.session-token={cookie}"))
        .send()
        .await
        .assert_status(200);
    // Cursors are signed with the stored key.
    app.conversation_id("alice", "bot").await;
    let first = app
        .get("/conversations?limit=1")
        .bearer(&app.token("alice"))
        .send()
        .await;
    let cursor = first.body["cursor"].as_str().unwrap().to_owned();
    let next = app
        .get(&format!("/conversations?limit=1&cursor={cursor}"))
        .bearer(&app.token("alice"))
        .send()
        .await;
    next.assert_status(200);
    assert_eq!(next.body["conversations"][0]["id"], id.as_str());
    // The LLM gets the stored key.
    app.post(&format!("/conversations/{id}/generate-title"))
        .bearer(&app.token("alice"))
        .multipart(&[("message", "plan a trip")])
        .send()
        .await
        .assert_status(200);
    assert_eq!(
        llm.received()[0].authorization.as_deref(),
        Some("Bearer sk-read-from-secrets-manager")
    );
}

/// A store that cannot be read stops the cold start, naming the secret; a function
/// that uses no store never asks for one.
#[tokio::test]
async fn an_unreadable_store_fails_the_cold_start_and_unused_ones_are_not_read() {
    let missing = "arn:aws:secretsmanager:us-east-1:123456789012:secret:glchat/none-AbCdEf";
    let vars = HashMap::from([
        ("TENANT_ID", "acme"),
        ("TABLE_NAME", "t"),
        ("BUCKET_NAME", "b"),
        ("AUTH_SECRETS_ARN", missing),
        ("CURSOR_SECRETS_ARN", missing),
    ]);
    let lookup = |name: &str| vars.get(name).map(|v| (*v).to_owned());
    let err = glchat_app::deps::configure(Needs::AUTH, lookup).await.unwrap_err();
    let chain = format!("{err:#}");
    assert!(chain.contains("reading the tenant's secrets"), "{chain}");
    assert!(chain.contains(missing), "{chain}");

    // The public read holds no secret: it starts whatever the ARNs say.
    let public = glchat_functions::handlers::get_shared_conversation::NEEDS;
    let (config, _) = glchat_app::deps::configure(public, lookup).await.unwrap();
    assert!(config.auth.is_none() && config.lists.is_none());
}
