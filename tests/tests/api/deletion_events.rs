//! The deletion events' contract (`docs/events.md`, `docs/events/*.schema.json`): the
//! schemas hold the documented example and refuse what a consumer could not rely on.

use glchat_tests::event_schemas::{NAMES, docs_dir, schema, validate};
use serde_json::{Value, json};

/// The `json` block of `docs/events.md`: a whole EventBridge event.
fn documented_example() -> Value {
    let text = std::fs::read_to_string(docs_dir().join("events.md")).unwrap();
    let block = text
        .split("```json\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a json example in docs/events.md");
    serde_json::from_str(block).expect("the example is JSON")
}

#[test]
fn every_event_has_a_schema_with_the_idempotent_id_and_version() {
    for name in NAMES {
        let schema = schema(name);
        let required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        for field in ["version", "event_id", "tenant_id"] {
            assert!(required.contains(&field), "{name} does not require {field}");
        }
        assert_eq!(schema["properties"]["version"]["const"], 1, "{name}");
        assert_eq!(schema["additionalProperties"], false, "{name}");
        let doc = std::fs::read_to_string(docs_dir().join("events.md")).unwrap();
        assert!(
            doc.contains(&format!("events/{name}.v1.schema.json")),
            "{name} is not in docs/events.md"
        );
    }
}

#[test]
fn the_documented_example_is_a_valid_conversation_deleted() {
    let event = documented_example();
    assert_eq!(event["source"], "glchat.conversations");
    assert_eq!(event["detail-type"], "ConversationDeleted");
    validate("ConversationDeleted", &event["detail"]).unwrap();
}

#[test]
fn the_schemas_refuse_what_a_consumer_could_not_rely_on() {
    let detail = documented_example()["detail"].clone();
    let without = |field: &str| {
        let mut d = detail.clone();
        d.as_object_mut().unwrap().remove(field);
        d
    };
    let with = |field: &str, value: Value| {
        let mut d = detail.clone();
        d[field] = value;
        d
    };
    for (case, bad) in [
        ("no attachments", without("attachments")),
        ("no event id", without("event_id")),
        ("a delivery's id, not a derived one", with("event_id", json!("not-hex"))),
        ("another version", with("version", json!(2))),
        ("a local time", with("deleted_at", json!("2026-11-26 04:05:36"))),
        (
            "an attachment without its key",
            with("attachments", json!([{"attachment_id": "a"}])),
        ),
        ("an undocumented field", with("content", json!("the deleted text"))),
    ] {
        assert!(validate("ConversationDeleted", &bad).is_err(), "{case} was accepted");
    }
    let attachment = json!({
        "version": 1, "event_id": "0123456789abcdef0123456789abcdef", "tenant_id": "acme",
        "conversation_id": "c", "attachment_id": "a", "object_key": "tenants/acme/conversations/c/attachments/a",
        "message_id": null, "deleted_at": "2026-11-26T04:05:36.000Z",
    });
    validate("AttachmentDeleted", &attachment).unwrap();
    let share = json!({
        "version": 1, "event_id": "0123456789abcdef0123456789abcdef", "tenant_id": "acme",
        "share_id": "s", "conversation_id": "c", "user_id": "u", "revoked_at": "2026-11-26T04:05:36.120Z",
    });
    validate("ShareRevoked", &share).unwrap();
    assert!(
        validate("ShareRevoked", &attachment).is_err(),
        "kinds are not interchangeable"
    );
    assert!(validate("MessageEdited", &share).is_err(), "an undocumented kind");
}

