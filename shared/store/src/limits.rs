//! Per-user rate limits on the expensive endpoints: a fixed window per user and action
//! (`USER#<u>` / `LIMIT#<action>#<window start>`), counted with one conditional
//! UpdateItem that refuses past the limit. The item expires with TTL a window later.

use std::time::Duration;

use super::error::applied;
use super::expr::{Expr, any, with_placeholders};
use super::keys::{self, TTL_ATTRIBUTE};
use super::{Store, StoreError};
use glchat_domain::clock::Timestamp;
use glchat_domain::ids::UserId;

use crate::attrs::COUNT;

/// What a rate check decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rate {
    Allowed,
    /// Over the limit until the window ends, this long from now.
    Limited {
        retry_after: Duration,
    },
}

impl Store {
    /// Counts one `action` of `user` in the current `window`, unless `limit` of them are
    /// already in it.
    pub async fn take_rate(
        &self,
        user: &UserId,
        action: &str,
        limit: u32,
        window: Duration,
        now: Timestamp,
    ) -> Result<Rate, StoreError> {
        let window_ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX).max(1);
        let start = now.unix_ms() / window_ms * window_ms;
        let end = start + window_ms;
        let mut e = Expr::default();
        let update = format!(
            "ADD {} {} SET {}",
            e.name(COUNT),
            e.value("one", 1),
            e.eq(TTL_ATTRIBUTE, (end / 1000 + 1) as i64 + window.as_secs() as i64),
        );
        let room = any(&[e.not_exists(COUNT), e.less_than(COUNT, i64::from(limit))]);
        let result = with_placeholders!(self.client.update_item(), e)
            .table_name(&self.table)
            .set_key(Some(keys::rate_window(user, action, start).to_attributes()))
            .update_expression(update)
            .condition_expression(room)
            .send()
            .await;
        Ok(match applied(result, "counting a rate-limited request")? {
            Some(_) => Rate::Allowed,
            None => Rate::Limited {
                retry_after: Duration::from_millis(end.saturating_sub(now.unix_ms())),
            },
        })
    }
}
