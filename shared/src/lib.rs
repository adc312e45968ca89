//! The library every GLChat conversation Lambda shares.

pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod cursor;
pub mod error;
pub mod http;
pub mod i18n;
pub mod ids;
pub mod models;
pub mod search;
pub mod store;
pub mod telemetry;

pub use app::App;
pub use error::ApiError;
