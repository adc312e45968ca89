//! Credentials and tenancy: bearer JWTs, NextAuth cookies, tenant checks, admin rights.

use glchat_tests::tokens::{self, bearer, nextauth_cookie};
use glchat_tests::{Options, TestApp};
use serde_json::json;

const COOKIE: &str = "__Secure-next-auth.session-token";

#[tokio::test]
async fn missing_or_bad_credentials_answer_401_in_fastapi_shape() {
    let app = TestApp::spawn().await;
    let reply = app.get("/conversations").send().await;
    reply.assert_status(401);
    assert_eq!(reply.body, json!({ "detail": "Not authenticated" }));
    assert_eq!(reply.headers["www-authenticate"], "Bearer");

    let wrong_secret = bearer("not-the-secret", app.claims("alice"));
    let expired = bearer(
        &app.options.jwt_secret,
        json!({ "sub": "alice", "exp": tokens::now() - 3600 }),
    );
    let no_exp = bearer(&app.options.jwt_secret, json!({ "sub": "alice" }));
    let no_sub = bearer(&app.options.jwt_secret, json!({ "exp": tokens::now() + 3600 }));
    for token in [wrong_secret.as_str(), &expired, &no_exp, &no_sub, "garbage"] {
        let reply = app.get("/conversations").bearer(token).send().await;
        reply.assert_status(401);
        assert_eq!(reply.detail(), "Not authenticated");
    }
    let reply = app
        .get("/conversations")
        .header("authorization", "Basic YWxpY2U6cHc=")
        .send()
        .await;
    reply.assert_status(401);

    let reply = app
        .get("/conversations")
        .header("accept-language", "id-ID,id;q=0.9")
        .send()
        .await;
    reply.assert_status(401);
    assert_eq!(reply.detail(), "Tidak terautentikasi");
}

#[tokio::test]
async fn a_valid_token_lists_the_callers_conversations() {
    let app = TestApp::spawn().await;
    app.create_conversation("alice", "bot", Some("Mine")).await;
    let reply = app.get("/conversations").bearer(&app.token("alice")).send().await;
    reply.assert_status(200);
    assert_eq!(reply.body["conversations"][0]["title"], "Mine");
    assert_eq!(reply.body["conversations_count"], 1);
}

#[tokio::test]
async fn another_tenant_is_refused_with_403() {
    let app = TestApp::spawn().await;
    let token = app.token("alice");
    let reply = app
        .get("/conversations")
        .bearer(&token)
        .header("x-tenant-id", "globex")
        .send()
        .await;
    reply.assert_status(403);
    assert_eq!(reply.detail(), "Tenant does not match this deployment");
    let reply = app
        .get("/conversations")
        .bearer(&token)
        .header("x-tenant-id", "acme")
        .send()
        .await;
    reply.assert_status(200);

    let mut foreign = app.claims("alice");
    foreign["tenant_id"] = json!("globex");
    let reply = app
        .get("/conversations")
        .bearer(&bearer(&app.options.jwt_secret, foreign))
        .send()
        .await;
    reply.assert_status(403);

    let mut own = app.claims("alice");
    own["tenant_id"] = json!("acme");
    app.get("/conversations")
        .bearer(&bearer(&app.options.jwt_secret, own))
        .send()
        .await
        .assert_status(200);
}

/// A credential must name the tenant (fail closed): signed with the right key but
/// without the claim, or with it in another shape, it is refused, bearer and cookie
/// alike, and the refused request changes nothing.
#[tokio::test]
async fn a_credential_without_the_tenant_claim_is_refused() {
    let app = TestApp::spawn().await;
    let unbound = bearer(&app.options.jwt_secret, tokens::claims("alice"));
    let reply = app
        .post("/conversations")
        .bearer(&unbound)
        .form(&[("user_id", "alice"), ("chatbot_id", "bot")])
        .send()
        .await;
    reply.assert_status(403);
    assert_eq!(reply.detail(), "The credential does not name a tenant");
    let mut numeric = app.claims("alice");
    numeric["tenant_id"] = json!(1);
    let reply = app
        .get("/conversations")
        .bearer(&bearer(&app.options.jwt_secret, numeric))
        .send()
        .await;
    reply.assert_status(403);
    assert_eq!(reply.detail(), "Tenant does not match this deployment");

    let cookie = nextauth_cookie(&app.options.nextauth_secret, json!({ "sub": "alice" }), 3600);
    let reply = app
        .get("/conversations")
        .header("cookie", &format!("{COOKIE}={cookie}"))
        .send()
        .await;
    reply.assert_status(403);
    assert_eq!(reply.detail(), "The credential does not name a tenant");
    let list = app.get("/conversations").bearer(&app.token("alice")).send().await;
    assert_eq!(list.body["conversations_count"], 0, "the refused create wrote nothing");
}

