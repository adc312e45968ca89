//! One module per endpoint, each `extract -> operation -> respond`: `NEEDS` (what its
//! Lambda builds at cold start) and `handle(deps, request)`. The rules are in
//! `glchat_shared::ops`, the data access in `glchat_shared::store`.

pub mod append_message;
pub mod clone_shared_conversation;
pub mod create_attachment;
pub mod create_conversation;
pub mod delete_conversation;
pub mod delete_conversations;
pub mod delete_shared_conversation;
pub mod generate_title;
pub mod get_conversation;
pub mod get_share;
pub mod get_shared_conversation;
pub mod list_conversations;
pub mod list_shared_conversations;
pub mod publish_deletions;
pub mod rename_conversation;
pub mod settle_upload;
pub mod share_conversation;

/// Extractors more than one handler uses.
mod extract {
    use glchat_shared::ApiError;
    use glchat_shared::clock::{ClientInstant, Timestamp};
    use glchat_shared::http::{Fields, FromField};
    use glchat_shared::i18n::Issue;
    use glchat_shared::pages::MessageWindow;
    use lambda_http::Request;

    /// `max_date` as the client wrote it (any ISO 8601 date-time).
    struct MaxDate(ClientInstant);

    impl FromField for MaxDate {
        fn from_text(raw: &str) -> Result<Self, Issue> {
            Timestamp::parse_client(raw).map(MaxDate)
        }
    }

    /// The page of messages `limit` and `max_date` ask for.
    pub fn message_window(req: &Request) -> Result<MessageWindow, ApiError> {
        Fields::query(req).parse(|f| {
            let limit: Option<i64> = f.optional("limit");
            f.check("limit", limit.is_none_or(|l| l >= 0), Issue::GreaterThanEqual(0));
            let max_date: Option<MaxDate> = f.optional("max_date");
            Some(MessageWindow::newest_before(
                limit.and_then(|l| usize::try_from(l).ok()),
                max_date.map(|d| d.0),
            ))
        })
    }
}

/// `Idempotency-Key` on the endpoints that create (conversation, message, attachment,
/// share, clone): the first request with a key runs and its success is recorded; a
/// repeat with the same key and request gets the recorded response
/// (`Idempotent-Replayed: true`), one with a different request 422, one while the first
/// still runs 409 with `Retry-After`. Failures are not recorded: a repeat runs again.
/// An operation that writes in one transaction records its response in it
/// (`idempotent_write`: `run` gets the claim); one of many writes has it recorded after
/// it succeeds (`idempotent`).
mod once {
    use std::future::Future;
    use std::time::Duration;

    use glchat_shared::auth::Caller;
    use glchat_shared::error::Loc;
    use glchat_shared::http::idempotency;
    use glchat_shared::i18n::{Issue, Text};
    use glchat_shared::store::idempotency::{Claim, IdempotencyKey};
    use glchat_shared::{ApiError, Deps};
    use lambda_http::{Body, Request, Response};

    use crate::routes::HandlerResult;

    /// Longer than any request runs: API Gateway ends every request at 30 s.
    const LOCK: Duration = Duration::from_secs(30);
    /// Responses recorded whole; a larger one (a clone's page of messages) is not, and
    /// its repeat runs again, which a clone's own idempotency makes safe.
    const MAX_RECORDED: usize = 300 * 1024;

    /// Where a success is recorded.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Recorded {
        /// In the operation's own write transaction, from the claim `run` gets.
        InWrite,
        /// Here, once the operation succeeded.
        After,
    }

    /// For an operation that completes the claim in its write: a success needs no
    /// further call.
    pub async fn idempotent_write<F, Fut>(
        deps: &Deps,
        caller: &Caller,
        req: &Request,
        operation: &'static str,
        run: F,
    ) -> HandlerResult
    where
        F: FnOnce(Option<IdempotencyKey>) -> Fut,
        Fut: Future<Output = HandlerResult>,
    {
        guarded(deps, caller, req, operation, Recorded::InWrite, run).await
    }

    /// For an operation of many writes: its success is recorded after it.
    pub async fn idempotent<F, Fut>(
        deps: &Deps,
        caller: &Caller,
        req: &Request,
        operation: &'static str,
        run: F,
    ) -> HandlerResult
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = HandlerResult>,
    {
        guarded(deps, caller, req, operation, Recorded::After, |_| run()).await
    }

    async fn guarded<F, Fut>(
        deps: &Deps,
        caller: &Caller,
        req: &Request,
        operation: &'static str,
        recorded: Recorded,
        run: F,
    ) -> HandlerResult
    where
        F: FnOnce(Option<IdempotencyKey>) -> Fut,
        Fut: Future<Output = HandlerResult>,
    {
        let Some(key) = idempotency::raw_key(req.headers())? else {
            return run(None).await;
        };
        let path = req.uri().path_and_query().map_or("", |p| p.as_str());
        let content_type = req
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let record = idempotency::record_key(
            &caller.user_id,
            operation,
            &key,
            req.method().as_str(),
            path,
            content_type,
            req.body().as_ref(),
        );
        match deps.store.claim_idempotency(&record, deps.clock.now(), LOCK).await? {
            Claim::Claimed => {}
            Claim::Replay { status, body } => return Ok(replayed(status, body)),
            Claim::InFlight => return Err(ApiError::Conflict(Text::IdempotencyInFlight)),
            Claim::Mismatch => {
                return Err(ApiError::invalid(
                    Loc::Header,
                    idempotency::HEADER,
                    Issue::IdempotencyKeyReused,
                    key,
                ));
            }
        }
        let result = run(Some(record.clone())).await;
        let recorded = match &result {
            Ok(response) if response.status() == 200 && recorded == Recorded::InWrite => Ok(()),
            Ok(response) if response.status() == 200 => match response.body() {
                Body::Text(text) if text.len() <= MAX_RECORDED => {
                    deps.store.complete_idempotency(&record, 200, text).await
                }
                _ => deps.store.release_idempotency(&record).await,
            },
            _ => deps.store.release_idempotency(&record).await,
        };
        // The request's own outcome stands; a record that could not be written only
        // makes a repeat wait for the lock.
        if let Err(err) = recorded {
            tracing::warn!(error = ?err, "idempotency record not updated");
        }
        result
    }

    fn replayed(status: u16, body: String) -> Response<Body> {
        let mut response = Response::new(Body::Text(body));
        *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
        let headers = response.headers_mut();
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        headers.insert("idempotent-replayed", http::HeaderValue::from_static("true"));
        response
    }
}

/// What every handler uses.
mod prelude {
    pub use std::sync::Arc;

    pub use glchat_shared::Deps;
    pub use glchat_shared::config::Needs;
    pub use glchat_shared::error::{accepted, ok};
    pub use glchat_shared::http::{BodyKind, Fields, path_id};
    pub use lambda_http::Request;

    pub use super::extract::message_window;
    pub use super::once::{idempotent, idempotent_write};
    pub use crate::routes::HandlerResult;
}
