//! HTTP in and out: typed request fields and JSON responses.

pub mod fields;
pub mod idempotency;
pub mod response;

pub use fields::{BodyKind, Fields, FromField, PathId, path_id};
