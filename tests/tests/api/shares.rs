//! Share links: snapshots, the public read, listing, clone and revoke.

use std::sync::Arc;

use glchat_app::clock::{Clock, ManualClock, Timestamp};
use glchat_tests::client::raw_request;
use glchat_tests::{Options, TestApp};
use serde_json::{Value, json};

const DAY_MS: u64 = 24 * 3600 * 1000;

async fn app_with_clock() -> (TestApp, Arc<ManualClock>) {
    let now = Timestamp::from_unix_ms(time::OffsetDateTime::now_utc().unix_timestamp() as u64 * 1000).unwrap();
    let clock = Arc::new(ManualClock::new(now));
    let app = TestApp::spawn_with(Options {
        clock: clock.clone(),
        ..Options::default()
    })
    .await;
    (app, clock)
}

async fn share(app: &TestApp, user: &str, id: &str, expiry_days: Option<&str>) -> glchat_tests::Reply {
    let form: Vec<(&str, &str)> = expiry_days.map(|d| vec![("expiry_days", d)]).unwrap_or_default();
    app.post(&format!("/conversations/{id}/share"))
        .bearer(&app.token(user))
        .form(&form)
        .send()
        .await
}

async fn public(app: &TestApp, share_id: &str) -> glchat_tests::Reply {
    app.get(&format!("/conversations/shared/{share_id}")).send().await
}

