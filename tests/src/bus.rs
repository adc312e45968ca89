//! The local EventBridge (moto): a subscriber on the app's bus (a rule matching the
//! deletion events as `docs/events.md` tells a retrieval pipeline to subscribe, and an
//! SQS queue as its target, read back as the pipeline would), and the events as the
//! function sends them, for runs too large for moto's queues.

use std::sync::{Arc, Mutex};

use aws_sdk_eventbridge::types::Target;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::{Intercept, SharedInterceptor};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use serde_json::{Value, json};

use crate::TestApp;

pub struct Subscriber {
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
}

impl Subscriber {
    /// Creates `app`'s bus (`EVENT_BUS_NAME`) with the rule and its queue.
    pub async fn on(app: &TestApp) -> Self {
        Self::on_bus(app.var("EVENT_BUS_NAME")).await
    }

    /// Creates the bus `bus` with the rule and its queue.
    pub async fn on_bus(bus: &str) -> Self {
        let events = create_bus(bus).await;
        let sqs = crate::local_stack::verified().sqs();
        let queue_url = sqs
            .create_queue()
            .queue_name(format!("{bus}-deletions"))
            .send()
            .await
            .expect("creating the queue")
            .queue_url
            .expect("a queue URL");
        let queue_arn = sqs
            .get_queue_attributes()
            .queue_url(&queue_url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("the queue's ARN")
            .attributes
            .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn).cloned())
            .expect("a queue ARN");
        let pattern = json!({
            "source": ["glchat.conversations"],
            "detail-type": ["ConversationDeleted", "AttachmentDeleted", "ShareRevoked"],
        });
        events
            .put_rule()
            .event_bus_name(bus)
            .name("retrieval-pipeline")
            .event_pattern(pattern.to_string())
            .send()
            .await
            .expect("creating the rule");
        events
            .put_targets()
            .event_bus_name(bus)
            .rule("retrieval-pipeline")
            .targets(Target::builder().id("queue").arn(queue_arn).build().expect("a target"))
            .send()
            .await
            .expect("adding the queue as the rule's target");
        Self { sqs, queue_url }
    }

    /// Every event delivered since the last call, whole (`source`, `detail-type`,
    /// `detail`, ...), in the order the queue gives them.
    pub async fn drain(&self) -> Vec<Value> {
        let mut events = Vec::new();
        loop {
            let received = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .send()
                .await
                .expect("receiving from the queue");
            let messages = received.messages.unwrap_or_default();
            if messages.is_empty() {
                return events;
            }
            let mut done = Vec::new();
            for (index, message) in messages.into_iter().enumerate() {
                let body = message.body.as_deref().expect("a message body");
                events.push(serde_json::from_str(body).expect("an event as JSON"));
                let entry = aws_sdk_sqs::types::DeleteMessageBatchRequestEntry::builder()
                    .id(index.to_string())
                    .receipt_handle(message.receipt_handle.expect("a receipt handle"))
                    .build()
                    .expect("a delete entry");
                done.push(entry);
            }
            self.sqs
                .delete_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(done))
                .send()
                .await
                .expect("deleting the received messages");
        }
    }
}

/// Creates the bus `bus`, with no rule (what is put on it goes nowhere).
pub async fn create_bus(bus: &str) -> aws_sdk_eventbridge::Client {
    let events = crate::local_stack::verified().eventbridge();
    events
        .create_event_bus()
        .name(bus)
        .send()
        .await
        .expect("creating the bus");
    events
}

/// The events of every PutEvents request an EventBridge client sends, as EventBridge
/// would deliver them (`source`, `detail-type`, `detail`, `time`), read off the
/// requests: moto takes seconds per event once a rule sends them to a queue, so runs of
/// thousands read what was sent instead.
#[derive(Debug, Clone, Default)]
pub struct Sent(Arc<Mutex<Vec<Value>>>);

impl Sent {
    pub fn interceptor(&self) -> SharedInterceptor {
        SharedInterceptor::new(self.clone())
    }

    /// The events sent so far, in order.
    pub fn events(&self) -> Vec<Value> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Intercept for Sent {
    fn name(&self) -> &'static str {
        "Sent"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let body = context.request().body().bytes().ok_or("a streaming PutEvents body")?;
        let request: Value = serde_json::from_slice(body)?;
        let entries = request["Entries"]
            .as_array()
            .ok_or("a PutEvents request without entries")?;
        let mut sent = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for entry in entries {
            let detail = entry["Detail"].as_str().ok_or("an entry without a detail")?;
            sent.push(json!({
                "source": entry["Source"],
                "detail-type": entry["DetailType"],
                "detail": serde_json::from_str::<Value>(detail)?,
                "time": entry["Time"],
            }));
        }
        Ok(())
    }
}
