//! What every Lambda binary runs: tracing, its `Deps` (config and SDK clients for its
//! needs, once per cold start), then the runtime loop calling one handler: an HTTP
//! handler behind API Gateway (`serve`) or an AWS event handler (`serve_events`).

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use glchat_app::config::Needs;
use glchat_app::i18n::Lang;
use glchat_app::laps::Laps;
use glchat_app::ops::OpError;
use glchat_app::telemetry::{InvocationIds, invocation_span, server_error_line};
use glchat_app::{ApiError, Deps, telemetry};
use lambda_http::lambda_runtime::{self, LambdaEvent};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response, service_fn};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;

/// Runs `handler` as this process's Lambda function, with what `needs` asks for.
pub async fn serve<F, Fut>(needs: Needs, handler: F) -> Result<(), lambda_http::Error>
where
    F: Fn(Arc<Deps>, Request) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<Response<Body>, ApiError>> + Send,
{
    let deps = cold_start(needs).await?;
    lambda_http::run(service_fn(move |req: Request| {
        let deps = Arc::clone(&deps);
        let span = span_of(&req, &deps);
        async move {
            let response = respond(Arc::clone(&deps), req, handler).await;
            let status = response.status().as_u16();
            let (calls, read_units, write_units) = invocation_cost(&deps);
            // Per-route detail comes from this line through Logs Insights, paid per query;
            // as metrics it would cost every tenant every month (docs/fleet.md).
            tracing::info!(status, dynamodb_calls = calls, read_units, write_units, "invocation");
            if status >= 500 {
                // Its own line, outside the tracing layer: EMF needs `_aws` at the top.
                let now_ms = deps.clock.now().unix_ms();
                println!("{}", server_error_line(deps.config.tenant.as_str(), status, now_ms));
            }
            Ok::<_, std::convert::Infallible>(response)
        }
        .instrument(span)
    }))
    .await
}

/// Runs `handler` as this process's Lambda function for AWS events of type `E`. A
/// failure fails the invocation, so Lambda retries it (the bucket's events, invoked
/// asynchronously, then go to the function's dead-letter queue; a stream batch is split
/// and retried, then its place in the stream goes to the on-failure queue): event
/// handlers must be safe to repeat.
pub async fn serve_events<E, R, F, Fut>(needs: Needs, handler: F) -> Result<(), lambda_http::Error>
where
    E: DeserializeOwned + Send + 'static,
    R: Serialize,
    F: Fn(Arc<Deps>, E) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<R, OpError>> + Send,
{
    let deps = cold_start(needs).await?;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<E>| {
        let deps = Arc::clone(&deps);
        let ids = InvocationIds {
            lambda_request_id: Some(event.context.request_id.as_str()),
            trace_id: event.context.xray_trace_id.as_deref(),
            ..InvocationIds::default()
        };
        let span = invocation_span(ids, deps.config.tenant.as_str());
        async move {
            let result = handler(Arc::clone(&deps), event.payload).await;
            let failed = result.is_err();
            let (calls, read_units, write_units) = invocation_cost(&deps);
            tracing::info!(failed, dynamodb_calls = calls, read_units, write_units, "invocation");
            result.map_err(|err| {
                tracing::error!(error = ?err, "event failed");
                // The cause chain is in the log; the invocation's error names no internals.
                lambda_http::Error::from("the event could not be handled")
            })
        }
        .instrument(span)
    }))
    .await
}

/// The invocation's span: the ids Lambda and API Gateway gave the request, its route
/// and the tenant (`telemetry::invocation_span`).
fn span_of(req: &Request, deps: &Deps) -> tracing::Span {
    let lambda = req.lambda_context_ref();
    let (api_request_id, route) = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => (context.request_id.as_deref(), context.route_key.as_deref()),
        _ => (None, None),
    };
    let ids = InvocationIds {
        lambda_request_id: lambda.map(|c| c.request_id.as_str()),
        api_request_id,
        route,
        trace_id: lambda.and_then(|c| c.xray_trace_id.as_deref()),
    };
    invocation_span(ids, deps.config.tenant.as_str())
}

/// Tracing and the function's dependencies, once per sandbox; each phase's time is
/// logged at debug level (`glchat::init`).
async fn cold_start(needs: Needs) -> Result<Arc<Deps>, lambda_http::Error> {
    let mut laps = Laps::since(Instant::now());
    telemetry::init();
    laps.lap("tracing");
    // Includes the DynamoDB connection's warm-up.
    let deps = Deps::lambda_init(needs, &mut laps).await.map_err(|e| {
        tracing::error!(error = ?e, "cold start failed");
        e
    })?;
    laps.log();
    Ok(deps)
}

/// What the invocation cost in DynamoDB: calls, read and write units (a sandbox serves
/// one request at a time, so the log holds exactly this request's calls). Taking them
/// also keeps the log from growing over the sandbox's life.
fn invocation_cost(deps: &Deps) -> (usize, f64, f64) {
    let calls = deps.dynamodb_calls.take().len();
    let consumed = deps.dynamodb_calls.take_consumed();
    (calls, consumed.read_units, consumed.write_units)
}

/// Runs a handler and turns its error into the localized FastAPI-shaped response.
pub async fn respond<F, Fut>(deps: Arc<Deps>, req: Request, handler: F) -> Response<Body>
where
    F: FnOnce(Arc<Deps>, Request) -> Fut,
    Fut: Future<Output = Result<Response<Body>, ApiError>>,
{
    let lang = Lang::from_headers(req.headers());
    match handler(deps, req).await {
        Ok(response) => response,
        Err(err) => err.into_response(lang),
    }
}

/// The whole `main` of a Lambda binary: `lambda_main!(create_conversation);` runs
/// `handlers::create_conversation::handle` with its `NEEDS` on a current-thread runtime
/// (one request at a time per Lambda sandbox needs no more).
#[macro_export]
macro_rules! lambda_main {
    ($handler:ident) => {
        fn main() -> Result<(), lambda_http::Error> {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?
                .block_on($crate::lambda::serve(
                    $crate::handlers::$handler::NEEDS,
                    $crate::handlers::$handler::handle,
                ))
        }
    };
}

/// `main` of an event-driven Lambda binary: `event_main!(settle_upload);` runs
/// `handlers::settle_upload::handle` on each event, with its `NEEDS`.
#[macro_export]
macro_rules! event_main {
    ($handler:ident) => {
        fn main() -> Result<(), lambda_http::Error> {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?
                .block_on($crate::lambda::serve_events(
                    $crate::handlers::$handler::NEEDS,
                    $crate::handlers::$handler::handle,
                ))
        }
    };
}
