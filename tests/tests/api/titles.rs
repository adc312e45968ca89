//! `POST /conversations/{id}/generate-title`: the LLM path against a loopback
//! OpenAI-compatible server, its failure and timeout paths, and the fallback.

use std::time::{Duration, Instant};

use glchat_tests::llm::{Behavior, FakeLlm};
use glchat_tests::{Options, TestApp};
use serde_json::json;

/// The tenant's model in these tests: what a conversation gets unless it names an allowed one.
const TENANT_MODEL: &str = "tenant/default-model";

async fn app_with_llm(llm: &FakeLlm) -> TestApp {
    TestApp::spawn_with(Options {
        extra: vec![
            ("LLM_BASE_URL".into(), llm.base_url.clone()),
            ("LLM_API_KEY".into(), "sk-test-key".into()),
            ("LLM_MODEL".into(), TENANT_MODEL.into()),
            ("LLM_MODELS".into(), "openai/gpt-4.1-mini, openai/gpt-4.1-nano".into()),
            ("LLM_TIMEOUT_MS".into(), "700".into()),
        ],
        ..Options::default()
    })
    .await
}

async fn generate(app: &TestApp, user: &str, id: &str, message: &str) -> glchat_tests::Reply {
    app.post(&format!("/conversations/{id}/generate-title"))
        .bearer(&app.token(user))
        .multipart(&[("message", message)])
        .send()
        .await
}

async fn stored_title(app: &TestApp, id: &str) -> serde_json::Value {
    app.get(&format!("/conversations/{id}"))
        .bearer(&app.token("alice"))
        .send()
        .await
        .body["conversation"]["title"]
        .clone()
}

#[tokio::test]
async fn the_llm_titles_the_conversation_with_its_model() {
    let llm = FakeLlm::start(Behavior::Reply("\"Bali Family Itinerary.\"".into())).await;
    let app = app_with_llm(&llm).await;
    let reply = app
        .post("/conversations")
        .bearer(&app.token("alice"))
        .form(&[
            ("user_id", "alice"),
            ("chatbot_id", "bot"),
            ("model_name", "openai/gpt-4.1-mini"),
        ])
        .send()
        .await;
    let id = reply.body["conversation"]["id"].as_str().unwrap().to_owned();

    let reply = generate(&app, "alice", &id, "Plan seven days in Bali with two kids").await;
    reply.assert_status(200);
    assert_eq!(reply.body, json!({ "title": "Bali Family Itinerary" }));
    assert_eq!(stored_title(&app, &id).await, "Bali Family Itinerary");

    let received = llm.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].path, "/v1/chat/completions");
    assert_eq!(received[0].authorization.as_deref(), Some("Bearer sk-test-key"));
    assert_eq!(received[0].body["model"], "openai/gpt-4.1-mini");
    assert_eq!(
        received[0].body["messages"][1]["content"],
        "Plan seven days in Bali with two kids"
    );

    // A model the tenant does not allow is never sent: the tenant's own is.
    let pricey = app
        .post("/conversations")
        .bearer(&app.token("alice"))
        .form(&[
            ("user_id", "alice"),
            ("chatbot_id", "bot"),
            ("model_name", "openai/o1-pro"),
        ])
        .send()
        .await;
    let id = pricey.body["conversation"]["id"].as_str().unwrap().to_owned();
    generate(&app, "alice", &id, "Plan a week in Lombok")
        .await
        .assert_status(200);
    let received = llm.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[1].body["model"], TENANT_MODEL);
    assert!(received.iter().all(|r| r.body["model"] != "openai/o1-pro"));
}

#[tokio::test]
async fn an_llm_error_or_timeout_falls_back_to_the_deterministic_title() {
    for behavior in [
        Behavior::Status(500),
        Behavior::Slow(Duration::from_secs(5), "Too late".into()),
        Behavior::Reply("  ".into()),
    ] {
        let llm = FakeLlm::start(behavior.clone()).await;
        let app = app_with_llm(&llm).await;
        let id = app.conversation_id("alice", "bot").await;
        let started = Instant::now();
        let reply = generate(&app, "alice", &id, "how do I renew my passport?").await;
        reply.assert_status(200);
        assert_eq!(
            reply.body,
            json!({ "title": "How do I renew my passport" }),
            "{behavior:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{behavior:?}: the timeout bounds the wait"
        );
        assert_eq!(llm.received().len(), 1, "{behavior:?}");
        assert_eq!(stored_title(&app, &id).await, "How do I renew my passport");
    }
}

