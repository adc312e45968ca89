//! `POST /me/erasure`: accepts the erasure of everything of the caller's (conversations,
//! messages, files, share links and their snapshots, exports, idempotency records) and
//! answers 202 with its id; the background function (`run_jobs`) does it and keeps a
//! receipt. Clones other users made of the caller's public links are theirs and stay.

use glchat_app::ops::erasures;

use super::prelude::*;

pub const NEEDS: Needs = Needs::AUTH;

pub async fn handle(deps: Arc<Deps>, req: Request) -> HandlerResult {
    let caller = deps.caller(&req)?;
    idempotent(&deps, &caller, &req, "create_erasure", || async {
        accepted_job(erasures::start(&deps, &caller).await?)
    })
    .await
}
