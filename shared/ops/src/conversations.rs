//! Conversations: create, list and search, read, rename, title, and delete (one, or
//! many in bounded requests). A delete is a cascade of idempotent steps (tombstone,
//! share link, S3 objects, items, the conversation last), so a delete interrupted at
//! any point is finished by the next attempt.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use futures::StreamExt;

use super::attachments::with_download_urls;
use super::search::{fold, walk};
use super::{Limited, OpError, act_for, within_rate};
use crate::Deps;
use glchat_domain::caller::Caller;
use glchat_domain::ids::{ChatbotId, ConversationId, UserId};
use glchat_domain::models::{
    Conversation, ConversationRecord, DEFAULT_MODEL_NAME, MessageText, Metadata, SearchText, ShortText, Title,
};
use glchat_domain::pages::MessageWindow;
use glchat_domain::responses::{
    CreateConversationResponse, DeleteConversationResponse, DeleteConversationsResponse, GenerateTitleResponse,
    GetConversationMessagesResponse, GetConversationsResponse,
};
use glchat_store::idempotency::{HeldClaim, Receipt};
use glchat_store::keys::ListIndex;
use glchat_store::{DeleteScope, ListPosition, StoreError, TitleGuard};

/// `GET /conversations`' page size: 20 unless asked, at most 100.
pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;

/// Conversations deleted at once by a bulk delete.
const DELETE_CONCURRENCY: usize = 4;
/// How long one bulk delete request starts new deletes: far from API Gateway's 30 s.
const BULK_DELETE_TIME: Duration = Duration::from_secs(20);

pub struct Create {
    pub user_id: UserId,
    pub chatbot_id: ChatbotId,
    pub title: Option<Title>,
    pub model_name: Option<ShortText>,
    pub metadata: Option<Metadata>,
    /// The request's `Idempotency-Key` claim, completed with the write.
    pub idempotency: Option<HeldClaim>,
}

/// A new, empty conversation (and the user's counters, in one transaction).
pub async fn create(deps: &Deps, caller: &Caller, input: Create) -> Result<CreateConversationResponse, OpError> {
    act_for(caller, &input.user_id)?;
    let now = deps.clock.now();
    let record = ConversationRecord {
        id: ConversationId::generate(now),
        user_id: input.user_id,
        chatbot_id: input.chatbot_id,
        title: input.title.map(Title::into_string),
        model_name: input.model_name.map_or_else(|| DEFAULT_MODEL_NAME.to_owned(), |m| m.0),
        created_time: now,
        updated_time: now,
        is_active: true,
        is_anonymized: false,
        deanonymized_mapping: Default::default(),
        metadata_: input.metadata.map(|m| m.0),
    };
    let response = CreateConversationResponse {
        conversation: record.clone().into(),
    };
    let receipt = Receipt::of(input.idempotency.as_ref(), &response)?;
    if !deps.store.create_conversation(&record, receipt.as_ref()).await? {
        return Err(anyhow::anyhow!("a freshly generated conversation id {} already existed", record.id).into());
    }
    Ok(response)
}

pub struct List {
    pub query: Option<SearchText>,
    pub chatbot_id: Option<ChatbotId>,
    pub cursor: Option<String>,
    pub limit: usize,
}

/// The caller's conversations, newest activity first, optionally only those matching
/// `query`, with a signed cursor and the exact count.
pub async fn list(deps: &Deps, caller: &Caller, input: List) -> Result<GetConversationsResponse, OpError> {
    let cursors = deps.cursors()?;
    let needle = input.query.map(|q| fold(&q.0)).filter(|q| !q.trim().is_empty());
    let chatbot = input.chatbot_id.as_ref().map_or("", |c| c.as_str());
    // The cursor is only good for the same user, chatbot filter and search text.
    let scope = [
        "conversations",
        caller.user_id.as_str(),
        chatbot,
        needle.as_deref().unwrap_or(""),
    ];
    let after = match &input.cursor {
        None => None,
        Some(raw) => Some(
            cursors
                .verify::<ListPosition>(&scope, raw)
                .map_err(|issue| OpError::BadCursor {
                    cursor: raw.clone(),
                    issue,
                })?,
        ),
    };
    // Only a search reads many conversations; a plain page is not limited.
    if needle.is_some() {
        within_rate(deps, caller, Limited::Searches).await?;
    }
    let time_budget = deps.config.lists()?.search_time_budget;
    let walk = |lists| walk(&deps.store, lists, after, input.limit, needle.as_deref(), time_budget);
    let (page, count) = match &input.chatbot_id {
        // One chatbot's partition; its counter read alongside.
        Some(bot) => {
            let list = [ListIndex::for_chatbot(&caller.user_id, bot)];
            tokio::try_join!(walk(&list), deps.store.count_conversations(&caller.user_id, bot))?
        }
        // Every chatbot's partition, found with the count from the chatbot counters.
        None => {
            let (lists, count) = deps.store.chatbot_lists(&caller.user_id).await?;
            (walk(&lists).await?, count)
        }
    };
    Ok(GetConversationsResponse {
        cursor: page.next.map(|position| cursors.sign(&scope, &position)),
        conversations: page.conversations,
        conversations_count: count,
    })
}

