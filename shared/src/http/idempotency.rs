//! The `Idempotency-Key` request header (IETF httpapi draft "The Idempotency-Key HTTP
//! Header Field"): read, checked, and turned into the store's record key and the
//! request's fingerprint.

use sha2::{Digest, Sha256};

use crate::error::{ApiError, Loc};
use crate::i18n::Issue;
use crate::ids::{ConversationId, UserId};
use crate::store::idempotency::IdempotencyKey;
use crate::store::keys;

pub const HEADER: &str = "idempotency-key";

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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
