//! `ApiError`: the one error type handlers return. Each variant maps to a status and a
//! FastAPI-shaped body; a 500 says nothing internal and logs the whole cause chain.

use lambda_http::{Body, Response};
use serde::Serialize;
use serde_json::{Value, json};

use glchat_auth::AuthError;
use glchat_domain::error::{OpError, StoreError};

use crate::http::response;
use crate::i18n::{Issue, IssueText, Lang, Text};

/// Where a field lives, the first element of a FastAPI `loc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loc {
    Body,
    Query,
    Header,
}

impl Loc {
    pub fn as_str(self) -> &'static str {
        match self {
            Loc::Body => "body",
            Loc::Query => "query",
            Loc::Header => "header",
        }
    }
}

/// One entry of a 422 `detail` list.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub loc: Loc,
    /// The field name, or `None` for the body as a whole.
    pub field: Option<String>,
    /// Which item of a list field, when the problem is one item's.
    pub index: Option<usize>,
    pub issue: Issue,
    pub input: Value,
}

impl FieldError {
    pub fn new(loc: Loc, field: &str, issue: Issue, input: Value) -> Self {
        Self {
            loc,
            field: Some(field.to_owned()),
            index: None,
            issue,
            input,
        }
    }

    /// The problem is the `index`th item of a list field (the item is the input).
    pub fn at(mut self, index: Option<usize>) -> Self {
        self.index = index;
        self
    }

    fn to_json(&self, lang: Lang) -> Value {
        let mut loc = vec![Value::from(self.loc.as_str())];
        loc.extend(self.field.iter().map(|f| Value::from(f.as_str())));
        loc.extend(self.index.map(Value::from));
        json!({
            "type": self.issue.kind(),
            "loc": loc,
            "msg": self.issue.render(lang),
            "input": self.input,
        })
    }
}

/// What every handler returns: its response, or the error that becomes one.
pub type HandlerResult = Result<Response<Body>, ApiError>;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("request validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    #[error("not authenticated")]
    Unauthenticated,
    #[error("forbidden: {0:?}")]
    Forbidden(Text),
    #[error("not found: {0:?}")]
    NotFound(Text),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("conflict: {0:?}")]
    Conflict(Text),
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("too many requests")]
    TooManyRequests { retry_after: std::time::Duration },
    #[error("dependency unavailable")]
    Unavailable(#[source] anyhow::Error),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn invalid(loc: Loc, field: &str, issue: Issue, input: impl Into<Value>) -> Self {
        ApiError::Validation(vec![FieldError::new(loc, field, issue, input.into())])
    }

    pub fn status(&self) -> u16 {
        match self {
            ApiError::Validation(_) => 422,
            ApiError::Unauthenticated => 401,
            ApiError::Forbidden(_) => 403,
            ApiError::NotFound(_) => 404,
            ApiError::MethodNotAllowed => 405,
            ApiError::Conflict(_) => 409,
            ApiError::PayloadTooLarge => 413,
            ApiError::UnsupportedMediaType => 415,
            ApiError::TooManyRequests { .. } => 429,
            ApiError::Unavailable(_) => 503,
            ApiError::Internal(_) => 500,
        }
    }

    /// The response a client sees. Server-side failures are logged here, once, with
    /// their cause chain; the body names none of it.
    pub fn into_response(self, lang: Lang) -> Response<Body> {
        let status = self.status();
        let detail = |text: Text| json!({ "detail": text.render(lang) });
        let body = match &self {
            ApiError::Validation(errors) => {
                json!({ "detail": errors.iter().map(|e| e.to_json(lang)).collect::<Vec<_>>() })
            }
            ApiError::Unauthenticated => detail(Text::NotAuthenticated),
            ApiError::Forbidden(text) | ApiError::NotFound(text) | ApiError::Conflict(text) => detail(*text),
            ApiError::MethodNotAllowed => detail(Text::MethodNotAllowed),
            ApiError::PayloadTooLarge => detail(Text::PayloadTooLarge),
            ApiError::UnsupportedMediaType => detail(Text::UnsupportedMediaType),
            ApiError::TooManyRequests { .. } => detail(Text::TooManyRequests),
            ApiError::Unavailable(cause) => {
                tracing::warn!(error = ?cause, "dependency unavailable after retries");
                detail(Text::ServiceUnavailable)
            }
            ApiError::Internal(cause) => {
                tracing::error!(error = ?cause, "request failed");
                detail(Text::InternalError)
            }
        };
        let mut response = response::json_status(status, &body);
        if matches!(self, ApiError::Unauthenticated) {
            response
                .headers_mut()
                .insert(http::header::WWW_AUTHENTICATE, http::HeaderValue::from_static("Bearer"));
        }
        if let ApiError::TooManyRequests { retry_after } = &self {
            // Whole seconds, rounded up: a client that waits this long is let in.
            let seconds = retry_after.as_millis().div_ceil(1000).max(1);
            if let Ok(value) = http::HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(http::header::RETRY_AFTER, value);
            }
        }
        // Both a dependency's hiccup and a lost race pass if the client tries again soon.
        if matches!(
            self,
            ApiError::Unavailable(_) | ApiError::Conflict(Text::Busy | Text::IdempotencyInFlight)
        ) {
            response
                .headers_mut()
                .insert(http::header::RETRY_AFTER, http::HeaderValue::from_static("1"));
        }
        response
    }
}

