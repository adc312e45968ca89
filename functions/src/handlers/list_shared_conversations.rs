//! `GET /conversations/shared` (`query?`): the caller's share links grouped by the age
//! of their last refresh (`today`, `yesterday`, `previous_7_days`, `previous_30_days`,
//! `older`, UTC days), newest first in each; `query` filters on the title at share time.

use glchat_app::ops::shares::{self, List};

use super::prelude::*;

pub const NEEDS: Needs = Needs::AUTH;

pub async fn handle(deps: Arc<Deps>, req: Request) -> HandlerResult {
    let caller = deps.caller(&req)?;
    let query = Fields::query(&req).parse(|f| Some(f.optional("query")))?;
    ok(shares::list(&deps, &caller, List { query }).await?)
}
