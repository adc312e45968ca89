//! Reading a conversation's messages for a content search.

use aws_sdk_dynamodb::types::AttributeValue;

use super::{Store, StoreError, keys, sdk_error};
use crate::ids::{ConversationId, MessageId};

impl Store {
    /// The earliest message of the conversation whose content satisfies `matches`.
    /// Reads the messages oldest first, only their id and content, a page at a time,
    /// and stops at the first match. Eventually consistent: a search may miss a message
    /// written in the last moment, and costs half as much.
    pub async fn first_matching_message(
        &self,
        id: &ConversationId,
        matches: impl Fn(&str) -> bool,
    ) -> Result<Option<(MessageId, String)>, StoreError> {
        let (start, end) = keys::message_range(None);
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND SK BETWEEN :start AND :end")
            .expression_attribute_values(":pk", AttributeValue::S(keys::conversation_pk(id)))
            .expression_attribute_values(":start", AttributeValue::S(start))
            .expression_attribute_values(":end", AttributeValue::S(end))
            .projection_expression("#id, #content")
            .expression_attribute_names("#id", "id")
            .expression_attribute_names("#content", "content")
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error(e, "searching messages"))?;
            self.calls.record_items(page.items().len());
            for item in page.items() {
                if let (Some(AttributeValue::S(id)), Some(AttributeValue::S(content))) =
                    (item.get("id"), item.get("content"))
                    && matches(content)
                    && let Ok(id) = MessageId::parse(id)
                {
                    return Ok(Some((id, content.clone())));
                }
            }
        }
        Ok(None)
    }
}
