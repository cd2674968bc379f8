//! The outbox and dispatcher under hostile recipients, slow servers and races.
