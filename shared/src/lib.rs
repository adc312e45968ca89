//! The library every GLChat conversation Lambda shares.

pub mod app;
pub mod auth;
pub mod blobs;
pub mod clock;
pub mod config;
pub mod cursor;
pub mod deletion;
pub mod error;
pub mod http;
pub mod i18n;
pub mod ids;
pub mod models;
pub mod search;
pub mod sharing;
pub mod store;
pub mod telemetry;
pub mod titles;

pub use app::App;
pub use error::ApiError;
