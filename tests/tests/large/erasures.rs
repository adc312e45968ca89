//! An erasure at real size: 1,000 conversations of alice's (4,000 messages), 100 files
//! in one of them and 50 share links, removed in steps of at most 1,000 conversations
//! (the deployed default); nothing of hers is left in the table or the bucket but the
//! receipt, and bob's conversations are untouched.

use glchat_app::erasures::ErasureStatus;
use glchat_app::ids::{ErasureId, UserId};
use glchat_tests::jobs::run_to_end;
use glchat_tests::{TestApp, seed};
use serde_json::json;

#[tokio::test]
async fn a_thousand_conversations_are_erased_in_steps_leaving_only_the_receipt() {
    let _turn = glchat_tests::at_real_size().await;
    let app = TestApp::spawn().await;
    let store = &app.app.store;
    let conversations = seed::conversations(store, "alice", "bot", 1_000, 4, |c, m| format!("c{c} m{m}"))
        .await
        .unwrap();
    let deps = app.deps_for(glchat_app::config::Needs::ALL).await;
    seed::attachments(&deps, &conversations[0], 100, 1_024).await.unwrap();
    seed::share_links(store, "alice", 50, |i| format!("link {i}"))
        .await
        .unwrap();
    seed::conversations(store, "bob", "bot", 3, 2, |c, m| format!("bob c{c} m{m}"))
        .await
        .unwrap();
    let tenant = &app.options.tenant;
    let files = format!("tenants/{tenant}/conversations/{}/", conversations[0]);
    assert_eq!(app.objects_under(&files).await.len(), 100);

    let reply = app.post("/me/erasure").bearer(&app.token("alice")).send().await;
    reply.assert_status(202);
    let id = reply.body["erasure_id"].as_str().unwrap().to_owned();
    let deps = app.deps_for(glchat_functions::handlers::run_jobs::NEEDS).await;
    let (user, erasure) = (UserId::parse("alice").unwrap(), ErasureId::parse(&id).unwrap());
    let steps = run_to_end(
        || async {
            let job = deps.store.job(&user, &erasure).await.unwrap().unwrap();
            (job.step, job.status == ErasureStatus::Pending)
        },
        |step| glchat_app::ops::erasures::run_step(&deps, &user, &erasure, step),
    )
    .await;
    let receipt = app
        .get(&format!("/me/erasure/{id}"))
        .bearer(&app.token("alice"))
        .send()
        .await;
    assert_eq!(
        [
            &receipt.body["status"],
            &receipt.body["conversations"],
            &receipt.body["messages"],
            &receipt.body["attachments"],
            &receipt.body["share_links"],
        ],
        [&json!("done"), &json!(1_000), &json!(4_000), &json!(100), &json!(50)],
        "{} after {steps} steps",
        receipt.text
    );
    assert!(steps >= 3, "the list, the counts, the removal and the rest: {steps}");

    let left: Vec<String> = app
        .table_items()
        .await
        .into_iter()
        .filter(|(key, item)| !key.starts_with("USER#alice ERASURE#") && item.contains("\"alice\""))
        .map(|(key, _)| key)
        .collect();
    assert!(
        left.is_empty(),
        "{} items of alice's left: {:?}",
        left.len(),
        &left[..left.len().min(5)]
    );
    assert!(app.objects_under(&files).await.is_empty(), "her files");
    assert_eq!(app.count("alice", "").await, json!(0));
    assert_eq!(app.count("bob", "").await, json!(3), "bob's untouched");
    app.drop_table().await;
}