/// The claim's name is the tenant's to choose; opting out of it (keys of its own) lets
/// unbound credentials in but still refuses another tenant's.
#[tokio::test]
async fn the_tenant_claim_is_named_per_tenant_and_may_be_optional_by_declaration() {
    let named = TestApp::spawn_with(Options {
        extra: vec![("TENANT_CLAIM".into(), "https://acme.test/org".into())],
        ..Options::default()
    })
    .await;
    let with = |name: &str, value: &str| {
        let mut c = tokens::claims("alice");
        c[name] = json!(value);
        bearer(&named.options.jwt_secret, c)
    };
    named
        .get("/conversations")
        .bearer(&with("https://acme.test/org", "acme"))
        .send()
        .await
        .assert_status(200);
    let reply = named
        .get("/conversations")
        .bearer(&with("tenant_id", "acme"))
        .send()
        .await;
    reply.assert_status(403);
    assert_eq!(reply.detail(), "The credential does not name a tenant");

    let optional = TestApp::spawn_with(Options {
        extra: vec![("TENANT_CLAIM_OPTIONAL".into(), "true".into())],
        ..Options::default()
    })
    .await;
    optional
        .get("/conversations")
        .bearer(&bearer(&optional.options.jwt_secret, tokens::claims("alice")))
        .send()
        .await
        .assert_status(200);
    let mut foreign = optional.claims("alice");
    foreign["tenant_id"] = json!("globex");
    optional
        .get("/conversations")
        .bearer(&bearer(&optional.options.jwt_secret, foreign))
        .send()
        .await
        .assert_status(403);
}

#[tokio::test]
async fn another_deployments_tokens_and_data_stay_apart() {
    let acme = TestApp::spawn().await;
    let globex = TestApp::spawn_with(Options {
        tenant: "globex".into(),
        jwt_secret: "globex-secret-of-the-integration-tests-0".into(),
        ..Options::default()
    })
    .await;
    let conversation = globex.create_conversation("alice", "bot", Some("Globex only")).await;
    let id = conversation["id"].as_str().unwrap();

    // Globex's token means nothing to acme's deployment.
    acme.get("/conversations")
        .bearer(&globex.token("alice"))
        .send()
        .await
        .assert_status(401);
    // Same user name, acme's own token: globex's conversation does not exist here.
    let reply = acme
        .get(&format!("/conversations/{id}"))
        .bearer(&acme.token("alice"))
        .send()
        .await;
    reply.assert_status(404);
    let list = acme.get("/conversations").bearer(&acme.token("alice")).send().await;
    assert_eq!(list.body["conversations_count"], 0);
    assert_eq!(list.body["conversations"], json!([]));
}

#[tokio::test]
async fn issuer_and_audience_are_checked_when_configured() {
    let app = TestApp::spawn_with(Options {
        extra: vec![
            ("JWT_ISSUER".into(), "https://id.acme.test".into()),
            ("JWT_AUDIENCE".into(), "glchat".into()),
        ],
        ..Options::default()
    })
    .await;
    let token = |iss: &str, aud: &str| {
        let mut c = app.claims("alice");
        c["iss"] = json!(iss);
        c["aud"] = json!(aud);
        bearer(&app.options.jwt_secret, c)
    };
    app.get("/conversations")
        .bearer(&token("https://id.acme.test", "glchat"))
        .send()
        .await
        .assert_status(200);
    app.get("/conversations")
        .bearer(&token("https://evil.test", "glchat"))
        .send()
        .await
        .assert_status(401);
    app.get("/conversations")
        .bearer(&token("https://id.acme.test", "other"))
        .send()
        .await
        .assert_status(401);
    app.get("/conversations")
        .bearer(&app.token("alice"))
        .send()
        .await
        .assert_status(401);
}