/// Every event the service builds from a deletion fits its published schema, and the
/// same deletion read twice (a stream record delivered again) gives the same id.
#[test]
fn the_events_the_service_builds_fit_their_schemas() {
    use glchat_app::clock::Timestamp;
    use glchat_app::events::event_of;
    use glchat_app::ids::TenantId;
    use glchat_app::models::{AttachmentRecord, ConversationRecord, DeletedAttachment};
    use glchat_app::store::stream::Deleted;

    let tenant = TenantId::parse("acme").unwrap();
    let changed = Timestamp::from_unix_ms(1_764_130_000_000).unwrap();
    let record: ConversationRecord = serde_json::from_value(json!({
        "id": "01JDX6Q4V6N3W7P8R9S0T1U2V3", "user_id": "alice", "chatbot_id": "bot",
        "title": "t", "model_name": "m", "created_time": "2026-11-26T04:05:36.120Z",
        "updated_time": "2026-11-26T04:05:36.120Z", "is_active": true, "is_anonymized": false,
    }))
    .unwrap();
    let attachment: AttachmentRecord = serde_json::from_value(json!({
        "id": "01JDX6R0A1B2C3D4E5F6G7H8J9", "conversation_id": "01JDX6Q4V6N3W7P8R9S0T1U2V3",
        "file_name": "a.txt", "content_type": "text/plain", "size": 3,
        "created_time": "2026-11-26T04:05:37.000Z",
        "object_key": "tenants/acme/conversations/01JDX6Q4V6N3W7P8R9S0T1U2V3/attachments/01JDX6R0A1B2C3D4E5F6G7H8J9",
    }))
    .unwrap();
    let mut with_message = attachment.clone();
    with_message.message_id = Some(glchat_app::ids::MessageId::parse("01JDX6R0A1B2C3D4E5F6G7H8JA").unwrap());
    let deletions = [
        Deleted::Conversation {
            record: record.clone(),
            attachments: vec![DeletedAttachment {
                attachment_id: attachment.id.clone(),
                object_key: attachment.object_key.clone(),
            }],
            attachments_truncated: false,
            deleted_time: Some(Timestamp::from_unix_ms(1_764_129_999_000).unwrap()),
        },
        Deleted::Conversation {
            record,
            attachments: Vec::new(),
            attachments_truncated: true,
            deleted_time: None,
        },
        Deleted::Attachment(attachment),
        Deleted::Attachment(with_message),
        Deleted::Share {
            share_id: glchat_app::ids::ShareId::parse("s1").unwrap(),
            conversation_id: glchat_app::ids::ConversationId::parse("01JDX6Q4V6N3W7P8R9S0T1U2V3").unwrap(),
            user_id: glchat_app::ids::UserId::parse("alice").unwrap(),
            died_time: changed,
        },
    ];
    let mut ids = std::collections::HashSet::new();
    for deleted in &deletions {
        let event = event_of(&tenant, deleted, changed).unwrap();
        let detail: Value = serde_json::from_str(&event.detail).unwrap();
        validate(event.detail_type, &detail).unwrap_or_else(|e| panic!("{}: {e}", event.detail_type));
        let again = event_of(&tenant, deleted, changed).unwrap();
        assert_eq!(again.detail, event.detail, "the same event twice");
        ids.insert(detail["event_id"].as_str().unwrap().to_owned());
    }
    // The two attachment events are one attachment; the two conversation events one
    // conversation: three things deleted, three ids.
    assert_eq!(ids.len(), 3);
}

/// Whether the store reads a deletion from the record (what the function publishes).
fn is_a_deletion(record: &Value) -> bool {
    use glchat_app::store::stream::deleted;
    use glchat_functions::handlers::publish_deletions::change_of;
    let event = glchat_tests::stream::lambda_event(std::slice::from_ref(record));
    let change = change_of(event.records.into_iter().next().unwrap()).unwrap();
    deleted(change.change, change.old, change.new).unwrap().is_some()
}

