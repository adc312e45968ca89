//! Building responses: every body is JSON.

use lambda_http::{Body, Response};
use serde::Serialize;

pub fn json_status<T: Serialize + ?Sized>(status: u16, body: &T) -> Response<Body> {
    // Serializing our own models cannot fail (string keys, no non-finite floats);
    // fall back to an empty object rather than panic if it ever did.
    let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".to_owned());
    let mut response = Response::new(Body::Text(text));
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}
