//! A committed event through `make invoke`'s machinery: the real `get_conversation`
//! binary (built by cargo for this test) under the local Runtime API against the local
//! stack. Its answer is the fixture's, and every log line it writes carries the
//! invocation's ids, route and tenant, a tag for the user and never the user's id or
//! a message's text.

use glchat_tests::fixtures::{CONVERSATION, events_dir};
use glchat_tests::invoke::invoke;
use glchat_tests::runtime_api::LOCAL_REQUEST_ID;
use serde_json::Value;

#[tokio::test]
async fn an_event_through_the_real_binary_logs_ids_not_users() {
    let program = std::path::Path::new(env!("CARGO_BIN_EXE_get_conversation"));
    let text = std::fs::read_to_string(events_dir().join("get_conversation.json")).unwrap();
    let event: Value = serde_json::from_str(&text).unwrap();
    let invoked = invoke(program, "get_conversation", text.clone().into()).await.unwrap();

    assert_eq!(invoked.response["statusCode"], 200, "{:?}", invoked.log);
    let body: Value = serde_json::from_str(invoked.response["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["conversation"]["id"], CONVERSATION);
    let content = body["messages"][0]["content"].as_str().unwrap().to_owned();

    let lines: Vec<Value> = invoked
        .log
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not a JSON line: {l}")))
        .collect();
    let in_invocation: Vec<&Value> = lines.iter().filter(|l| l["span"].is_object()).collect();
    assert!(
        in_invocation.iter().any(|l| l["message"] == "invocation"),
        "the invocation line: {lines:?}"
    );
    let user_tag = in_invocation
        .iter()
        .find_map(|l| l["span"]["user"].as_str())
        .expect("a user tag once authenticated")
        .to_owned();
    for line in &in_invocation {
        let span = &line["span"];
        assert_eq!(span["lambda_request_id"], LOCAL_REQUEST_ID, "{line}");
        assert_eq!(span["api_request_id"], event["requestContext"]["requestId"], "{line}");
        assert_eq!(span["route"], event["routeKey"], "{line}");
        assert_eq!(span["tenant"], "local", "{line}");
        assert!(
            span["trace_id"].as_str().is_some_and(|t| t.starts_with("Root=")),
            "{line}"
        );
        assert_eq!(span["user"], user_tag.as_str(), "{line}");
    }
    // Its DynamoDB cost on the invocation line, for Logs Insights by route.
    let invocation = in_invocation
        .iter()
        .find(|l| l["message"] == "invocation")
        .expect("the invocation line");
    assert_eq!(invocation["status"], 200, "{invocation}");
    assert!(
        invocation["dynamodb_calls"].as_u64().unwrap() >= 1,
        "the read was counted"
    );
    assert!(invocation["read_units"].as_f64().unwrap() > 0.0, "{invocation}");
    assert!(invocation["write_units"].is_number(), "{invocation}");
    assert!(
        glchat_fleet::metrics::emf(&invoked.log).is_empty(),
        "an answer under 500 writes no metric line: {:?}",
        invoked.log
    );
    for line in &invoked.log {
        assert!(!line.contains("dev-user"), "the raw user id leaked: {line}");
        assert!(!line.contains(&content), "a message's text leaked: {line}");
    }
}

/// The functions' HTTPS client trusts the AWS roots it carries, or exactly the
/// certificates `AWS_CA_BUNDLE` names: behind a TLS proxy whose authority is named the
/// read answers; with the bundled roots alone the handshake is refused (the proxy's
/// authority is no AWS root), the request answers 503 and the log says why.
#[tokio::test]
async fn the_sdk_trusts_the_aws_roots_or_the_named_bundle_only() {
    use glchat_tests::invoke::invoke_with;
    use glchat_tests::tls::TlsFront;

    let program = std::path::Path::new(env!("CARGO_BIN_EXE_get_conversation"));
    let text = std::fs::read_to_string(events_dir().join("get_conversation.json")).unwrap();
    let dir = std::env::temp_dir().join(format!("glchat-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let tls = std::sync::Arc::new(TlsFront::new(&dir).unwrap());

    let front = std::sync::Arc::clone(&tls);
    let named = invoke_with(program, "get_conversation", text.clone().into(), |env| async move {
        let env: Vec<_> = env.into_iter().filter(|(k, _)| k != "AWS_CA_BUNDLE").collect();
        front.wrap(&env).await
    })
    .await
    .unwrap();
    assert_eq!(named.response["statusCode"], 200, "{:?}", named.log);

    let front = std::sync::Arc::clone(&tls);
    let bundled = invoke_with(program, "get_conversation", text.into(), |env| async move {
        let wrapped = front.wrap(&env).await?;
        Ok(wrapped.into_iter().filter(|(k, _)| k != "AWS_CA_BUNDLE").collect())
    })
    .await
    .unwrap();
    assert_eq!(bundled.response["statusCode"], 503, "{:?}", bundled.log);
    // A 5xx answer, and only that, writes the account-region's metric line.
    assert!(glchat_fleet::metrics::emf(&named.log).is_empty(), "{:?}", named.log);
    let metric_line: Value = bundled
        .log
        .iter()
        .find(|l| l.contains("\"_aws\""))
        .map(|l| serde_json::from_str(l).unwrap())
        .expect("the 503 wrote its metric line");
    assert_eq!(
        (
            &metric_line["ServerErrors"],
            &metric_line["Service"],
            &metric_line["Tenant"],
            &metric_line["status"]
        ),
        (
            &Value::from(1),
            &Value::from("glchat"),
            &Value::from("local"),
            &Value::from(503)
        ),
        "{metric_line}"
    );
    every_metric_read_is_published(&[&bundled.log]);
    assert!(
        bundled.log.iter().any(|l| l.contains("UnknownIssuer")),
        "the refused certificate is in the log: {:?}",
        bundled.log
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The committed stream batch (`tests/events/dynamodb/publish_deletions.json`, records
/// as Lambda hands them: an attachment and its conversation removed, a share dead, a
/// share link removed) through the real `publish_deletions` binary: it reports no
/// failure, and a subscriber of the tenant's bus receives exactly the three deletions,
/// valid against their schemas, named as the records name them; its log says how many
/// and never whose.
#[tokio::test]
async fn a_stream_batch_through_the_real_binary_publishes_its_deletions() {
    use glchat_tests::event_schemas::validate;

    let program = std::path::Path::new(env!("CARGO_BIN_EXE_publish_deletions"));
    let text = std::fs::read_to_string(events_dir().join("dynamodb/publish_deletions.json")).unwrap();
    let batch: Value = serde_json::from_str(&text).unwrap();
    let image = |index: usize, which: &str, name: &str| -> String {
        let value = &batch["Records"][index]["dynamodb"][which][name];
        value["S"].as_str().unwrap().to_owned()
    };
    let invoked = invoke(program, "publish_deletions", text.clone().into()).await.unwrap();
    assert_eq!(
        invoked.response,
        serde_json::json!({ "batchItemFailures": [] }),
        "{:?}",
        invoked.log
    );

    // As a consumer counts them: by id (an attempt the SDK sent again on a slow
    // machine delivers an event twice, with its id).
    let mut published = invoked.published.clone();
    published.sort_by_key(|e| e["detail"]["event_id"].as_str().unwrap().to_owned());
    published.dedup_by_key(|e| e["detail"]["event_id"].clone());
    published.sort_by_key(|e| e["detail-type"].as_str().unwrap().to_owned());
    let kinds: Vec<&str> = published.iter().map(|e| e["detail-type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["AttachmentDeleted", "ConversationDeleted", "ShareRevoked"]);
    for event in &published {
        assert_eq!(event["source"], "glchat.conversations");
        let kind = event["detail-type"].as_str().unwrap();
        validate(kind, &event["detail"]).unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(event["detail"]["tenant_id"], "local");
    }
    let (attachment, conversation, share) = (
        &published[0]["detail"],
        &published[1]["detail"],
        &published[2]["detail"],
    );
    assert_eq!(attachment["attachment_id"], image(0, "OldImage", "id"));
    assert_eq!(attachment["object_key"], image(0, "OldImage", "object_key"));
    assert_eq!(conversation["conversation_id"], image(1, "OldImage", "id"));
    assert_eq!(conversation["deleted_at"], image(1, "OldImage", "deleted_time"));
    assert_eq!(
        conversation["attachments"],
        serde_json::json!([{
            "attachment_id": image(0, "OldImage", "id"),
            "object_key": image(0, "OldImage", "object_key"),
        }])
    );
    assert_eq!(conversation["attachments_truncated"], false);
    // The bus's own time is the deletion's (to the second).
    let deleted_at = conversation["deleted_at"].as_str().unwrap();
    assert_eq!(
        published[1]["time"].as_str().unwrap(),
        format!("{}Z", &deleted_at[..19])
    );
    assert_eq!(share["share_id"], image(2, "NewImage", "share_id"));

    let lines: Vec<Value> = invoked
        .log
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let summary = lines
        .iter()
        .find(|l| l["message"] == "deletion events published")
        .unwrap_or_else(|| panic!("a summary line: {:?}", invoked.log));
    assert_eq!(
        (summary["received"].as_u64(), summary["published"].as_u64()),
        (Some(4), Some(3))
    );
    let owner = image(1, "OldImage", "user_id");
    for line in &invoked.log {
        assert!(!line.contains(&owner), "the owner's id in the log: {line}");
    }
}

/// Every metric an alarm or a dashboard widget of the tenant's or its account-region's
/// stack reads is one the account-region publishes: the AWS services' with the
/// templates' settings, or a custom metric the functions' log lines create (Embedded
/// Metric Format), here those of real binaries: `ServerErrors`, by `Service` and by
/// `Service` and `Tenant`, written by an answer that is 5xx only.
fn every_metric_read_is_published(logs: &[&[String]]) {
    use glchat_fleet::metrics::{MetricId, alarm_reads, dashboard_reads, emf, published_in_account_region};
    use glchat_fleet::stack::FUNCTION_METRICS_PER_ACCOUNT_REGION;

    let (tenant, region) = (glchat_fleet::template::tenant(), glchat_fleet::template::region());
    let lines: Vec<String> = logs.iter().flat_map(|l| l.iter().cloned()).collect();
    let functions = emf(&lines);
    let expected = [
        MetricId::new("GLChat", "ServerErrors", &["Service"]),
        MetricId::new("GLChat", "ServerErrors", &["Service", "Tenant"]),
    ];
    assert_eq!(functions, expected.into_iter().collect(), "the functions' metrics");
    // What exists whether or not a tenant failed this hour is what the cost counts.
    let always: Vec<MetricId> = functions
        .iter()
        .filter(|m| !m.dimensions.contains("Tenant"))
        .cloned()
        .collect();
    let counted: Vec<MetricId> = FUNCTION_METRICS_PER_ACCOUNT_REGION
        .iter()
        .map(|(namespace, name, dimensions)| MetricId::new(namespace, name, dimensions))
        .collect();
    assert_eq!(always, counted, "docs/fleet.md counts the functions' metrics");

    let published = published_in_account_region(&tenant, &region, &functions);
    let reads: Vec<_> = [&tenant, &region]
        .into_iter()
        .flat_map(|t| alarm_reads(t).into_iter().chain(dashboard_reads(t)))
        .collect();
    assert!(
        reads.len() > 15,
        "the alarms' and the dashboard's metrics: {}",
        reads.len()
    );
    let unpublished: Vec<String> = reads
        .iter()
        .filter(|read| !published.contains(&read.metric))
        .map(|read| format!("{}: {:?}", read.by, read.metric))
        .collect();
    assert!(
        unpublished.is_empty(),
        "read but never published:\n{}",
        unpublished.join("\n")
    );
    // The catalogue is no blanket: what the template does not turn on is not in it.
    let per_route = MetricId::new("AWS/ApiGateway", "Count", &["ApiId", "Method", "Resource", "Stage"]);
    assert!(!published.contains(&per_route), "detailed metrics are off");
    // And no alarm reads a metric a client can raise at will: API Gateway's 5xx counts
    // a body over Lambda's 6 MB, refused before any function runs.
    for read in [&tenant, &region].into_iter().flat_map(alarm_reads) {
        assert_ne!(
            read.metric.namespace, "AWS/ApiGateway",
            "{} reads {:?}",
            read.by, read.metric
        );
    }
}
