//! `GET /conversations/{conversation_id}/share`: the active share link's details;
//! 404 when there is none, it expired, or the conversation is not the caller's.

use glchat_app::ops::shares::{self, Details};

use super::prelude::*;

pub const NEEDS: Needs = Needs::AUTH;

pub async fn handle(deps: Arc<Deps>, req: Request) -> HandlerResult {
    let caller = deps.caller(&req)?;
    let input = Details { id: path_id(&req)? };
    ok(shares::details(&deps, &caller, input).await?)
}
