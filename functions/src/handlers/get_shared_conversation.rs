//! `GET /conversations/shared/{shared_conversation_id}` (`limit?`, `max_date?`),
//! public: the snapshot taken when the link was created or last refreshed, never the
//! live conversation, with `content` only and attachments as presigned downloads; its
//! messages a page at a time, as for `GET /conversations/{id}`. Expired, revoked or
//! unknown: 404.

use glchat_app::ops::shares::{self, PublicRead};

use super::prelude::*;

/// No token is verified here: the function holds no token key.
pub const NEEDS: Needs = Needs::TABLE.bucket();

pub async fn handle(deps: Arc<Deps>, req: Request) -> HandlerResult {
    deps.check_tenant(req.headers())?;
    let input = PublicRead {
        share: path_id(&req)?,
        window: message_window(&req)?,
    };
    ok(shares::public_read(&deps, input).await?)
}
