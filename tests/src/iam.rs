//! The IAM actions a client's DynamoDB requests need, read off the requests themselves
//! (a transaction needs the item action of each of its items, a query on an index the
//! index's ARN), so a test can hold each function's policy in `template.yaml` to what
//! its requests do.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::{Intercept, SharedInterceptor};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use serde_json::Value;

/// Suffix of an action done on an index (`Query@index`).
pub const ON_INDEX: &str = "@index";

#[derive(Debug, Clone, Default)]
pub struct ActionLog(Arc<Mutex<BTreeSet<String>>>);

impl ActionLog {
    /// Returns and forgets the actions seen so far (`dynamodb:` left off).
    pub fn take(&self) -> BTreeSet<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn interceptor(&self) -> SharedInterceptor {
        SharedInterceptor::new(self.clone())
    }
}

impl Intercept for ActionLog {
    fn name(&self) -> &'static str {
        "ActionLog"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request();
        let Some(operation) = request.headers().get("x-amz-target").and_then(|t| t.rsplit('.').next()) else {
            return Ok(());
        };
        let body: Value = request
            .body()
            .bytes()
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or(Value::Null);
        let mut actions = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if operation == "TransactWriteItems" {
            for item in body["TransactItems"].as_array().into_iter().flatten() {
                for kind in item.as_object().into_iter().flat_map(|o| o.keys()) {
                    let action = match kind.as_str() {
                        "Put" => "PutItem",
                        "Update" => "UpdateItem",
                        "Delete" => "DeleteItem",
                        "ConditionCheck" => "ConditionCheckItem",
                        other => other,
                    };
                    actions.insert(action.to_owned());
                }
            }
        } else if body.get("IndexName").is_some() {
            actions.insert(format!("{operation}{ON_INDEX}"));
        } else {
            actions.insert(operation.to_owned());
        }
        Ok(())
    }
}
