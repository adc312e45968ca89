//! `DELETE /conversations/shared/{shared_conversation_id}`: revokes the caller's link,
//! its snapshot and the snapshot's copies of the attachments.

use glchat_app::ops::shares::{self, Revoke};

use super::prelude::*;

pub const NEEDS: Needs = Needs::AUTH.bucket();

pub async fn handle(deps: Arc<Deps>, req: Request) -> HandlerResult {
    let caller = deps.caller(&req)?;
    let input = Revoke { share: path_id(&req)? };
    ok(shares::revoke(&deps, &caller, input).await?)
}
