//! Erasure of everything of a user's (`docs/erasure.md`). The API asks for one and reads
//! its receipt; the background function (`run_jobs`, started by the job's stream
//! record, like an export) does it step by step:
//!
//! 1. the list of the user's conversations and share links (`manifest.json`), and what
//!    the receipt will say of them;
//! 2. each conversation's messages and attachments counted, a bounded number per step:
//!    before anything is removed, so a step cut and run again counts nothing twice;
//! 3. each conversation removed as its delete removes it (messages, attachments and
//!    their files, its share link and snapshot), which publishes its deletion events;
//! 4. the rest: conversations made meanwhile, unfinished clones and deletes, links left,
//!    exports and their zips, imports' uploads, counters, rate windows, idempotency
//!    records; the dead
//!    share markers forget their owner. The receipt stays [`RECEIPT_DAYS`].
//!
//! Clones other users made of the user's public links are theirs, and stay.

use std::time::Instant;

use anyhow::Context;
use glchat_domain::caller::Caller;
use glchat_domain::erasures::{ErasureStatus, RECEIPT_DAYS};
use glchat_domain::ids::{ConversationId, ErasureId, ShareId, UserId};
use glchat_domain::responses::{ErasureAcceptedResponse, ErasureReceipt};
use glchat_store::DeleteScope;
use glchat_store::erasures::ErasureJob;
use serde::{Deserialize, Serialize};

use crate::conversations::cascade;
use crate::exports::every_conversation;
use crate::jobs::{self, Stepped};
use crate::{Deps, Limited, OpError, within_rate};

/// Accepts an erasure of everything of the caller's.
pub async fn start(deps: &Deps, caller: &Caller) -> Result<ErasureAcceptedResponse, OpError> {
    within_rate(deps, caller, Limited::Erasures).await?;
    Ok(ErasureAcceptedResponse {
        erasure_id: begin(deps, &caller.user_id).await?,
    })
}

/// Writes a new erasure of everything of `user`'s (the caller's, or one an operator
/// asks for): its stream record starts `run_jobs`.
pub async fn begin(deps: &Deps, user: &UserId) -> Result<ErasureId, OpError> {
    let now = deps.clock.now();
    let job = ErasureJob::new(user, ErasureId::generate(now), now);
    deps.store.create_job(&job).await?;
    Ok(job.erasure_id)
}

/// The caller's erasure's receipt.
pub async fn receipt(deps: &Deps, caller: &Caller, id: &ErasureId) -> Result<ErasureReceipt, OpError> {
    user_receipt(deps, &caller.user_id, id).await
}

/// The receipt of `user`'s erasure `id`.
pub async fn user_receipt(deps: &Deps, user: &UserId, id: &ErasureId) -> Result<ErasureReceipt, OpError> {
    let job = deps
        .store
        .live_job(user, id, deps.clock.now())
        .await?
        .ok_or(OpError::ErasureNotFound)?;
    Ok(receipt_of(job))
}

/// What an erasure job says of itself.
fn receipt_of(job: ErasureJob) -> ErasureReceipt {
    let erased = job.progress.erased;
    ErasureReceipt {
        erasure_id: job.erasure_id,
        status: job.status,
        conversations: erased.conversations,
        messages: erased.messages,
        attachments: erased.attachments,
        share_links: erased.share_links,
        exports: erased.exports,
        finished_at: job.finished_time,
    }
}

/// What the first step lists.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    conversations: Vec<ConversationId>,
    shares: Vec<ShareId>,
}

