//! A small OpenAI-compatible chat-completions server on loopback: the one external
//! service the tests stand in for. It answers as told and records what it was sent.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub enum Behavior {
    /// 200 with this text as `choices[0].message.content`.
    Reply(String),
    /// This status with an error body.
    Status(u16),
    /// Waits this long, then replies.
    Slow(Duration, String),
}

#[derive(Debug, Clone)]
pub struct Received {
    pub authorization: Option<String>,
    pub path: String,
    pub body: Value,
}

pub struct FakeLlm {
    pub base_url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl FakeLlm {
    pub async fn start(behavior: Behavior) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the fake LLM");
        let base_url = format!("http://{}/v1", listener.local_addr().expect("address"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&received);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (behavior, log) = (behavior.clone(), Arc::clone(&log));
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                        let (behavior, log) = (behavior.clone(), Arc::clone(&log));
                        async move {
                            let authorization = req
                                .headers()
                                .get("authorization")
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_owned);
                            let path = req.uri().path().to_owned();
                            let bytes = req
                                .into_body()
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                            log.lock().unwrap().push(Received {
                                authorization,
                                path,
                                body,
                            });
                            let (status, content) = match behavior {
                                Behavior::Reply(text) => (200, text),
                                Behavior::Status(status) => (status, String::new()),
                                Behavior::Slow(delay, text) => {
                                    tokio::time::sleep(delay).await;
                                    (200, text)
                                }
                            };
                            let reply = if status == 200 {
                                json!({ "id": "chatcmpl-test", "object": "chat.completion",
                                        "choices": [{ "index": 0, "finish_reason": "stop",
                                                      "message": { "role": "assistant", "content": content } }] })
                            } else {
                                json!({ "error": { "message": "upstream failure", "type": "server_error" } })
                            };
                            let response = hyper::Response::builder()
                                .status(status)
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from(reply.to_string())))
                                .expect("a response");
                            Ok::<_, Infallible>(response)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { base_url, received }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}