/// A 200 with `body`: what every handler answers when its operation succeeds.
pub fn ok<T: Serialize>(body: T) -> Result<Response<Body>, ApiError> {
    Ok(response::json_status(200, &body))
}

/// A 202 with `body`: the work is under way and the same request continues it (so an
/// `Idempotency-Key` does not keep it: the repeat must run).
pub fn accepted<T: Serialize>(body: T) -> Result<Response<Body>, ApiError> {
    Ok(response::json_status(202, &body))
}

/// Marks a response as the request's final answer whatever its status, so an
/// `Idempotency-Key` keeps it as it keeps a 200 (`http::idempotency`).
#[derive(Debug, Clone, Copy)]
pub struct Settled;

/// A 202 with `body` that settles the request: a job was created, and the background
/// does the rest; a keyed repeat gets the same answer (the same job).
pub fn accepted_job<T: Serialize>(body: T) -> Result<Response<Body>, ApiError> {
    let mut response = response::json_status(202, &body);
    response.extensions_mut().insert(Settled);
    Ok(response)
}

/// Each domain error's status, and for a refused value the field and `loc` it names.
impl From<OpError> for ApiError {
    fn from(err: OpError) -> Self {
        match err {
            OpError::ConversationNotFound => ApiError::NotFound(Text::ConversationNotFound),
            OpError::ShareNotFound => ApiError::NotFound(Text::ShareNotFound),
            OpError::ExportNotFound => ApiError::NotFound(Text::ExportNotFound),
            OpError::ErasureNotFound => ApiError::NotFound(Text::ErasureNotFound),
            OpError::ImportNotFound => ApiError::NotFound(Text::ImportNotFound),
            OpError::ForeignUser => ApiError::Forbidden(Text::ForeignUser),
            OpError::ConversationIdTaken => ApiError::Conflict(Text::ConversationIdTaken),
            OpError::Busy => ApiError::Conflict(Text::Busy),
            OpError::RateLimited { retry_after } => ApiError::TooManyRequests { retry_after },
            OpError::UnknownParent { parent } => {
                ApiError::invalid(Loc::Body, "parent_id", Issue::UnknownParent, parent)
            }
            OpError::UnknownMessage { message } => {
                ApiError::invalid(Loc::Body, "message_id", Issue::UnknownMessage, message)
            }
            OpError::BadCursor { cursor, issue } => ApiError::invalid(Loc::Query, "cursor", issue, cursor),
            OpError::AttachmentQuota { size, limit } => {
                ApiError::invalid(Loc::Body, "size", Issue::AttachmentQuota(limit), size)
            }
            OpError::TooManyAttachments { limit } => ApiError::Validation(vec![FieldError {
                loc: Loc::Body,
                field: None,
                index: None,
                issue: Issue::TooManyAttachments(limit),
                input: Value::Null,
            }]),
            OpError::Store(err) => err.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(cause) => ApiError::Unavailable(cause),
            // A race with another writer: the same request will likely pass in a moment.
            StoreError::Conflict(cause) => {
                tracing::info!(error = ?cause, "concurrent write");
                ApiError::Conflict(Text::Busy)
            }
            StoreError::Other(cause) => ApiError::Internal(cause),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Unauthenticated => ApiError::Unauthenticated,
            AuthError::TenantClaimMissing => ApiError::Forbidden(Text::TenantClaimMissing),
            AuthError::TenantMismatch => ApiError::Forbidden(Text::TenantMismatch),
            AuthError::ForeignOrigin => ApiError::Forbidden(Text::ForeignOrigin),
        }
    }
}
