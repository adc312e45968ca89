//! The IAM actions a client's DynamoDB and S3 requests need, read off the requests
//! themselves (a transaction needs the item action of each of its items, a query on an
//! index the index's ARN, an S3 request its action on the object key it names,
//! presigned URLs included), so a test can hold each function's policy in
//! `template.yaml` to what its requests do.

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

    /// For the S3 client: records `s3:<Action> <key>` (a listing: its prefix).
    pub fn s3_interceptor(&self) -> SharedInterceptor {
        SharedInterceptor::new(S3Actions(self.clone()))
    }

    fn record(&self, action: String) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).insert(action);
    }
}

/// The S3 side of an [`ActionLog`]. Presigning runs the interceptors up to
/// `read_before_transmit`, so presigned URLs are recorded as the actions they grant.
#[derive(Debug)]
struct S3Actions(ActionLog);

impl Intercept for S3Actions {
    fn name(&self) -> &'static str {
        "S3Actions"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request();
        let uri: http::Uri = request.uri().parse()?;
        let decode = |raw: &str| {
            percent_encoding::percent_decode_str(raw)
                .decode_utf8_lossy()
                .into_owned()
        };
        let path = decode(uri.path());
        // Path-style or virtual-hosted alike, our keys start at `tenants/`.
        let key = path
            .find("tenants/")
            .map(|at| path[at..].to_owned())
            .unwrap_or_default();
        let query: Vec<(String, String)> = serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap_or_default();
        let has = |name: &str| query.iter().any(|(k, _)| k == name);
        let method = request.method();
        let mut actions = Vec::new();
        match method {
            "GET" if has("list-type") => {
                let prefix = query.iter().find(|(k, _)| k == "prefix").map(|(_, v)| v.clone());
                actions.push(("ListBucket", prefix.unwrap_or_default()));
            }
            "GET" | "HEAD" => actions.push(("GetObject", key)),
            "PUT" => {
                if let Some(source) = request.headers().get("x-amz-copy-source") {
                    let source = decode(source);
                    let source = source
                        .find("tenants/")
                        .map(|at| source[at..].to_owned())
                        .unwrap_or(source);
                    actions.push(("GetObject", source));
                }
                actions.push(("PutObject", key));
            }
            "DELETE" => actions.push(("DeleteObject", key)),
            "POST" if has("delete") => {
                let body = request.body().bytes().map(String::from_utf8_lossy).unwrap_or_default();
                for part in body.split("<Key>").skip(1) {
                    let named = part.split("</Key>").next().unwrap_or_default();
                    actions.push(("DeleteObject", named.to_owned()));
                }
            }
            other => actions.push(("Unknown", format!("{other} {path}"))),
        }
        for (action, key) in actions {
            self.0.record(format!("s3:{action} {key}"));
        }
        Ok(())
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
