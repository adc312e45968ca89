//! `GET /conversations`: the caller's conversations, newest activity first, with an
//! optional chatbot filter and title search, a signed cursor, and the exact count.

use std::sync::Arc;

use glchat_shared::error::{Loc, ok_json};
use glchat_shared::http::Fields;
use glchat_shared::i18n::Issue;
use glchat_shared::ids::ChatbotId;
use glchat_shared::models::SearchText;
use glchat_shared::search::{fold, list_conversations};
use glchat_shared::store::ListPosition;
use glchat_shared::store::keys::ListIndex;
use glchat_shared::{ApiError, App};
use lambda_http::{Body, Request, Response};
use serde_json::json;

const DEFAULT_LIMIT: i64 = 20;
const MAX_LIMIT: i64 = 100;

struct Input {
    query: Option<SearchText>,
    chatbot_id: Option<ChatbotId>,
    cursor: Option<String>,
    limit: i64,
}

pub async fn handle(app: Arc<App>, req: Request) -> Result<Response<Body>, ApiError> {
    let caller = app.auth.authenticate(req.headers())?;
    let input = Fields::query(&req).parse(|f| {
        let limit = f.optional("limit").unwrap_or(DEFAULT_LIMIT);
        f.check("limit", limit >= 1, Issue::GreaterThanEqual(1));
        f.check("limit", limit <= MAX_LIMIT, Issue::LessThanEqual(MAX_LIMIT));
        Input {
            query: f.optional("query"),
            chatbot_id: f.optional("chatbot_id"),
            cursor: f.optional("cursor"),
            limit,
        }
    })?;

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
            app.cursors
                .verify::<ListPosition>(&scope, raw)
                .map_err(|issue| ApiError::invalid(Loc::Query, "cursor", issue, raw.as_str()))?,
        ),
    };

    let index = ListIndex::for_user(&caller.user_id, input.chatbot_id.as_ref());
    let limit = usize::try_from(input.limit).unwrap_or(1);
    let (page, count) = tokio::try_join!(
        list_conversations(&app.store, &index, after, limit, needle.as_deref()),
        app.store
            .count_conversations(&caller.user_id, input.chatbot_id.as_ref()),
    )?;
    let cursor = page.next.map(|position| app.cursors.sign(&scope, &position));
    ok_json(&json!({
        "conversations": page.conversations,
        "cursor": cursor,
        "conversations_count": count,
    }))
}
