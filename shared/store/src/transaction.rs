//! TransactWriteItems with named items: a cancelled transaction says which of its
//! items failed by the name it was added under, never by position.

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{ConditionCheck, Put, TransactWriteItem, Update};

use super::expr::{Expr, with_placeholders};
use super::keys::{self, PK};

use super::Store;
use super::error::{StoreError, dynamodb_error};
use super::items::Attributes;

/// A transaction being built: each item under a name.
pub(crate) struct Transaction<'a> {
    store: &'a Store,
    items: Vec<(&'static str, TransactWriteItem)>,
}

/// Why a committed transaction was refused: the items whose condition failed, with
/// the item as it was when `ReturnValuesOnConditionCheckFailure` asked for it.
#[derive(Default)]
pub(crate) struct Refused {
    failed: Vec<(&'static str, Option<Attributes>)>,
}

/// Names only: the old items hold user content, which never goes to a log.
impl std::fmt::Debug for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.failed.iter().map(|(name, _)| name))
            .finish()
    }
}

impl Refused {
    /// Whether the condition of the item named `name` failed.
    pub fn failed(&self, name: &str) -> bool {
        self.failed.iter().any(|(n, _)| *n == name)
    }

    /// The item named `name` as it was, when its condition failed and asked for it.
    pub fn old_item(&self, name: &str) -> Option<&Attributes> {
        self.failed.iter().find(|(n, _)| *n == name)?.1.as_ref()
    }
}

impl<'a> Transaction<'a> {
    pub fn new(store: &'a Store) -> Self {
        Self {
            store,
            items: Vec::new(),
        }
    }

    pub fn put(mut self, name: &'static str, put: Put) -> Self {
        self.items.push((name, TransactWriteItem::builder().put(put).build()));
        self
    }

    pub fn update(mut self, name: &'static str, update: Update) -> Self {
        self.items
            .push((name, TransactWriteItem::builder().update(update).build()));
        self
    }

    pub fn check(mut self, name: &'static str, check: ConditionCheck) -> Self {
        self.items
            .push((name, TransactWriteItem::builder().condition_check(check).build()));
        self
    }

    /// Commits: `Ok(Ok(()))` when written, `Ok(Err(refused))` when a condition failed
    /// (nothing written), `Err` when DynamoDB could not decide, including a
    /// `TransactionConflict` with another writer ([`StoreError::Conflict`]).
    pub async fn commit(self, doing: &'static str) -> Result<Result<(), Refused>, StoreError> {
        let names: Vec<&'static str> = self.items.iter().map(|(name, _)| *name).collect();
        let items: Vec<TransactWriteItem> = self.items.into_iter().map(|(_, item)| item).collect();
        let mut attempt = 0;
        loop {
            match self.store.commit_once(items.clone(), &names, doing).await {
                Err(StoreError::Conflict(cause)) if attempt + 1 < CONFLICT_ATTEMPTS => {
                    attempt += 1;
                    tracing::debug!(error = ?cause, attempt, "transaction conflict, retrying");
                    tokio::time::sleep(conflict_backoff(attempt)).await;
                }
                other => return other,
            }
        }
    }
}

/// Tries of a transaction that meets another writer (`TransactionConflict`), which the
/// SDK does not retry: the other writer is usually done within milliseconds.
pub const CONFLICT_ATTEMPTS: u32 = 4;

/// Full jitter over 10, 20, 40 ms: two writers that met do not meet again in step.
fn conflict_backoff(attempt: u32) -> std::time::Duration {
    let ceiling = 10u64 << (attempt - 1).min(4);
    std::time::Duration::from_millis(rand::random_range(1..=ceiling))
}

impl Store {
    async fn commit_once(
        &self,
        items: Vec<TransactWriteItem>,
        names: &[&'static str],
        doing: &'static str,
    ) -> Result<Result<(), Refused>, StoreError> {
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        let err = match result {
            Ok(_) => return Ok(Ok(())),
            Err(err) => err,
        };
        let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) = err.as_service_error() else {
            return Err(dynamodb_error(err, doing));
        };
        let codes: Vec<Option<&str>> = cancelled
            .cancellation_reasons()
            .iter()
            .map(|r| r.code().filter(|c| *c != "None"))
            .collect();
        if codes.contains(&Some("TransactionConflict")) {
            return Err(StoreError::Conflict(anyhow::Error::new(err).context(doing)));
        }
        if codes
            .iter()
            .any(|c| matches!(c, Some("ThrottlingError" | "ProvisionedThroughputExceeded")))
        {
            return Err(StoreError::Unavailable(anyhow::Error::new(err).context(doing)));
        }
        if codes.iter().any(|c| c.is_some_and(|c| c != "ConditionalCheckFailed")) {
            return Err(dynamodb_error(err, doing));
        }
        let failed = cancelled
            .cancellation_reasons()
            .iter()
            .zip(names)
            .filter(|(reason, _)| reason.code() == Some("ConditionalCheckFailed"))
            .map(|(reason, name)| (*name, reason.item().cloned()))
            .collect();
        Ok(Err(Refused { failed }))
    }
}

/// A transaction item that holds only while the item at `key` exists.
pub(crate) fn check_exists(table: &str, key: &keys::Key) -> anyhow::Result<ConditionCheck> {
    let mut e = Expr::default();
    let condition = e.exists(PK);
    let check = with_placeholders!(ConditionCheck::builder(), e)
        .table_name(table)
        .set_key(Some(key.to_attributes()))
        .condition_expression(condition)
        .build()?;
    Ok(check)
}
