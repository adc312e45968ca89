//! `POST /conversations/delete` (JSON `user_id`, `chatbot_id`, `conversation_ids?`):
//! deletes the user's conversations with that chatbot, all or the listed ones. One call
//! does at most `BULK_DELETE_MAX` conversations or 20 seconds of work; `complete: false`
//! asks the client to call again for the rest.

use glchat_app::i18n::Issue;
use glchat_app::ids::ConversationId;
use glchat_app::ops::conversations::{self, DeleteMany};

use super::prelude::*;

pub const NEEDS: Needs = Needs::AUTH.bucket().bulk_delete();

/// Ids one request may list.
const MAX_LISTED: usize = 1_000;

pub async fn handle(deps: Arc<Deps>, req: Request) -> HandlerResult {
    let caller = deps.caller(&req)?;
    let input = Fields::body(&req, BodyKind::Json).await?.parse(|f| {
        let (user_id, chatbot_id) = (f.required("user_id"), f.required("chatbot_id"));
        let conversation_ids: Option<Vec<ConversationId>> = f.optional("conversation_ids");
        let listed = conversation_ids.as_ref().map_or(0, Vec::len);
        f.check("conversation_ids", listed <= MAX_LISTED, Issue::TooLongList(MAX_LISTED));
        Some(DeleteMany {
            user_id: user_id?,
            chatbot_id: chatbot_id?,
            conversation_ids,
        })
    })?;
    ok(conversations::delete_many(&deps, &caller, input).await?)
}
