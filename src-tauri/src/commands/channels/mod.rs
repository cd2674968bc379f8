//! Channel commands: the kinds described by their schema (`kinds`, generic) and e-mail's own.

pub mod kinds;
pub mod smtp;
