//! Uploads after a delete: a presigned PUT works for 15 minutes whatever happens
//! meanwhile, so an object can land after its conversation's delete swept the
//! conversation's objects. The bucket reports every upload (`s3:ObjectCreated:Put`) to
//! `settle_upload`, which removes it unless its conversation is alive. Each test feeds
//! the handler the committed S3 event (`tests/events/s3/settle_upload.json`) with the
//! bucket and key S3 would report, decoded the way the Lambda runtime decodes it.

use std::collections::BTreeSet;

use aws_lambda_events::s3::S3Event;
use glchat_functions::handlers::settle_upload::{self, Settled};
use glchat_functions::triggers::triggers;
use glchat_tests::client::{put_presigned, raw_request};
use glchat_tests::faults::{Refusal, s3_bulk_delete};
use glchat_tests::fixtures::events_dir;
use glchat_tests::{Options, TestApp};
use serde_json::{Value, json};

use crate::iam::{allows, granted, granted_s3};
use crate::template::{function_of, template};

/// The committed notification, reporting `key` (URL-encoded as S3 does) in `bucket`.
fn notification(bucket: &str, keys: &[&str]) -> S3Event {
    let text = std::fs::read_to_string(events_dir().join("s3/settle_upload.json")).unwrap();
    let mut event: Value = serde_json::from_str(&text).unwrap();
    let record = event["Records"][0].clone();
    event["Records"] = keys
        .iter()
        .map(|key| {
            let mut record = record.clone();
            record["s3"]["bucket"]["name"] = json!(bucket);
            record["s3"]["bucket"]["arn"] = json!(format!("arn:aws:s3:::{bucket}"));
            record["s3"]["object"]["key"] = json!(encoded(key));
            record
        })
        .collect();
    serde_json::from_value(event).expect("an S3 event as Lambda decodes it")
}

/// How S3 writes a key into a notification: form encoding, `+` for a space.
fn encoded(key: &str) -> String {
    serde_urlencoded::to_string([("k", key)]).unwrap()[2..].replace("%2F", "/")
}

async fn settle(app: &TestApp, bucket: &str, keys: &[&str]) -> Settled {
    let deps = app.deps_for(settle_upload::NEEDS).await;
    settle_upload::handle(deps, notification(bucket, keys))
        .await
        .expect("settled")
}

fn bucket(app: &TestApp) -> String {
    app.app.blobs().unwrap().bucket().to_owned()
}

/// An attachment recorded through the API, not uploaded yet: the reply holds its URL.
async fn record_attachment(app: &TestApp, user: &str, conversation: &str, bytes: &[u8]) -> Value {
    let reply = app
        .post(&format!("/conversations/{conversation}/attachments"))
        .bearer(&app.token(user))
        .json(&json!({ "file_name": "late.txt", "content_type": "text/plain", "size": bytes.len() }))
        .send()
        .await;
    reply.assert_status(200);
    reply.body
}

fn key_of(conversation: &str, created: &Value) -> String {
    format!(
        "tenants/acme/conversations/{conversation}/attachments/{}",
        created["attachment"]["id"].as_str().unwrap()
    )
}

#[tokio::test]
async fn an_upload_after_the_delete_is_removed_when_reported() {
    let app = TestApp::spawn().await;
    let id = app.conversation_id("alice", "bot").await;
    let created = record_attachment(&app, "alice", &id, b"too late").await;
    let key = key_of(&id, &created);
    let prefix = format!("tenants/acme/conversations/{id}/");
    app.delete(&format!("/conversations/{id}"))
        .bearer(&app.token("alice"))
        .send()
        .await
        .assert_status(200);

    assert_eq!(put_presigned(&created, b"too late").await, 200, "the URL still works");
    assert_eq!(
        app.objects_under(&prefix).await,
        vec![key.clone()],
        "an orphan, for now"
    );
    app.options.actions.take();

    let settled = settle(&app, &bucket(&app), &[&key]).await;
    let done = app.options.actions.take();
    assert_eq!(
        settled,
        Settled {
            kept: 0,
            removed: 1,
            foreign: 0
        }
    );
    assert!(app.objects_under(&prefix).await.is_empty(), "the orphan is gone");
    // One read, one delete, and its role allows both.
    let deleted = format!("s3:DeleteObject {key}");
    assert_eq!(done, BTreeSet::from(["GetItem".to_owned(), deleted]));
    let template = template();
    let function = function_of(&template, "settle_upload");
    let (dynamodb, _) = granted(&template, function);
    assert!(dynamodb.contains("GetItem"), "{dynamodb:?}");
    assert!(allows(&granted_s3(&template, function), "DeleteObject", &key));

    // Lambda may deliver the event again: the repeat finds nothing to keep.
    let again = settle(&app, &bucket(&app), &[&key]).await;
    assert_eq!(
        again,
        Settled {
            kept: 0,
            removed: 1,
            foreign: 0
        }
    );
    assert!(app.objects_under(&prefix).await.is_empty());
}

