//! Attachments (`CONV#<id>` / `ATT#<ulid>`): an item per file, written only while the
//! conversation is the owner's and alive.

use anyhow::Context;
use aws_sdk_dynamodb::types::Put;

use super::expr::{Expr, with_placeholders};
use super::items::{AttachmentItem, CollectionItem};
use super::keys::{self, PK};
use super::owned::check_owned_and_live;
use super::transaction::{Transaction, check_exists};
use super::{Store, StoreError};
use crate::ids::UserId;
use crate::models::AttachmentRecord;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachOutcome {
    Created,
    ConversationNotFound,
    MessageNotFound,
}

impl Store {
    pub async fn create_attachment(
        &self,
        owner: &UserId,
        record: &AttachmentRecord,
    ) -> Result<AttachOutcome, StoreError> {
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
        let conversation = check_owned_and_live(&self.table, &record.conversation_id, owner)
            .context("building the conversation check")?;
        let transaction = Transaction::new(self)
            .check("conversation", conversation)
            .put("attachment", put);
        let transaction = match &record.message_id {
            Some(message) => transaction.check(
                "message",
                check_exists(&self.table, &keys::message(&record.conversation_id, message))?,
            ),
            None => transaction,
        };
        match transaction.commit("creating an attachment").await? {
            Ok(()) => Ok(AttachOutcome::Created),
            Err(refused) if refused.failed("conversation") => Ok(AttachOutcome::ConversationNotFound),
            Err(refused) if refused.failed("message") => Ok(AttachOutcome::MessageNotFound),
            Err(refused) => Err(anyhow::anyhow!("attachment refused on {refused:?}").into()),
        }
    }
}
