//! Not a route: the hourly schedule starts it (`template.yaml`, enabled when the tenant
//! sets `RetentionDays`). It deletes the conversations idle past the retention
//! (`ops::retention::sweep`), as their deletes delete them; a sweep that runs out of time
//! leaves the rest to the next hour.

use std::sync::Arc;

use glchat_app::Deps;
use glchat_app::config::Needs;
use glchat_app::ops::OpError;
use glchat_app::ops::retention::{self, Swept};

pub const NEEDS: Needs = Needs::TABLE.bucket().retention();

/// The scheduled event carries nothing the sweep reads.
pub async fn handle(deps: Arc<Deps>, _event: serde_json::Value) -> Result<Swept, OpError> {
    let swept = retention::sweep(&deps).await?;
    tracing::info!(deleted = swept.deleted, complete = swept.complete, "retention swept");
    Ok(swept)
}
