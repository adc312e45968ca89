//! `GET /conversations/imports/{import_id}`: where the caller's import stands, what it
//! imported, skipped, and could not read (and why). Another user's import answers 404.

use glchat_app::ops::imports;

use super::prelude::*;

pub const NEEDS: Needs = Needs::AUTH;

pub async fn handle(deps: Arc<Deps>, req: Request) -> HandlerResult {
    let caller = deps.caller(&req)?;
    let id = path_id(&req)?;
    ok(imports::status(&deps, &caller, &id).await?)
}
