//! # Herald core
//!
//! The library behind both faces of Herald: the `herald` CLI and the desktop shell in
//! `src-tauri/`. It knows nothing of either: no Tauri, no clap, no printing.
//!
//! A notice travels: [`compose`] checks and renders it → [`outbox::fanout`] resolves the
//! [`audience`] into one delivery per recipient × channel → [`dispatch`] claims due deliveries
//! per channel and hands them to a [`providers::Provider`] → the outcome and an attempt row are
//! written back → [`report`] reads history. [`store`] holds every SQL statement; nothing else
//! builds SQL. [`app::App`] is the handle both faces hold.
//!
//! Layer rules (ARCHITECTURE.md): providers never touch the store; only `store` speaks SQL;
//! progress leaves the core through callbacks/channels the caller supplies.

pub mod app;
pub mod audience;
pub mod audit;
pub mod channels;
#[cfg(feature = "cli")]
pub mod cli;
pub mod clock;
pub mod compose;
pub mod demo;
pub mod dispatch;
pub mod error;
pub mod files;
pub mod import;
pub mod model;
pub mod notice_check;
pub mod notice_file;
pub mod outbox;
pub mod private;
pub mod providers;
pub mod report;
pub mod secrets;
pub mod store;
pub mod text;

pub use app::{App, AppConfig};
pub use error::{Error, Result};
