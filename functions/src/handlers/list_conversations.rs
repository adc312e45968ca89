//! `GET /conversations` (`query?`, `chatbot_id?`, `cursor?`, `limit?`): the caller's
//! conversations, newest activity first, optionally searched, with a signed cursor
//! and the exact count.

use glchat_app::i18n::Issue;
use glchat_app::ops::conversations::{self, DEFAULT_LIMIT, List, MAX_LIMIT};

use super::prelude::*;

pub const NEEDS: Needs = Needs::AUTH.cursors();

pub async fn handle(deps: Arc<Deps>, req: Request) -> HandlerResult {
    let caller = deps.caller(&req)?;
    let input = Fields::query(&req).parse(|f| {
        let limit: i64 = f.optional("limit").unwrap_or(DEFAULT_LIMIT as i64);
        f.check("limit", limit >= 1, Issue::GreaterThanEqual(1));
        f.check(
            "limit",
            limit <= MAX_LIMIT as i64,
            Issue::LessThanEqual(MAX_LIMIT as i64),
        );
        Some(List {
            query: f.optional("query"),
            chatbot_id: f.optional("chatbot_id"),
            cursor: f.optional("cursor"),
            limit: usize::try_from(limit).ok()?,
        })
    })?;
    ok(conversations::list(&deps, &caller, input).await?)
}
