//! `PATCH /conversations/{conversation_id}` (form `title`): renames the caller's conversation.

use glchat_app::ops::conversations::{self, Rename};

use super::prelude::*;

pub const NEEDS: Needs = Needs::AUTH;

pub async fn handle(deps: Arc<Deps>, req: Request) -> HandlerResult {
    let caller = deps.caller(&req)?;
    let input = Rename {
        id: path_id(&req)?,
        title: Fields::body(&req, BodyKind::Form)
            .await?
            .parse(|f| f.required("title"))?,
    };
    ok(conversations::rename(&deps, &caller, input).await?)
}
