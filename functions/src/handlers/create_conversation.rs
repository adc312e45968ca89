//! `POST /conversations` (form `user_id`, `chatbot_id`, `title?`, `model_name?`,
//! `metadata_?`): a new, empty conversation of the caller.

use glchat_app::ops::conversations::{self, Create};

use super::prelude::*;

pub const NEEDS: Needs = Needs::AUTH;

pub async fn handle(deps: Arc<Deps>, req: Request) -> HandlerResult {
    let caller = deps.caller(&req)?;
    let (deps, caller, req) = (&deps, &caller, &req);
    idempotent_write(deps, caller, req, "create_conversation", |key| async move {
        let input = Fields::body(req, BodyKind::Form).await?.parse(|f| {
            let (user_id, chatbot_id) = (f.required("user_id"), f.required("chatbot_id"));
            Some(Create {
                user_id: user_id?,
                chatbot_id: chatbot_id?,
                title: f.optional("title"),
                model_name: f.optional("model_name"),
                metadata: f.optional("metadata_"),
                idempotency: key.clone(),
            })
        })?;
        ok(conversations::create(deps, caller, input).await?)
    })
    .await
}
