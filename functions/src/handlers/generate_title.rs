//! `POST /conversations/{conversation_id}/generate-title` (multipart `message`): titles
//! the conversation from its first message, through the configured LLM or the
//! deterministic fallback, saves the title and returns it.

use glchat_app::ops::conversations::{self, GenerateTitle};

use super::prelude::*;

pub const NEEDS: Needs = Needs::AUTH.llm();

pub async fn handle(deps: Arc<Deps>, req: Request) -> HandlerResult {
    let caller = deps.caller(&req)?;
    let input = GenerateTitle {
        id: path_id(&req)?,
        message: Fields::body(&req, BodyKind::Form)
            .await?
            .parse(|f| f.required("message"))?,
    };
    ok(conversations::generate_title(&deps, &caller, input).await?)
}
