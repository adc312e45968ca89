//! Typed identifiers, parsed once at the edge ("parse, don't validate").
//! Anything that reaches the store is one of these, never a raw string.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::issue::Issue;

/// The longest id we accept from outside; real ids (ULIDs, UUIDs) are far shorter.
pub const MAX_ID_LEN: usize = 128;

fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '|')
}

/// Parses a resource id: 1 to 128 of `[A-Za-z0-9._:|-]`. ULIDs and UUIDs pass, and so do
/// the ids of data migrated from elsewhere; separators of our keys (`#`) never do.
fn parse_resource_id(raw: &str) -> Result<String, Issue> {
    if raw.is_empty() || raw.len() > MAX_ID_LEN || !raw.chars().all(is_id_char) {
        return Err(Issue::InvalidId);
    }
    Ok(raw.to_owned())
}

/// Parses an id chosen by someone else (identity provider, chatbot registry): any text
/// of 1 to `max` characters without control characters. Keys escape it (see `store::keys`).
fn parse_external_id(raw: &str, max: usize) -> Result<String, Issue> {
    if raw.is_empty() {
        return Err(Issue::TooShort(1));
    }
    if raw.chars().count() > max {
        return Err(Issue::TooLong(max));
    }
    if raw.chars().any(char::is_control) {
        return Err(Issue::InvalidId);
    }
    Ok(raw.to_owned())
}

/// A tenant id names the stack's resources (table, bucket, object prefixes), so it is
/// as strict as an S3 bucket name part: lower-case letters, digits and `-`, 1 to 40.
fn parse_tenant(raw: &str) -> Result<String, Issue> {
    let valid = (1..=40).contains(&raw.len())
        && raw
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !raw.starts_with('-');
    if valid {
        Ok(raw.to_owned())
    } else {
        Err(Issue::InvalidId)
    }
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $parse:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn parse(raw: &str) -> Result<Self, Issue> {
                let parse: fn(&str) -> Result<String, Issue> = $parse;
                parse(raw).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type!(
    /// A conversation: a ULID when we mint it, any resource id when a client does (clone).
    ConversationId,
    parse_resource_id
);
id_type!(
    /// A message: a ULID, whose time prefix orders the conversation.
    MessageId,
    parse_resource_id
);
id_type!(
    /// An attachment: a ULID.
    AttachmentId,
    parse_resource_id
);
id_type!(
    /// A share link: 128 random bits, base64url (never a ULID, whose prefix is guessable).
    ShareId,
    parse_resource_id
);
id_type!(
    /// An export of a user's conversations: a ULID.
    ExportId,
    parse_resource_id
);
id_type!(
    /// An import of a user's history: a ULID.
    ImportId,
    parse_resource_id
);
id_type!(
    /// An erasure of everything of a user's: a ULID.
    ErasureId,
    parse_resource_id
);
id_type!(
    /// The user, as the token's `sub` names it.
    UserId,
    |raw| parse_external_id(raw, 256)
);
id_type!(
    /// The chatbot a conversation belongs to, as the product names it.
    ChatbotId,
    |raw| parse_external_id(raw, 128)
);
id_type!(
    /// The tenant this deployment serves.
    TenantId,
    parse_tenant
);

/// A fresh ULID stamped with `now` (the app's clock, so tests control it).
pub fn new_ulid(now: crate::clock::Timestamp) -> ulid::Ulid {
    ulid::Ulid::from_parts(now.unix_ms(), rand::random())
}

impl UserId {
    /// No user: what a public snapshot shows as its conversation's owner.
    pub fn anonymous() -> Self {
        Self(String::new())
    }
}

impl ConversationId {
    pub fn generate(now: crate::clock::Timestamp) -> Self {
        Self(new_ulid(now).to_string())
    }

    pub fn from_ulid(ulid: ulid::Ulid) -> Self {
        Self(ulid.to_string())
    }
}

impl AttachmentId {
    pub fn generate(now: crate::clock::Timestamp) -> Self {
        Self(new_ulid(now).to_string())
    }

    pub fn from_ulid(ulid: ulid::Ulid) -> Self {
        Self(ulid.to_string())
    }
}

impl ExportId {
    pub fn generate(now: crate::clock::Timestamp) -> Self {
        Self(new_ulid(now).to_string())
    }
}

impl ImportId {
    pub fn generate(now: crate::clock::Timestamp) -> Self {
        Self(new_ulid(now).to_string())
    }
}

impl ErasureId {
    pub fn generate(now: crate::clock::Timestamp) -> Self {
        Self(new_ulid(now).to_string())
    }
}

impl ShareId {
    /// 128 random bits from a CSPRNG seeded by the OS, base64url: unguessable, and unlike a
    /// ULID it says nothing about when it was made.
    pub fn generate() -> Self {
        use base64::Engine;
        let bytes: [u8; 16] = rand::random();
        Self(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }
}

impl MessageId {
    pub fn from_ulid(ulid: ulid::Ulid) -> Self {
        Self(ulid.to_string())
    }

    /// The ULID inside, when this id is one (ids migrated from elsewhere may not be).
    pub fn ulid(&self) -> Option<ulid::Ulid> {
        ulid::Ulid::from_string(&self.0).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_ids_accept_ulids_and_uuids_only() {
        assert!(ConversationId::parse("01JDQ4M1ZQ8XKX3V4Y0Z1ABCDE").is_ok());
        assert!(ConversationId::parse("6f1c2a4e-9b7d-4c1e-8f3a-2b5d6e7f8a9b").is_ok());
        assert_eq!(ConversationId::parse(""), Err(Issue::InvalidId));
        assert_eq!(ConversationId::parse("a#b"), Err(Issue::InvalidId));
        assert_eq!(ConversationId::parse("a b"), Err(Issue::InvalidId));
        assert_eq!(ConversationId::parse(&"a".repeat(129)), Err(Issue::InvalidId));
    }

    #[test]
    fn external_ids_take_any_printable_text() {
        assert_eq!(UserId::parse("auth0|abc#1").unwrap().as_str(), "auth0|abc#1");
        assert_eq!(
            UserId::parse("pengguna@contoh.id").unwrap().as_str(),
            "pengguna@contoh.id"
        );
        assert_eq!(UserId::parse(""), Err(Issue::TooShort(1)));
        assert_eq!(UserId::parse("a\u{0}b"), Err(Issue::InvalidId));
        assert_eq!(ChatbotId::parse(&"b".repeat(129)), Err(Issue::TooLong(128)));
    }

    #[test]
    fn share_ids_are_random_and_id_safe() {
        let (a, b) = (ShareId::generate(), ShareId::generate());
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 22, "128 bits in base64url");
        assert!(ShareId::parse(a.as_str()).is_ok());
    }

    #[test]
    fn tenant_ids_are_strict() {
        assert!(TenantId::parse("acme-2").is_ok());
        for bad in ["", "Acme", "a b", "-x", "a/b", &"a".repeat(41)] {
            assert_eq!(TenantId::parse(bad), Err(Issue::InvalidId), "{bad:?}");
        }
    }
}
