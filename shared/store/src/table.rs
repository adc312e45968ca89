//! `Store`: the tenant's table and the client that reaches it, with the one read every
//! entity shares (an item by key). Each entity's reads and writes are `impl Store`
//! blocks in its own file.

use aws_sdk_dynamodb::Client;

use crate::error::StoreError;
use crate::{calls, error, items, keys};

#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) client: Client,
    pub(crate) table: String,
    pub(crate) calls: calls::CallLog,
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
    pub(crate) async fn get_item(
        &self,
        key: keys::Key,
        doing: &'static str,
    ) -> Result<Option<items::Attributes>, StoreError> {
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
