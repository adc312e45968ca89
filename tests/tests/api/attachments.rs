//! Attachments: presigned upload and download against s3s-fs, which checks signatures.

use std::time::{Duration, SystemTime};

use glchat_tests::client::{put_presigned, raw_request};
use glchat_tests::{Options, TestApp};
use serde_json::json;

#[tokio::test]
async fn upload_then_download_through_presigned_urls() {
    let app = TestApp::spawn().await;
    let conversation = app.create_conversation("alice", "bot", None).await;
    let id = conversation["id"].as_str().unwrap();
    let message = app.append("alice", id, "user", "see attached").await;
    let bytes = "isi berkas: laporan keuangan Q1\n".as_bytes();

    let reply = app
        .post(&format!("/conversations/{id}/attachments"))
        .bearer(&app.token("alice"))
        .json(&json!({ "file_name": "laporan Q1.txt", "content_type": "text/plain", "size": bytes.len(), "message_id": message["id"] }))
        .send()
        .await;
    reply.assert_status(200);
    assert_eq!(reply.body["upload_method"], "PUT");
    assert_eq!(reply.body["expires_in"], 900);
    let attachment = &reply.body["attachment"];
    assert_eq!(attachment["file_name"], "laporan Q1.txt");
    assert_eq!(attachment["size"], bytes.len());
    assert_eq!(attachment["message_id"], message["id"]);
    assert_eq!(put_presigned(&reply.body, bytes).await, 200);

    let key = format!(
        "tenants/acme/conversations/{id}/attachments/{}",
        attachment["id"].as_str().unwrap()
    );
    assert_eq!(
        app.objects_under(&format!("tenants/acme/conversations/{id}/")).await,
        vec![key]
    );

    let read = app.read_conversation("alice", id).await;
    let listed = &read.body["attachments"];
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], attachment["id"]);
    assert_eq!(listed[0]["content_type"], "text/plain");
    let url = listed[0]["url"].as_str().unwrap();
    let (status, body) = raw_request("GET", url, &[], Vec::new()).await;
    assert_eq!(status, 200);
    assert_eq!(body, bytes);
}

#[tokio::test]
async fn the_bucket_refuses_wrong_sizes_and_bad_or_expired_signatures() {
    let app = TestApp::spawn().await;
    let conversation = app.create_conversation("alice", "bot", None).await;
    let id = conversation["id"].as_str().unwrap();
    let reply = app
        .post(&format!("/conversations/{id}/attachments"))
        .bearer(&app.token("alice"))
        .json(&json!({ "file_name": "a.txt", "content_type": "text/plain", "size": 10 }))
        .send()
        .await;
    reply.assert_status(200);
    // Content-Length is a signed header: a body of any other length cannot be sent
    // under this signature.
    let url = reply.body["upload_url"].as_str().unwrap().to_owned();
    for body in [&b"eleven byte"[..], b"nine byte", b""] {
        let headers = [
            ("content-type".to_owned(), "text/plain".to_owned()),
            ("content-length".to_owned(), body.len().to_string()),
        ];
        let (status, _) = raw_request("PUT", &url, &headers, body.to_vec()).await;
        assert_eq!(status, 403, "a {}-byte body under a 10-byte signature", body.len());
    }
    let wrong_type = [
        ("content-type".to_owned(), "text/html".to_owned()),
        ("content-length".to_owned(), "10".to_owned()),
    ];
    let (status, _) = raw_request("PUT", &url, &wrong_type, b"<b>hi</b>!".to_vec()).await;
    assert_eq!(status, 403, "another content type");
    assert!(app.objects_under("tenants/").await.is_empty(), "nothing was stored");

    let flipped = if url.ends_with('0') { '1' } else { '0' };
    let tampered = format!("{}{flipped}", &url[..url.len() - 1]);
    let headers = [
        ("content-type".to_owned(), "text/plain".to_owned()),
        ("content-length".to_owned(), "10".to_owned()),
    ];
    let (status, _) = raw_request("PUT", &tampered, &headers, b"0123456789".to_vec()).await;
    assert_eq!(status, 403, "a tampered signature");
    let other_key = url.replace("/attachments/", "/attachments/X");
    let (status, _) = raw_request("PUT", &other_key, &headers, b"0123456789".to_vec()).await;
    assert_eq!(status, 403, "a signature for another key");
    assert_eq!(
        put_presigned(&reply.body, b"0123456789").await,
        200,
        "the declared upload works"
    );

    let key = format!(
        "tenants/acme/conversations/{id}/attachments/{}",
        reply.body["attachment"]["id"].as_str().unwrap()
    );
    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    let expired = app
        .app
        .blobs()
        .unwrap()
        .presign_get_at(&key, "a.txt", an_hour_ago, Duration::from_secs(60))
        .await
        .unwrap();
    let (status, _) = raw_request("GET", &expired, &[], Vec::new()).await;
    assert_eq!(status, 403, "an expired URL");
    let fresh = app.app.blobs().unwrap().presign_get(&key, "a.txt").await.unwrap();
    assert_eq!(raw_request("GET", &fresh, &[], Vec::new()).await.1, b"0123456789");
}

