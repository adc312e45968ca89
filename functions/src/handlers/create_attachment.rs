//! `POST /conversations/{conversation_id}/attachments` (JSON `file_name`, `content_type`,
//! `size`, `message_id?`): records an attachment and returns a presigned PUT that
//! accepts exactly that many bytes of that type, for 15 minutes.

use glchat_app::i18n::Issue;
use glchat_app::models::BoundedText;
use glchat_app::ops::attachments::{self, Create};

use super::prelude::*;

pub const NEEDS: Needs = Needs::AUTH.bucket().uploads();

pub async fn handle(deps: Arc<Deps>, req: Request) -> HandlerResult {
    let caller = deps.caller(&req)?;
    let (deps, caller, req) = (&deps, &caller, &req);
    idempotent_write(deps, caller, req, "create_attachment", |key| async move {
        let id = path_id(req)?;
        let max = deps
            .config
            .uploads()
            .map_err(glchat_app::ApiError::Internal)?
            .max_attachment_bytes;
        let input = Fields::body(req, BodyKind::Json).await?.parse(|f| {
            let (file_name, content_type, size) = (
                f.required::<BoundedText<255>>("file_name"),
                f.required("content_type"),
                f.required::<i64>("size"),
            );
            let blank = file_name.as_ref().is_some_and(|n| n.0.trim().is_empty());
            f.check("file_name", !blank, Issue::TooShort(1));
            let size = size.map(|s| u64::try_from(s).unwrap_or(0));
            f.check("size", size.is_none_or(|s| s >= 1), Issue::GreaterThanEqual(1));
            f.check("size", size.is_none_or(|s| s <= max), Issue::LessThanEqual(max as i64));
            Some(Create {
                id,
                file_name: file_name?,
                content_type: content_type?,
                size: size?,
                message_id: f.optional("message_id"),
                idempotency: key.clone(),
            })
        })?;
        ok(attachments::create(deps, caller, input).await?)
    })
    .await
}
