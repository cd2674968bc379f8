//! The adversarial suite: hostile and unlucky input, through the real `herald` binary where a
//! user would meet it. Each surface has its own module; a new input surface (a provider, a
//! schedule, a template feature) adds its module here. Everything must be refused or contained
//! in bounded time and memory, with a clear message, and lose nothing.

#[path = "../common/mod.rs"]
mod common;

mod datadir;
mod dispatch;
mod files;
mod import;
mod templates;
