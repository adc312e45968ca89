//! The local API server: one process mounting every handler of the route table on
//! 127.0.0.1, converting each HTTP request into the same `lambda_http::Request` the
//! Lambda runtime hands a function, and back, under the limits API Gateway and Lambda
//! set (`gateway`: payload sizes, each function's timeout). Serves `/openapi.json` and
//! `/health` too.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use glchat_app::Deps;
use glchat_app::error::ApiError;
use glchat_app::http::response::json_status;
use glchat_app::i18n::{Lang, Text};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use lambda_http::{Body, RequestExt};
use tokio::net::TcpListener;

use crate::gateway::{self, Refusal};
use crate::lambda::respond;
use crate::routes::{Route, routes};

/// The API contract, served as `GET /openapi.json`.
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// Each function's timeout: the template's, or one for all (tests of the limit itself).
#[derive(Debug, Clone, Copy, Default)]
pub enum Timeouts {
    #[default]
    Template,
    All(Duration),
}

struct Server {
    deps: Arc<Deps>,
    /// Path pattern -> the routes (one per method) on it.
    router: matchit::Router<Vec<Route>>,
    timeouts: Timeouts,
}

impl Server {
    fn new(deps: Arc<Deps>, timeouts: Timeouts) -> anyhow::Result<Self> {
        let mut by_path: HashMap<&'static str, Vec<Route>> = HashMap::new();
        for route in routes() {
            by_path.entry(route.path).or_default().push(route);
        }
        let mut router = matchit::Router::new();
        for (path, routes) in by_path {
            router.insert(path, routes)?;
        }
        Ok(Self { deps, router, timeouts })
    }

    async fn dispatch(&self, req: hyper::Request<Incoming>) -> http::Response<Body> {
        let lang = Lang::from_headers(req.headers());
        match req.uri().path() {
            "/health" => return json_status(200, &serde_json::json!({ "status": "ok" })),
            "/openapi.json" => {
                let mut response = http::Response::new(Body::Text(OPENAPI.to_owned()));
                response.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("application/json"),
                );
                return response;
            }
            _ => {}
        }
        let path = req.uri().path().to_owned();
        let Ok(matched) = self.router.at(&path) else {
            return ApiError::NotFound(Text::NotFound).into_response(lang);
        };
        let Some(route) = matched.value.iter().find(|r| r.method == req.method()) else {
            return ApiError::MethodNotAllowed.into_response(lang);
        };
        let params: HashMap<String, String> = matched
            .params
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();

        let (parts, body) = req.into_parts();
        let bytes = match Limited::new(body, gateway::MAX_REQUEST_BODY_BYTES).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => return Refusal::RequestTooLarge.response(),
        };
        let event = gateway::event_bytes(&parts, &bytes);
        if event > gateway::MAX_PAYLOAD_BYTES {
            tracing::error!(
                event,
                route = route.name,
                "the invocation event is over Lambda's 6 MB limit"
            );
            return Refusal::InvocationFailed.response();
        }
        let query: HashMap<String, Vec<String>> = {
            let pairs: Vec<(String, String)> =
                serde_urlencoded::from_str(parts.uri.query().unwrap_or("")).unwrap_or_default();
            let mut map: HashMap<String, Vec<String>> = HashMap::new();
            for (k, v) in pairs {
                map.entry(k).or_default().push(v);
            }
            map
        };
        let body = if bytes.is_empty() {
            Body::Empty
        } else {
            Body::Binary(bytes.to_vec())
        };
        let request = http::Request::from_parts(parts, body)
            .with_path_parameters(params)
            .with_query_string_parameters(query);
        let timeout = match self.timeouts {
            Timeouts::Template => route.timeout,
            Timeouts::All(timeout) => timeout,
        };
        // Past its timeout Lambda stops the function wherever it is: the handler's
        // future is dropped mid-flight, as a killed sandbox would leave it.
        let Ok(response) = tokio::time::timeout(timeout, respond(Arc::clone(&self.deps), request, route.handler)).await
        else {
            tracing::error!(
                route = route.name,
                timeout_ms = timeout.as_millis() as u64,
                "the function timed out"
            );
            return Refusal::InvocationFailed.response();
        };
        let size = gateway::response_bytes(&response);
        if size > gateway::MAX_PAYLOAD_BYTES {
            tracing::error!(size, route = route.name, "the response is over Lambda's 6 MB limit");
            return Refusal::InvocationFailed.response();
        }
        response
    }
}

fn into_hyper(response: http::Response<Body>) -> http::Response<Full<Bytes>> {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        Body::Empty => Bytes::new(),
        Body::Text(text) => Bytes::from(text),
        Body::Binary(data) => Bytes::from(data),
        _ => Bytes::new(),
    };
    http::Response::from_parts(parts, Full::new(bytes))
}

/// Serves the API on `listener` until `shutdown` completes.
pub async fn serve(deps: Arc<Deps>, listener: TcpListener, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    serve_with(deps, listener, shutdown, Timeouts::Template).await
}

/// `serve`, with the functions' timeouts chosen.
pub async fn serve_with(
    deps: Arc<Deps>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
    timeouts: Timeouts,
) -> anyhow::Result<()> {
    let server = Arc::new(Server::new(deps, timeouts)?);
    tokio::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => accepted?,
            () = &mut shutdown => return Ok(()),
        };
        let server = Arc::clone(&server);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                let server = Arc::clone(&server);
                async move {
                    let started = Instant::now();
                    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
                    let response = server.dispatch(req).await;
                    tracing::info!(%method, %path, status = response.status().as_u16(),
                        ms = started.elapsed().as_millis() as u64, "request");
                    Ok::<_, Infallible>(into_hyper(response))
                }
            });
            if let Err(err) = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(error = %err, "connection closed with an error");
            }
        });
    }
}

/// Creates the table and bucket when missing: the local stack starts empty.
pub async fn prepare_storage(deps: &Deps, stream: glchat_app::store::schema::Stream) -> anyhow::Result<()> {
    use anyhow::Context;
    glchat_app::store::schema::ensure_table(deps.store.client(), deps.store.table(), stream).await?;
    let blobs = deps.blobs()?;
    let (s3, bucket) = (blobs.client(), blobs.bucket());
    if s3.head_bucket().bucket(bucket).send().await.is_err() {
        s3.create_bucket()
            .bucket(bucket)
            .send()
            .await
            .with_context(|| format!("creating bucket {bucket}"))?;
    }
    Ok(())
}

/// A bearer token for `user`, valid for `hours`, signed with the configured HS256
/// secret; `None` when tokens are verified with a public key (we cannot sign those).
pub fn dev_token(config: &glchat_app::config::Config, user: &str, hours: i64) -> Option<String> {
    use glchat_app::auth::keys::JwtAlgorithm;
    let jwt = &config.auth.as_ref()?.jwt;
    if jwt.algorithm != JwtAlgorithm::Hs256 {
        return None;
    }
    let exp = time::OffsetDateTime::now_utc().unix_timestamp() + hours * 3600;
    let mut claims = serde_json::json!({ "sub": user, "exp": exp });
    claims[jwt.tenant_claim.as_str()] = config.tenant.as_str().into();
    if let Some(iss) = &jwt.issuer {
        claims["iss"] = iss.as_str().into();
    }
    if let Some(aud) = &jwt.audience {
        claims["aud"] = aud.as_str().into();
    }
    use secrecy::ExposeSecret;
    let key = jsonwebtoken::EncodingKey::from_secret(jwt.key.current.expose_secret().as_bytes());
    jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key).ok()
}
