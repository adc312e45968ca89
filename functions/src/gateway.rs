//! What API Gateway (HTTP API, payload v2) and Lambda enforce around a function,
//! which the local server enforces the same way, so that a request that would fail
//! deployed fails locally too (and in the integration tests):
//!
//! - a request body over 10 MB: API Gateway answers 413 `{"message":"Request Entity Too Large"}`;
//! - an invocation event over Lambda's 6 MB synchronous payload limit (the body as
//!   API Gateway passes it, base64 for binary content, plus the rest of the event), a
//!   response payload over 6 MB, or a function running past its `Timeout`: the
//!   invocation fails and API Gateway answers 500 `{"message":"Internal Server Error"}`.
//!
//! The bodies are API Gateway's own, not the API's FastAPI shapes: clients see exactly
//! that when it happens deployed.

use std::time::Duration;

use glchat_app::pages::in_payload_len;
use lambda_http::Body;

/// The largest request body API Gateway's HTTP API accepts.
pub const MAX_REQUEST_BODY_BYTES: usize = 10 * 1024 * 1024;

/// Lambda's limit on a synchronous invocation's payload, each way (6 MB).
pub const MAX_PAYLOAD_BYTES: usize = 6 * 1024 * 1024;

/// What an event carries besides the body and headers (request context, route key,
/// times, ids), generously: the committed events' are under 1.5 KB.
const EVENT_OVERHEAD_BYTES: usize = 2 * 1024;

/// A function's timeout unless its route says otherwise (`Globals` in `template.yaml`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

pub use glchat_app::http::idempotency::INTEGRATION_TIMEOUT;

/// Why API Gateway answered instead of the function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The request body is over API Gateway's limit.
    RequestTooLarge,
    /// The invocation failed: payload over Lambda's limit either way, or timed out.
    InvocationFailed,
}

impl Refusal {
    /// API Gateway's answer, status and body as it sends them.
    pub fn response(self) -> http::Response<Body> {
        let (status, message) = match self {
            Refusal::RequestTooLarge => (413, "Request Entity Too Large"),
            Refusal::InvocationFailed => (500, "Internal Server Error"),
        };
        let mut response = http::Response::new(Body::Text(serde_json::json!({ "message": message }).to_string()));
        *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        response
    }
}

/// The size of the invocation event a request makes.
pub fn event_bytes(parts: &http::request::Parts, body: &[u8]) -> usize {
    let head: usize = parts
        .headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 6)
        .sum::<usize>()
        + parts.uri.to_string().len() * 2;
    let content_type = parts
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    EVENT_OVERHEAD_BYTES + head + body_in_payload(content_type, body)
}

/// The size of the response payload the function returns to Lambda.
pub fn response_bytes(response: &http::Response<Body>) -> usize {
    let head: usize = response
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 6)
        .sum();
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // `{"statusCode":200,"headers":{...},"multiValueHeaders":{},"body":...,"isBase64Encoded":false}`
    let envelope = 96;
    envelope + head + body_in_payload(content_type, response.body().as_ref())
}

/// A body inside a JSON payload: a JSON string as is for text, base64 for the rest
/// (a third larger).
fn body_in_payload(content_type: &str, body: &[u8]) -> usize {
    let content_type = content_type.to_ascii_lowercase();
    let text = content_type.starts_with("text/")
        || content_type.starts_with("application/json")
        || content_type.contains("+json")
        || content_type.starts_with("application/x-www-form-urlencoded")
        || content_type.starts_with("application/xml");
    match std::str::from_utf8(body) {
        Ok(text_body) if text => in_payload_len(text_body),
        _ => body.len().div_ceil(3) * 4 + 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_sizes_count_what_lambda_counts() {
        assert_eq!(
            body_in_payload("application/json", br#"{"a":"b"}"#),
            r#""{\"a\":\"b\"}""#.len()
        );
        assert_eq!(body_in_payload("multipart/form-data; boundary=x", &[0u8; 300]), 402);
        // Invalid UTF-8 cannot pass as text: base64.
        assert_eq!(body_in_payload("application/json", &[0xff; 3]), 6);
    }
}

#[cfg(test)]
mod response_tests {
    use super::*;

    #[test]
    fn a_response_is_measured_as_lambda_carries_it() {
        let body = serde_json::json!({ "messages": ["x".repeat(MAX_PAYLOAD_BYTES - 2_000)] }).to_string();
        let mut response = http::Response::new(Body::Text(body));
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        assert!(response_bytes(&response) <= MAX_PAYLOAD_BYTES, "just under");
        // The same text with quotes, each escaped inside the payload: over.
        let quoted = serde_json::json!({ "messages": ["\"".repeat(MAX_PAYLOAD_BYTES / 2)] }).to_string();
        *response.body_mut() = Body::Text(quoted);
        assert!(response_bytes(&response) > MAX_PAYLOAD_BYTES);
    }
}
