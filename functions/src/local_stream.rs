//! The table's stream as Lambda's event source mappings hand it to the functions, for
//! `make run` and the tests: DynamoDB Local's stream read shard by shard (its Streams
//! API, as JSON), each record as Lambda delivers it, kept by the trigger's filters
//! ([`crate::triggers`], the same patterns `template.yaml` gives the mappings) and
//! handed over in batches of the mapping's size; a batch the function reports failed is
//! handed over again, as Lambda does, a few times.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use glchat_app::Deps;
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};

use crate::handlers::run_jobs;
use crate::triggers::{Trigger, triggers};

/// How often `make run` looks for new records.
const POLL: Duration = Duration::from_millis(500);
/// Times a failed batch is handed over again before it is given up (logged).
const RETRIES: usize = 3;

/// A client of DynamoDB Local's Streams API, as JSON: the SDK's parser refuses the empty
/// maps DynamoDB Local writes into records (below), so the pages are read raw.
struct Streams {
    client: hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
    endpoint: String,
}

impl Streams {
    fn new(endpoint: &str) -> Self {
        Self {
            client: hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http(),
            endpoint: endpoint.to_owned(),
        }
    }

    /// One request of the Streams API.
    async fn call(&self, target: &str, body: &Value) -> anyhow::Result<Value> {
        let request = http::Request::builder()
            .method("POST")
            .uri(&self.endpoint)
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", format!("DynamoDBStreams_20120810.{target}"))
            // DynamoDB Local needs the header, not a valid signature.
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=local",
            )
            .body(Full::new(Bytes::from(serde_json::to_vec(body)?)))
            .context("building a Streams request")?;
        let response = self
            .client
            .request(request)
            .await
            .context("calling DynamoDB Local's Streams API")?;
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .context("reading a Streams answer")?
            .to_bytes();
        anyhow::ensure!(
            status.is_success(),
            "{target}: {status} {}",
            String::from_utf8_lossy(&bytes)
        );
        serde_json::from_slice(&bytes).with_context(|| format!("{target}: not JSON"))
    }

    /// One page of a shard's records from `iterator`.
    async fn get_records(&self, iterator: &str) -> anyhow::Result<Value> {
        self.call("GetRecords", &json!({ "ShardIterator": iterator })).await
    }

    /// The stream's shards.
    async fn shards(&self, stream_arn: &str) -> anyhow::Result<Vec<String>> {
        let described = self.call("DescribeStream", &json!({ "StreamArn": stream_arn })).await?;
        Ok(described["StreamDescription"]["Shards"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s["ShardId"].as_str().map(str::to_owned))
            .collect())
    }

    /// An iterator of `shard` at its oldest record.
    async fn oldest(&self, stream_arn: &str, shard: &str) -> anyhow::Result<Option<String>> {
        let answer = self
            .call(
                "GetShardIterator",
                &json!({ "StreamArn": stream_arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON" }),
            )
            .await?;
        Ok(answer["ShardIterator"].as_str().map(str::to_owned))
    }
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

/// `{}` as an attribute value (an item's or a map's member) becomes `{"M":{}}`, as
/// DynamoDB writes it.
fn mend_empty_maps(image: &mut Value) {
    let Some(members) = image.as_object_mut() else { return };
    for value in members.values_mut() {
        let Some(typed) = value.as_object_mut() else { continue };
        if typed.is_empty() {
            *value = json!({ "M": {} });
        } else if let Some(inner) = typed.get_mut("M") {
            mend_empty_maps(inner);
        } else if let Some(Value::Array(list)) = typed.get_mut("L") {
            for element in list {
                let mut wrapper = json!({ "x": element.take() });
                mend_empty_maps(&mut wrapper);
                *element = wrapper["x"].take();
            }
        }
    }
}

/// Whether `record` matches a filter `pattern` (EventBridge pattern syntax, as Lambda's
/// filters use it): every field the pattern names is present, an object matched field by
/// field, a value equal to one of the pattern's list. Other operators are not used by
/// the template, and match nothing here.
pub fn matches(pattern: &Value, record: &Value) -> bool {
    let Value::Object(fields) = pattern else {
        return false;
    };
    fields.iter().all(|(name, expected)| {
        let actual = record.get(name);
        match expected {
            Value::Object(_) => actual.is_some_and(|actual| matches(expected, actual)),
            Value::Array(values) => {
                values.iter().all(|v| !v.is_object() && !v.is_array()) && actual.is_some_and(|a| values.contains(a))
            }
            _ => false,
        }
    })
}

/// Whether `trigger`'s event source hands it `record`.
pub fn kept_by(trigger: &Trigger, record: &Value) -> bool {
    trigger
        .filters
        .iter()
        .filter_map(|f| serde_json::from_str::<Value>(f).ok())
        .any(|f| matches(&f, record))
}

/// The new records of a stream, shard by shard, from where the last read stopped.
pub struct Tail {
    streams: Streams,
    stream_arn: String,
    /// Each shard's next iterator (`None`: closed and read to its end).
    shards: BTreeMap<String, Option<String>>,
}

impl Tail {
    /// The stream of `deps`'s table, from its oldest record.
    pub async fn open(deps: &Deps, endpoint: &str) -> anyhow::Result<Self> {
        let table = deps
            .store
            .client()
            .describe_table()
            .table_name(deps.store.table())
            .send()
            .await
            .context("describing the table")?;
        let stream_arn = table
            .table()
            .and_then(|t| t.latest_stream_arn())
            .context("the table has no stream")?
            .to_owned();
        Ok(Self {
            streams: Streams::new(endpoint),
            stream_arn,
            shards: BTreeMap::new(),
        })
    }

    /// The records written since the last call.
    pub async fn next(&mut self) -> anyhow::Result<Vec<Value>> {
        for shard in self.streams.shards(&self.stream_arn).await? {
            if !self.shards.contains_key(&shard) {
                let iterator = self.streams.oldest(&self.stream_arn, &shard).await?;
                self.shards.insert(shard, iterator);
            }
        }
        let mut records = Vec::new();
        for iterator in self.shards.values_mut() {
            while let Some(current) = iterator.clone() {
                let page = self.streams.get_records(&current).await?;
                let batch = page["Records"].as_array().cloned().unwrap_or_default();
                // An open shard's iterator stays valid past its last record.
                *iterator = page["NextShardIterator"].as_str().map(str::to_owned);
                if batch.is_empty() {
                    break;
                }
                records.extend(batch.into_iter().map(|r| as_delivered(r, &self.stream_arn)));
            }
        }
        Ok(records)
    }
}

/// Runs the stream's functions `make run` serves (`run_jobs`: exports, erasures,
/// imports) on the records of `deps`'s table, every [`POLL`]; and delivers the S3 event
/// of an import's upload as S3 does deployed (the local S3 server sends none): an upload
/// still waiting for its event starts its import.
pub async fn run(deps: Arc<Deps>, endpoint: String) -> anyhow::Result<()> {
    let jobs = triggers()
        .into_iter()
        .find(|t| t.name == "run_jobs")
        .context("the run_jobs trigger")?;
    let mut tail = Tail::open(&deps, &endpoint).await?;
    loop {
        // A failed poll (DynamoDB Local or the S3 server busy) is tried again at the
        // next one, as Lambda's event sources go on.
        if let Err(err) = poll(&deps, &jobs, &mut tail).await {
            tracing::error!(error = ?err, "reading the local stream");
        }
        tokio::time::sleep(POLL).await;
    }
}

/// One look for uploads that landed and for new records of the stream.
async fn poll(deps: &Arc<Deps>, jobs: &Trigger, tail: &mut Tail) -> anyhow::Result<()> {
    let imports = format!("tenants/{}/imports/", deps.config.tenant);
    for key in deps.blobs()?.keys_under(&imports).await? {
        if key.ends_with("/upload") {
            glchat_app::ops::imports::uploaded(deps, &key).await?;
        }
    }
    let records: Vec<Value> = tail.next().await?.into_iter().filter(|r| kept_by(jobs, r)).collect();
    for batch in records.chunks(jobs.batch_size.max(1)) {
        for attempt in 0..=RETRIES {
            let event = serde_json::from_value(json!({ "Records": batch })).context("a stream event")?;
            match run_jobs::handle(Arc::clone(deps), event).await {
                Ok(response) if response.batch_item_failures.is_empty() => break,
                Ok(_) | Err(_) if attempt < RETRIES => continue,
                outcome => tracing::error!(?outcome, "a batch of the stream was given up"),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::matches;
    use serde_json::json;

    #[test]
    fn fields_match_by_value_and_nest() {
        let pattern = json!({"eventName": ["REMOVE"], "dynamodb": {"OldImage": {"entity": {"S": ["a", "b"]}}}});
        let event = |name: &str, entity: &str| json!({"eventName": name, "dynamodb": {"OldImage": {"entity": {"S": entity}, "PK": {"S": "x"}}}});
        assert!(matches(&pattern, &event("REMOVE", "b")));
        assert!(!matches(&pattern, &event("INSERT", "b")));
        assert!(!matches(&pattern, &event("REMOVE", "c")));
        assert!(
            !matches(&pattern, &json!({"eventName": "REMOVE", "dynamodb": {}})),
            "no old image"
        );
        assert!(
            !matches(&json!({"a": [{"prefix": "x"}]}), &json!({"a": "xy"})),
            "operators are not read"
        );
    }
}
