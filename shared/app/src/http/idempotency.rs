//! The `Idempotency-Key` request header (IETF httpapi draft "The Idempotency-Key HTTP
//! Header Field"): read, checked, turned into the store's record key and the request's
//! fingerprint, and the guard that runs a keyed request once.
//!
//! `Idempotency-Key` on the endpoints that create (conversation, message, attachment,
//! share, clone): the first request with a key runs and its success is recorded; a
//! repeat with the same key and request gets the recorded response
//! (`Idempotent-Replayed: true`), one with a different request 422, one while the first
//! still runs 409 with `Retry-After`. Failures are not recorded: a repeat runs again.
//! An operation that writes in one transaction records its response in it
//! (`idempotent_write`: `run` gets the claim); one of many writes has it recorded after
//! it succeeds (`idempotent`).

use std::future::Future;
use std::time::Duration;

use glchat_domain::caller::Caller;
use glchat_domain::ids::{ConversationId, UserId};
use glchat_ops::Deps;
use glchat_store::idempotency::{Claim, HeldClaim, IdempotencyKey};
use glchat_store::keys;
use lambda_http::{Body, Request, Response};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, HandlerResult, Loc};
use crate::i18n::{Issue, Text};

pub const HEADER: &str = "idempotency-key";

/// HTTP API's integration timeout: API Gateway answers 503 past it, so no function
/// that answers a request is given longer.
pub const INTEGRATION_TIMEOUT: Duration = Duration::from_secs(30);

/// The request's key, if it sent one: 1 to 255 visible ASCII characters, else 422.
pub fn raw_key(headers: &http::HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(HEADER) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()));
    match key {
        Some(key) => Ok(Some(key.to_owned())),
        None => Err(ApiError::invalid(
            Loc::Header,
            HEADER,
            Issue::IdempotencyKey,
            String::from_utf8_lossy(value.as_bytes()).into_owned(),
        )),
    }
}

/// The record of `key` for `user` on `operation`, fingerprinting what the request asks
/// (method, path with query, content type, body): a repeat must ask the same.
pub fn record_key(
    user: &UserId,
    operation: &str,
    key: &str,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> IdempotencyKey {
    let key_hash = hex(&Sha256::digest(key.as_bytes()));
    let mut fingerprint = Sha256::new();
    for part in [method.as_bytes(), path.as_bytes(), content_type.as_bytes(), body] {
        // Lengths first: no two different requests concatenate to the same bytes.
        fingerprint.update((part.len() as u64).to_be_bytes());
        fingerprint.update(part);
    }
    IdempotencyKey {
        key: keys::idempotency(user, operation, &key_hash),
        fingerprint: hex(&fingerprint.finalize()),
    }
}

/// A conversation id that one user's key always gives: a clone sent with a key and no
/// `new_conversation_id` lands under it, so its repeats continue or return that clone.
pub fn derived_conversation_id(user: &UserId, key: &str) -> ConversationId {
    let digest = Sha256::new()
        .chain_update(b"clone\0")
        .chain_update(user.as_str().as_bytes())
        .chain_update(b"\0")
        .chain_update(key.as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    ConversationId::from_ulid(ulid::Ulid::from_bytes(bytes))
}

/// How long a claim locks its key: a request's function is stopped at its timeout,
/// and every function's is under HTTP API's integration timeout (the template test
/// holds it), so a claim still locked belongs to a request that may still run. A
/// lapsed claim is taken over with a new token, which the late request cannot match.
const LOCK: Duration = INTEGRATION_TIMEOUT;
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
    F: FnOnce(Option<HeldClaim>) -> Fut,
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
    F: FnOnce(Option<HeldClaim>) -> Fut,
    Fut: Future<Output = HandlerResult>,
{
    let Some(key) = raw_key(req.headers())? else {
        return run(None).await;
    };
    let path = req.uri().path_and_query().map_or("", |p| p.as_str());
    let content_type = req
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let record = record_key(
        &caller.user_id,
        operation,
        &key,
        req.method().as_str(),
        path,
        content_type,
        req.body().as_ref(),
    );
    let claim = match deps.store.claim_idempotency(&record, deps.clock.now(), LOCK).await? {
        Claim::Claimed(claim) => claim,
        Claim::Replay { status, body } => return Ok(replayed(status, body)),
        Claim::InFlight => return Err(ApiError::Conflict(Text::IdempotencyInFlight)),
        Claim::Mismatch => {
            return Err(ApiError::invalid(Loc::Header, HEADER, Issue::IdempotencyKeyReused, key));
        }
    };
    let result = run(Some(claim.clone())).await;
    // A 200, or a response the handler settled (a job's 202), is the request's answer.
    let settled = |response: &Response<Body>| {
        response.status() == 200 || response.extensions().get::<crate::error::Settled>().is_some()
    };
    let recorded = match &result {
        Ok(response) if settled(response) && recorded == Recorded::InWrite => Ok(()),
        Ok(response) if settled(response) => match response.body() {
            Body::Text(text) if text.len() <= MAX_RECORDED => {
                deps.store
                    .complete_idempotency(&claim, response.status().as_u16(), text)
                    .await
            }
            _ => deps.store.release_idempotency(&claim).await,
        },
        _ => deps.store.release_idempotency(&claim).await,
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