/// Does step `step` of `user`'s erasure `id`, then writes the job at the next step (or
/// done), which starts the next invocation.
pub async fn run_step(deps: &Deps, user: &UserId, id: &ErasureId, step: u64) -> Result<Stepped, OpError> {
    let Some(mut job) = jobs::at_step(deps, user, id, step).await? else {
        return Ok(Stepped::Stale);
    };
    // Not given up after a number of attempts, as an export is: a failing step fails
    // the invocation (Lambda hands the record over again, and the functions' errors
    // alarm fires); a new erasure of the user removes whatever is left.
    let limits = deps.config.exports()?;
    let blobs = deps.blobs()?;
    let manifest_key = format!("{}manifest.json", blobs.erasure_prefix(id));
    let progress = &mut job.progress;
    if !progress.listed {
        let shares = deps.store.shares_of(user).await?;
        let manifest = Manifest {
            conversations: every_conversation(deps, user).await?,
            shares: shares.iter().map(|l| l.share_id.clone()).collect(),
        };
        progress.total = manifest.conversations.len() as u64;
        progress.erased.conversations = progress.total;
        progress.erased.share_links = manifest.shares.len() as u64;
        progress.erased.exports = deps.store.export_jobs(user).await?.len() as u64;
        let bytes = serde_json::to_vec(&manifest).context("writing the erasure's list")?;
        blobs.put_json(&manifest_key, bytes).await?;
        progress.listed = true;
    } else {
        let bytes = blobs.get_bytes(&manifest_key).await?;
        let manifest: Manifest = serde_json::from_slice(&bytes).context("reading the erasure's list")?;
        let started = Instant::now();
        let within = |done: u32| done < limits.step_conversations && started.elapsed() < limits.step_time;
        if progress.counted < progress.total {
            let mut done = 0;
            while progress.counted < progress.total && within(done) {
                let conversation = &manifest.conversations[progress.counted as usize];
                let (messages, attachments) = deps.store.collection_counts(conversation).await?;
                progress.erased.messages += messages;
                progress.erased.attachments += attachments;
                progress.counted += 1;
                done += 1;
            }
        } else if progress.removed < progress.total {
            let scope = DeleteScope::owner(user.clone());
            let mut done = 0;
            while progress.removed < progress.total && within(done) {
                cascade(deps, &manifest.conversations[progress.removed as usize], &scope).await?;
                progress.removed += 1;
                done += 1;
            }
        } else {
            erase_the_rest(deps, user, &manifest).await?;
            blobs.delete(&manifest_key).await?;
            let now = deps.clock.now();
            job.status = ErasureStatus::Done;
            job.finished_time = Some(now);
            job.expires_at = now.plus_days(RECEIPT_DAYS).unix_seconds();
        }
    }
    jobs::next_step(deps, &mut job, step).await
}

/// Everything of the user's the conversations' deletes did not remove.
async fn erase_the_rest(deps: &Deps, user: &UserId, manifest: &Manifest) -> Result<(), OpError> {
    let scope = DeleteScope::owner(user.clone());
    // The share ids whose dead markers are to forget their owner.
    let mut forgotten: Vec<ShareId> = manifest.shares.clone();
    // Conversations made while the erasure ran, and unfinished clones and deletes,
    // chatbot by chatbot (at a count of zero too).
    for chatbot in deps.store.all_chatbots(user).await? {
        loop {
            let left = deps.store.conversations_to_delete(user, &chatbot, 25).await?;
            if left.is_empty() {
                break;
            }
            for id in &left {
                if let Some(link) = deps.store.share_link(id).await? {
                    forgotten.push(link.record().share_id.clone());
                }
                cascade(deps, id, &scope).await?;
            }
        }
    }
    let now = deps.clock.now();
    for link in deps.store.shares_of(user).await? {
        deps.store.revoke_share(&link, now).await?;
        forgotten.push(link.share_id);
    }
    let blobs = deps.blobs()?;
    for export in deps.store.export_jobs(user).await? {
        blobs.delete_prefix(&blobs.export_prefix(&export.export_id)).await?;
    }
    // Imports' uploads and parts (their jobs go with the user's items below).
    blobs.delete_prefix(&blobs.user_imports_prefix(user)).await?;
    // Counters, rate windows, export jobs, idempotency records (their responses hold
    // the user's content): everything but the erasures' receipts.
    deps.store.delete_user_items(user).await?;
    // Every dead share id of theirs, revoked before the erasure too.
    forgotten.extend(deps.store.dead_shares_of(user).await?);
    forgotten.sort();
    forgotten.dedup();
    for share in &forgotten {
        deps.store.forget_dead_share_owner(share).await?;
    }
    Ok(())
}