#[tokio::test]
async fn an_upload_into_a_live_conversation_stays() {
    let app = TestApp::spawn().await;
    let id = app.conversation_id("alice", "bot").await;
    let attachment = app.upload("alice", &id, "kept.txt", b"kept bytes").await;
    let key = format!(
        "tenants/acme/conversations/{id}/attachments/{}",
        attachment["id"].as_str().unwrap()
    );

    let settled = settle(&app, &bucket(&app), &[&key]).await;
    assert_eq!(
        settled,
        Settled {
            kept: 1,
            removed: 0,
            foreign: 0
        }
    );
    let read = app.read_conversation("alice", &id).await;
    read.assert_status(200);
    let url = read.body["attachments"][0]["url"].as_str().unwrap();
    let (status, body) = raw_request("GET", url, &[], Vec::new()).await;
    assert_eq!((status, body.as_slice()), (200, b"kept bytes".as_slice()));
}

/// The upload lands while the delete is cut between its tombstone and the end of its
/// sweep: the report removes it, and the delete's retry finishes with nothing left.
#[tokio::test]
async fn an_upload_during_an_interrupted_delete_is_removed_and_the_retry_finishes() {
    let slow = Refusal::s3_slow_down(s3_bulk_delete, 0);
    let app = TestApp::spawn_with(Options {
        refusals: vec![slow.clone()],
        ..Options::default()
    })
    .await;
    let id = app.conversation_id("alice", "bot").await;
    app.upload("alice", &id, "early.txt", b"early").await;
    let created = record_attachment(&app, "alice", &id, b"late").await;
    let key = key_of(&id, &created);
    let prefix = format!("tenants/acme/conversations/{id}/");
    let path = format!("/conversations/{id}");

    slow.arm(glchat_app::sdk::SDK_ATTEMPTS as usize);
    let cut = app.delete(&path).bearer(&app.token("alice")).send().await;
    cut.assert_status(503);
    assert_eq!(put_presigned(&created, b"late").await, 200);
    assert_eq!(app.objects_under(&prefix).await.len(), 2);

    let settled = settle(&app, &bucket(&app), &[&key]).await;
    assert_eq!(
        settled,
        Settled {
            kept: 0,
            removed: 1,
            foreign: 0
        }
    );
    assert_eq!(app.objects_under(&prefix).await.len(), 1, "only the late one went");

    let retry = app.delete(&path).bearer(&app.token("alice")).send().await;
    retry.assert_status(200);
    assert_eq!(retry.body["conversation_id"], id);
    assert!(app.objects_under(&prefix).await.is_empty());
    assert_eq!(app.items_of(&id).await, 0);
}

/// Only this tenant's attachment keys in this stack's bucket are settled: a share's
/// copy, another tenant's prefix, a key of no shape of ours and a report from another
/// bucket are left alone, whatever their conversation.
#[tokio::test]
async fn what_is_not_an_attachment_of_this_bucket_is_left_alone() {
    let app = TestApp::spawn().await;
    let blobs = app.app.blobs().unwrap();
    let gone = "01JGONEC0NVERSAT10N0000000";
    let keys = [
        format!("tenants/acme/shares/AnyShare/{gone}/attachments/01JX"),
        format!("tenants/other/conversations/{gone}/attachments/01JX"),
        format!("tenants/acme/conversations/{gone}/notes/01JX"),
        format!("tenants/acme/conversations/{gone}/attachments/a#b"),
    ];
    for key in &keys {
        blobs.put_json(key, b"{}".to_vec()).await.unwrap();
    }
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let settled = settle(&app, &bucket(&app), &refs).await;
    assert_eq!(
        settled,
        Settled {
            kept: 0,
            removed: 0,
            foreign: 4
        }
    );

    let ours = format!("tenants/acme/conversations/{gone}/attachments/01JLATE");
    blobs.put_json(&ours, b"{}".to_vec()).await.unwrap();
    let elsewhere = settle(&app, "some-other-bucket", &[&ours]).await;
    assert_eq!(
        elsewhere,
        Settled {
            kept: 0,
            removed: 0,
            foreign: 1
        }
    );

    let mut all: Vec<String> = keys.to_vec();
    all.push(ours);
    all.sort();
    let mut left = app.objects_under("tenants/").await;
    left.sort();
    assert_eq!(left, all, "nothing was touched");
}

#[test]
fn the_template_sends_it_presigned_uploads_and_keeps_its_failures() {
    let template = template();
    let function = function_of(&template, "settle_upload");
    let trigger = triggers().into_iter().find(|t| t.name == "settle_upload").unwrap();
    let event = &function["Properties"]["Events"]["Upload"];
    assert_eq!(event["Type"].as_str(), Some(trigger.source));
    assert_eq!(
        event["Properties"]["Events"].as_str(),
        Some("s3:ObjectCreated:Put"),
        "uploads, not a clone's copies"
    );
    assert_eq!(
        event["Properties"]["Filter"]["S3Key"]["Rules"][0]["Name"].as_str(),
        Some("prefix")
    );
    assert!(
        !function["Properties"]["DeadLetterQueue"]["TargetArn"].is_badvalue(),
        "failed events are kept"
    );
}