#[tokio::test]
async fn a_session_cookie_from_next_auth_is_accepted() {
    let app = TestApp::spawn().await;
    app.create_conversation("alice", "bot", Some("Cookie")).await;
    let token = json!({ "sub": "alice", "name": "Alice", "email": "alice@acme.test", "tenant_id": "acme" });
    let cookie = nextauth_cookie(&app.options.nextauth_secret, token.clone(), 3600);
    let reply = app
        .get("/conversations")
        .header("cookie", &format!("theme=dark; {COOKIE}={cookie}"))
        .send()
        .await;
    reply.assert_status(200);
    assert_eq!(reply.body["conversations"][0]["title"], "Cookie");

    // Split the way NextAuth chunks large cookies.
    let (first, second) = cookie.split_at(cookie.len() / 2);
    let chunked = format!("{COOKIE}.0={first}; {COOKIE}.1={second}");
    app.get("/conversations")
        .header("cookie", &chunked)
        .send()
        .await
        .assert_status(200);

    let forged = nextauth_cookie("some-other-secret", token.clone(), 3600);
    let reply = app
        .get("/conversations")
        .header("cookie", &format!("{COOKIE}={forged}"))
        .send()
        .await;
    reply.assert_status(401);
    assert_eq!(reply.detail(), "Not authenticated");

    let expired = nextauth_cookie(&app.options.nextauth_secret, token, -120);
    app.get("/conversations")
        .header("cookie", &format!("{COOKIE}={expired}"))
        .send()
        .await
        .assert_status(401);
}

#[tokio::test]
async fn user_id_in_a_body_must_be_the_caller_unless_admin() {
    let app = TestApp::spawn().await;
    let form = [("user_id", "bob"), ("chatbot_id", "bot")];
    let reply = app
        .post("/conversations")
        .bearer(&app.token("alice"))
        .form(&form)
        .send()
        .await;
    reply.assert_status(403);
    assert_eq!(reply.detail(), "You can only act for your own user");
    let bob = app.get("/conversations").bearer(&app.token("bob")).send().await;
    assert_eq!(bob.body["conversations_count"], 0, "the refused create wrote nothing");

    let mut admin = app.claims("carol");
    admin["roles"] = json!(["user", "admin"]);
    let reply = app
        .post("/conversations")
        .bearer(&bearer(&app.options.jwt_secret, admin))
        .form(&form)
        .send()
        .await;
    reply.assert_status(200);
    assert_eq!(reply.body["conversation"]["user_id"], "bob");
    let bob = app.get("/conversations").bearer(&app.token("bob")).send().await;
    assert_eq!(bob.body["conversations_count"], 1);
}

/// Rotating a secret drops no session: with the old secret as `*_PREVIOUS`, tokens and
/// cookies it signed are accepted beside the new ones, and once it is dropped, refused.
/// (Cursors rotate the same way: `cursor.rs`'s unit tests.)
#[tokio::test]
async fn a_rotation_keeps_sessions_until_the_previous_secret_is_dropped() {
    let old_jwt = "the-jwt-secret-before-the-rotation-2026";
    let old_nextauth = "the-nextauth-secret-before-the-rotation";
    let during = TestApp::spawn_with(Options {
        extra: vec![
            ("JWT_SECRET_PREVIOUS".into(), old_jwt.into()),
            ("NEXTAUTH_SECRET_PREVIOUS".into(), old_nextauth.into()),
        ],
        ..Options::default()
    })
    .await;
    let after = TestApp::spawn().await;
    let old_token = bearer(old_jwt, during.claims("alice"));
    let old_cookie = format!(
        "{COOKIE}={}",
        nextauth_cookie(old_nextauth, json!({ "sub": "alice", "tenant_id": "acme" }), 3600)
    );
    let status = |app: &TestApp, header: (&str, String)| {
        let call = app.get("/conversations").header(header.0, &header.1);
        async move { call.send().await.status }
    };
    let bearer_of = |token: &str| ("authorization", format!("Bearer {token}"));
    assert_eq!(status(&during, bearer_of(&old_token)).await, 200);
    assert_eq!(status(&during, bearer_of(&during.token("alice"))).await, 200);
    assert_eq!(status(&during, ("cookie", old_cookie.clone())).await, 200);
    assert_eq!(status(&after, bearer_of(&old_token)).await, 401);
    assert_eq!(status(&after, ("cookie", old_cookie.clone())).await, 401);
    assert_eq!(status(&after, bearer_of(&after.token("alice"))).await, 200);
}
