//! Data at real size for the tests and the benchmarks, written straight through the store: one transaction (the
//! conversation and its counters) and one batch (its messages) per conversation.

use anyhow::Context;
use futures::{StreamExt, TryStreamExt};
use glchat_app::clock::{Clock, SystemClock, Timestamp};
use glchat_app::ids::{ChatbotId, ConversationId, MessageId, UserId, new_ulid};
use glchat_app::models::{ConversationRecord, Message, MessageRole};
use glchat_app::store::Store;

/// Conversations seeded at once; DynamoDB Local is the bottleneck beyond that.
const CONCURRENCY: usize = 8;

/// Writes `count` conversations of `messages` messages for `user`, a minute apart and
/// ending now, and returns their ids, oldest first. `text(conversation, message)` gives
/// each message's content.
pub async fn conversations(
    store: &Store,
    user: &str,
    chatbot: &str,
    count: usize,
    messages: usize,
    text: impl Fn(usize, usize) -> String,
) -> anyhow::Result<Vec<ConversationId>> {
    let user = UserId::parse(user).map_err(|e| anyhow::anyhow!("user id: {e:?}"))?;
    let chatbot = ChatbotId::parse(chatbot).map_err(|e| anyhow::anyhow!("chatbot id: {e:?}"))?;
    let now = SystemClock.now().unix_ms();
    let first = now.saturating_sub((count as u64 + 1) * 60_000);
    let text = &text;
    futures::stream::iter(0..count)
        .map(|c| {
            let (user, chatbot) = (user.clone(), chatbot.clone());
            async move {
                let created = Timestamp::from_unix_ms(first + c as u64 * 60_000).context("a seed time")?;
                let record = ConversationRecord {
                    id: ConversationId::generate(created),
                    user_id: user,
                    chatbot_id: chatbot,
                    title: Some(format!("Conversation {c}")),
                    model_name: "openai/gpt-4o-mini".into(),
                    created_time: created,
                    updated_time: created,
                    is_active: true,
                    is_anonymized: false,
                    deanonymized_mapping: Default::default(),
                    metadata_: None,
                };
                let mut parent = record.id.to_string();
                let mut history = Vec::with_capacity(messages);
                for m in 0..messages {
                    let at =
                        Timestamp::from_unix_ms(created.unix_ms() + 1_000 * (m as u64 + 1)).context("a seed time")?;
                    let id = MessageId::from_ulid(new_ulid(at));
                    history.push(Message {
                        id: id.clone(),
                        conversation_id: record.id.clone(),
                        role: if m % 2 == 0 {
                            MessageRole::User
                        } else {
                            MessageRole::Assistant
                        },
                        content: text(c, m),
                        deanonymized_content: None,
                        created_time: at,
                        is_active: true,
                        parent_id: Some(std::mem::replace(&mut parent, id.to_string())),
                        source: None,
                        feedback: None,
                        metadata_: None,
                    });
                }
                store.create_conversation(&record, None).await?;
                store.put_collection_items(&history, &[]).await?;
                anyhow::Ok((c, record.id))
            }
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect::<Vec<_>>()
        .await
        .map(|mut seeded| {
            seeded.sort_by_key(|(c, _)| *c);
            seeded.into_iter().map(|(_, id)| id).collect()
        })
}

/// Writes `count` share links of `user`, refreshed a minute apart and ending now, titled
/// `title(i)`, and returns them oldest first. Links only: no conversation or snapshot
/// behind them (what a list of links reads).
pub async fn share_links(
    store: &Store,
    user: &str,
    count: usize,
    title: impl Fn(usize) -> String,
) -> anyhow::Result<Vec<glchat_app::models::ShareLinkRecord>> {
    use glchat_app::ids::ShareId;
    use glchat_app::models::ShareLinkRecord;

    let user = UserId::parse(user).map_err(|e| anyhow::anyhow!("user id: {e:?}"))?;
    let now = SystemClock.now().unix_ms();
    let first = now.saturating_sub(count as u64 * 60_000);
    let links = (0..count)
        .map(|i| {
            let at = Timestamp::from_unix_ms(first + i as u64 * 60_000).context("a seed time")?;
            Ok(ShareLinkRecord {
                share_id: ShareId::generate(),
                user_id: user.clone(),
                conversation_id: ConversationId::generate(at),
                conversation_title: title(i),
                created_time: at,
                last_updated_time: at,
                expired_time: None,
                snapshot_id: new_ulid(at).to_string(),
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    store.import_share_links(&links).await?;
    Ok(links)
}

/// Writes `count` uploaded attachments of `size` bytes into a conversation: the items
/// through the store, the objects straight into the bucket, 16 at a time, and the
/// conversation's count and bytes of attachments as the uploads would have left them.
pub async fn attachments(
    deps: &glchat_app::Deps,
    conversation: &ConversationId,
    count: usize,
    size: usize,
) -> anyhow::Result<Vec<glchat_app::models::AttachmentRecord>> {
    use glchat_app::ids::AttachmentId;
    use glchat_app::models::AttachmentRecord;

    let blobs = deps.blobs()?;
    let now = SystemClock.now();
    let records: Vec<AttachmentRecord> = (0..count)
        .map(|i| {
            let id = AttachmentId::from_ulid(ulid::Ulid::from_parts(now.unix_ms(), i as u128));
            AttachmentRecord {
                object_key: blobs.attachment_key(conversation, &id),
                id,
                conversation_id: conversation.clone(),
                file_name: format!("file-{i:04}.bin"),
                content_type: "application/octet-stream".into(),
                size: size as u64,
                message_id: None,
                created_time: now,
            }
        })
        .collect();
    deps.store.put_collection_items(&[], &records).await?;
    let body = vec![7u8; size];
    futures::stream::iter(&records)
        .map(|record| {
            let body = body.clone();
            async move {
                blobs
                    .client()
                    .put_object()
                    .bucket(blobs.bucket())
                    .key(&record.object_key)
                    .body(body.into())
                    .send()
                    .await
                    .context("uploading a seeded attachment")
            }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<_>>()
        .await?;
    let store = &deps.store;
    let number = |n: usize| aws_sdk_dynamodb::types::AttributeValue::N(n.to_string());
    store
        .client()
        .update_item()
        .table_name(store.table())
        .key(
            "PK",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("CONV#{conversation}")),
        )
        .key("SK", aws_sdk_dynamodb::types::AttributeValue::S("CONV".into()))
        .update_expression("SET attachment_count = :count, attachment_bytes = :bytes")
        .expression_attribute_values(":count", number(count))
        .expression_attribute_values(":bytes", number(count * size))
        .send()
        .await
        .context("counting the seeded attachments")?;
    Ok(records)
}
