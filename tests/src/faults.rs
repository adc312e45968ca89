//! Failure injection on the real SDK clients: the named operation fails the next `n`
//! times, as if the service were unreachable ([`Fault`]) or as the service itself
//! refuses when it throttles or two writers meet ([`Refusal`]), and works again
//! afterwards.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::{Intercept, SharedInterceptor};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse, Metadata};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;

/// Takes one from `counter` unless it is spent: whether there was one.
fn take_one(counter: &AtomicUsize) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

#[derive(Debug, Clone)]
pub struct Fault {
    operation: &'static str,
    /// Calls let through before the failures begin.
    passing: Arc<AtomicUsize>,
    remaining: Arc<AtomicUsize>,
}

impl Fault {
    /// `operation` (e.g. `DeleteObjects`, `BatchWriteItem`) fails its next `times` calls.
    pub fn fail(operation: &'static str, times: usize) -> Self {
        Self::fail_after(operation, 0, times)
    }

    /// `operation` works `pass` more times, then fails its next `times` calls.
    pub fn fail_after(operation: &'static str, pass: usize, times: usize) -> Self {
        Self {
            operation,
            passing: Arc::new(AtomicUsize::new(pass)),
            remaining: Arc::new(AtomicUsize::new(times)),
        }
    }

    /// Failures still to come.
    pub fn remaining(&self) -> usize {
        self.remaining.load(Ordering::SeqCst)
    }

    pub fn interceptor(&self) -> SharedInterceptor {
        SharedInterceptor::new(self.clone())
    }
}

impl Intercept for Fault {
    fn name(&self) -> &'static str {
        "Fault"
    }

    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let this_operation = cfg.load::<Metadata>().is_some_and(|m| m.name() == self.operation);
        let fire = this_operation && !take_one(&self.passing) && take_one(&self.remaining);
        if fire {
            Err(format!("injected failure of {}", self.operation).into())
        } else {
            Ok(())
        }
    }
}

/// A service's own refusal, answered before the request reaches the server (so nothing
/// of it is applied), the next `times` times a matching request is sent: what AWS
/// answers when it throttles or when two writers meet. Everything else goes through to
/// the real DynamoDB Local and S3 server.
#[derive(Clone)]
pub struct Refusal {
    matches: Arc<dyn Fn(&HttpRequest) -> bool + Send + Sync>,
    remaining: Arc<AtomicUsize>,
    /// Matching requests let through before the refusals begin.
    passing: Arc<AtomicUsize>,
    status: u16,
    headers: Vec<(&'static str, &'static str)>,
    body: &'static str,
    /// Instead of answering: hold the request this long, then send it on.
    stall: Option<std::time::Duration>,
}

impl std::fmt::Debug for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Refusal")
            .field("status", &self.status)
            .field("remaining", &self.remaining())
            .finish()
    }
}

const DYNAMODB_JSON: &str = "application/x-amz-json-1.0";

