//! What every Lambda binary runs: tracing, its `Deps` (config and SDK clients for its
//! needs, once per cold start), then the runtime loop calling one handler.

use std::future::Future;
use std::sync::Arc;

use glchat_shared::config::Needs;
use glchat_shared::i18n::Lang;
use glchat_shared::{ApiError, Deps, telemetry};
use lambda_http::{Body, Request, Response, service_fn};

/// Runs `handler` as this process's Lambda function, with what `needs` asks for.
pub async fn serve<F, Fut>(needs: Needs, handler: F) -> Result<(), lambda_http::Error>
where
    F: Fn(Arc<Deps>, Request) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<Response<Body>, ApiError>> + Send,
{
    telemetry::init();
    let deps = Deps::from_env(needs).await.map_err(|e| {
        tracing::error!(error = ?e, "cold start failed");
        e
    })?;
    // Open the DynamoDB connection (DNS, TCP, TLS) during init, which Lambda runs
    // before the first request is waiting, rather than inside it.
    deps.store.warm_up().await;
    lambda_http::run(service_fn(move |req: Request| {
        let deps = Arc::clone(&deps);
        async move {
            let response = respond(Arc::clone(&deps), req, handler).await;
            log_invocation(&deps, response.status().as_u16());
            Ok::<_, std::convert::Infallible>(response)
        }
    }))
    .await
}

/// One line per invocation with what it cost in DynamoDB (a sandbox serves one request
/// at a time, so the log holds exactly this request's calls). Taking them also keeps
/// the log from growing over the sandbox's life.
fn log_invocation(deps: &Deps, status: u16) {
    let calls = deps.dynamodb_calls.take().len();
    let consumed = deps.dynamodb_calls.take_consumed();
    tracing::info!(
        status,
        dynamodb_calls = calls,
        read_units = consumed.read_units,
        write_units = consumed.write_units,
        "invocation"
    );
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
