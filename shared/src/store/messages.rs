//! Appending messages: the message and the conversation's new activity time in one
//! transaction, so lists never show a conversation out of order with its messages.

use anyhow::Context;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};

use super::attachments::{OWNED_AND_LIVE, check_exists};
use super::items::{CollectionItem, ConversationItem, MessageItem};
use super::{Store, StoreError, cancellation_reasons, sdk_error};
use crate::ids::{ConversationId, MessageId, UserId};
use crate::models::CloneSource;
use crate::models::{ConversationRecord, Message};

/// A live conversation's item: the record and what the store keeps beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationMeta {
    pub record: ConversationRecord,
    /// The newest message, the default parent of the next one.
    pub head_message_id: Option<MessageId>,
    /// The snapshot the conversation was cloned from.
    pub cloned_from: Option<CloneSource>,
}

/// What the new message's parent is, so the transaction can check it exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParentCheck {
    /// The conversation itself (a first message, or a new root branch).
    Conversation,
    /// A message that must exist in the same conversation.
    Message(MessageId),
}

/// A message to append, with the head it was chained after when the parent was
/// chosen by us (`Some(head)`), or `None` when the client named the parent.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub message: Message,
    pub parent: ParentCheck,
    pub expected_head: Option<Option<MessageId>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AppendOutcome {
    Appended,
    /// No such conversation of this owner.
    ConversationNotFound,
    /// The named parent is not a message of this conversation.
    ParentNotFound,
    /// Another message was appended meanwhile (or the id collided): choose again.
    Raced,
}

impl Store {
    /// The owner's conversation and its newest message id, read strongly consistent.
    pub async fn conversation_head(&self, id: &ConversationId) -> Result<Option<ConversationMeta>, StoreError> {
        let Some(item) = self
            .get_item(super::keys::conversation(id), "reading a conversation head")
            .await?
        else {
            return Ok(None);
        };
        match CollectionItem::from_attributes(item)? {
            CollectionItem::Conversation(found) if found.is_live() => Ok(Some(ConversationMeta {
                record: found.record,
                head_message_id: found.head_message_id,
                cloned_from: found.cloned_from,
            })),
            CollectionItem::Conversation(_) => Ok(None),
            other => Err(anyhow::anyhow!("expected a conversation item, found {other:?}").into()),
        }
    }

    pub async fn append_message(&self, owner: &UserId, new: &NewMessage) -> Result<AppendOutcome, StoreError> {
        let message = &new.message;
        let conversation = &message.conversation_id;
        let activity = super::keys::activity(message.created_time, conversation);

        let mut condition = OWNED_AND_LIVE.to_owned();
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(super::keys::conversation(conversation).to_attributes()))
            .update_expression("SET updated_time = :now, GSI1SK = :activity, GSI2SK = :activity, head_message_id = :id")
            .expression_attribute_values(":owner", AttributeValue::S(owner.as_str().to_owned()))
            .expression_attribute_values(":now", AttributeValue::S(message.created_time.to_wire()))
            .expression_attribute_values(":activity", AttributeValue::S(activity))
            .expression_attribute_values(":id", AttributeValue::S(message.id.as_str().to_owned()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        match &new.expected_head {
            None => {}
            Some(None) => condition.push_str(" AND attribute_not_exists(head_message_id)"),
            Some(Some(head)) => {
                condition.push_str(" AND head_message_id = :head");
                update = update.expression_attribute_values(":head", AttributeValue::S(head.as_str().to_owned()));
            }
        }
        let update = update
            .condition_expression(condition)
            .build()
            .context("building the activity update")?;

        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(
                CollectionItem::Message(MessageItem::new(message.clone())).to_attributes()?,
            ))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .context("building the message put")?;

        let mut transaction = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(update).build())
            .transact_items(TransactWriteItem::builder().put(put).build());
        if let ParentCheck::Message(parent) = &new.parent {
            let key = super::keys::message(conversation, parent);
            transaction = transaction.transact_items(check_exists(&self.table, &key)?);
        }

        let err = match transaction.send().await {
            Ok(_) => return Ok(AppendOutcome::Appended),
            Err(err) => err,
        };
        let Some(reasons) = cancellation_reasons(&err) else {
            return Err(sdk_error(err, "appending a message"));
        };
        let failed = |i: usize| {
            reasons
                .get(i)
                .is_some_and(|r| r.as_deref() == Some("ConditionalCheckFailed"))
        };
        if failed(0) {
            let old_owner = conversation_owner_in_cancellation(&err);
            return Ok(if old_owner.as_ref() == Some(owner) {
                AppendOutcome::Raced
            } else {
                AppendOutcome::ConversationNotFound
            });
        }
        if failed(2) {
            return Ok(AppendOutcome::ParentNotFound);
        }
        if failed(1) {
            return Ok(AppendOutcome::Raced);
        }
        Err(sdk_error(err, "appending a message"))
    }
}

/// The owner of the conversation as it was when the transaction's first condition failed.
fn conversation_owner_in_cancellation<R>(
    err: &aws_sdk_dynamodb::error::SdkError<
        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError,
        R,
    >,
) -> Option<UserId> {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
    let TransactWriteItemsError::TransactionCanceledException(cancelled) = err.as_service_error()? else {
        return None;
    };
    let item = cancelled.cancellation_reasons().first()?.item()?.clone();
    match CollectionItem::from_attributes(item).ok()? {
        CollectionItem::Conversation(item @ ConversationItem { .. }) if item.is_live() => Some(item.record.user_id),
        _ => None,
    }
}
