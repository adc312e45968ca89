//! The DynamoDB store: one table per tenant, single-table design (see `keys` and
//! `docs/data-model.md`). One file per entity holds that entity's reads and writes;
//! every expression is built here (with `expr`), never in an operation or a handler.

mod attachment;
mod batch;
pub mod calls;
mod clone;
mod collection;
mod conversation;
mod counters;
pub mod error;
mod expr;
pub mod idempotency;
mod items;
pub mod keys;
mod limits;
mod message;
mod owned;
pub mod schema;
mod share;
pub mod stream;
mod transaction;

pub use transaction::CONFLICT_ATTEMPTS;

use aws_sdk_dynamodb::Client;

pub use attachment::{AttachOutcome, AttachmentLimits};
pub use clone::{CloneStart, FoundClone};
pub use collection::ConversationView;
pub use conversation::{BeganDelete, ConversationMeta, ConversationPage, DeleteScope, ListPosition, TitleGuard};
pub use error::StoreError;
pub use limits::Rate;
pub use message::{AppendOutcome, HeadGuard, NewMessage, ParentCheck, SEARCH_FIRST_PAGE};
pub use owned::Owned;
pub use share::{ReserveOutcome, SaveOutcome, SnapshotBody, SnapshotRecord, StoredLink};

#[derive(Debug, Clone)]
pub struct Store {
    client: Client,
    table: String,
    calls: calls::CallLog,
}

impl Store {
    /// A store over `client`, which must carry `calls`' interceptor (see `Deps`).
    pub fn new(client: Client, table: impl Into<String>, calls: calls::CallLog) -> Self {
        Self {
            client,
            table: table.into(),
            calls,
        }
    }

    pub fn calls(&self) -> &calls::CallLog {
        &self.calls
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// One item by key, strongly consistent.
    async fn get_item(&self, key: keys::Key, doing: &'static str) -> Result<Option<items::Attributes>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key.to_attributes()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| error::dynamodb_error(e, doing))?;
        Ok(output.item)
    }

    /// One cheap call (DescribeTable) to open the connection; failures only log, the
    /// first request will simply connect itself.
    pub async fn warm_up(&self) {
        if let Err(err) = self.client.describe_table().table_name(&self.table).send().await {
            tracing::warn!(error = ?err, "DynamoDB warm-up failed");
        }
    }
}
