//! The route table: every endpoint, its method and path (as in `openapi.json` and
//! `template.yaml`), its handler and what its Lambda needs. The local server mounts
//! these; each Lambda binary in `src/bin/` runs the one handler named here.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use glchat_app::config::Needs;
use glchat_app::{Deps, HandlerResult};
use http::Method;
use lambda_http::Request;

use crate::handlers::*;

pub type HandlerFuture = Pin<Box<dyn Future<Output = HandlerResult> + Send>>;
pub type Handler = fn(Arc<Deps>, Request) -> HandlerFuture;

#[derive(Debug, Clone)]
pub struct Route {
    /// The Lambda binary (`src/bin/<name>.rs`) and template function of this route.
    pub name: &'static str,
    pub method: Method,
    pub path: &'static str,
    pub handler: Handler,
    /// What the function builds at cold start (and gets from the template).
    pub needs: Needs,
    /// The function's `Timeout` in `template.yaml`.
    pub timeout: Duration,
}

macro_rules! route {
    ($method:ident $path:literal => $module:ident) => {
        route!($method $path => $module, timeout = crate::gateway::DEFAULT_TIMEOUT)
    };
    ($method:ident $path:literal => $module:ident, timeout = $timeout:expr) => {
        Route {
            name: stringify!($module),
            method: Method::$method,
            path: $path,
            handler: |deps, req| Box::pin($module::handle(deps, req)),
            needs: $module::NEEDS,
            timeout: $timeout,
        }
    };
}

pub fn routes() -> Vec<Route> {
    vec![
        route!(POST "/conversations" => create_conversation),
        route!(GET "/conversations" => list_conversations),
        route!(GET "/conversations/{conversation_id}" => get_conversation),
        route!(PATCH "/conversations/{conversation_id}" => rename_conversation),
        route!(DELETE "/conversations/{conversation_id}" => delete_conversation),
        // Stops starting deletes after 20 s; room to finish those under way.
        route!(POST "/conversations/delete" => delete_conversations, timeout = Duration::from_secs(28)),
        route!(POST "/conversations/{conversation_id}/messages" => append_message),
        route!(POST "/conversations/{conversation_id}/attachments" => create_attachment),
        route!(POST "/conversations/{conversation_id}/generate-title" => generate_title),
        route!(GET "/conversations/{conversation_id}/share" => get_share),
        route!(POST "/conversations/{conversation_id}/share" => share_conversation),
        route!(GET "/conversations/shared" => list_shared_conversations),
        route!(POST "/conversations/exports" => create_export),
        route!(GET "/conversations/exports/{export_id}" => get_export),
        route!(POST "/conversations/imports" => create_import),
        route!(GET "/conversations/imports/{import_id}" => get_import),
        route!(POST "/me/erasure" => create_erasure),
        route!(GET "/me/erasure/{erasure_id}" => get_erasure),
        route!(GET "/conversations/shared/{shared_conversation_id}" => get_shared_conversation),
        route!(DELETE "/conversations/shared/{shared_conversation_id}" => delete_shared_conversation),
        // Writes for 20 s at most, then answers 202 for the client to continue.
        route!(POST "/conversations/shared/{shared_conversation_id}/clone" => clone_shared_conversation, timeout = Duration::from_secs(28)),
    ]
}
