//! Cross-site requests. The session cookie is ambient: the browser attaches it to a
//! request from any page, so a cookie-authenticated write must come from one of the
//! tenant's origins (`Origin`, else `Referer`), else 403; and a JSON endpoint takes
//! only `application/json`, else 415, so a page cannot send JSON as `text/plain`
//! without the CORS preflight. Bearer tokens are not ambient: no origin is asked of
//! them. Each refused request changes nothing.

use glchat_tests::tokens::nextauth_cookie;
use glchat_tests::{TestApp, WEB_APP_ORIGIN};
use serde_json::json;

fn cookie(app: &TestApp, user: &str) -> String {
    let token = json!({ "sub": user, "tenant_id": "acme" });
    format!(
        "__Secure-next-auth.session-token={}",
        nextauth_cookie(&app.options.nextauth_secret, token, 3600)
    )
}

async fn count(app: &TestApp) -> serde_json::Value {
    app.count("alice", "").await
}

#[tokio::test]
async fn a_cookie_write_needs_one_of_the_tenants_origins() {
    let app = TestApp::spawn().await;
    let cookie = cookie(&app, "alice");
    let create = |origin: Option<(&'static str, &'static str)>| {
        let mut call = app
            .post("/conversations")
            .header("cookie", &cookie)
            .form(&[("user_id", "alice"), ("chatbot_id", "bot")]);
        if let Some((name, value)) = origin {
            call = call.header(name, value);
        }
        call.send()
    };
    for origin in [
        None,
        Some(("origin", "https://evil.test")),
        Some(("origin", "null")),
        Some(("origin", "https://chat.acme.test.evil.test")),
        Some(("referer", "https://evil.test/https://chat.acme.test/")),
    ] {
        let reply = create(origin).await;
        reply.assert_status(403);
        assert_eq!(reply.detail(), "Request origin not allowed", "{origin:?}");
    }
    assert_eq!(count(&app).await, json!(0), "nothing was created");

    create(Some(("origin", WEB_APP_ORIGIN))).await.assert_status(200);
    // Browsers that send no Origin on a same-origin request send the page as Referer.
    create(Some(("referer", "https://chat.acme.test/c/123?x=1")))
        .await
        .assert_status(200);
    assert_eq!(count(&app).await, json!(2));

    // Reads need no origin; bearer writes need none either.
    app.get("/conversations")
        .header("cookie", &cookie)
        .send()
        .await
        .assert_status(200);
    let id = app.conversation_id("alice", "bot").await;
    let rename = app
        .patch(&format!("/conversations/{id}"))
        .header("cookie", &cookie)
        .header("origin", "https://evil.test")
        .form(&[("title", "pwned")])
        .send()
        .await;
    rename.assert_status(403);
    let delete = app
        .delete(&format!("/conversations/{id}"))
        .header("cookie", &cookie)
        .header("origin", "https://evil.test")
        .send()
        .await;
    delete.assert_status(403);
    let read = app.read_conversation("alice", &id).await;
    read.assert_status(200);
    assert_eq!(
        read.body["conversation"]["title"],
        json!(null),
        "the rename did not happen"
    );
}

/// The attack from the issue: a sibling page posts the bulk delete as `text/plain`.
#[tokio::test]
async fn json_endpoints_refuse_other_content_types() {
    let app = TestApp::spawn().await;
    let id = app.conversation_id("alice", "bot").await;
    let body = json!({ "user_id": "alice", "chatbot_id": "bot" }).to_string();
    let cookie = cookie(&app, "alice");
    for content_type in ["text/plain", "text/plain;charset=UTF-8", ""] {
        let reply = app
            .post("/conversations/delete")
            .header("cookie", &cookie)
            .header("origin", WEB_APP_ORIGIN)
            .raw_body(content_type, body.clone())
            .send()
            .await;
        reply.assert_status(415);
        assert_eq!(reply.detail(), "Unsupported Media Type");
        let reply = app
            .post("/conversations/delete")
            .bearer(&app.token("alice"))
            .raw_body(content_type, body.clone())
            .send()
            .await;
        reply.assert_status(415);
    }
    let attach = app
        .post(&format!("/conversations/{id}/attachments"))
        .bearer(&app.token("alice"))
        .raw_body(
            "text/plain",
            json!({ "file_name": "a.txt", "content_type": "text/plain", "size": 1 }).to_string(),
        )
        .send()
        .await;
    attach.assert_status(415);
    let append = app
        .post(&format!("/conversations/{id}/messages"))
        .bearer(&app.token("alice"))
        .raw_body("text/plain", json!({ "role": "user", "content": "hi" }).to_string())
        .send()
        .await;
    append.assert_status(415);
    let read = app.read_conversation("alice", &id).await;
    assert_eq!(read.body["messages"], json!([]));
    assert_eq!(read.body["attachments"], json!([]));
    assert_eq!(count(&app).await, json!(1), "nothing was deleted");

    let deleted = app
        .post("/conversations/delete")
        .header("cookie", &cookie)
        .header("origin", WEB_APP_ORIGIN)
        .json(&json!({ "user_id": "alice", "chatbot_id": "bot" }))
        .send()
        .await;
    deleted.assert_status(200);
    assert_eq!(deleted.body["deleted_count"], 1);
}

/// The jobs a cookie could start from another site (an erasure above all): refused
/// without one of the tenant's origins, as every cookie write is; nothing is started.
#[tokio::test]
async fn a_cookie_cannot_start_a_job_from_another_site() {
    let app = TestApp::spawn().await;
    let cookie = cookie(&app, "alice");
    for (path, body) in [
        ("/me/erasure", json!({})),
        ("/conversations/exports", json!({})),
        ("/conversations/imports", json!({ "file_name": "a.json", "size": 10 })),
    ] {
        let reply = app
            .post(path)
            .header("cookie", &cookie)
            .header("origin", "https://evil.test")
            .json(&body)
            .send()
            .await;
        reply.assert_status(403);
        assert_eq!(reply.detail(), "Request origin not allowed", "{path}");
        let allowed = app
            .post(path)
            .header("cookie", &cookie)
            .header("origin", WEB_APP_ORIGIN)
            .json(&body)
            .send()
            .await;
        allowed.assert_status(202);
    }
}
