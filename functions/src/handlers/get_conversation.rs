//! `GET /conversations/{conversation_id}` (`limit?`, `max_date?`): the conversation,
//! a page of its newest messages created before `max_date` (oldest first; at most
//! `limit`, 100 by default, and 3 MB), and its attachments with download URLs. A
//! client reads a long history by paging back with `max_date` = the oldest
//! `created_time` it got.

use glchat_app::ops::conversations::{self, Get};

use super::prelude::*;

pub const NEEDS: Needs = Needs::AUTH.bucket();

pub async fn handle(deps: Arc<Deps>, req: Request) -> HandlerResult {
    let caller = deps.caller(&req)?;
    let input = Get {
        id: path_id(&req)?,
        window: message_window(&req)?,
    };
    ok(conversations::get(&deps, &caller, input).await?)
}
