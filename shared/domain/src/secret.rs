//! Secret keys as the domain holds them: never printed, rotated without downtime.

use secrecy::{ExposeSecret, SecretString};

/// Shortest secret accepted (HS256, NextAuth, cursors): 256 bits of key material at
/// best, and no guessable word.
pub const MIN_SECRET_LEN: usize = 32;

/// A key and, during a rotation, the one it replaces: credentials and cursors made with
/// either are accepted, only the current one signs. `Debug` shows neither.
#[derive(Debug, Clone)]
pub struct Rotating {
    pub current: SecretString,
    pub previous: Option<SecretString>,
}

impl Rotating {
    /// The current key first.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.current.expose_secret()).chain(self.previous.as_ref().map(|p| p.expose_secret()))
    }
}
