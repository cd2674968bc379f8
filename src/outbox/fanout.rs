//! Fan-out: one delivery per recipient × channel (one per group chat), written in short chunked transactions so
//! that a large audience never holds the write lock for long, and keyed on
//! (run, contact, channel) so that a repeated or interrupted fan-out adds nothing twice.

use crate::audience;
use crate::channels::{address_kind, address_kinds_json, is_group};
use crate::compose;
use crate::model::{ChannelStrategy, Notice};
use crate::store::{AddressSource, FrozenVariables, Store};
use crate::Result;

/// Contacts per fan-out transaction.
pub const FANOUT_CHUNK: i64 = 10_000;

/// Resolves the notice's audience now and writes the run's deliveries; returns how many. A
/// run cancelled meanwhile stops gaining deliveries at the next chunk and stays cancelled.
pub async fn fan_out(store: &Store, run_id: i64, notice: &Notice) -> Result<i64> {
    let filter = audience::resolve(store, &notice.audience).await?;
    // A notice whose templates no longer parse freezes everything; its deliveries then fail
    // one by one with the template's error, which is what the history should show.
    let variables =
        compose::top_level_variables(&notice.subject, &notice.body).map_or(FrozenVariables::All, FrozenVariables::Only);
    if !store.begin_fan_out(run_id).await? {
        // Cancelled before its fan-out began: it stays cancelled, with nothing queued.
        return Ok(0);
    }
    if notice.channel_strategy == ChannelStrategy::PreferredThenFallback {
        let kinds = address_kinds_json();
        let mut after = 0;
        while let Some(last) = store
            .fan_out_preferred_chunk(
                run_id,
                notice.id,
                &kinds,
                &filter,
                &variables,
                notice.priority,
                after,
                FANOUT_CHUNK,
            )
            .await?
        {
            after = last;
        }
        // Group chats are no one's preference: each gets its one message besides.
        for &channel_id in &notice.channel_ids {
            let channel = store.get_channel(channel_id).await?;
            if channel.enabled && is_group(channel.kind) {
                store.fan_out_group(run_id, channel.id, notice.priority).await?;
            }
        }
        return Ok(store.finish_fan_out(run_id).await?);
    }
    for &channel_id in &notice.channel_ids {
        let channel = store.get_channel(channel_id).await?;
        if is_group(channel.kind) {
            store.fan_out_group(run_id, channel.id, notice.priority).await?;
            continue;
        }
        let source = match address_kind(channel.kind) {
            None => AddressSource::Anything,
            Some(kind) => AddressSource::Kind(kind),
        };
        let mut after = 0;
        while let Some(last) = store
            .fan_out_chunk(
                run_id,
                channel.id,
                channel.kind.as_str(),
                source,
                &filter,
                &variables,
                notice.priority,
                after,
                FANOUT_CHUNK,
            )
            .await?
        {
            after = last;
        }
    }
    Ok(store.finish_fan_out(run_id).await?)
}
