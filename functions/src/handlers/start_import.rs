//! Not a route: S3 invokes it when an import's file is uploaded (`ObjectCreated:Put`
//! under `tenants/<tenant>/imports/`). It marks the import running; the job's write
//! starts `run_jobs`, which reads the file. A repeated event, or a key that is no
//! import's upload, does nothing.

use std::sync::Arc;

use aws_lambda_events::s3::S3Event;
use glchat_app::Deps;
use glchat_app::config::Needs;
use glchat_app::ops::OpError;
use glchat_app::ops::imports;
use serde::Serialize;

use super::settle_upload::object_key;

pub const NEEDS: Needs = Needs::TABLE.bucket();

/// How many uploads the event started.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Started {
    pub started: usize,
}

pub async fn handle(deps: Arc<Deps>, event: S3Event) -> Result<Started, OpError> {
    let mut started = 0;
    for record in event.records {
        let Some(key) = record.s3.object.key.as_deref().and_then(object_key) else {
            continue;
        };
        started += usize::from(imports::uploaded(&deps, &key).await?);
    }
    tracing::info!(started, "imports started");
    Ok(Started { started })
}
