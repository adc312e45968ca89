//! The domain of the GLChat conversation service: what a conversation, a message, an
//! attachment and a share link are, how their ids and times are parsed and written,
//! which messages one page holds, what the API answers, what a deletion tells
//! downstream stores, and why an operation may not happen.
//!
//! Nothing here calls AWS or speaks HTTP: the store, the clients and the edge depend
//! on this crate, never the other way round.

pub mod caller;
pub mod chatgpt;
pub mod clock;
pub mod cursor;
pub mod erasures;
pub mod error;
pub mod events;
pub mod exports;
pub mod ids;
pub mod imports;
pub mod issue;
pub mod models;
pub mod pages;
pub mod responses;
pub mod secret;