/// Alice's conversation with a de-anonymized exchange and an uploaded attachment.
async fn shared_conversation(app: &TestApp) -> (String, Vec<Value>) {
    let id = app.create_conversation("alice", "travel", Some("Trip to Bali")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let question = app
        .post(&format!("/conversations/{id}/messages"))
        .bearer(&app.token("alice"))
        .json(&json!({ "role": "user", "content": "I am [PERSON_1], plan my trip", "deanonymized_content": "I am Alice Wijaya, plan my trip",
                        "source": "internal-crm", "metadata_": { "crm_ticket": "T-4411" } }))
        .send()
        .await
        .body["message"]
        .clone();
    let answer = app.append("alice", &id, "assistant", "Day 1: Ubud").await;
    app.upload("alice", &id, "itinerary.txt", b"day 1: ubud").await;
    (id, vec![question, answer])
}

#[tokio::test]
async fn the_public_read_serves_the_snapshot_without_private_data() {
    let (app, clock) = app_with_clock().await;
    let (id, sent) = shared_conversation(&app).await;
    let created = share(&app, "alice", &id, None).await;
    created.assert_status(200);
    let share_id = created.body["shared_conversation_id"].as_str().unwrap().to_owned();
    assert_eq!(share_id.len(), 22, "128 random bits");
    assert_eq!(created.body["expired_time"], json!(null));

    // Later changes do not reach the public page until a refresh.
    app.append("alice", &id, "user", "a later question").await;
    app.patch(&format!("/conversations/{id}"))
        .bearer(&app.token("alice"))
        .form(&[("title", "Renamed")])
        .send()
        .await
        .assert_status(200);

    let reply = public(&app, &share_id).await;
    reply.assert_status(200);
    let body = &reply.body;
    assert_eq!(body["messages"].as_array().unwrap().len(), 2);
    assert_eq!(body["messages"][0]["content"], sent[0]["content"]);
    assert_eq!(body["messages"][1]["content"], "Day 1: Ubud");
    assert_eq!(body["conversation"]["title"], "Trip to Bali");
    assert_eq!(body["conversation_title"], "Trip to Bali");
    assert_eq!(body["chatbot"], json!({ "id": "travel" }));
    assert_eq!(body["last_updated_time"], created.body["last_updated_time"]);
    // An allowlist of fields, under the snapshot's own ids.
    let allowed = [
        "id",
        "conversation_id",
        "role",
        "content",
        "created_time",
        "is_active",
        "parent_id",
    ];
    for message in body["messages"].as_array().unwrap() {
        let mut keys: Vec<&str> = message.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        let mut expected = allowed.to_vec();
        expected.sort();
        assert_eq!(keys, expected);
    }
    for private in [
        "Alice Wijaya",
        "internal-crm",
        "T-4411",
        "metadata_",
        "deanonymized",
        "\"alice\"",
    ] {
        assert!(!reply.text.contains(private), "{private} leaked: {}", reply.text);
    }
    let live_attachment = app.read_conversation("alice", &id).await.body["attachments"][0]["id"].clone();
    for live in [json!(id), sent[0]["id"].clone(), sent[1]["id"].clone(), live_attachment] {
        assert!(
            !reply.text.contains(live.as_str().unwrap()),
            "the live id {live} leaked"
        );
    }
    let public_id = body["conversation"]["id"].as_str().unwrap();
    assert_eq!(
        body["messages"][0]["parent_id"], public_id,
        "the links hold among the snapshot's ids"
    );
    assert_eq!(body["messages"][1]["parent_id"], body["messages"][0]["id"]);
    assert_eq!(body["messages"][1]["conversation_id"], public_id);
    assert_eq!(body["conversation"]["user_id"], "", "no owner");

    let attachment = &body["attachments"][0];
    assert_eq!(attachment["file_name"], "itinerary.txt");
    let (status, bytes) = raw_request("GET", attachment["url"].as_str().unwrap(), &[], Vec::new()).await;
    assert_eq!((status, bytes.as_slice()), (200, &b"day 1: ubud"[..]));
    // The snapshot has its own copy: deleting the original file does not break the link.
    assert!(
        attachment["url"]
            .as_str()
            .unwrap()
            .contains(&format!("/shares/{share_id}/"))
    );

    // A refresh: same id, new time, new content.
    clock.advance_ms(60_000);
    let refreshed = share(&app, "alice", &id, Some("7")).await;
    assert_eq!(refreshed.body["shared_conversation_id"], share_id.as_str());
    assert_ne!(refreshed.body["last_updated_time"], created.body["last_updated_time"]);
    assert!(refreshed.body["expired_time"].is_string());
    let again = public(&app, &share_id).await;
    assert_eq!(again.body["messages"].as_array().unwrap().len(), 3);
    assert_eq!(again.body["conversation"]["title"], "Renamed");
    assert_ne!(
        again.body["conversation"]["id"], body["conversation"]["id"],
        "a new snapshot, new ids"
    );
    assert_ne!(again.body["messages"][0]["id"], body["messages"][0]["id"]);
    let copies = app.objects_under(&format!("tenants/acme/shares/{share_id}/")).await;
    assert_eq!(copies.len(), 1, "the older snapshot's copies are gone: {copies:?}");
}

#[tokio::test]
async fn expiry_is_checked_at_read_time_and_sharing_again_mints_a_new_link() {
    let (app, clock) = app_with_clock().await;
    let (id, _) = shared_conversation(&app).await;
    let created = share(&app, "alice", &id, Some("2")).await;
    let share_id = created.body["shared_conversation_id"].as_str().unwrap().to_owned();
    let details = app
        .get(&format!("/conversations/{id}/share"))
        .bearer(&app.token("alice"))
        .send()
        .await;
    assert_eq!(details.body, created.body);

    clock.advance_ms(2 * DAY_MS - 1_000);
    public(&app, &share_id).await.assert_status(200);
    clock.advance_ms(2_000);
    let reply = public(&app, &share_id).await;
    reply.assert_status(404);
    assert_eq!(reply.detail(), "Shared conversation not found");
    let reply = app
        .get(&format!("/conversations/shared/{share_id}"))
        .header("accept-language", "id")
        .send()
        .await;
    assert_eq!(reply.detail(), "Percakapan yang dibagikan tidak ditemukan");
    app.get(&format!("/conversations/{id}/share"))
        .bearer(&app.token("alice"))
        .send()
        .await
        .assert_status(404);
    let clone = app
        .post(&format!("/conversations/shared/{share_id}/clone"))
        .bearer(&app.token("bob"))
        .form(&[("user_id", "bob"), ("old_parent_id", &id)])
        .send()
        .await;
    clone.assert_status(404);

    let listed = app
        .get("/conversations/shared")
        .bearer(&app.token("alice"))
        .send()
        .await;
    assert_eq!(
        listed.body["previous_7_days"][0]["is_active"], false,
        "two days on: {}",
        listed.text
    );

    // The dead link stays dead: sharing again mints a new id; the old URL keeps 404.
    let renewed = share(&app, "alice", &id, None).await;
    renewed.assert_status(200);
    let new_id = renewed.body["shared_conversation_id"].as_str().unwrap().to_owned();
    assert_ne!(new_id, share_id);
    public(&app, &share_id).await.assert_status(404);
    public(&app, &new_id).await.assert_status(200);
    assert_eq!(listed_ids(&app, "alice").await, std::slice::from_ref(&new_id));
    assert!(
        app.objects_under(&format!("tenants/acme/shares/{share_id}/"))
            .await
            .is_empty(),
        "the old link's copies are gone"
    );
    // Refreshing the live link keeps its id.
    let refreshed = share(&app, "alice", &id, None).await;
    assert_eq!(refreshed.body["shared_conversation_id"], new_id.as_str());
}

/// The ids of `user`'s links, in list order.
async fn listed_ids(app: &TestApp, user: &str) -> Vec<String> {
    let reply = app.get("/conversations/shared").bearer(&app.token(user)).send().await;
    reply.assert_status(200);
    ["today", "yesterday", "previous_7_days", "previous_30_days", "older"]
        .iter()
        .flat_map(|group| reply.body[*group].as_array().unwrap().clone())
        .map(|link| link["id"].as_str().unwrap().to_owned())
        .collect()
}

/// TTL purges an expired snapshot; the link still shows in the owner's list, and
/// revoking it works and takes it off the list.
#[tokio::test]
async fn an_expired_link_whose_snapshot_was_purged_is_revoked() {
    let (app, clock) = app_with_clock().await;
    let (id, _) = shared_conversation(&app).await;
    let created = share(&app, "alice", &id, Some("1")).await;
    let share_id = created.body["shared_conversation_id"].as_str().unwrap().to_owned();
    clock.advance_ms(2 * DAY_MS);
    // What DynamoDB's TTL does some time after expiry.
    app.app
        .store
        .client()
        .delete_item()
        .table_name(app.app.store.table())
        .key(
            "PK",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("SHARE#{share_id}")),
        )
        .key("SK", aws_sdk_dynamodb::types::AttributeValue::S("SHARE".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(listed_ids(&app, "alice").await, std::slice::from_ref(&share_id));

    // Not someone else's to revoke, even now.
    let path = format!("/conversations/shared/{share_id}");
    app.delete(&path)
        .bearer(&app.token("mallory"))
        .send()
        .await
        .assert_status(404);
    let revoked = app.delete(&path).bearer(&app.token("alice")).send().await;
    revoked.assert_status(200);
    assert_eq!(
        revoked.body,
        json!({ "shared_conversation_id": share_id, "status": "deleted" })
    );
    assert!(listed_ids(&app, "alice").await.is_empty());
    app.delete(&path)
        .bearer(&app.token("alice"))
        .send()
        .await
        .assert_status(404);
    public(&app, &share_id).await.assert_status(404);
}

/// A refresh racing a revoke never makes the revoked id public again: whatever the
/// order, the old URL answers 404 afterwards, and any link left in the list is live.
#[tokio::test]
async fn a_refresh_racing_a_revoke_never_republishes_the_revoked_link() {
    let app = TestApp::spawn().await;
    for round in 0..50 {
        let id = app.create_conversation("alice", "bot", Some("Race")).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.append("alice", &id, "user", "hello").await;
        let first = share(&app, "alice", &id, None).await;
        let old = first.body["shared_conversation_id"].as_str().unwrap().to_owned();
        let revoke = async {
            app.delete(&format!("/conversations/shared/{old}"))
                .bearer(&app.token("alice"))
                .send()
                .await
        };
        let (refreshed, revoked) = tokio::join!(share(&app, "alice", &id, None), revoke);
        revoked.assert_status(200);
        assert!(
            [200, 409].contains(&refreshed.status),
            "round {round}: {}",
            refreshed.text
        );
        public(&app, &old).await.assert_status(404);
        let details = app
            .get(&format!("/conversations/{id}/share"))
            .bearer(&app.token("alice"))
            .send()
            .await;
        if details.status == 200 {
            let live = details.body["shared_conversation_id"].as_str().unwrap();
            assert_ne!(live, old, "round {round}: the revoked id came back");
            public(&app, live).await.assert_status(200);
        } else {
            details.assert_status(404);
        }
    }
}

#[tokio::test]
async fn only_the_owner_shares_reads_details_or_revokes() {
    let app = TestApp::spawn().await;
    let (id, _) = shared_conversation(&app).await;
    let reply = share(&app, "mallory", &id, None).await;
    reply.assert_status(404);
    app.get(&format!("/conversations/{id}/share"))
        .bearer(&app.token("alice"))
        .send()
        .await
        .assert_status(404);

    let created = share(&app, "alice", &id, None).await;
    let share_id = created.body["shared_conversation_id"].as_str().unwrap().to_owned();
    app.get(&format!("/conversations/{id}/share"))
        .bearer(&app.token("mallory"))
        .send()
        .await
        .assert_status(404);
    let reply = app
        .delete(&format!("/conversations/shared/{share_id}"))
        .bearer(&app.token("mallory"))
        .send()
        .await;
    reply.assert_status(404);
    public(&app, &share_id).await.assert_status(200);
    let listed = app
        .get("/conversations/shared")
        .bearer(&app.token("mallory"))
        .send()
        .await;
    assert!(AGE_GROUPS.iter().all(|g| listed.body[g] == json!([])));

    let reply = share(&app, "alice", &id, Some("0")).await;
    reply.assert_invalid("body", "expiry_days", "greater_than_equal");
    let reply = share(&app, "alice", &id, Some("soon")).await;
    reply.assert_invalid("body", "expiry_days", "int_parsing");

    // Another tenant's deployment knows nothing of this link.
    let other = TestApp::spawn_with(Options {
        tenant: "globex".into(),
        ..Options::default()
    })
    .await;
    public(&other, &share_id).await.assert_status(404);
    let reply = app
        .get(&format!("/conversations/shared/{share_id}"))
        .header("x-tenant-id", "globex")
        .send()
        .await;
    reply.assert_status(403);

    let revoked = app
        .delete(&format!("/conversations/shared/{share_id}"))
        .bearer(&app.token("alice"))
        .send()
        .await;
    revoked.assert_status(200);
    assert_eq!(
        revoked.body,
        json!({ "shared_conversation_id": share_id, "status": "deleted" })
    );
    public(&app, &share_id).await.assert_status(404);
    assert!(
        app.objects_under(&format!("tenants/acme/shares/{share_id}/"))
            .await
            .is_empty()
    );
    app.get(&format!("/conversations/{id}/share"))
        .bearer(&app.token("alice"))
        .send()
        .await
        .assert_status(404);
    app.delete(&format!("/conversations/shared/{share_id}"))
        .bearer(&app.token("alice"))
        .send()
        .await
        .assert_status(404);
    app.read_conversation("alice", &id).await.assert_status(200);
}

const AGE_GROUPS: [&str; 5] = ["today", "yesterday", "previous_7_days", "previous_30_days", "older"];

#[tokio::test]
async fn concurrent_shares_leave_one_link() {
    let app = TestApp::spawn().await;
    let (id, _) = shared_conversation(&app).await;
    let replies = futures::future::join_all((0..5).map(|_| share(&app, "alice", &id, None))).await;
    let ids: std::collections::HashSet<String> = replies
        .iter()
        .map(|r| {
            r.assert_status(200);
            r.body["shared_conversation_id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "every call answered the same link: {ids:?}");
    let share_id = ids.into_iter().next().unwrap();
    let listed = app
        .get("/conversations/shared")
        .bearer(&app.token("alice"))
        .send()
        .await;
    assert_eq!(listed.body["today"].as_array().unwrap().len(), 1);
    public(&app, &share_id).await.assert_status(200);
    let shares = app.objects_under("tenants/acme/shares/").await;
    assert!(
        shares
            .iter()
            .all(|k| k.starts_with(&format!("tenants/acme/shares/{share_id}/"))),
        "{shares:?}"
    );
    assert_eq!(shares.len(), 1, "one snapshot's copies remain: {shares:?}");
}

#[tokio::test]
async fn links_are_listed_by_age_with_a_title_query() {
    let (app, clock) = app_with_clock().await;
    let mut made = Vec::new();
    for (title, days_ago) in [
        ("Old Bali notes", 40),
        ("Budget plan", 10),
        ("Bali hotels", 3),
        ("Work memo", 1),
        ("bali food", 0),
    ] {
        let id = app.create_conversation("alice", "bot", Some(title)).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        made.push((id, days_ago));
    }
    // Share each as of its age: the clock runs forward from 40 days ago.
    let now = clock.now();
    for (id, days_ago) in &made {
        clock.set(Timestamp::from_unix_ms(now.unix_ms() - days_ago * DAY_MS).unwrap());
        share(&app, "alice", id, None).await.assert_status(200);
    }
    clock.set(now);
    let listed = app
        .get("/conversations/shared")
        .bearer(&app.token("alice"))
        .send()
        .await;
    let titles = |group: &str| -> Vec<String> {
        listed.body[group]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["conversation_title"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(titles("today"), ["bali food"]);
    assert_eq!(titles("yesterday"), ["Work memo"]);
    assert_eq!(titles("previous_7_days"), ["Bali hotels"]);
    assert_eq!(titles("previous_30_days"), ["Budget plan"]);
    assert_eq!(titles("older"), ["Old Bali notes"]);
    let entry = &listed.body["today"][0];
    assert_eq!(entry["user_id"], "alice");
    assert_eq!(entry["is_active"], true);
    assert_eq!(entry["first_matching_word"], json!(null));

    let searched = app
        .get("/conversations/shared?query=BALI")
        .bearer(&app.token("alice"))
        .send()
        .await;
    let all: Vec<(String, String)> = AGE_GROUPS
        .iter()
        .flat_map(|g| searched.body[g].as_array().unwrap().clone())
        .map(|s| {
            (
                s["conversation_title"].as_str().unwrap().to_owned(),
                s["first_matching_word"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        all,
        [
            ("bali food".to_owned(), "bali".to_owned()),
            ("Bali hotels".to_owned(), "Bali".to_owned()),
            ("Old Bali notes".to_owned(), "Bali".to_owned())
        ]
    );
}

#[tokio::test]
async fn a_clone_copies_the_snapshot_with_new_ids_and_remapped_parents() {
    let app = TestApp::spawn().await;
    let (id, _) = shared_conversation(&app).await;
    let created = share(&app, "alice", &id, None).await;
    let share_id = created.body["shared_conversation_id"].as_str().unwrap().to_owned();
    let snapshot = public(&app, &share_id).await.body;

    // Bob names the parent as the public read showed it: the snapshot's own id.
    let path = format!("/conversations/shared/{share_id}/clone");
    let shown = snapshot["conversation"]["id"].as_str().unwrap();
    let reply = app
        .post(&path)
        .bearer(&app.token("bob"))
        .form(&[("user_id", "bob"), ("old_parent_id", shown)])
        .send()
        .await;
    reply.assert_status(200);
    let conversation = &reply.body["conversation"];
    let new_id = conversation["id"].as_str().unwrap().to_owned();
    assert_ne!(new_id, id);
    assert_eq!(conversation["user_id"], "bob");
    assert_eq!(conversation["title"], "Trip to Bali");
    assert_eq!(conversation["chatbot_id"], "travel");

    let originals = snapshot["messages"].as_array().unwrap();
    let clones = reply.body["messages"].as_array().unwrap();
    assert_eq!(clones.len(), originals.len());
    for (original, clone) in originals.iter().zip(clones) {
        assert_ne!(clone["id"], original["id"], "a new id");
        assert_eq!(clone["conversation_id"], new_id.as_str());
        assert_eq!(clone["content"], original["content"]);
        assert_eq!(clone["role"], original["role"]);
        // The clone gets no more than the public read showed.
        assert_eq!(clone["deanonymized_content"], json!(null));
        assert_eq!(clone["source"], json!(null));
        assert_eq!(clone["metadata_"], json!(null));
    }
    assert_eq!(
        clones[0]["parent_id"],
        new_id.as_str(),
        "the old root points at the new conversation"
    );
    assert_eq!(clones[1]["parent_id"], clones[0]["id"], "parents follow the new ids");

    let read = app.read_conversation("bob", &new_id).await;
    assert_eq!(read.body["messages"], reply.body["messages"]);
    let attachment = &read.body["attachments"][0];
    assert_eq!(attachment["file_name"], "itinerary.txt");
    let (status, bytes) = raw_request("GET", attachment["url"].as_str().unwrap(), &[], Vec::new()).await;
    assert_eq!((status, bytes.as_slice()), (200, &b"day 1: ubud"[..]));
    let bob = app.get("/conversations").bearer(&app.token("bob")).send().await;
    assert_eq!(bob.body["conversations_count"], 1);
    // The clone continues the chain: the next message follows its last one.
    let next = app.append("bob", &new_id, "user", "and day 2?").await;
    assert_eq!(next["parent_id"], clones[1]["id"]);
}

#[tokio::test]
async fn a_repeated_clone_is_the_same_clone_and_a_taken_id_is_refused() {
    let app = TestApp::spawn().await;
    let (id, _) = shared_conversation(&app).await;
    let share_id = share(&app, "alice", &id, None).await.body["shared_conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/conversations/shared/{share_id}/clone");
    let wanted = "01KCLONEDCONVERSATION00000";
    let form = [
        ("user_id", "bob"),
        ("old_parent_id", id.as_str()),
        ("new_conversation_id", wanted),
    ];

    let first = app.post(&path).bearer(&app.token("bob")).form(&form).send().await;
    first.assert_status(200);
    assert_eq!(first.body["conversation"]["id"], wanted);
    let again = app.post(&path).bearer(&app.token("bob")).form(&form).send().await;
    again.assert_status(200);
    assert_eq!(again.body, first.body, "the same clone, not a second one");
    assert_eq!(
        app.get("/conversations").bearer(&app.token("bob")).send().await.body["conversations_count"],
        1
    );

    // Carol cannot take Bob's clone id, nor Alice's conversation id.
    for taken in [wanted, id.as_str()] {
        let form = [
            ("user_id", "carol"),
            ("old_parent_id", id.as_str()),
            ("new_conversation_id", taken),
        ];
        let reply = app.post(&path).bearer(&app.token("carol")).form(&form).send().await;
        reply.assert_status(409);
        assert_eq!(reply.detail(), "Conversation id is already in use");
    }
    let alices = app.read_conversation("alice", &id).await;
    assert_eq!(alices.body["conversation"]["user_id"], "alice", "untouched");
    assert_eq!(alices.body["messages"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.get("/conversations").bearer(&app.token("carol")).send().await.body["conversations_count"],
        0
    );

    let reply = app
        .post(&path)
        .bearer(&app.token("carol"))
        .form(&[("user_id", "bob"), ("old_parent_id", id.as_str())])
        .send()
        .await;
    reply.assert_status(403);
    let reply = app
        .post(&path)
        .bearer(&app.token("carol"))
        .form(&[("user_id", "carol")])
        .send()
        .await;
    reply.assert_invalid("body", "old_parent_id", "missing");
    app.post("/conversations/shared/NoSuchShareId000000000/clone")
        .bearer(&app.token("carol"))
        .form(&[("user_id", "carol"), ("old_parent_id", "x")])
        .send()
        .await
        .assert_status(404);
}

#[tokio::test]
async fn deleting_a_conversation_deletes_its_link_and_snapshot() {
    let app = TestApp::spawn().await;
    let (id, _) = shared_conversation(&app).await;
    let (other, _) = shared_conversation(&app).await;
    let share_id = share(&app, "alice", &id, None).await.body["shared_conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other_share = share(&app, "alice", &other, None).await.body["shared_conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();

    app.delete(&format!("/conversations/{id}"))
        .bearer(&app.token("alice"))
        .send()
        .await
        .assert_status(200);
    public(&app, &share_id).await.assert_status(404);
    assert!(
        app.objects_under(&format!("tenants/acme/shares/{share_id}/"))
            .await
            .is_empty()
    );
    let listed = app
        .get("/conversations/shared")
        .bearer(&app.token("alice"))
        .send()
        .await;
    assert_eq!(listed.body["today"].as_array().unwrap().len(), 1);

    let bulk = app
        .post("/conversations/delete")
        .bearer(&app.token("alice"))
        .json(&json!({ "user_id": "alice", "chatbot_id": "travel" }))
        .send()
        .await;
    assert_eq!(bulk.body["deleted_count"], 1);
    public(&app, &other_share).await.assert_status(404);
    assert!(
        app.objects_under("tenants/acme/").await.is_empty(),
        "no object left behind"
    );
    let listed = app
        .get("/conversations/shared")
        .bearer(&app.token("alice"))
        .send()
        .await;
    assert_eq!(listed.body["today"], json!([]));
}

#[tokio::test]
async fn a_large_snapshot_is_kept_in_s3() {
    let app = TestApp::spawn().await;
    let id = app.create_conversation("alice", "bot", Some("Long")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let long = "panjang ".repeat(4_900);
    for _ in 0..10 {
        app.append("alice", &id, "assistant", &long).await;
    }
    let share_id = share(&app, "alice", &id, None).await.body["shared_conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let objects = app.objects_under(&format!("tenants/acme/shares/{share_id}/")).await;
    assert!(
        objects.iter().any(|k| k.ends_with("/snapshot/head.json")),
        "{objects:?}"
    );
    assert!(
        objects.iter().any(|k| k.ends_with("/snapshot/00000.json")),
        "{objects:?}"
    );
    let reply = public(&app, &share_id).await;
    reply.assert_status(200);
    assert_eq!(reply.body["messages"].as_array().unwrap().len(), 10);
    assert_eq!(reply.body["messages"][9]["content"], long.as_str());
}

/// A clone and a delete of the clone's id racing, many times: whichever wins, nothing
/// is left under a conversation that is gone, and counts match the lists.
#[tokio::test]
async fn clones_racing_deletes_leave_nothing_behind() {
    let app = TestApp::spawn().await;
    let (id, _) = shared_conversation(&app).await;
    let created = share(&app, "alice", &id, None).await;
    let share_id = created.body["shared_conversation_id"].as_str().unwrap().to_owned();
    for round in 0..50 {
        let clone_id = ulid::Ulid::new().to_string();
        let clone = app
            .post(&format!("/conversations/shared/{share_id}/clone"))
            .bearer(&app.token("bob"))
            .form(&[
                ("user_id", "bob"),
                ("old_parent_id", id.as_str()),
                ("new_conversation_id", clone_id.as_str()),
            ])
            .send();
        let delete = async {
            // Somewhere inside the clone's few calls.
            tokio::time::sleep(std::time::Duration::from_millis(round % 10)).await;
            app.delete(&format!("/conversations/{clone_id}"))
                .bearer(&app.token("bob"))
                .send()
                .await
        };
        let (cloned, deleted) = tokio::join!(clone, delete);
        assert!(
            [200, 404, 409].contains(&cloned.status),
            "round {round}: {}",
            cloned.text
        );
        assert!([200, 404].contains(&deleted.status), "round {round}: {}", deleted.text);
        // A clone that outlived the delete is whole; otherwise it is gone, items and all.
        if app.items_of(&clone_id).await > 0 {
            let read = app.read_conversation("bob", &clone_id).await;
            read.assert_status(200);
            assert_eq!(read.body["messages"].as_array().unwrap().len(), 2, "round {round}");
        }
        crate::crashes::assert_consistent(&app, &format!("clone vs delete, round {round}")).await;
    }
}
