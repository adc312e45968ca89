//! The DynamoDB store: one table per tenant, single-table design (see `keys` and
//! `docs/data-model.md`). One file per entity holds that entity's reads and writes;
//! every expression is built here (with `expr`), never in an operation or a handler.

mod attachment;
pub mod attrs;
mod batch;
pub mod calls;
mod clone;
mod collection;
mod conversation;
mod counters;
pub mod erasures;
pub mod error;
pub mod exports;
mod expr;
pub mod idempotency;
pub mod imports;
mod items;
mod jobs;
pub mod keys;
mod limits;
mod message;
mod owned;
pub mod retention;
pub mod schema;
mod share;
pub mod stream;
mod table;
mod transaction;

pub use attachment::{AttachOutcome, AttachmentLimits};
pub use clone::{CloneStart, FoundClone};
pub use collection::ConversationView;
pub use conversation::{BeganDelete, ConversationMeta, ConversationPage, DeleteScope, ListPosition, TitleGuard};
pub use error::StoreError;
pub use jobs::{Job, JobId, StreamedJob, streamed_job};
pub use limits::Rate;
pub use message::{AppendOutcome, HeadGuard, NewMessage, ParentCheck, SEARCH_FIRST_PAGE};
pub use owned::Owned;
pub use share::{ReserveOutcome, SaveOutcome, SnapshotBody, SnapshotRecord, StoredLink};
pub use table::Store;
pub use transaction::CONFLICT_ATTEMPTS;
