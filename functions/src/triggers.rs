//! The functions an AWS event starts rather than a route: each one's handler, what its
//! Lambda needs, and its event source in `template.yaml` (checked by
//! `tests/tests/api/template.rs`, as the routes are).

use std::time::Duration;

use glchat_app::config::Needs;

use crate::handlers::*;

#[derive(Debug, Clone)]
pub struct Trigger {
    /// The Lambda binary (`src/bin/<name>.rs`) and template function.
    pub name: &'static str,
    /// The SAM event type that invokes it.
    pub source: &'static str,
    pub needs: Needs,
    /// The function's `Timeout` in `template.yaml`.
    pub timeout: Duration,
    /// A stream function's event source: the filters Lambda applies to the records
    /// (`FilterCriteria` in `template.yaml`, held to these by a template test) and the
    /// most records a batch holds.
    pub filters: &'static [&'static str],
    pub batch_size: usize,
}

pub fn triggers() -> Vec<Trigger> {
    vec![
        Trigger {
            name: "settle_upload",
            source: "S3",
            needs: settle_upload::NEEDS,
            timeout: crate::gateway::DEFAULT_TIMEOUT,
            filters: &[],
            batch_size: 1,
        },
        Trigger {
            name: "start_import",
            source: "S3",
            needs: start_import::NEEDS,
            timeout: crate::gateway::DEFAULT_TIMEOUT,
            filters: &[],
            batch_size: 1,
        },
        Trigger {
            name: "run_jobs",
            source: "DynamoDB",
            needs: run_jobs::NEEDS,
            // One step of a job: bounded by its step limits (`JOB_STEP_TIME_MS`).
            timeout: Duration::from_secs(900),
            // Jobs to advance: a new export or erasure, or one whose last step wrote
            // the next.
            filters: &[
                r#"{"eventName":["INSERT","MODIFY"],"dynamodb":{"NewImage":{"entity":{"S":["export_job","erasure_job"]},"status":{"S":["pending"]}}}}"#,
                r#"{"eventName":["MODIFY"],"dynamodb":{"NewImage":{"entity":{"S":["import_job"]},"status":{"S":["running"]}}}}"#,
            ],
            batch_size: 1,
        },
        Trigger {
            name: "expire_conversations",
            source: "Schedule",
            needs: expire_conversations::NEEDS,
            // A sweep stops at `RETENTION_TIME_BUDGET_MS` (10 minutes) and goes on next hour.
            timeout: Duration::from_secs(900),
            filters: &[],
            batch_size: 1,
        },
        Trigger {
            name: "publish_deletions",
            source: "DynamoDB",
            needs: publish_deletions::NEEDS,
            // A batch of 100 records is ten PutEvents requests at most.
            timeout: crate::gateway::DEFAULT_TIMEOUT,
            // What the store reads a deletion from (store::stream::deleted): removed
            // conversations and attachments, shares that died.
            filters: &[
                r#"{"eventName":["REMOVE"],"dynamodb":{"OldImage":{"entity":{"S":["conversation","attachment"]}}}}"#,
                r#"{"eventName":["INSERT","MODIFY"],"dynamodb":{"NewImage":{"entity":{"S":["dead_share"]}}}}"#,
            ],
            batch_size: 100,
        },
    ]
}
