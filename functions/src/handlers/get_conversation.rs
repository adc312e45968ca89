//! `GET /conversations/{conversation_id}` (`limit?`, `max_date?`): the conversation,
//! its newest `limit` messages created before `max_date` (oldest first), and its
//! attachments with download URLs.

use glchat_shared::clock::{ClientInstant, Timestamp};
use glchat_shared::http::FromField;
use glchat_shared::i18n::Issue;
use glchat_shared::ops::conversations::{self, Get};
use glchat_shared::store::MessageWindow;

use super::prelude::*;

pub const NEEDS: Needs = Needs::AUTH.bucket();

/// `max_date` as the client wrote it (any ISO 8601 date-time).
struct MaxDate(ClientInstant);

impl FromField for MaxDate {
    fn from_text(raw: &str) -> Result<Self, Issue> {
        Timestamp::parse_client(raw).map(MaxDate)
    }
}

pub async fn handle(deps: Arc<Deps>, req: Request) -> HandlerResult {
    let caller = deps.caller(req.headers())?;
    let id = path_id(&req)?;
    let window = Fields::query(&req).parse(|f| {
        let limit: Option<i64> = f.optional("limit");
        f.check("limit", limit.is_none_or(|l| l >= 0), Issue::GreaterThanEqual(0));
        let max_date: Option<MaxDate> = f.optional("max_date");
        Some(MessageWindow::newest_before(
            limit.and_then(|l| usize::try_from(l).ok()),
            max_date.map(|d| d.0),
        ))
    })?;
    ok(conversations::get(&deps, &caller, Get { id, window }).await?)
}
