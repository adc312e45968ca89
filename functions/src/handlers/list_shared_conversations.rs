//! `GET /conversations/shared` (`query?`): the caller's share links grouped by the age
//! of their last refresh (`today`, `yesterday`, `previous_7_days`, `previous_30_days`,
//! `older`, UTC days), newest first in each; `query` filters on the title at share time.

use std::sync::Arc;

use glchat_shared::error::ok_json;
use glchat_shared::http::Fields;
use glchat_shared::models::SearchText;
use glchat_shared::search::fold;
use glchat_shared::sharing::{AGE_GROUPS, age_group, first_matching_word};
use glchat_shared::{ApiError, App};
use lambda_http::{Body, Request, Response};
use serde_json::{Map, Value, json};

pub async fn handle(app: Arc<App>, req: Request) -> Result<Response<Body>, ApiError> {
    let caller = app.auth.authenticate(req.headers())?;
    let query: Option<SearchText> = Fields::query(&req).parse(|f| f.optional("query"))?;
    let needle = query.map(|q| fold(&q.0)).filter(|q| !q.trim().is_empty());

    let now = app.clock.now();
    let mut groups: Map<String, Value> = AGE_GROUPS.iter().map(|g| (g.to_string(), json!([]))).collect();
    for link in app.store.shares_of(&caller.user_id).await? {
        let matched = match &needle {
            None => None,
            Some(needle) => match first_matching_word(&link.conversation_title, needle) {
                Some(word) => Some(word),
                None => continue,
            },
        };
        let entry = json!({
            "id": link.share_id,
            "user_id": link.user_id,
            "conversation_id": link.conversation_id,
            "conversation_title": link.conversation_title,
            "created_time": link.created_time,
            "last_updated_time": link.last_updated_time,
            "expired_time": link.expired_time,
            "first_matching_word": matched,
            "is_active": link.is_active(now),
            "mind_map": null,
        });
        if let Some(Value::Array(group)) = groups.get_mut(age_group(now, link.last_updated_time)) {
            group.push(entry);
        }
    }
    ok_json(&groups)
}
