//! The operator's erasure (`infra/fleet.sh erase`): the real `erase_user` binary writes
//! the user's erasure into the table named by its environment, `run_jobs` does it from
//! the stream as for `POST /me/erasure`, and the binary prints the receipt.

use glchat_tests::jobs::run_jobs;
use glchat_tests::{Options, TestApp};
use serde_json::Value;

fn erase_user(app: &TestApp, args: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_erase_user"))
        .args(args)
        .env("TABLE_NAME", app.app.store.table())
        .env("TENANT_ID", &app.options.tenant)
        .output()
        .expect("erase_user runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

#[tokio::test]
async fn an_operator_erases_a_user_with_the_binary_and_reads_the_receipt() {
    let app = TestApp::spawn_with(Options {
        stream: true,
        ..Options::default()
    })
    .await;
    let id = app.conversation_id("alice", "bot").await;
    app.append("alice", &id, "user", "hello").await;
    app.conversation_id("bob", "bot").await;

    let erasure = erase_user(&app, &["alice"]);
    run_jobs(&app, 0).await;
    let receipt: Value = serde_json::from_str(&erase_user(&app, &["alice", "--receipt", &erasure])).unwrap();
    assert_eq!(receipt["erasure_id"], erasure.as_str());
    assert_eq!(receipt["status"], "done", "{receipt}");
    assert_eq!(
        (&receipt["conversations"], &receipt["messages"]),
        (&Value::from(1), &Value::from(1))
    );
    assert_eq!(app.count("alice", "").await, Value::from(0));
    assert_eq!(app.count("bob", "").await, Value::from(1), "only hers");
    // The receipt is the user's own, through the API too.
    let reply = app
        .get(&format!("/me/erasure/{erasure}"))
        .bearer(&app.token("alice"))
        .send()
        .await;
    reply.assert_status(200);
    assert_eq!(reply.body, receipt);
}
