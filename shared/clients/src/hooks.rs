//! What tests put between a function and AWS: extra interceptors on each SDK client,
//! and the HTTP client they send through.

use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_runtime_api::client::interceptors::SharedInterceptor;

/// Extra interceptors for the SDK clients, and the HTTP client they send through.
#[derive(Debug, Clone, Default)]
pub struct ClientHooks {
    pub dynamodb: Vec<SharedInterceptor>,
    pub s3: Vec<SharedInterceptor>,
    pub eventbridge: Vec<SharedInterceptor>,
    /// Instead of the SDK's own (tests answer some requests as AWS would refuse them).
    pub http_client: Option<SharedHttpClient>,
}