pub struct Get {
    pub id: ConversationId,
    pub window: MessageWindow,
}

/// The caller's conversation, a window of its messages, and its attachments with
/// download URLs.
pub async fn get(deps: &Deps, caller: &Caller, input: Get) -> Result<GetConversationMessagesResponse, OpError> {
    let view = deps
        .store
        .owned_view(&input.id, &caller.user_id, input.window)
        .await?
        .ok_or(OpError::ConversationNotFound)?
        .into_inner();
    Ok(GetConversationMessagesResponse {
        conversation: view.conversation.into(),
        messages: view.messages,
        attachments: with_download_urls(deps.blobs()?, view.attachments).await?,
    })
}

pub struct Rename {
    pub id: ConversationId,
    pub title: Title,
}

/// Sets the title (the list order is by activity, so a rename does not move it).
pub async fn rename(deps: &Deps, caller: &Caller, input: Rename) -> Result<CreateConversationResponse, OpError> {
    let record = deps
        .store
        .rename_conversation(&input.id, &caller.user_id, input.title.as_str(), TitleGuard::Any)
        .await?
        .ok_or(OpError::ConversationNotFound)?;
    Ok(CreateConversationResponse {
        conversation: Conversation::from(record),
    })
}

pub struct GenerateTitle {
    pub id: ConversationId,
    pub message: MessageText,
}

/// Titles the conversation from `message` (the LLM, or the deterministic fallback)
/// and saves the title.
pub async fn generate_title(
    deps: &Deps,
    caller: &Caller,
    input: GenerateTitle,
) -> Result<GenerateTitleResponse, OpError> {
    // Ownership first: nobody spends LLM tokens on someone else's conversation.
    let conversation = deps
        .store
        .owned_conversation(&input.id, &caller.user_id)
        .await?
        .ok_or(OpError::ConversationNotFound)?;
    within_rate(deps, caller, Limited::Titles).await?;
    let title = deps
        .titles()?
        .generate(&conversation.record.model_name, &input.message.0)
        .await;
    let seen = TitleGuard::Unchanged(conversation.record.title.as_deref());
    if deps
        .store
        .rename_conversation(&input.id, &caller.user_id, &title, seen)
        .await?
        .is_some()
    {
        return Ok(GenerateTitleResponse { title });
    }
    // Renamed (or deleted) while the title was being generated: the rename stands.
    let current = deps
        .store
        .owned_conversation(&input.id, &caller.user_id)
        .await?
        .ok_or(OpError::ConversationNotFound)?;
    Ok(GenerateTitleResponse {
        title: current.record.title.clone().unwrap_or_default(),
    })
}

pub struct Delete {
    pub id: ConversationId,
}

/// Deletes the caller's conversation with everything it owns. Safe to retry: a delete
/// that failed midway is finished by the next call; once finished, 404.
pub async fn delete(deps: &Deps, caller: &Caller, input: Delete) -> Result<DeleteConversationResponse, OpError> {
    let scope = DeleteScope::owner(caller.user_id.clone());
    if !cascade(deps, &input.id, &scope).await? {
        return Err(OpError::ConversationNotFound);
    }
    Ok(DeleteConversationResponse {
        conversation_id: input.id,
        deleted: true,
    })
}

