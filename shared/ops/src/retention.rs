//! Retention (`docs/retention.md`): conversations with no activity for the tenant's
//! `RETENTION_DAYS` are deleted, as their deletes delete them (files, links, deletion
//! events), by a sweep the schedule starts every hour. Without a scan: the idle index
//! (GSI3) holds every live conversation under the day of its last activity, so a sweep
//! reads the days past the cutoff, partition by partition, and the last day swept whole
//! is kept, so the next sweep starts after it.

use std::time::Instant;

use glchat_domain::clock::Timestamp;
use glchat_store::DeleteScope;
use glchat_store::keys::{IDLE_SHARDS, day_of};

use crate::conversations::cascade;
use crate::{Deps, OpError};

/// What a sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Swept {
    /// Conversations deleted.
    pub deleted: usize,
    /// Whether it reached the cutoff (or stopped at its time budget, to go on next time).
    pub complete: bool,
}

/// Deletes the conversations idle past the tenant's retention, from the day after the
/// last one swept whole to the cutoff, within the time budget.
pub async fn sweep(deps: &Deps) -> Result<Swept, OpError> {
    let config = deps.config.retention()?;
    if config.days == 0 {
        return Ok(Swept {
            deleted: 0,
            complete: true,
        });
    }
    let started = Instant::now();
    let now = deps.clock.now();
    let cutoff = now.minus_days(config.days);
    let cutoff_day = day_of(cutoff);
    let mut day = match deps.store.retention_swept().await? {
        Some(swept) => next_day(&swept)?,
        None => config.first_day.clone(),
    };
    let mut deleted = 0;
    while day <= cutoff_day {
        // On the cutoff's own day only what is older than the cutoff.
        let before = (day == cutoff_day).then_some(cutoff);
        for shard in 0..IDLE_SHARDS {
            let mut start = None;
            loop {
                if started.elapsed() >= config.time_budget {
                    return Ok(Swept {
                        deleted,
                        complete: false,
                    });
                }
                let page = deps.store.idle_page(&day, shard, before, start).await?;
                for id in &page.ids {
                    deleted += usize::from(expire(deps, id, cutoff).await?);
                }
                match page.next {
                    Some(next) => start = Some(next),
                    None => break,
                }
            }
        }
        if day < cutoff_day {
            deps.store.set_retention_swept(&day).await?;
        }
        day = next_day(&day)?;
    }
    Ok(Swept {
        deleted,
        complete: true,
    })
}

/// Deletes the conversation if it is still idle since before `cutoff` (the index is
/// read eventually consistent, and the owner may have written since: the delete's
/// tombstone holds the activity it read).
async fn expire(deps: &Deps, id: &glchat_domain::ids::ConversationId, cutoff: Timestamp) -> Result<bool, OpError> {
    let Some((owner, updated)) = deps.store.conversation_activity(id).await? else {
        return Ok(false);
    };
    if updated >= cutoff {
        return Ok(false);
    }
    let scope = DeleteScope {
        idle_before: Some(cutoff),
        ..DeleteScope::owner(owner)
    };
    cascade(deps, id, &scope).await
}

/// The day after `day` (`YYYY-MM-DD`).
fn next_day(day: &str) -> Result<String, OpError> {
    let at = Timestamp::parse_client(&format!("{day}T00:00:00Z"))
        .map_err(|e| anyhow::anyhow!("retention's day {day:?}: {e:?}"))?;
    let at = Timestamp::from_unix_ms(at.ceil_unix_ms()).ok_or_else(|| anyhow::anyhow!("retention's day {day:?}"))?;
    Ok(day_of(at.next_day()))
}