/// The local proof, end to end: deletes of every kind against DynamoDB Local with the
/// table's stream on (one delete, one cut at its sweep and finished by a retry, a bulk
/// delete, one refused); the stream read back and filtered as `template.yaml` tells
/// Lambda; `publish_deletions` invoked with it as Lambda invokes it, its second PutEvents
/// failing once and the batch handed over again from the record it reports; the events
/// read by a subscriber of the local EventBridge bus: exactly one schema-valid event
/// per deleted thing, none for the refused delete, and the same ids when a batch is
/// handed over twice.
#[tokio::test]
async fn every_delete_path_publishes_exactly_its_events_to_the_bus() {
    use std::collections::{BTreeMap, BTreeSet};

    use glchat_app::deps::ClientHooks;
    use glchat_functions::handlers::publish_deletions;
    use glchat_tests::bus::Subscriber;
    use glchat_tests::faults::Fault;
    use glchat_tests::stream::{EventSource, lambda_event, records};
    use glchat_tests::{Options, TestApp};

    let sweep = Fault::fail("BatchWriteItem", 1);
    // Ten events per request: the batch's second request fails.
    let bus_down = Fault::fail_after("PutEvents", 1, 1);
    let app = TestApp::spawn_with(Options {
        stream: true,
        hooks: ClientHooks {
            dynamodb: vec![sweep.interceptor()],
            eventbridge: vec![bus_down.interceptor()],
            ..ClientHooks::default()
        },
        // No attempt times out and is sent again on a slow machine: what repeats is
        // Lambda's doing here.
        extra: vec![("AWS_OPERATION_TIMEOUT_MS".into(), "60000".into())],
        ..Options::default()
    })
    .await;
    let subscriber = Subscriber::on(&app).await;
    let token = app.token("alice");
    let upload = |conversation: String, name: String| {
        let app = &app;
        async move {
            app.upload("alice", &conversation, &name, b"bytes").await["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let cut = app.conversation_id("alice", "bot").await;
    let cut_attachment = upload(cut.clone(), "c.txt".into()).await;
    let single = app.conversation_id("alice", "bot").await;
    let mut single_attachments = BTreeSet::new();
    for n in 0..5 {
        single_attachments.insert(upload(single.clone(), format!("{n}.txt")).await);
    }
    let share = app.share("alice", &single).await;
    let bulk = [
        app.conversation_id("alice", "bulk").await,
        app.conversation_id("alice", "bulk").await,
    ];
    let bobs = app.conversation_id("bob", "bot").await;

    let path = |id: &str| format!("/conversations/{id}");
    assert!(
        app.delete(&path(&cut)).bearer(&token).send().await.status >= 500,
        "cut at its sweep"
    );
    app.delete(&path(&cut)).bearer(&token).send().await.assert_status(200);
    app.delete(&path(&single))
        .bearer(&token)
        .send()
        .await
        .assert_status(200);
    app.delete(&path(&bobs)).bearer(&token).send().await.assert_status(404);
    let reply = app
        .post("/conversations/delete")
        .bearer(&token)
        .json(&json!({ "user_id": "alice", "chatbot_id": "bulk" }))
        .send()
        .await;
    assert_eq!(reply.body, json!({ "deleted_count": 2, "complete": true }));

    // What Lambda hands the function: the records its filters match.
    let source = EventSource::of("publish_deletions");
    let all = records(&app).await;
    let handed: Vec<Value> = all.iter().filter(|r| source.keeps(r)).cloned().collect();
    for record in &all {
        let kept = handed.contains(record);
        assert!(kept || !is_a_deletion(record), "the filters drop a deletion: {record}");
    }
    assert!(
        handed.len() * 4 < all.len(),
        "the filters keep {} of {}",
        handed.len(),
        all.len()
    );

    // One invocation with the whole batch: the second request fails, and the function
    // names the record of its first event; Lambda hands the batch over from there.
    let deps = app.deps_for(publish_deletions::NEEDS).await;
    let first = publish_deletions::handle(deps.clone(), lambda_event(&handed))
        .await
        .unwrap();
    let deletions: Vec<usize> = (0..handed.len()).filter(|i| is_a_deletion(&handed[*i])).collect();
    assert_eq!(
        deletions.len(),
        11,
        "4 conversations, 6 attachments, 1 share: {handed:?}"
    );
    let eleventh = &handed[deletions[10]];
    let failed: Vec<Option<&str>> = first
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_deref())
        .collect();
    assert_eq!(failed, [eleventh["dynamodb"]["SequenceNumber"].as_str()]);
    let again = publish_deletions::handle(deps.clone(), lambda_event(&handed[deletions[10]..]))
        .await
        .unwrap();
    assert!(again.batch_item_failures.is_empty());
    assert_eq!(bus_down.remaining(), 0);
    assert_eq!(sweep.remaining(), 0);

    let delivered = subscriber.drain().await;
    let mut events: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for event in &delivered {
        assert_eq!(event["source"], "glchat.conversations");
        let kind = event["detail-type"].as_str().unwrap();
        validate(kind, &event["detail"]).unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(event["detail"]["tenant_id"], "acme");
        events.entry(kind.to_owned()).or_default().push(event["detail"].clone());
    }
    let field = |kind: &str, name: &str| -> Vec<String> {
        let mut values: Vec<String> = events[kind]
            .iter()
            .map(|d| d[name].as_str().unwrap().to_owned())
            .collect();
        values.sort();
        values
    };
    let mut conversations = vec![cut.clone(), single.clone(), bulk[0].clone(), bulk[1].clone()];
    conversations.sort();
    assert_eq!(
        field("ConversationDeleted", "conversation_id"),
        conversations,
        "once each, bob's not"
    );
    let mut attachments: Vec<String> = single_attachments
        .iter()
        .cloned()
        .chain([cut_attachment.clone()])
        .collect();
    attachments.sort();
    assert_eq!(field("AttachmentDeleted", "attachment_id"), attachments);
    assert_eq!(field("ShareRevoked", "share_id"), [share]);
    let named = |conversation: &str| -> BTreeSet<String> {
        events["ConversationDeleted"]
            .iter()
            .find(|d| d["conversation_id"] == conversation)
            .unwrap()["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["attachment_id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(named(&single), single_attachments);
    assert_eq!(
        named(&cut),
        BTreeSet::from([cut_attachment]),
        "the retry's event names what the cut attempt recorded"
    );
    assert!(named(&bulk[0]).is_empty());
    let ids: BTreeSet<String> = delivered
        .iter()
        .map(|e| e["detail"]["event_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        (ids.len(), delivered.len()),
        (11, 11),
        "one event, one id per deleted thing"
    );

    // Delivery is at least once: a batch handed over again (its invocation timed out
    // after publishing) publishes the same events, with the same ids.
    let repeat = publish_deletions::handle(deps, lambda_event(&handed[..deletions[2] + 1]))
        .await
        .unwrap();
    assert!(repeat.batch_item_failures.is_empty());
    let repeated: Vec<String> = subscriber
        .drain()
        .await
        .iter()
        .map(|e| e["detail"]["event_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(repeated.len(), 3);
    assert!(repeated.iter().all(|id| ids.contains(id)), "{repeated:?}");
}

/// The stream's function in `template.yaml`: the event handlers' role, which may read
/// this table's stream, publish to the bus (the account-region's or the tenant's own),
/// record failures in the account-region's dead-letter queues, write its functions'
/// logs and settle uploads, and nothing else (SAM would give a role it generates
/// `AWSLambdaDynamoDBExecutionRole`, every stream of the account); its event source
/// retries from the failed record, halves failing batches and keeps what it gives up
/// on, in a queue with an alarm.
#[test]
fn the_stream_function_reads_its_table_stream_and_writes_its_bus_only() {
    use crate::template::{function_of, template};
    use yaml_rust2::Yaml;

    let template = template();
    let resources = &template["Resources"];
    let function = function_of(&template, "publish_deletions");
    assert!(function["Properties"]["Policies"].is_badvalue(), "no SAM policies");
    assert_eq!(function["Properties"]["Role"].as_str(), Some("BackgroundRole.Arn"));
    let role = &resources["BackgroundRole"]["Properties"];
    assert!(role["ManagedPolicyArns"].is_badvalue());
    // Intrinsics read as their arguments: `!If [c, a, b]` is `[c, a, b]`.
    fn flat(y: &Yaml) -> String {
        match y {
            Yaml::String(s) => s.clone(),
            Yaml::Array(list) => format!("[{}]", list.iter().map(flat).collect::<Vec<_>>().join(", ")),
            Yaml::Hash(map) => map
                .iter()
                .map(|(k, v)| format!("{}: {}", flat(k), flat(v)))
                .collect::<Vec<_>>()
                .join(", "),
            other => format!("{other:?}"),
        }
    }
    let strings = |y: &Yaml| -> Vec<String> {
        match y {
            Yaml::Array(list) => list.iter().map(flat).collect(),
            one => vec![flat(one)],
        }
    };
    let mut granted: Vec<(Vec<String>, Vec<String>)> = role["Policies"]
        .as_vec()
        .unwrap()
        .iter()
        .flat_map(|p| p["PolicyDocument"]["Statement"].as_vec().unwrap().iter())
        .map(|statement| {
            // The tracing grant is conditional: `!If [TracingOn, statement, NoValue]`.
            let statement = match statement {
                Yaml::Array(branches) => &branches[1],
                plain => plain,
            };
            assert_eq!(statement["Effect"].as_str(), Some("Allow"));
            (strings(&statement["Action"]), strings(&statement["Resource"]))
        })
        .collect();
    granted.sort();
    let owned = |values: &[&str]| values.iter().map(|v| (*v).to_owned()).collect::<Vec<_>>();
    let mut expected = vec![
        (
            owned(&[
                "dynamodb:DescribeStream",
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
                "dynamodb:ListStreams",
            ]),
            owned(&["Table.StreamArn"]),
        ),
        (
            owned(&["events:PutEvents"]),
            owned(&["[HasOwnEventBus, DeletionEventBusArn, Fn::ImportValue: ${RegionStack}-EventBusArn]"]),
        ),
        (
            owned(&["sqs:SendMessage"]),
            owned(&[
                "Fn::ImportValue: ${RegionStack}-UploadDeadLettersArn",
                "Fn::ImportValue: ${RegionStack}-DeletionFailuresArn",
            ]),
        ),
        (
            owned(&["logs:CreateLogStream", "logs:PutLogEvents"]),
            owned(&[
                "SettleUploadLogs.Arn",
                "PublishDeletionsLogs.Arn",
                "RunJobsLogs.Arn",
                "StartImportLogs.Arn",
                "ExpireConversationsLogs.Arn",
            ]),
        ),
        // settle_upload's share of the role.
        (
            owned(&["dynamodb:GetItem", "dynamodb:DescribeTable"]),
            owned(&["Table.Arn"]),
        ),
        (
            owned(&["s3:DeleteObject"]),
            owned(&[
                "arn:${AWS::Partition}:s3:::glchat-${TenantId}-${AWS::AccountId}-${AWS::Region}/tenants/${TenantId}/conversations/*",
            ]),
        ),
        // run_jobs' share: an export reads the user's conversations and files and
        // writes its own objects; an erasure deletes as the conversations' deletes do.
        (
            owned(&[
                "dynamodb:Query",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:BatchWriteItem",
                "dynamodb:ConditionCheckItem",
            ]),
            owned(&["Table.Arn", "${Table.Arn}/index/*"]),
        ),
        (
            owned(&["s3:GetObject", "s3:PutObject"]),
            owned(&[
                "arn:${AWS::Partition}:s3:::glchat-${TenantId}-${AWS::AccountId}-${AWS::Region}/tenants/${TenantId}/conversations/*",
            ]),
        ),
        (
            owned(&["s3:DeleteObject"]),
            owned(&[
                "arn:${AWS::Partition}:s3:::glchat-${TenantId}-${AWS::AccountId}-${AWS::Region}/tenants/${TenantId}/shares/*",
            ]),
        ),
        (
            owned(&["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]),
            owned(&[
                "arn:${AWS::Partition}:s3:::glchat-${TenantId}-${AWS::AccountId}-${AWS::Region}/tenants/${TenantId}/exports/*",
                "arn:${AWS::Partition}:s3:::glchat-${TenantId}-${AWS::AccountId}-${AWS::Region}/tenants/${TenantId}/erasures/*",
                "arn:${AWS::Partition}:s3:::glchat-${TenantId}-${AWS::AccountId}-${AWS::Region}/tenants/${TenantId}/imports/*",
            ]),
        ),
        (
            owned(&["s3:ListBucket"]),
            owned(&["arn:${AWS::Partition}:s3:::glchat-${TenantId}-${AWS::AccountId}-${AWS::Region}"]),
        ),
        (
            owned(&["xray:PutTraceSegments", "xray:PutTelemetryRecords"]),
            owned(&["*"]),
        ),
    ];
    expected.sort();
    assert_eq!(granted, expected);

    // The stream carries both images: a removal's old one, a dead share's new one.
    assert_eq!(
        resources["Table"]["Properties"]["StreamSpecification"]["StreamViewType"].as_str(),
        Some("NEW_AND_OLD_IMAGES")
    );
    let (_, event) = function["Properties"]["Events"]
        .as_hash()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    let source = &event["Properties"];
    assert_eq!(event["Type"].as_str(), Some("DynamoDB"));
    assert_eq!(source["Stream"].as_str(), Some("Table.StreamArn"));
    assert_eq!(
        source["StartingPosition"].as_str(),
        Some("TRIM_HORIZON"),
        "nothing skipped"
    );
    assert_eq!(
        source["FunctionResponseTypes"][0].as_str(),
        Some("ReportBatchItemFailures")
    );
    assert_eq!(source["BisectBatchOnFunctionError"].as_bool(), Some(true));
    let age = source["MaximumRecordAgeInSeconds"].as_i64().unwrap();
    assert!(
        (3_600..=12 * 3_600).contains(&age),
        "retries end with at least half the stream's 24 hours left to replay: {age}"
    );
    let queue = flat(&source["DestinationConfig"]["OnFailure"]["Destination"]);
    assert_eq!(queue, "Fn::ImportValue: ${RegionStack}-DeletionFailuresArn");
    // The account-region's stack exports that queue and watches it.
    let region = glchat_fleet::template::region();
    let exported = flat(&region["Outputs"]["DeletionFailuresArn"]["Export"]["Name"]);
    assert_eq!(exported, "${AWS::StackName}-DeletionFailuresArn");
    assert_eq!(
        flat(&region["Outputs"]["DeletionFailuresArn"]["Value"]),
        "DeletionFailures.Arn"
    );
    let watched = region["Resources"].as_hash().unwrap().values().any(|r| {
        r["Type"].as_str() == Some("AWS::CloudWatch::Alarm")
            && r["Properties"]["Dimensions"][0]["Value"].as_str() == Some("DeletionFailures.QueueName")
    });
    assert!(watched, "the on-failure queue has an alarm");
}

/// A publication cut midway (the invocation's future dropped while its second PutEvents
/// is in flight, as when the function times out or its sandbox dies) leaves the first
/// ten events on the bus; Lambda hands the whole batch over again, and every deletion
/// arrives, the repeated ones with the ids they had.
#[tokio::test]
async fn a_publication_cut_midway_is_finished_by_the_batch_handed_over_again() {
    use std::collections::BTreeSet;
    use std::time::Duration;

    use glchat_functions::handlers::publish_deletions;
    use glchat_tests::bus::Subscriber;
    use glchat_tests::faults::{Refusal, put_events};
    use glchat_tests::stream::{EventSource, lambda_event, records};
    use glchat_tests::{Options, TestApp};

    let stalled = Refusal::stall(put_events, 0, Duration::from_secs(120));
    let app = TestApp::spawn_with(Options {
        stream: true,
        refusals: vec![stalled.clone()],
        // No attempt times out on a slow machine: the stall holds the second request.
        extra: vec![("AWS_OPERATION_TIMEOUT_MS".into(), "60000".into())],
        ..Options::default()
    })
    .await;
    let subscriber = Subscriber::on(&app).await;
    let conversation = app.conversation_id("alice", "bot").await;
    for n in 0..11 {
        app.upload("alice", &conversation, &format!("{n}.txt"), b"bytes").await;
    }
    app.delete(&format!("/conversations/{conversation}"))
        .bearer(&app.token("alice"))
        .send()
        .await
        .assert_status(200);
    let batches = EventSource::of("publish_deletions").batches(&records(&app).await);
    assert_eq!(batches.len(), 1);
    let deps = app.deps_for(publish_deletions::NEEDS).await;

    // Cut the moment the second request is held.
    stalled.arm_after(1, 1);
    let second_held = async {
        while stalled.remaining() > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::select! {
        answer = publish_deletions::handle(deps.clone(), lambda_event(&batches[0])) => {
            panic!("the invocation finished: {answer:?}")
        }
        () = second_held => {}
    }
    let before: Vec<Value> = subscriber.drain().await;
    let kinds: Vec<&str> = before.iter().map(|e| e["detail-type"].as_str().unwrap()).collect();
    assert_eq!(before.len(), 10, "the first request's events arrived: {kinds:?}");

    let again = publish_deletions::handle(deps, lambda_event(&batches[0]))
        .await
        .unwrap();
    assert!(again.batch_item_failures.is_empty());
    let after = subscriber.drain().await;
    assert_eq!(after.len(), 12, "the whole batch again");
    let id = |e: &Value| e["detail"]["event_id"].as_str().unwrap().to_owned();
    let first: BTreeSet<String> = before.iter().map(id).collect();
    let all: BTreeSet<String> = after.iter().map(id).collect();
    assert_eq!(all.len(), 12, "one conversation, eleven attachments");
    assert!(first.is_subset(&all), "a repeat carries the id it had");
}

/// A record the function cannot read (a conversation's image missing its owner, as a
/// bug or a hand-edited item would leave it) stops the publication there: what came
/// before it is published, it is reported by its sequence number (Lambda hands it over
/// again, then its place goes to the on-failure queue), and nothing after it overtakes
/// it.
#[tokio::test]
async fn an_unreadable_record_is_reported_and_nothing_overtakes_it() {
    use glchat_functions::handlers::publish_deletions;
    use glchat_tests::bus::Subscriber;
    use glchat_tests::fixtures::events_dir;
    use glchat_tests::stream::lambda_event;

    let app = glchat_tests::TestApp::spawn().await;
    let subscriber = Subscriber::on(&app).await;
    let text = std::fs::read_to_string(events_dir().join("dynamodb/publish_deletions.json")).unwrap();
    let mut batch: Value = serde_json::from_str(&text).unwrap();
    let records = batch["Records"].as_array_mut().unwrap();
    assert_eq!(records[1]["dynamodb"]["OldImage"]["entity"]["S"], "conversation");
    records[1]["dynamodb"]["OldImage"]
        .as_object_mut()
        .unwrap()
        .remove("user_id");
    let poisoned = records[1]["dynamodb"]["SequenceNumber"].clone();

    let deps = app.deps_for(publish_deletions::NEEDS).await;
    let answer = publish_deletions::handle(deps, lambda_event(records)).await.unwrap();
    let failed: Vec<Value> = answer
        .batch_item_failures
        .iter()
        .map(|f| json!(f.item_identifier))
        .collect();
    assert_eq!(failed, [poisoned]);
    let published = subscriber.drain().await;
    let kinds: Vec<&str> = published.iter().map(|e| e["detail-type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["AttachmentDeleted"], "the record before it, and nothing after");
}