pub struct DeleteMany {
    pub user_id: UserId,
    pub chatbot_id: ChatbotId,
    /// The ones to delete; all of the chatbot's when `None`.
    pub conversation_ids: Option<Vec<ConversationId>>,
}

/// Deletes the user's conversations with a chatbot, the listed ones or all. One
/// request does at most `BULK_DELETE_MAX` conversations or 20 s of work, and says
/// `complete: false` when some are left. Memory is bounded by one page of ids.
pub async fn delete_many(
    deps: &Deps,
    caller: &Caller,
    input: DeleteMany,
) -> Result<DeleteConversationsResponse, OpError> {
    act_for(caller, &input.user_id)?;
    let (owner, chatbot) = (&input.user_id, &input.chatbot_id);
    let max = deps.config.bulk_delete()?.max;
    let scope = DeleteScope {
        chatbot: Some(chatbot.clone()),
        ..DeleteScope::owner(owner.clone())
    };
    let deadline = Instant::now() + BULK_DELETE_TIME;
    let mut done: HashSet<ConversationId> = HashSet::new();
    let mut listed = input.conversation_ids.map(|ids| {
        let mut seen = HashSet::new();
        ids.into_iter()
            .filter(|id| seen.insert(id.clone()))
            .collect::<Vec<_>>()
            .into_iter()
    });
    loop {
        let room = max - done.len().min(max);
        if room == 0 || Instant::now() >= deadline {
            let left = match &mut listed {
                Some(ids) => ids.len() > 0,
                None => !deps.store.conversations_to_delete(owner, chatbot, 1).await?.is_empty(),
            };
            return Ok(DeleteConversationsResponse {
                deleted_count: done.len(),
                complete: !left,
            });
        }
        let batch: Vec<ConversationId> = match &mut listed {
            Some(ids) => ids.by_ref().take(room.min(25)).collect(),
            None => deps
                .store
                .conversations_to_delete(owner, chatbot, room.min(25))
                .await?
                .into_iter()
                .filter(|id| !done.contains(id))
                .collect(),
        };
        if batch.is_empty() {
            return Ok(DeleteConversationsResponse {
                deleted_count: done.len(),
                complete: true,
            });
        }
        let results: Vec<(ConversationId, Result<bool, OpError>)> = futures::stream::iter(batch)
            .map(|id| {
                let scope = &scope;
                async move {
                    let result = cascade(deps, &id, scope).await;
                    (id, result)
                }
            })
            .buffer_unordered(DELETE_CONCURRENCY)
            .collect()
            .await;
        let mut transient = None;
        for (id, result) in results {
            match result {
                Ok(true) => {
                    done.insert(id);
                }
                Ok(false) => {}
                // A race or a hiccup stops the request, not the work already done: the
                // client sees the progress and calls again.
                Err(OpError::Store(err @ (StoreError::Conflict(_) | StoreError::Unavailable(_)))) => {
                    transient.get_or_insert(err);
                }
                Err(err) => return Err(err),
            }
        }
        if let Some(err) = transient {
            if done.is_empty() {
                return Err(err.into());
            }
            return Ok(DeleteConversationsResponse {
                deleted_count: done.len(),
                complete: false,
            });
        }
    }
}

/// Deletes one conversation in `scope`; `false` when there is none to delete. Every
/// step is idempotent: the tombstone (gone for readers and writers, counted out, its
/// share id dead), the record of its attachments on it, the share's copies, the
/// conversation's objects, the items, the conversation item last.
pub(crate) async fn cascade(deps: &Deps, id: &ConversationId, scope: &DeleteScope) -> Result<bool, OpError> {
    let store = &deps.store;
    let Some(began) = store.begin_delete(id, scope, deps.clock.now()).await? else {
        return Ok(false);
    };
    if began.has_attachments {
        // Named in the ConversationDeleted event (docs/events.md) before any is removed.
        store.record_deleted_attachments(id).await?;
    }
    let link = began.link;
    let blobs = deps.blobs()?;
    if let Some(link) = link {
        blobs
            .delete_prefix(&blobs.share_prefix(&link.record().share_id))
            .await?;
    }
    blobs.delete_prefix(&blobs.conversation_prefix(id)).await?;
    store.delete_collection(id).await?;
    store.finish_delete(id).await?;
    Ok(true)
}
