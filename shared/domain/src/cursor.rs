//! Opaque, tamper-proof list cursors: the position as base64url JSON plus an
//! HMAC-SHA256 over it and the scope (who asked, with which filters), so a cursor
//! cannot be forged, edited, or replayed by another user or for another query.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::Sha256;

use crate::issue::Issue;

type HmacSha256 = Hmac<Sha256>;

/// Longest cursor accepted; ours are well under 300 characters.
const MAX_CURSOR_LEN: usize = 1024;

#[derive(Clone)]
pub struct CursorSigner {
    /// The current key signs; the previous one, during a rotation, still verifies.
    keys: Vec<Vec<u8>>,
}

impl std::fmt::Debug for CursorSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorSigner")
    }
}

impl CursorSigner {
    pub fn new(secret: &crate::secret::Rotating) -> Self {
        Self {
            keys: secret.keys().map(|k| k.as_bytes().to_vec()).collect(),
        }
    }

    fn mac(key: &[u8], scope: &[&str], payload: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
        // The scope as JSON: an unambiguous encoding of the list of strings.
        mac.update(&serde_json::to_vec(scope).expect("a list of strings serializes"));
        mac.update(b"\n");
        mac.update(payload);
        mac
    }

    pub fn sign<T: Serialize>(&self, scope: &[&str], position: &T) -> String {
        let payload = serde_json::to_vec(position).expect("cursor positions serialize");
        let tag = Self::mac(&self.keys[0], scope, &payload).finalize().into_bytes();
        format!("{}.{}", URL_SAFE_NO_PAD.encode(&payload), URL_SAFE_NO_PAD.encode(tag))
    }

    pub fn verify<T: DeserializeOwned>(&self, scope: &[&str], cursor: &str) -> Result<T, Issue> {
        if cursor.len() > MAX_CURSOR_LEN {
            return Err(Issue::InvalidCursor);
        }
        let (payload_b64, tag_b64) = cursor.split_once('.').ok_or(Issue::InvalidCursor)?;
        let payload = URL_SAFE_NO_PAD.decode(payload_b64).map_err(|_| Issue::InvalidCursor)?;
        let tag = URL_SAFE_NO_PAD.decode(tag_b64).map_err(|_| Issue::InvalidCursor)?;
        if !self
            .keys
            .iter()
            .any(|key| Self::mac(key, scope, &payload).verify_slice(&tag).is_ok())
        {
            return Err(Issue::InvalidCursor);
        }
        serde_json::from_slice(&payload).map_err(|_| Issue::InvalidCursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Position {
        after: String,
    }

    fn signer(current: &str, previous: Option<&str>) -> CursorSigner {
        CursorSigner::new(&crate::secret::Rotating {
            current: current.into(),
            previous: previous.map(Into::into),
        })
    }

    #[test]
    fn round_trips_within_its_scope_only() {
        let signer = signer("k", None);
        let pos = Position {
            after: "2026-01-01T00:00:00.000Z#01J".into(),
        };
        let cursor = signer.sign(&["list", "alice", ""], &pos);
        assert_eq!(signer.verify::<Position>(&["list", "alice", ""], &cursor).unwrap(), pos);
        assert!(signer.verify::<Position>(&["list", "bob", ""], &cursor).is_err());
        assert!(signer.verify::<Position>(&["list", "alice", "bot"], &cursor).is_err());
        assert!(
            self::signer("other", None)
                .verify::<Position>(&["list", "alice", ""], &cursor)
                .is_err()
        );
    }

    #[test]
    fn a_rotation_keeps_the_cursors_of_the_previous_key() {
        let pos = Position { after: "a".into() };
        let old = signer("old", None).sign(&["s"], &pos);
        let rotating = signer("new", Some("old"));
        assert_eq!(rotating.verify::<Position>(&["s"], &old).unwrap(), pos);
        let new = rotating.sign(&["s"], &pos);
        assert!(
            signer("old", None).verify::<Position>(&["s"], &new).is_err(),
            "signed with the new key"
        );
        assert!(
            signer("new", None).verify::<Position>(&["s"], &old).is_err(),
            "after the rotation"
        );
    }

    #[test]
    fn refuses_edits_and_garbage() {
        let signer = signer("k", None);
        let cursor = signer.sign(&["s"], &Position { after: "a".into() });
        let forged_payload = URL_SAFE_NO_PAD.encode(br#"{"after":"b"}"#);
        let (_, tag) = cursor.split_once('.').unwrap();
        assert!(
            signer
                .verify::<Position>(&["s"], &format!("{forged_payload}.{tag}"))
                .is_err()
        );
        for junk in ["", ".", "abc", "!!.!!", &"a".repeat(2000)] {
            assert_eq!(signer.verify::<Position>(&["s"], junk), Err(Issue::InvalidCursor));
        }
    }
}
