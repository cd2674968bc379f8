//! Channel commands of the kinds described by their schema (`kinds`, generic).

pub mod kinds;
