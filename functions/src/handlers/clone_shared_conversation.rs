//! `POST /conversations/shared/{shared_conversation_id}/clone` (form `user_id`,
//! `new_conversation_id?`, `old_parent_id`): copies the link's snapshot into a new
//! conversation of the caller. Repeating it with the same `new_conversation_id`
//! returns the same clone; an id that is someone else's conversation answers 409. A
//! clone too large for one request answers 202 with its id; the same request with
//! that id as `new_conversation_id` continues it.

use glchat_app::http::idempotency;
use glchat_app::ids::ShareId;
use glchat_app::ops::clones::{self, CloneSnapshot, Cloned};

use super::prelude::*;

pub const NEEDS: Needs = Needs::AUTH.bucket().clones();

pub async fn handle(deps: Arc<Deps>, req: Request) -> HandlerResult {
    let caller = deps.caller(&req)?;
    let share: ShareId = path_id(&req)?;
    // With a key and no id, the key names the clone: its repeats (after a 202, or after
    // a response too large to record) continue or return the same clone.
    let keyed =
        idempotency::raw_key(req.headers())?.map(|key| idempotency::derived_conversation_id(&caller.user_id, &key));
    idempotent(&deps, &caller, &req, "clone_shared_conversation", || async {
        let input = Fields::body(&req, BodyKind::Form).await?.parse(|f| {
            let (user_id, old_parent_id) = (f.required("user_id"), f.required("old_parent_id"));
            Some(CloneSnapshot {
                share: share.clone(),
                user_id: user_id?,
                new_conversation_id: f.optional("new_conversation_id").or(keyed.clone()),
                old_parent_id: old_parent_id?,
            })
        })?;
        match clones::clone_snapshot(&deps, &caller, input).await? {
            Cloned::Complete(clone) => ok(*clone),
            Cloned::InProgress(progress) => accepted(progress),
        }
    })
    .await
}
