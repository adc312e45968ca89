//! `POST /conversations/{conversation_id}/share` (form `expiry_days?`): creates the
//! conversation's share link, or refreshes it with a new snapshot (same share id, new
//! `last_updated_time`, expiry from now).

use glchat_app::i18n::Issue;
use glchat_app::ops::shares::{self, MAX_EXPIRY_DAYS, Share};

use super::prelude::*;

pub const NEEDS: Needs = Needs::AUTH.bucket().shares();

pub async fn handle(deps: Arc<Deps>, req: Request) -> HandlerResult {
    let caller = deps.caller(&req)?;
    idempotent(&deps, &caller, &req, "share_conversation", || async {
        let id = path_id(&req)?;
        let expiry_days = Fields::body(&req, BodyKind::Form).await?.parse(|f| {
            let days: Option<i64> = f.optional("expiry_days");
            f.check("expiry_days", days.is_none_or(|d| d >= 1), Issue::GreaterThanEqual(1));
            f.check(
                "expiry_days",
                days.is_none_or(|d| d <= MAX_EXPIRY_DAYS),
                Issue::LessThanEqual(MAX_EXPIRY_DAYS),
            );
            Some(days.and_then(|d| u32::try_from(d).ok()))
        })?;
        ok(shares::share(&deps, &caller, Share { id, expiry_days }).await?)
    })
    .await
}
