//! Not a route: the bucket invokes it for each `s3:ObjectCreated:Put` under the
//! tenant's conversations (presigned uploads; copies are `ObjectCreated:Copy`) and it
//! removes an upload whose conversation is deleted (`ops::attachments::settle_upload`).
//! A failure is retried by Lambda and then lands in the function's dead-letter queue.

use std::sync::Arc;

use aws_lambda_events::s3::S3Event;
use glchat_app::Deps;
use glchat_app::config::Needs;
use glchat_app::ops::OpError;
use glchat_app::ops::attachments::{self, Upload};
use percent_encoding::percent_decode_str;
use serde::Serialize;

pub const NEEDS: Needs = Needs::TABLE.bucket();

/// What the event's uploads came to (the invocation's result, for the log and tests).
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Settled {
    pub kept: usize,
    pub removed: usize,
    pub foreign: usize,
}

pub async fn handle(deps: Arc<Deps>, event: S3Event) -> Result<Settled, OpError> {
    let mut settled = Settled::default();
    let bucket = deps.blobs()?.bucket().to_owned();
    for record in event.records {
        let ours = record.s3.bucket.name.as_deref() == Some(bucket.as_str());
        let key = record.s3.object.key.as_deref().and_then(object_key);
        let upload = match key {
            Some(key) if ours => attachments::settle_upload(&deps, &key).await?,
            _ => Upload::Foreign,
        };
        match upload {
            Upload::Kept => settled.kept += 1,
            Upload::Removed => settled.removed += 1,
            Upload::Foreign => settled.foreign += 1,
        }
    }
    tracing::info!(
        kept = settled.kept,
        removed = settled.removed,
        foreign = settled.foreign,
        "uploads settled"
    );
    Ok(settled)
}

/// Event keys are URL-encoded as in a form (`+` for a space).
pub(crate) fn object_key(raw: &str) -> Option<String> {
    let spaced = raw.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8().ok().map(|k| k.into_owned())
}

#[cfg(test)]
mod tests {
    use super::object_key;

    #[test]
    fn event_keys_are_decoded_as_s3_encodes_them() {
        assert_eq!(object_key("tenants/a/x+y%3Az%2B").as_deref(), Some("tenants/a/x y:z+"));
        assert_eq!(object_key("plain/01JABC").as_deref(), Some("plain/01JABC"));
        assert_eq!(object_key("bad%FF"), None, "not UTF-8");
    }
}
