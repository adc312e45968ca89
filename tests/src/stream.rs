//! The table's stream as DynamoDB Local keeps it: every change since the table was
//! created, read shard by shard with the DynamoDB Streams API, as the records Lambda
//! hands a stream's function.

use aws_lambda_events::dynamodb::Event;
use glchat_functions::local_stream;
use serde_json::{Value, json};

use crate::TestApp;

/// Every record of `app`'s table stream so far, in order per shard, as JSON in the
/// shape Lambda's events carry them (the Streams API's, with `eventSourceARN`).
pub async fn records(app: &TestApp) -> Vec<Value> {
    let stack = crate::local_stack::verified();
    let endpoint = stack.endpoint("AWS_ENDPOINT_URL_DYNAMODB");
    let mut tail = local_stream::Tail::open(&app.app, endpoint)
        .await
        .expect("the table's stream (Options::stream)");
    tail.next().await.expect("the stream's records")
}

/// How Lambda hands a stream's function the table's records: its trigger's filters
/// and batch size (`glchat_functions::triggers`, which the template test holds to
/// `template.yaml`'s event source).
pub struct EventSource {
    trigger: glchat_functions::triggers::Trigger,
}

impl EventSource {
    /// The stream event source of the function whose binary is `binary`.
    pub fn of(binary: &str) -> Self {
        let trigger = glchat_functions::triggers::triggers()
            .into_iter()
            .find(|t| t.name == binary && t.source == "DynamoDB")
            .unwrap_or_else(|| panic!("{binary} reads no stream"));
        Self { trigger }
    }

    /// Whether Lambda hands the function `record` (its filters match it).
    pub fn keeps(&self, record: &Value) -> bool {
        local_stream::kept_by(&self.trigger, record)
    }

    /// The records the function is handed, in the batches Lambda would make at most.
    pub fn batches(&self, records: &[Value]) -> Vec<Vec<Value>> {
        let kept: Vec<Value> = records.iter().filter(|r| self.keeps(r)).cloned().collect();
        kept.chunks(self.trigger.batch_size).map(<[Value]>::to_vec).collect()
    }
}

/// The event Lambda invokes a stream's function with for `records`.
pub fn lambda_event(records: &[Value]) -> Event {
    serde_json::from_value(json!({ "Records": records })).expect("a DynamoDB stream event")
}
