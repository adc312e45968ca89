//! The crate every GLChat Lambda depends on: the HTTP edge, over the layers it
//! re-exports (see `ARCHITECTURE.md`).
//!
//! - `http`, `error` and `i18n`: request fields in, FastAPI-shaped errors out; the
//!   one place that chooses a status, a `loc` and a localized text for every domain
//!   error, authenticates a request and guards a retried one (`Idempotency-Key`);
//! - `ops` (crate `glchat-ops`): every use-case as one function,
//!   `ops::<aggregate>::<verb>(&Deps, &Caller, Input)`, with `Deps` and `config`;
//! - `store` (crate `glchat-store`, DynamoDB) and the clients (crate `glchat-clients`:
//!   S3, EventBridge, Secrets Manager, the LLM): the data and the outside services;
//! - the domain (crate `glchat-domain`): ids, times, models, pages, response bodies,
//!   deletion events and the errors of an operation.

pub mod error;
pub mod http;
pub mod i18n;

pub use error::{ApiError, HandlerResult};
pub use glchat_auth as auth;
pub use glchat_clients::{blobs, bus, llm, sdk, secrets};
pub use glchat_domain::{
    caller, clock, cursor, erasures, events, exports, ids, imports, issue, models, pages, responses,
};
pub use glchat_ops as ops;
pub use glchat_ops::{Deps, config, deps, laps, telemetry};
pub use glchat_store as store;
