//! A small HTTP client over hyper for the tests; every reply is checked against the
//! contract before a test sees it.

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Method};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use crate::contract::Contract;

#[derive(Clone)]
pub struct HttpClient(Client<HttpConnector, Full<Bytes>>);

impl HttpClient {
    pub fn new() -> Self {
        Self(Client::builder(TokioExecutor::new()).build_http())
    }
}

impl HttpClient {
    /// One HTTP exchange over a pooled keep-alive connection: status, headers and the
    /// whole body, unchecked (the benchmarks' client).
    pub async fn exchange(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Bytes,
    ) -> anyhow::Result<(u16, HeaderMap, Bytes)> {
        use anyhow::Context;
        let mut request = http::Request::builder().method(method).uri(url);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let request = request.body(Full::new(body)).context("building a request")?;
        let response = self.0.request(request).await.context("sending a request")?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .context("reading a response")?
            .to_bytes();
        Ok((status, headers, bytes))
    }
}

impl Default for HttpClient {
    fn default() -> Self {
        Self::new()
    }
}

pub struct Call {
    client: HttpClient,
    contract: Arc<Contract>,
    method: Method,
    url: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl Call {
    pub(crate) fn new(client: HttpClient, contract: Arc<Contract>, method: Method, base: &str, path: &str) -> Self {
        Self {
            client,
            contract,
            method,
            url: format!("{base}{path}"),
            path: path.split('?').next().unwrap_or(path).to_owned(),
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    pub fn form(mut self, fields: &[(&str, &str)]) -> Self {
        self.body = Bytes::from(serde_urlencoded::to_string(fields).expect("encoding a form"));
        self.header("content-type", "application/x-www-form-urlencoded")
    }

    pub fn multipart(mut self, fields: &[(&str, &str)]) -> Self {
        let boundary = "glchatTestBoundary7MA4YWxk";
        let mut body = String::new();
        for (name, value) in fields {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        body.push_str(&format!("--{boundary}--\r\n"));
        self.body = Bytes::from(body);
        self.header("content-type", &format!("multipart/form-data; boundary={boundary}"))
    }

    pub fn json(mut self, value: &Value) -> Self {
        self.body = Bytes::from(value.to_string());
        self.header("content-type", "application/json")
    }

    pub fn raw_body(mut self, content_type: &str, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self.header("content-type", content_type)
    }

    pub async fn send(self) -> Reply {
        let (status, headers, bytes) =
            exchange(&self.client, self.method.as_str(), &self.url, &self.headers, self.body).await;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body: Value = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            panic!(
                "{} {} answered {status} with a non-JSON body: {text}",
                self.method, self.path
            )
        });
        if let Err(problem) = self.contract.check(self.method.as_str(), &self.path, status, &body) {
            panic!(
                "{} {} answered {status} outside the contract: {problem}\nbody: {text}",
                self.method, self.path
            );
        }
        Reply {
            status,
            headers,
            body,
            text,
        }
    }
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    #[track_caller]
    pub fn assert_status(&self, expected: u16) -> &Self {
        assert_eq!(self.status, expected, "unexpected status; body: {}", self.text);
        self
    }

    /// The `detail` of a non-422 error.
    #[track_caller]
    pub fn detail(&self) -> &str {
        self.body["detail"]
            .as_str()
            .unwrap_or_else(|| panic!("no string detail in {}", self.text))
    }

    /// A 422 whose only error is `type` at `[loc, field]`.
    #[track_caller]
    pub fn assert_invalid(&self, loc: &str, field: &str, kind: &str) {
        assert_eq!(
            self.validation_errors(),
            vec![(vec![loc.to_owned(), field.to_owned()], kind.to_owned())]
        );
    }

    /// The `(loc, type)` pairs of a 422.
    #[track_caller]
    pub fn validation_errors(&self) -> Vec<(Vec<String>, String)> {
        self.assert_status(422);
        self.body["detail"]
            .as_array()
            .expect("a 422 detail list")
            .iter()
            .map(|e| {
                let loc = e["loc"]
                    .as_array()
                    .expect("loc")
                    .iter()
                    .map(|p| p.as_str().unwrap_or("").to_owned())
                    .collect();
                (loc, e["type"].as_str().expect("type").to_owned())
            })
            .collect()
    }
}

/// Sends `bytes` to the presigned upload of a create-attachment reply, with its headers.
pub async fn put_presigned(created: &Value, bytes: &[u8]) -> u16 {
    let headers: Vec<(String, String)> = created["upload_headers"]
        .as_object()
        .expect("upload_headers")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("a header value").to_owned()))
        .collect();
    raw_request(
        "PUT",
        created["upload_url"].as_str().expect("upload_url"),
        &headers,
        bytes.to_vec(),
    )
    .await
    .0
}

/// A request straight to a URL (S3 presigned URLs): status and body.
pub async fn raw_request(method: &str, url: &str, headers: &[(String, String)], body: Vec<u8>) -> (u16, Vec<u8>) {
    let (status, _, bytes) = exchange(&HttpClient::new(), method, url, headers, Bytes::from(body)).await;
    (status, bytes.to_vec())
}

/// One HTTP exchange: status, headers and the whole body.
async fn exchange(
    client: &HttpClient,
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Bytes,
) -> (u16, HeaderMap, Bytes) {
    client
        .exchange(method, url, headers, body)
        .await
        .expect("an HTTP exchange")
}
