//! `POST /conversations` (form): a new, empty conversation of the caller.

use std::sync::Arc;

use anyhow::anyhow;
use glchat_shared::error::ok_json;
use glchat_shared::http::{BodyKind, Fields};
use glchat_shared::ids::{ChatbotId, ConversationId, UserId};
use glchat_shared::models::{Conversation, ConversationRecord, DEFAULT_MODEL_NAME, Metadata, ShortText, Title};
use glchat_shared::{ApiError, App};
use lambda_http::{Body, Request, Response};
use serde_json::json;

struct Input {
    user_id: UserId,
    chatbot_id: ChatbotId,
    title: Option<Title>,
    model_name: Option<ShortText>,
    metadata: Option<Metadata>,
}

pub async fn handle(app: Arc<App>, req: Request) -> Result<Response<Body>, ApiError> {
    let caller = app.auth.authenticate(req.headers())?;
    let input = Fields::body(&req, BodyKind::Form).await?.parse(|f| Input {
        user_id: f.required("user_id"),
        chatbot_id: f.required("chatbot_id"),
        title: f.optional("title"),
        model_name: f.optional("model_name"),
        metadata: f.optional("metadata_"),
    })?;
    caller.may_act_for(&input.user_id)?;

    let now = app.clock.now();
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
    if !app.store.create_conversation(&record).await? {
        return Err(anyhow!("a freshly generated conversation id {} already existed", record.id).into());
    }
    ok_json(&json!({ "conversation": Conversation::from(record) }))
}
