//! Attachments (`CONV#<id>` / `ATT#<ulid>`): an item per file, written only while the
//! conversation is the owner's and alive and stays within its limits of attachments
//! and of their bytes in all (both counted on the conversation item in the same
//! transaction).

use anyhow::Context;
use aws_sdk_dynamodb::types::{Put, ReturnValuesOnConditionCheckFailure, Update};

use super::expr::{Expr, all, any, with_placeholders};
use super::idempotency::{Receipt, receipt_refused};
use super::items::{AttachmentItem, CollectionItem};
use super::keys::{self, PK};
use super::owned::{owned_and_live, was_owned_and_live};
use super::transaction::{Transaction, check_exists};
use super::{Store, StoreError};
use crate::attrs::{ATTACHMENT_BYTES, ATTACHMENT_COUNT};
use glchat_domain::ids::UserId;
use glchat_domain::models::AttachmentRecord;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachOutcome {
    Created,
    ConversationNotFound,
    MessageNotFound,
    /// The conversation already holds its most attachments.
    TooMany,
    /// This one would take the conversation's attachments past their bytes in all.
    OverQuota,
}

/// What one conversation's attachments may add up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachmentLimits {
    pub count: u64,
    pub bytes: u64,
}

impl Store {
    /// Records an attachment of `owner`'s conversation, within the conversation's
    /// `limits`.
    pub async fn create_attachment(
        &self,
        owner: &UserId,
        record: &AttachmentRecord,
        limits: AttachmentLimits,
        receipt: Option<&Receipt>,
    ) -> Result<AttachOutcome, StoreError> {
        // A condition cannot add: "bytes + size <= quota" is "bytes <= quota - size".
        let Some(bytes_before) = limits.bytes.checked_sub(record.size) else {
            return Ok(AttachOutcome::OverQuota);
        };
        let as_number = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        let mut e = Expr::default();
        let condition = e.not_exists(PK);
        let put = with_placeholders!(Put::builder(), e)
            .table_name(&self.table)
            .set_item(Some(
                CollectionItem::Attachment(AttachmentItem::new(record.clone())).to_attributes()?,
            ))
            .condition_expression(condition)
            .build()
            .context("building the attachment put")?;
        let mut e = Expr::default();
        let update = format!(
            "ADD {} {}, {} {}",
            e.name(ATTACHMENT_COUNT),
            e.value("one", 1),
            e.name(ATTACHMENT_BYTES),
            e.value("size", as_number(record.size)),
        );
        let room = any(&[
            e.not_exists(ATTACHMENT_COUNT),
            e.less_than(ATTACHMENT_COUNT, as_number(limits.count)),
        ]);
        let quota = any(&[
            e.not_exists(ATTACHMENT_BYTES),
            e.at_most(ATTACHMENT_BYTES, as_number(bytes_before)),
        ]);
        let condition = all(&[owned_and_live(&mut e, owner), room, quota]);
        let count = with_placeholders!(Update::builder(), e)
            .table_name(&self.table)
            .set_key(Some(keys::conversation(&record.conversation_id).to_attributes()))
            .update_expression(update)
            .condition_expression(condition)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .context("building the attachment count")?;
        let transaction = Transaction::new(self)
            .update("conversation", count)
            .put("attachment", put)
            .receipt(&self.table, receipt)?;
        let transaction = match &record.message_id {
            Some(message) => transaction.check(
                "message",
                check_exists(&self.table, &keys::message(&record.conversation_id, message))?,
            ),
            None => transaction,
        };
        match transaction.commit("creating an attachment").await? {
            Ok(()) => Ok(AttachOutcome::Created),
            Err(refused) if refused.failed("conversation") => {
                let old = refused.old_item("conversation");
                if !was_owned_and_live(old, owner) {
                    return Ok(AttachOutcome::ConversationNotFound);
                }
                // The item as the store reads it, not its attributes picked by hand.
                let count = match old.map(|item| CollectionItem::from_attributes(item.clone())) {
                    Some(Ok(CollectionItem::Conversation(found))) => found.attachment_count,
                    _ => None,
                };
                Ok(match count.is_some_and(|n| n >= limits.count) {
                    true => AttachOutcome::TooMany,
                    false => AttachOutcome::OverQuota,
                })
            }
            Err(refused) if refused.failed("message") => Ok(AttachOutcome::MessageNotFound),
            Err(refused) if refused.failed("idempotency") => Err(receipt_refused()),
            Err(refused) => Err(anyhow::anyhow!("attachment refused on {refused:?}").into()),
        }
    }
}
