//! `POST /conversations/{conversation_id}/messages` (JSON or form `role`, `content`,
//! `parent_id?`, `deanonymized_content?`, `source?`, `metadata_?`): appends a message.
//! Without `parent_id` the message follows the newest one (or the conversation, for
//! the first).

use glchat_app::i18n::Issue;
use glchat_app::ids::{ConversationId, MessageId};
use glchat_app::ops::messages::{self, Append, Parent};

use super::prelude::*;

pub const NEEDS: Needs = Needs::AUTH;

pub async fn handle(deps: Arc<Deps>, req: Request) -> HandlerResult {
    let caller = deps.caller(&req)?;
    let (deps, caller, req) = (&deps, &caller, &req);
    idempotent_write(deps, caller, req, "append_message", |key| async move {
        let id: ConversationId = path_id(req)?;
        let input = Fields::body(req, BodyKind::JsonOrForm).await?.parse(|f| {
            let (role, content) = (f.required("role"), f.required("content"));
            // `parent_id` is the conversation's own id (a new root) or one of its messages.
            let parent_id: Option<String> = f.optional("parent_id");
            let parent = parent_id.as_deref().map(|p| match p == id.as_str() {
                true => Ok(Parent::Conversation),
                false => MessageId::parse(p).map(Parent::Message),
            });
            f.check("parent_id", !matches!(parent, Some(Err(_))), Issue::InvalidId);
            Some(Append {
                id: id.clone(),
                role: role?,
                content: content?,
                parent: parent.transpose().ok()?,
                deanonymized_content: f.optional("deanonymized_content"),
                source: f.optional("source"),
                metadata: f.optional("metadata_"),
                idempotency: key.clone(),
            })
        })?;
        ok(messages::append(deps, caller, input).await?)
    })
    .await
}
