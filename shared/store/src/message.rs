//! Messages (`CONV#<id>` / `MSG#<ulid>`): appending one (with the conversation's new
//! activity time and head in the same transaction, so lists never show a conversation
//! out of order with its messages), and the content search over a conversation.

use crate::attrs;
use anyhow::Context;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValuesOnConditionCheckFailure, Update};

use super::error::dynamodb_error;
use super::expr::{Expr, all, with_placeholders};
use super::idempotency::{Receipt, receipt_refused};
use super::items::{CollectionItem, MessageItem};
use super::keys::{self, GSI2SK, PK, SK};
use super::owned::{owned_and_live, was_owned_and_live};
use super::transaction::{Transaction, check_exists};
use super::{Store, StoreError};
use glchat_domain::ids::{ConversationId, MessageId, UserId};
use glchat_domain::models::Message;

/// Messages in the first page a search reads of a conversation it probes.
pub const SEARCH_FIRST_PAGE: i32 = 4;

/// What the new message's parent is, so the transaction can check it exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParentCheck {
    /// The conversation itself (a first message, or a new root branch).
    Conversation,
    /// A message that must exist in the same conversation.
    Message(MessageId),
}

/// The head the new message was chained after, when the parent was chosen by us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadGuard {
    /// The client named the parent: the head may be anything.
    Any,
    /// The conversation had no message yet.
    Empty,
    /// The head was this message.
    Is(MessageId),
}

/// A message to append.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub message: Message,
    pub parent: ParentCheck,
    pub head: HeadGuard,
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
    pub async fn append_message(
        &self,
        owner: &UserId,
        new: &NewMessage,
        receipt: Option<&Receipt>,
    ) -> Result<AppendOutcome, StoreError> {
        let message = &new.message;
        let conversation = &message.conversation_id;
        let committed = Transaction::new(self)
            .update("conversation", self.activity_update(owner, new)?)
            .put("message", self.message_put(message)?)
            .receipt(&self.table, receipt)?;
        let committed = match &new.parent {
            ParentCheck::Message(parent) => committed.check(
                "parent",
                check_exists(&self.table, &keys::message(conversation, parent))?,
            ),
            ParentCheck::Conversation => committed,
        }
        .commit("appending a message")
        .await?;
        let Err(refused) = committed else {
            return Ok(AppendOutcome::Appended);
        };
        if refused.failed("conversation") {
            // Still the owner's and alive: only the head moved, so choose again.
            return Ok(if was_owned_and_live(refused.old_item("conversation"), owner) {
                AppendOutcome::Raced
            } else {
                AppendOutcome::ConversationNotFound
            });
        }
        if refused.failed("parent") {
            return Ok(AppendOutcome::ParentNotFound);
        }
        if refused.failed("message") {
            return Ok(AppendOutcome::Raced);
        }
        if refused.failed("idempotency") {
            return Err(receipt_refused());
        }
        Err(anyhow::anyhow!("append refused on {refused:?}").into())
    }

    /// The conversation's new activity time and head, while it is the owner's and
    /// alive (and its head is still the one the message was chained after).
    fn activity_update(&self, owner: &UserId, new: &NewMessage) -> anyhow::Result<Update> {
        let message = &new.message;
        let activity = keys::activity(message.created_time, &message.conversation_id);
        let (idle_pk, idle_sk) = keys::idle(message.created_time, &message.conversation_id);
        let mut e = Expr::default();
        let update = format!(
            "SET {}, {}, {}, {}, {} REMOVE {}",
            e.eq(attrs::UPDATED_TIME, message.created_time.to_wire()),
            e.eq(GSI2SK, activity.as_str()),
            e.eq(attrs::GSI3PK, idle_pk),
            e.eq(attrs::GSI3SK, idle_sk),
            e.eq(attrs::HEAD_MESSAGE_ID, message.id.as_str()),
            e.name_list(&keys::RETIRED_LIST_KEYS),
        );
        let mut condition = vec![owned_and_live(&mut e, owner)];
        match &new.head {
            HeadGuard::Any => {}
            HeadGuard::Empty => condition.push(e.not_exists(attrs::HEAD_MESSAGE_ID)),
            HeadGuard::Is(head) => condition.push(e.eq(attrs::HEAD_MESSAGE_ID, head.as_str())),
        }
        with_placeholders!(Update::builder(), e)
            .table_name(&self.table)
            .set_key(Some(keys::conversation(&message.conversation_id).to_attributes()))
            .update_expression(update)
            .condition_expression(all(&condition))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .context("building the activity update")
    }

    fn message_put(&self, message: &Message) -> anyhow::Result<Put> {
        let mut e = Expr::default();
        let condition = e.not_exists(PK);
        with_placeholders!(Put::builder(), e)
            .table_name(&self.table)
            .set_item(Some(
                CollectionItem::Message(MessageItem::new(message.clone())).to_attributes()?,
            ))
            .condition_expression(condition)
            .build()
            .context("building the message put")
    }

    /// The earliest message of the conversation whose content satisfies `matches`.
    /// Reads the messages oldest first, only their id and content, and stops at the
    /// first match. With `probe`, the first [`SEARCH_FIRST_PAGE`] messages come first
    /// (a Query pays for every item it reads, so a match among them costs a few items
    /// rather than the history), then the rest; without, the history in one Query per
    /// megabyte. Eventually consistent: a search may miss a message written in the last
    /// moment, and costs half as much.
    pub async fn first_matching_message(
        &self,
        id: &ConversationId,
        matches: impl Fn(&str) -> bool,
        probe: bool,
    ) -> Result<Option<(MessageId, String)>, StoreError> {
        let (start, end) = keys::message_range(None);
        let mut e = Expr::default();
        let key = format!(
            "{} AND {}",
            e.eq(PK, keys::conversation_pk(id)),
            e.between(SK, start, end)
        );
        let projection = e.projection(&[attrs::ID, attrs::CONTENT]);
        let query = with_placeholders!(self.client.query(), e)
            .table_name(&self.table)
            .key_condition_expression(key)
            .projection_expression(projection);
        let mut limit = probe.then_some(SEARCH_FIRST_PAGE);
        let mut after = None;
        loop {
            let page = query
                .clone()
                .set_limit(limit.take())
                .set_exclusive_start_key(after)
                .send()
                .await
                .map_err(|e| dynamodb_error(e, "searching messages"))?;
            self.calls.record_items(page.items().len());
            for item in page.items() {
                if let (Some(AttributeValue::S(id)), Some(AttributeValue::S(content))) =
                    (item.get(attrs::ID.as_str()), item.get(attrs::CONTENT.as_str()))
                    && matches(content)
                    && let Ok(id) = MessageId::parse(id)
                {
                    return Ok(Some((id, content.clone())));
                }
            }
            after = page.last_evaluated_key;
            if after.is_none() {
                break;
            }
        }
        Ok(None)
    }
}
