//! A subscriber on the local EventBridge (moto): the app's bus, a rule matching the
//! deletion events as `docs/events.md` tells a retrieval pipeline to subscribe, and an
//! SQS queue as its target, read back as the pipeline would.

use aws_sdk_eventbridge::types::Target;
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
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest()).load().await;
        let events = aws_sdk_eventbridge::Client::new(&sdk);
        let sqs = aws_sdk_sqs::Client::new(&sdk);
        events
            .create_event_bus()
            .name(bus)
            .send()
            .await
            .expect("creating the bus");
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
            for message in messages {
                let body = message.body.as_deref().expect("a message body");
                events.push(serde_json::from_str(body).expect("an event as JSON"));
                self.sqs
                    .delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(message.receipt_handle.expect("a receipt handle"))
                    .send()
                    .await
                    .expect("deleting a received message");
            }
        }
    }
}
