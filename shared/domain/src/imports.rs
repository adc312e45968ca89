//! Imports of a user's history (`docs/import.md`): a ChatGPT data export, or this
//! service's own export, uploaded to a presigned URL and read in the background.

use serde::{Deserialize, Serialize};

/// How long an import (the job, its upload) is kept after it was asked for.
pub const KEPT_DAYS: u32 = 7;
/// Failures an import lists (the rest are counted among the skipped).
pub const MAX_FAILURES_LISTED: usize = 100;
/// The chatbot imported ChatGPT conversations belong to.
pub const CHATGPT_CHATBOT: &str = "chatgpt";

/// Where an import stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    /// The file is to be uploaded to the presigned URL.
    AwaitingUpload,
    /// Uploaded; the background function is reading it.
    Running,
    /// Read: what could be imported is, the rest is in `failures`.
    Done,
    /// Not read at all (not an export, too large): nothing was written.
    Failed,
}

/// A conversation of the file that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportFailure {
    pub source_id: String,
    pub reason: String,
}
