//! The library every GLChat conversation Lambda shares, in layers:
//!
//! - `http` and `error`: request fields in, FastAPI-shaped errors out;
//! - `ops`: every use-case as one function, `ops::<aggregate>::<verb>(&Deps, &Caller, Input)`;
//! - `store` (DynamoDB, one file per entity) and `blobs` (S3): the data;
//! - `deps`: what one function builds at cold start, from its `config::Needs`;
//! - `models` and `responses`: what is stored and what the API answers.

pub mod auth;
pub mod aws;
pub mod blobs;
pub mod bus;
pub mod clock;
pub mod config;
pub mod cursor;
pub mod deps;
pub mod error;
pub mod events;
pub mod http;
pub mod i18n;
pub mod ids;
pub mod laps;
pub mod models;
pub mod ops;
pub mod pages;
pub mod responses;
pub mod secrets;
pub mod store;
pub mod telemetry;
pub mod titles;

pub use deps::Deps;
pub use error::ApiError;
