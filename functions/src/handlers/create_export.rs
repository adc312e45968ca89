//! `POST /conversations/exports` (JSON `conversation_ids?`, or no body): accepts an
//! export of the caller's conversations, all of them or the listed ones, and answers 202 with its id;
//! the background function (`run_jobs`) makes the zip. A listed id that is not one of
//! the caller's conversations refuses the whole request with 404.

use glchat_app::exports::MAX_LISTED;
use glchat_app::i18n::Issue;
use glchat_app::ids::ConversationId;
use glchat_app::ops::exports::{self, StartExport};

use super::prelude::*;

pub const NEEDS: Needs = Needs::AUTH.exports();

pub async fn handle(deps: Arc<Deps>, req: Request) -> HandlerResult {
    let caller = deps.caller(&req)?;
    idempotent(&deps, &caller, &req, "create_export", || async {
        let input = Fields::body(&req, BodyKind::OptionalJson).await?.parse(|f| {
            let conversation_ids: Option<Vec<ConversationId>> = f.optional("conversation_ids");
            let listed = conversation_ids.as_ref().map(Vec::len);
            f.check("conversation_ids", listed != Some(0), Issue::TooShortList(1));
            f.check(
                "conversation_ids",
                listed.is_none_or(|n| n <= MAX_LISTED),
                Issue::TooLongList(MAX_LISTED),
            );
            Some(StartExport { conversation_ids })
        })?;
        accepted_job(exports::start(&deps, &caller, input).await?)
    })
    .await
}
