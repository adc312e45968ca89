//! HTTP in and out: who sent a request, its typed fields, its `Idempotency-Key`, and
//! JSON responses.

pub mod authenticate;
pub mod fields;
pub mod idempotency;
pub mod response;

pub use authenticate::Authenticate;
pub use fields::{BodyKind, Fields, FromField, PathId, path_id};
pub use idempotency::{idempotent, idempotent_write};
