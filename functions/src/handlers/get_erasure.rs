//! `GET /me/erasure/{erasure_id}`: the receipt of the caller's erasure: what it removed
//! and when it finished. Another user's erasure answers 404.

use glchat_app::ops::erasures;

use super::prelude::*;

pub const NEEDS: Needs = Needs::AUTH;

pub async fn handle(deps: Arc<Deps>, req: Request) -> HandlerResult {
    let caller = deps.caller(&req)?;
    let id = path_id(&req)?;
    ok(erasures::receipt(&deps, &caller, &id).await?)
}
