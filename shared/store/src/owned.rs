//! Ownership, decided in one place. Reads hand out an [`Owned`] value only after
//! comparing its owner with the caller; writes into someone's conversation carry
//! [`owned_and_live`] as their condition. Operations never compare user ids themselves.

use crate::attrs;
use std::ops::Deref;

use aws_sdk_dynamodb::types::ConditionCheck;

use super::expr::{Expr, all, with_placeholders};
use super::items::{Attributes, CollectionItem, Lifecycle};
use super::keys::{self, PK};
use glchat_domain::ids::{ConversationId, UserId};

/// A value of the caller's, read from the table and found to be theirs. Only the
/// store makes one, so holding it is proof the check was done.
#[derive(Debug, Clone, PartialEq)]
pub struct Owned<T>(T);

impl<T> Owned<T> {
    /// `value` when its owner (as `owner_of` reads it) is `caller`.
    pub(crate) fn admit(value: T, owner_of: impl FnOnce(&T) -> &UserId, caller: &UserId) -> Option<Self> {
        (owner_of(&value) == caller).then_some(Self(value))
    }

    pub fn into_inner(self) -> T {
        self.0
    }

    /// Something derived from an owned value is owned too.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Owned<U> {
        Owned(f(self.0))
    }
}

impl<T> Deref for Owned<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// The condition of every write into a conversation: it exists, it is `owner`'s, no
/// delete has begun and no clone is still being written into it.
pub(crate) fn owned_and_live(e: &mut Expr, owner: &UserId) -> String {
    let undeleted = owned_undeleted(e, owner);
    all(&[undeleted, e.not_exists(attrs::CLONE_PROGRESS)])
}

/// The condition of the writes that may also touch a clone being written (the clone's
/// own progress, a delete): it exists, it is `owner`'s, and no delete has begun.
pub(crate) fn owned_undeleted(e: &mut Expr, owner: &UserId) -> String {
    all(&[
        e.exists(PK),
        e.eq(attrs::USER_ID, owner.as_str()),
        e.not_exists(attrs::DELETING),
    ])
}

/// A transaction item that holds only while the conversation is `owner`'s and alive.
pub(crate) fn check_owned_and_live(
    table: &str,
    conversation: &ConversationId,
    owner: &UserId,
) -> anyhow::Result<ConditionCheck> {
    let mut e = Expr::default();
    let condition = owned_and_live(&mut e, owner);
    let check = with_placeholders!(ConditionCheck::builder(), e)
        .table_name(table)
        .set_key(Some(keys::conversation(conversation).to_attributes()))
        .condition_expression(condition)
        .build()?;
    Ok(check)
}

/// Whether a conversation item, as a refused write found it, is still `owner`'s and
/// alive: then the write failed for another of its conditions.
pub(crate) fn was_owned_and_live(old: Option<&Attributes>, owner: &UserId) -> bool {
    match old.and_then(|item| CollectionItem::from_attributes(item.clone()).ok()) {
        Some(CollectionItem::Conversation(found)) if found.lifecycle() == Lifecycle::Live => {
            Owned::admit(found, |f| &f.record.user_id, owner).is_some()
        }
        _ => false,
    }
}
