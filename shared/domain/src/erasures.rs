//! A user's erasure: everything of theirs removed, in the background, and a receipt of
//! what was (`docs/erasure.md`).

use serde::{Deserialize, Serialize};

/// How long the receipt is kept after the erasure finished, for the user (or the
/// operator acting for them) to see it done.
pub const RECEIPT_DAYS: u32 = 30;

/// Erasures one user may ask for per minute.
pub const PER_MINUTE: u32 = 2;

/// Where an erasure stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErasureStatus {
    /// Accepted; the background function is removing what is the user's.
    Pending,
    /// Everything the receipt counts is gone.
    Done,
}

/// What an erasure removed (counted before it removed anything, so a step cut and run
/// again counts nothing twice and nothing less).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erased {
    pub conversations: u64,
    pub messages: u64,
    pub attachments: u64,
    pub share_links: u64,
    pub exports: u64,
}