#[tokio::test]
async fn attachment_requests_are_validated_and_owner_only() {
    let app = TestApp::spawn_with(Options {
        extra: vec![("MAX_ATTACHMENT_BYTES".into(), "1000".into())],
        ..Options::default()
    })
    .await;
    let conversation = app.create_conversation("alice", "bot", None).await;
    let other = app.create_conversation("alice", "bot", None).await;
    let id = conversation["id"].as_str().unwrap();
    let foreign_message = app
        .append("alice", other["id"].as_str().unwrap(), "user", "elsewhere")
        .await;
    let path = format!("/conversations/{id}/attachments");
    let alice = app.token("alice");

    let reply = app
        .post(&path)
        .bearer(&alice)
        .json(&json!({ "file_name": "", "content_type": "text", "size": 1001 }))
        .send()
        .await;
    let mut errors = reply.validation_errors();
    errors.sort();
    assert_eq!(
        errors,
        vec![
            (
                vec!["body".to_owned(), "content_type".to_owned()],
                "value_error".to_owned()
            ),
            (
                vec!["body".to_owned(), "file_name".to_owned()],
                "string_too_short".to_owned()
            ),
            (vec!["body".to_owned(), "size".to_owned()], "less_than_equal".to_owned()),
        ]
    );
    let reply = app
        .post(&path)
        .bearer(&alice)
        .json(&json!({ "file_name": "a", "content_type": "text/plain", "size": 0 }))
        .send()
        .await;
    reply.assert_invalid("body", "size", "greater_than_equal");
    let reply = app
        .post(&path)
        .bearer(&alice)
        .json(
            &json!({ "file_name": "a", "content_type": "text/plain", "size": 5, "message_id": foreign_message["id"] }),
        )
        .send()
        .await;
    reply.assert_invalid("body", "message_id", "value_error");

    let body = json!({ "file_name": "x.txt", "content_type": "text/plain", "size": 5 });
    let reply = app.post(&path).bearer(&app.token("mallory")).json(&body).send().await;
    reply.assert_status(404);
    assert_eq!(reply.detail(), "Conversation not found");
    let reply = app
        .post(&path)
        .bearer(&app.token("mallory"))
        .header("accept-language", "id")
        .json(&body)
        .send()
        .await;
    assert_eq!(reply.detail(), "Percakapan tidak ditemukan");

    let read = app.get(&format!("/conversations/{id}")).bearer(&alice).send().await;
    assert_eq!(read.body["attachments"], json!([]), "refused requests recorded nothing");
    assert!(app.objects_under("tenants/").await.is_empty());
}

/// A conversation holds at most `MAX_ATTACHMENTS_PER_CONVERSATION` attachments: past it
/// 422, nothing written; the limit never reveals someone else's conversation.
#[tokio::test]
async fn a_conversation_holds_a_bounded_number_of_attachments() {
    let app = TestApp::spawn_with(Options {
        extra: vec![("MAX_ATTACHMENTS_PER_CONVERSATION".into(), "2".into())],
        ..Options::default()
    })
    .await;
    let id = app.conversation_id("alice", "bot").await;
    let attach = |user: &str| {
        app.post(&format!("/conversations/{id}/attachments"))
            .bearer(&app.token(user))
            .json(&json!({ "file_name": "a.txt", "content_type": "text/plain", "size": 3 }))
            .send()
    };
    attach("alice").await.assert_status(200);
    attach("alice").await.assert_status(200);
    let items = app.items_of(&id).await;

    let full = attach("alice").await;
    full.assert_status(422);
    assert_eq!(
        full.body["detail"],
        json!([{
            "type": "value_error",
            "loc": ["body"],
            "msg": "Value error, a conversation holds at most 2 attachments",
            "input": null,
        }])
    );
    assert_eq!(app.items_of(&id).await, items, "nothing written");
    let view = app.read_conversation("alice", &id).await;
    assert_eq!(view.body["attachments"].as_array().unwrap().len(), 2);
    attach("bob").await.assert_status(404);
}

/// The attachments of a conversation add up to at most
/// `MAX_ATTACHMENT_BYTES_PER_CONVERSATION` (their declared sizes): past it 422 on
/// `size`, nothing written; a clone carries its source's total.
#[tokio::test]
async fn a_conversations_attachments_have_a_quota_of_bytes() {
    let app = TestApp::spawn_with(Options {
        extra: vec![("MAX_ATTACHMENT_BYTES_PER_CONVERSATION".into(), "100".into())],
        ..Options::default()
    })
    .await;
    let id = app.conversation_id("alice", "bot").await;
    let attach = |conversation: &str, size: u64| {
        app.post(&format!("/conversations/{conversation}/attachments"))
            .bearer(&app.token("alice"))
            .json(&json!({ "file_name": "a.txt", "content_type": "text/plain", "size": size }))
            .send()
    };
    app.upload("alice", &id, "sixty.txt", &[b'x'; 60]).await;
    let items = app.items_of(&id).await;
    let over = attach(&id, 41).await;
    over.assert_status(422);
    assert_eq!(
        over.body["detail"],
        json!([{
            "type": "value_error",
            "loc": ["body", "size"],
            "msg": "Value error, a conversation's attachments hold at most 100 bytes in all",
            "input": 41,
        }])
    );
    assert_eq!(app.items_of(&id).await, items, "nothing written");
    app.upload("alice", &id, "forty.txt", &[b'y'; 40]).await;
    attach(&id, 1).await.assert_status(422);
    attach(&id, 101).await.assert_status(422);

    // A clone holds what its source held (both files copied): the quota is as full there.
    let share_id = app.share("alice", &id).await;
    let clone = app
        .post(&format!("/conversations/shared/{share_id}/clone"))
        .bearer(&app.token("alice"))
        .form(&[("user_id", "alice"), ("old_parent_id", id.as_str())])
        .send()
        .await;
    clone.assert_status(200);
    let clone_id = clone.body["conversation"]["id"].as_str().unwrap().to_owned();
    attach(&clone_id, 1).await.assert_status(422);
    let read = app.read_conversation("alice", &clone_id).await;
    assert_eq!(read.body["attachments"].as_array().unwrap().len(), 2);
}
