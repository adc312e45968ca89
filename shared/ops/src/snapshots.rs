//! Snapshot bodies: a small snapshot lives in its item; a large one in S3 as a head
//! (conversation and attachments) and its messages in chunks of about 1 MB, oldest
//! first, so a page of a large snapshot reads only the chunks it needs and no request
//! holds more than a page's worth of chunks.

use futures::{StreamExt, TryStreamExt};

use super::OpError;
use glchat_clients::blobs::Blobs;
use glchat_domain::models::{Message, SnapshotChunk, SnapshotContent, SnapshotHead};
use glchat_domain::pages::{MessageWindow, PageBuilder};
use glchat_store::SnapshotBody;

/// Snapshots larger than this go to S3 (items cap at 400 KB).
pub const INLINE_SNAPSHOT_BYTES: usize = 300 * 1024;

/// Bytes of messages per chunk object.
const CHUNK_BYTES: usize = 1024 * 1024;

/// Objects written at once.
const WRITE_CONCURRENCY: usize = 8;

/// Stores `content` as the body its size calls for, under `prefix` when in S3.
pub async fn store(blobs: &Blobs, prefix: &str, content: SnapshotContent) -> Result<SnapshotBody, OpError> {
    let json = serde_json::to_vec(&content).map_err(anyhow::Error::from)?;
    if json.len() <= INLINE_SNAPSHOT_BYTES {
        return Ok(SnapshotBody::Inline(Box::new(content)));
    }
    let head = SnapshotHead {
        conversation: content.conversation,
        attachments: content.attachments,
    };
    let head_key = format!("{prefix}snapshot/head.json");
    let mut objects = vec![(
        head_key.clone(),
        serde_json::to_vec(&head).map_err(anyhow::Error::from)?,
    )];
    let mut chunks = Vec::new();
    let mut current: Vec<Message> = Vec::new();
    let mut size = 0;
    let mut flush = |current: &mut Vec<Message>, chunks: &mut Vec<SnapshotChunk>| -> Result<(), OpError> {
        let (Some(first), Some(last)) = (current.first(), current.last()) else {
            return Ok(());
        };
        let chunk = SnapshotChunk {
            key: format!("{prefix}snapshot/{:05}.json", chunks.len()),
            first_ms: first.created_time.unix_ms(),
            last_ms: last.created_time.unix_ms(),
        };
        objects.push((
            chunk.key.clone(),
            serde_json::to_vec(&current).map_err(anyhow::Error::from)?,
        ));
        chunks.push(chunk);
        current.clear();
        Ok(())
    };
    for message in content.messages {
        let len = serde_json::to_vec(&message).map_or(0, |m| m.len());
        if !current.is_empty() && size + len > CHUNK_BYTES {
            flush(&mut current, &mut chunks)?;
            size = 0;
        }
        size += len;
        current.push(message);
    }
    flush(&mut current, &mut chunks)?;
    futures::stream::iter(objects)
        .map(|(key, bytes)| async move { blobs.put_json(&key, bytes).await })
        .buffer_unordered(WRITE_CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(SnapshotBody::Chunked { head_key, chunks })
}

/// The snapshot's head and the page of its messages `window` asks for.
pub async fn read_page(
    blobs: &Blobs,
    body: &SnapshotBody,
    window: &MessageWindow,
) -> Result<(SnapshotHead, Vec<Message>), OpError> {
    let SnapshotBody::Chunked { head_key, chunks } = body else {
        let content = read_all(blobs, body).await?;
        let page = window.page_of(&content.messages);
        return Ok((head_of(content), page));
    };
    let head = read_json(blobs, head_key).await?;
    let mut page = PageBuilder::new(window);
    let bound = window.up_to.map(|u| u.timestamp_ms());
    'chunks: for chunk in chunks.iter().rev() {
        if window.limit == 0 {
            break;
        }
        if bound.is_some_and(|bound| chunk.first_ms > bound) {
            continue;
        }
        let messages: Vec<Message> = read_json(blobs, &chunk.key).await?;
        for message in messages.into_iter().rev().filter(|m| window.admits_time(m)) {
            if !page.offer(message) {
                break 'chunks;
            }
        }
    }
    Ok((head, page.finish()))
}

/// The whole snapshot (for a clone).
pub async fn read_all(blobs: &Blobs, body: &SnapshotBody) -> Result<SnapshotContent, OpError> {
    match body {
        SnapshotBody::Inline(content) => Ok(SnapshotContent::clone(content)),
        SnapshotBody::Object(key) => read_json(blobs, key).await,
        SnapshotBody::Chunked { head_key, chunks } => {
            let head: SnapshotHead = read_json(blobs, head_key).await?;
            let keys: Vec<String> = chunks.iter().map(|chunk| chunk.key.clone()).collect();
            let parts: Vec<Vec<Message>> = futures::stream::iter(keys)
                .map(|key| async move { read_json(blobs, &key).await })
                .buffered(WRITE_CONCURRENCY)
                .try_collect()
                .await?;
            Ok(SnapshotContent {
                conversation: head.conversation,
                messages: parts.into_iter().flatten().collect(),
                attachments: head.attachments,
            })
        }
    }
}

fn head_of(content: SnapshotContent) -> SnapshotHead {
    SnapshotHead {
        conversation: content.conversation,
        attachments: content.attachments,
    }
}

async fn read_json<T: serde::de::DeserializeOwned>(blobs: &Blobs, key: &str) -> Result<T, OpError> {
    let bytes = blobs.get_bytes(key).await?;
    Ok(serde_json::from_slice(&bytes).map_err(anyhow::Error::from)?)
}