#[tokio::test]
async fn without_an_llm_the_title_comes_from_the_message() {
    let app = TestApp::spawn().await;
    let id = app.create_conversation("alice", "bot", Some("Old")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = app
        .post(&format!("/conversations/{id}/generate-title"))
        .bearer(&app.token("alice"))
        .form(&[(
            "message",
            "## Ringkas laporan keuangan kuartal pertama tahun ini, tolong!",
        )])
        .send()
        .await;
    reply.assert_status(200);
    assert_eq!(
        reply.body["title"],
        "Ringkas laporan keuangan kuartal pertama tahun ini, tolong"
    );
    assert_eq!(
        stored_title(&app, &id).await,
        "Ringkas laporan keuangan kuartal pertama tahun ini, tolong"
    );
}

#[tokio::test]
async fn nobody_titles_someone_elses_conversation_and_message_is_required() {
    let llm = FakeLlm::start(Behavior::Reply("Hijacked".into())).await;
    let app = app_with_llm(&llm).await;
    let id = app.create_conversation("alice", "bot", Some("Mine")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = generate(&app, "mallory", &id, "anything").await;
    reply.assert_status(404);
    assert_eq!(reply.detail(), "Conversation not found");
    assert!(llm.received().is_empty(), "no LLM call for a foreign conversation");
    assert_eq!(stored_title(&app, &id).await, "Mine");

    let reply = app
        .post(&format!("/conversations/{id}/generate-title"))
        .bearer(&app.token("alice"))
        .multipart(&[])
        .send()
        .await;
    reply.assert_invalid("body", "message", "missing");
    let reply = app
        .post(&format!("/conversations/{id}/generate-title"))
        .bearer(&app.token("alice"))
        .header("accept-language", "id")
        .multipart(&[])
        .send()
        .await;
    assert_eq!(reply.body["detail"][0]["msg"], "Kolom wajib diisi");
    generate(&app, "alice", "01NOSUCHCONVERSATION00000X", "x")
        .await
        .assert_status(404);
}

/// A rename made while the title is being generated stands: the generated title never
/// overwrites it, and the reply says which title the conversation has. 50 rounds side
/// by side, each on its own conversation: each rename is sent once the LLM has its
/// round's request (the generation has read the title) and the LLM replies once the
/// rename is done (the generation has not written yet).
#[tokio::test]
async fn a_rename_during_generation_is_not_overwritten() {
    let llm = FakeLlm::start(Behavior::Held("Generated title".into())).await;
    let app = TestApp::spawn_with(Options {
        extra: vec![
            ("LLM_BASE_URL".into(), llm.base_url.clone()),
            ("LLM_API_KEY".into(), "sk-test-key".into()),
            ("LLM_MODEL".into(), TENANT_MODEL.into()),
            ("LLM_MODELS".into(), "openai/gpt-4.1-mini, openai/gpt-4.1-nano".into()),
        ],
        ..Options::default()
    })
    .await;
    let round = |round: usize| {
        let (app, llm) = (&app, &llm);
        async move {
            let id = app.conversation_id("alice", "bot").await;
            let (mine, asked) = (format!("Mine {round}"), format!("plan trip number {round}."));
            let rename = async {
                while !llm.received().iter().any(|r| r.body.to_string().contains(&asked)) {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                let renamed = app
                    .patch(&format!("/conversations/{id}"))
                    .bearer(&app.token("alice"))
                    .form(&[("title", mine.as_str())])
                    .send()
                    .await;
                llm.release(&asked);
                renamed
            };
            let (generated, renamed) = tokio::join!(generate(app, "alice", &id, &asked), rename);
            renamed.assert_status(200);
            generated.assert_status(200);
            assert_eq!(generated.body, json!({ "title": mine }), "round {round}");
            assert_eq!(stored_title(app, &id).await, mine.as_str(), "round {round}");
        }
    };
    futures::future::join_all((0..50).map(round)).await;
    // Without a rename meanwhile, the generated title is saved.
    llm.release("plan a trip");
    let id = app.conversation_id("alice", "bot").await;
    generate(&app, "alice", &id, "plan a trip").await.assert_status(200);
    assert_eq!(stored_title(&app, &id).await, "Generated title");
}
