//! `DELETE /conversations/{conversation_id}`: deletes the caller's conversation with its
//! messages, attachments (items and objects) and share link. Safe to retry: a delete
//! that failed midway is finished by the next call; once finished, the answer is 404.

use glchat_app::ops::conversations::{self, Delete};

use super::prelude::*;

pub const NEEDS: Needs = Needs::AUTH.bucket();

pub async fn handle(deps: Arc<Deps>, req: Request) -> HandlerResult {
    let caller = deps.caller(&req)?;
    let input = Delete { id: path_id(&req)? };
    ok(conversations::delete(&deps, &caller, input).await?)
}
