//! The table's stream as DynamoDB Local keeps it: every change since the table was
//! created, read shard by shard with the DynamoDB Streams API, as the records Lambda
//! hands a stream's function.

use aws_lambda_events::dynamodb::Event;
use aws_sdk_dynamodbstreams::types::ShardIteratorType;
use serde_json::{Value, json};

use crate::TestApp;

/// Every record of `app`'s table stream so far, in order per shard, as JSON in the
/// shape Lambda's events carry them (the Streams API's, with `eventSourceARN`).
pub async fn records(app: &TestApp) -> Vec<Value> {
    let store = &app.app.store;
    let table = store
        .client()
        .describe_table()
        .table_name(store.table())
        .send()
        .await
        .expect("describing the table");
    let arn = table
        .table()
        .and_then(|t| t.latest_stream_arn())
        .expect("the table has a stream (Options::stream)")
        .to_owned();
    let stack = crate::local_stack::verified();
    let endpoint = stack.endpoint("AWS_ENDPOINT_URL_DYNAMODB");
    let streams = stack.dynamodb_streams();
    let described = streams
        .describe_stream()
        .stream_arn(&arn)
        .send()
        .await
        .expect("describing the stream");
    let shards = described
        .stream_description()
        .map(|d| d.shards().to_vec())
        .unwrap_or_default();
    let mut records = Vec::new();
    for shard in shards {
        let mut iterator = streams
            .get_shard_iterator()
            .stream_arn(&arn)
            .shard_id(shard.shard_id().expect("a shard id"))
            .shard_iterator_type(ShardIteratorType::TrimHorizon)
            .send()
            .await
            .expect("a shard iterator")
            .shard_iterator;
        while let Some(current) = iterator.take() {
            let page = get_records(endpoint, &current).await;
            let batch = page["Records"].as_array().cloned().unwrap_or_default();
            if batch.is_empty() {
                break;
            }
            records.extend(batch.into_iter().map(|record| as_delivered(record, &arn)));
            iterator = page["NextShardIterator"].as_str().map(str::to_owned);
        }
    }
    records
}

/// One page of records, read as JSON rather than through the SDK: DynamoDB Local writes
/// an empty map attribute as `{}` in stream records (DynamoDB writes `{"M":{}}`), which
/// the SDK's parser refuses; the raw page is mended before the images are read.
async fn get_records(endpoint: &str, iterator: &str) -> Value {
    let headers = [
        ("content-type", "application/x-amz-json-1.0"),
        ("x-amz-target", "DynamoDBStreams_20120810.GetRecords"),
        // DynamoDB Local needs the header, not a valid signature.
        (
            "authorization",
            "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=local",
        ),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()));
    let body = serde_json::to_vec(&serde_json::json!({ "ShardIterator": iterator })).expect("a request");
    let (status, bytes) = crate::client::raw_request("POST", endpoint, &headers, body).await;
    assert_eq!(status, 200, "GetRecords: {}", String::from_utf8_lossy(&bytes));
    serde_json::from_slice(&bytes).expect("a GetRecords page")
}

/// A record as Lambda delivers it: its images mended (below) and its stream named.
fn as_delivered(mut record: Value, stream_arn: &str) -> Value {
    for image in ["OldImage", "NewImage"] {
        if let Some(image) = record["dynamodb"].get_mut(image) {
            mend_empty_maps(image);
        }
    }
    record["eventSourceARN"] = json!(stream_arn);
    record
}

/// How Lambda hands a template function the table's stream: the filters and batch
/// size of its event source in `template.yaml`.
pub struct EventSource {
    filters: Vec<Value>,
    batch_size: usize,
}

impl EventSource {
    /// The stream event source of the function whose binary is `binary`.
    pub fn of(binary: &str) -> Self {
        let template = crate::template::template();
        let function = crate::template::function_of(&template, binary);
        let (_, event) = function["Properties"]["Events"]
            .as_hash()
            .and_then(|events| events.iter().next())
            .expect("its event");
        let source = &event["Properties"];
        assert_eq!(event["Type"].as_str(), Some("DynamoDB"), "{binary} reads no stream");
        let filters = source["FilterCriteria"]["Filters"]
            .as_vec()
            .expect("filters")
            .iter()
            .map(|f| serde_json::from_str(f["Pattern"].as_str().expect("a pattern")).expect("a JSON pattern"))
            .collect();
        let batch_size = source["BatchSize"].as_i64().expect("a batch size") as usize;
        Self { filters, batch_size }
    }

    /// Whether Lambda hands the function `record` (its filters match it).
    pub fn keeps(&self, record: &Value) -> bool {
        self.filters.iter().any(|f| crate::filters::matches(f, record))
    }

    /// The records the function is handed, in the batches Lambda would make at most.
    pub fn batches(&self, records: &[Value]) -> Vec<Vec<Value>> {
        let kept: Vec<Value> = records.iter().filter(|r| self.keeps(r)).cloned().collect();
        kept.chunks(self.batch_size).map(<[Value]>::to_vec).collect()
    }
}

/// The event Lambda invokes a stream's function with for `records`.
pub fn lambda_event(records: &[Value]) -> Event {
    serde_json::from_value(json!({ "Records": records })).expect("a DynamoDB stream event")
}

/// `{}` as an attribute value (an item's or a map's member) becomes `{"M":{}}`.
fn mend_empty_maps(image: &mut Value) {
    let Some(members) = image.as_object_mut() else { return };
    for value in members.values_mut() {
        let Some(typed) = value.as_object_mut() else { continue };
        if typed.is_empty() {
            *value = serde_json::json!({ "M": {} });
        } else if let Some(inner) = typed.get_mut("M") {
            mend_empty_maps(inner);
        } else if let Some(Value::Array(list)) = typed.get_mut("L") {
            for element in list {
                let mut wrapper = serde_json::json!({ "x": element.take() });
                mend_empty_maps(&mut wrapper);
                *element = wrapper["x"].take();
            }
        }
    }
}