impl Refusal {
    /// DynamoDB throttles `operation` (e.g. `TransactWriteItems`): HTTP 400
    /// `ThrottlingException`, which the SDK retries with backoff.
    pub fn dynamodb_throttling(operation: &'static str, times: usize) -> Self {
        Self::new(
            dynamodb_operation(operation),
            times,
            400,
            &[
                ("content-type", DYNAMODB_JSON),
                ("x-amzn-errortype", "ThrottlingException"),
            ],
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}"#,
        )
    }

    /// A transaction meets another writer on one of its items: `TransactionCanceledException`
    /// with a `TransactionConflict` reason, which the SDK does not retry.
    pub fn dynamodb_transaction_conflict(times: usize) -> Self {
        Self::new(
            dynamodb_operation("TransactWriteItems"),
            times,
            400,
            &[
                ("content-type", DYNAMODB_JSON),
                ("x-amzn-errortype", "TransactionCanceledException"),
            ],
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict, None]","CancellationReasons":[{"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"},{"Code":"None"}]}"#,
        )
    }

    /// S3 slows a request down: HTTP 503 `SlowDown`, which the SDK retries with backoff.
    /// `matches` picks the requests (see [`s3_copy`], [`s3_bulk_delete`]).
    pub fn s3_slow_down(matches: impl Fn(&HttpRequest) -> bool + Send + Sync + 'static, times: usize) -> Self {
        Self::new(
            matches,
            times,
            503,
            &[("content-type", "application/xml")],
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>R1</RequestId></Error>",
        )
    }

    fn new(
        matches: impl Fn(&HttpRequest) -> bool + Send + Sync + 'static,
        times: usize,
        status: u16,
        headers: &[(&'static str, &'static str)],
        body: &'static str,
    ) -> Self {
        Self {
            matches: Arc::new(matches),
            remaining: Arc::new(AtomicUsize::new(times)),
            passing: Arc::new(AtomicUsize::new(0)),
            status,
            headers: headers.to_vec(),
            body,
            stall: None,
        }
    }

    /// The service is slow: matching requests reach it only after `delay`.
    pub fn stall(
        matches: impl Fn(&HttpRequest) -> bool + Send + Sync + 'static,
        times: usize,
        delay: std::time::Duration,
    ) -> Self {
        Self {
            stall: Some(delay),
            ..Self::new(matches, times, 200, &[], "")
        }
    }

    /// Refusals still to come.
    pub fn remaining(&self) -> usize {
        self.remaining.load(Ordering::SeqCst)
    }

    /// Refuses the next `times` matching requests (from now on).
    pub fn arm(&self, times: usize) {
        self.remaining.store(times, Ordering::SeqCst);
    }

    /// Whether this request is refused (and one refusal spent).
    /// Lets the next `pass` matching requests through, then refuses `times`.
    pub fn arm_after(&self, pass: usize, times: usize) {
        self.passing.store(pass, Ordering::SeqCst);
        self.remaining.store(times, Ordering::SeqCst);
    }

    fn fires(&self, request: &HttpRequest) -> bool {
        if !(self.matches)(request) || self.remaining() == 0 {
            return false;
        }
        !take_one(&self.passing) && take_one(&self.remaining)
    }

    fn response(&self) -> HttpResponse {
        let status = StatusCode::try_from(self.status).expect("a valid status");
        let mut response = HttpResponse::new(status, SdkBody::from(self.body));
        for (name, value) in &self.headers {
            response.headers_mut().insert(*name, *value);
        }
        response
    }

    /// An HTTP client that answers with these refusals and sends everything else
    /// through `inner` (the SDK's own client).
    pub fn http_client(refusals: Vec<Refusal>, inner: SharedHttpClient) -> SharedHttpClient {
        SharedHttpClient::new(Refusing {
            inner,
            refusals: Arc::new(refusals),
        })
    }
}

/// An EventBridge PutEvents request.
pub fn put_events(request: &HttpRequest) -> bool {
    request.headers().get("x-amz-target") == Some("AWSEvents.PutEvents")
}

/// A DynamoDB request for `operation`, told by its `X-Amz-Target` header.
pub fn dynamodb_operation(operation: &'static str) -> impl Fn(&HttpRequest) -> bool + Send + Sync {
    move |request| {
        request
            .headers()
            .get("x-amz-target")
            .is_some_and(|target| target.strip_prefix("DynamoDB_20120810.") == Some(operation))
    }
}

/// An S3 CopyObject: a PUT carrying `x-amz-copy-source`.
pub fn s3_copy(request: &HttpRequest) -> bool {
    request.method() == "PUT" && request.headers().get("x-amz-copy-source").is_some()
}

/// An S3 DeleteObjects: a POST to `?delete`.
pub fn s3_bulk_delete(request: &HttpRequest) -> bool {
    request.method() == "POST" && request.uri().contains("delete")
}

#[derive(Debug)]
struct Refusing {
    inner: SharedHttpClient,
    refusals: Arc<Vec<Refusal>>,
}

impl HttpClient for Refusing {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(RefusingConnector {
            inner: self.inner.http_connector(settings, components),
            refusals: Arc::clone(&self.refusals),
        })
    }
}

#[derive(Debug)]
struct RefusingConnector {
    inner: SharedHttpConnector,
    refusals: Arc<Vec<Refusal>>,
}

impl HttpConnector for RefusingConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        match self.refusals.iter().find(|r| r.fires(&request)) {
            Some(Refusal { stall: Some(delay), .. }) => {
                let (inner, delay) = (self.inner.clone(), *delay);
                HttpConnectorFuture::new(async move {
                    tokio::time::sleep(delay).await;
                    inner.call(request).await
                })
            }
            Some(refusal) => HttpConnectorFuture::ready(Ok(refusal.response())),
            None => self.inner.call(request),
        }
    }
}
