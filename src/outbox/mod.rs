//! The outbox: a run's fan-out into deliveries, and the delivery state machine
//! (DESIGN.md §3) that turns a provider's [`Outcome`](crate::providers::Outcome) into the
//! delivery's next state.

mod attachments;
pub mod fanout;
pub mod state;

pub use attachments::load_attachments;
pub use fanout::{fan_out, FANOUT_CHUNK};
pub use state::{next_state, RetryPolicy};
