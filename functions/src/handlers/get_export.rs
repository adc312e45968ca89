//! `GET /conversations/exports/{export_id}`: where the caller's export stands, what it
//! holds, and once ready a presigned URL of its zip (an hour; ask again for another).
//! Another user's export answers 404, as a missing one does.

use glchat_app::ops::exports;

use super::prelude::*;

pub const NEEDS: Needs = Needs::AUTH.bucket();

pub async fn handle(deps: Arc<Deps>, req: Request) -> HandlerResult {
    let caller = deps.caller(&req)?;
    let id = path_id(&req)?;
    ok(exports::status(&deps, &caller, &id).await?)
}
