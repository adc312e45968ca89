//! Attachments: an item per file in the conversation's collection, written only while
//! the conversation is the owner's and alive.

use anyhow::Context;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem};

use super::items::{AttachmentItem, CollectionItem};
use super::{Store, StoreError, cancellation_reasons, keys, sdk_error};
use crate::ids::{ConversationId, UserId};
use crate::models::AttachmentRecord;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachOutcome {
    Created,
    ConversationNotFound,
    MessageNotFound,
}

/// The condition every write into a conversation carries: it exists, it is the
/// caller's, and no delete has begun.
pub(crate) const OWNED_AND_LIVE: &str = "attribute_exists(PK) AND user_id = :owner AND attribute_not_exists(deleting)";

/// A transaction item that holds only if the conversation is `owner`'s and alive.
pub(crate) fn check_owned_and_live(
    table: &str,
    conversation: &ConversationId,
    owner: &UserId,
) -> anyhow::Result<TransactWriteItem> {
    let check = ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(keys::conversation(conversation).to_attributes()))
        .condition_expression(OWNED_AND_LIVE)
        .expression_attribute_values(":owner", AttributeValue::S(owner.to_string()))
        .build()
        .context("building the conversation check")?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

/// A transaction item that holds only if the item at `key` exists.
pub(crate) fn check_exists(table: &str, key: &keys::Key) -> anyhow::Result<TransactWriteItem> {
    let check = ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(key.to_attributes()))
        .condition_expression("attribute_exists(PK)")
        .build()
        .context("building an existence check")?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

impl Store {
    pub async fn create_attachment(
        &self,
        owner: &UserId,
        record: &AttachmentRecord,
    ) -> Result<AttachOutcome, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(
                CollectionItem::Attachment(AttachmentItem::new(record.clone())).to_attributes()?,
            ))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .context("building the attachment put")?;
        let mut transaction = self
            .client
            .transact_write_items()
            .transact_items(check_owned_and_live(&self.table, &record.conversation_id, owner)?)
            .transact_items(TransactWriteItem::builder().put(put).build());
        if let Some(message) = &record.message_id {
            let key = keys::message(&record.conversation_id, message);
            transaction = transaction.transact_items(check_exists(&self.table, &key)?);
        }
        let err = match transaction.send().await {
            Ok(_) => return Ok(AttachOutcome::Created),
            Err(err) => err,
        };
        match cancellation_reasons(&err) {
            Some(reasons) if reasons.first().is_some_and(Option::is_some) => Ok(AttachOutcome::ConversationNotFound),
            Some(reasons) if reasons.get(2).is_some_and(Option::is_some) => Ok(AttachOutcome::MessageNotFound),
            _ => Err(sdk_error(err, "creating an attachment")),
        }
    }
}
