//! Attachments: an item per file in the conversation's collection, written only while
//! the conversation is the owner's and alive.

use anyhow::Context;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem};

use super::items::{AttachmentItem, CollectionItem};
use super::{Store, StoreError, cancellation_reasons, keys, sdk_error};
use crate::ids::UserId;
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

impl Store {
    pub async fn create_attachment(
        &self,
        owner: &UserId,
        record: &AttachmentRecord,
    ) -> Result<AttachOutcome, StoreError> {
        let conversation = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(keys::conversation(&record.conversation_id).to_attributes()))
            .condition_expression(OWNED_AND_LIVE)
            .expression_attribute_values(":owner", AttributeValue::S(owner.as_str().to_owned()))
            .build()
            .context("building the conversation check")?;
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
            .transact_items(TransactWriteItem::builder().condition_check(conversation).build())
            .transact_items(TransactWriteItem::builder().put(put).build());
        if let Some(message) = &record.message_id {
            let check = ConditionCheck::builder()
                .table_name(&self.table)
                .set_key(Some(keys::message(&record.conversation_id, message).to_attributes()))
                .condition_expression("attribute_exists(PK)")
                .build()
                .context("building the message check")?;
            transaction = transaction.transact_items(TransactWriteItem::builder().condition_check(check).build());
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
