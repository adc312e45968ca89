//! The DynamoDB store: one table per tenant, single-table design (see `keys`).
//! Every expression lives in this module; handlers call typed methods.

mod attachments;
pub mod calls;
mod conversations;
mod deletes;
mod items;
pub mod keys;
mod messages;
pub mod schema;
mod search;
mod shares;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

use crate::error::ApiError;

pub use attachments::AttachOutcome;
pub use conversations::{ConversationPage, ConversationView, ListPosition, MessageWindow};
pub use deletes::DeleteScope;
pub use messages::{AppendOutcome, ConversationMeta, NewMessage, ParentCheck};
pub use shares::{SaveOutcome, SnapshotRecord};

#[derive(Debug, Clone)]
pub struct Store {
    client: Client,
    table: String,
    calls: calls::CallLog,
}

impl Store {
    /// A store over `client`, which must carry `calls`' interceptor (see `App`).
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
            .map_err(|e| sdk_error(e, doing))?;
        Ok(output.item)
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// One cheap call (DescribeTable) to open the connection; failures only log, the
    /// first request will simply connect itself.
    pub async fn warm_up(&self) {
        if let Err(err) = self.client.describe_table().table_name(&self.table).send().await {
            tracing::warn!(error = ?err, "DynamoDB warm-up failed");
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Throttled, timed out or unreachable after the SDK's retries: the client may retry.
    #[error("DynamoDB unavailable")]
    Unavailable(#[source] anyhow::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(cause) => ApiError::Unavailable(cause),
            StoreError::Other(cause) => ApiError::Internal(cause),
        }
    }
}

const RETRYABLE_CODES: &[&str] = &[
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "LimitExceededException",
    "TransactionInProgressException",
];

/// Sorts an SDK failure into "try again later" (503) or a real fault (500), keeping
/// the SDK error as the cause so the log has the whole chain.
pub fn sdk_error<E, R>(err: SdkError<E, R>, doing: &'static str) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let transient = matches!(err, SdkError::TimeoutError(_) | SdkError::DispatchFailure(_))
        || err.code().is_some_and(|code| RETRYABLE_CODES.contains(&code));
    let cause = anyhow::Error::new(err).context(doing);
    if transient {
        StoreError::Unavailable(cause)
    } else {
        StoreError::Other(cause)
    }
}

/// The per-item reasons of a cancelled transaction (`None` where the item was fine),
/// or `None` when the failure was something else.
pub(crate) fn cancellation_reasons<R>(
    err: &SdkError<aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError, R>,
) -> Option<Vec<Option<String>>> {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
    match err.as_service_error()? {
        TransactWriteItemsError::TransactionCanceledException(cancelled) => Some(
            cancelled
                .cancellation_reasons()
                .iter()
                .map(|r| r.code().filter(|c| *c != "None").map(str::to_owned))
                .collect(),
        ),
        _ => None,
    }
}
