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
    /// Waits until the test releases the request (`FakeLlm::release` with a text its
    /// body contains), then replies: a test acts while the caller waits on the LLM.
    Held(String),
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
    released: Released,
}

/// Texts whose requests may get their reply (`Behavior::Held`).
#[derive(Clone, Default)]
struct Released {
    texts: Arc<Mutex<Vec<String>>>,
    changed: Arc<tokio::sync::Notify>,
}

impl Released {
    async fn wait_for(&self, body: &str) {
        loop {
            let changed = self.changed.notified();
            if self.texts.lock().unwrap().iter().any(|t| body.contains(t.as_str())) {
                return;
            }
            changed.await;
        }
    }
}

impl FakeLlm {
    pub async fn start(behavior: Behavior) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the fake LLM");
        let base_url = format!("http://{}/v1", listener.local_addr().expect("address"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&received);
        let released = Released::default();
        let gate = released.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (behavior, log, gate) = (behavior.clone(), Arc::clone(&log), gate.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                        let (behavior, log, gate) = (behavior.clone(), Arc::clone(&log), gate.clone());
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
                            let text = body.to_string();
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
                                Behavior::Held(reply) => {
                                    gate.wait_for(&text).await;
                                    (200, reply)
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
        Self {
            base_url,
            received,
            released,
        }
    }

    /// Lets the held requests whose body contains `text` have their reply.
    pub fn release(&self, text: &str) {
        self.released.texts.lock().unwrap().push(text.to_owned());
        self.released.changed.notify_waiters();
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}
