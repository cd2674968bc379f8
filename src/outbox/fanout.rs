//! Fan-out: one delivery per recipient × channel (one per group chat), written in short chunked transactions so
//! that a large audience never holds the write lock for long, and keyed on
//! (run, contact, channel) so that a repeated or interrupted fan-out adds nothing twice.

use crate::audience;
use crate::channels::{self, address_kind, address_kinds_json, is_group, MAX_MENTIONS, MENTIONS_VARIABLE};
use crate::compose;
use crate::model::{Channel, ChannelStrategy, Notice};
use crate::providers::Mentions;
use crate::store::{AddressSource, AudienceFilter, FrozenVariables, Store};
use crate::Result;

/// Contacts per fan-out transaction.
pub const FANOUT_CHUNK: i64 = 10_000;

/// Resolves the notice's audience now and writes the run's deliveries; returns how many. A
/// run cancelled meanwhile stops gaining deliveries at the next chunk and stays cancelled.
pub async fn fan_out(store: &Store, run_id: i64, notice: &Notice) -> Result<i64> {
    let filter = audience::resolve(store, &notice.audience).await?;
    // A notice whose templates no longer parse freezes everything; its deliveries then fail
    // one by one with the template's error, which is what the history should show. A
    // template's `{{ 姓名 }}` freezes `name`; notice values and the date are the notice's, not
    // the contact's, and are not frozen.
    // A notice with English freezes `language` too: each person's version is chosen from it
    // (`compose::ChannelTemplates::pick`), so a retry after their contact changed sends the same.
    let variables =
        compose::frozen_names_of(&compose::Texts::of(notice)).map_or(FrozenVariables::All, FrozenVariables::Only);
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
                let variables = group_variables(store, &filter, &channel).await?;
                store
                    .fan_out_group(run_id, channel.id, notice.priority, &variables)
                    .await?;
            }
        }
        return Ok(store.finish_fan_out(run_id).await?);
    }
    for &channel_id in &notice.channel_ids {
        let channel = store.get_channel(channel_id).await?;
        if is_group(channel.kind) {
            let variables = group_variables(store, &filter, &channel).await?;
            store
                .fan_out_group(run_id, channel.id, notice.priority, &variables)
                .await?;
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

/// A group delivery's variables: empty, or for a robot set to @-mention the notice's
/// audience, whom it mentions as the audience stands now (frozen like everyone's variables,
/// so a retry mentions the same people). More people than [`MAX_MENTIONS`] are frozen as a
/// count alone: the dispatcher refuses that message, naming the number and the limit.
pub async fn group_variables(store: &Store, filter: &AudienceFilter, channel: &Channel) -> Result<serde_json::Value> {
    let settings = store.channel_settings(channel.id).await?;
    let by = channels::mentions_audience_by(channel.kind, &settings);
    if by.is_empty() {
        return Ok(serde_json::json!({}));
    }
    let found = store.audience_mentions(filter, by, MAX_MENTIONS as i64).await?;
    let mention = if found.len() > MAX_MENTIONS {
        let people = store.count_audience(filter).await?;
        serde_json::json!({ "tooMany": people })
    } else {
        let mut mentions = Mentions::default();
        for (kind, address) in found {
            if kind == "mobile" {
                mentions.mobiles.push(address);
            } else {
                mentions.ids.push(address);
            }
        }
        serde_json::to_value(mentions).expect("JSON of strings")
    };
    Ok(serde_json::json!({ MENTIONS_VARIABLE: mention }))
}

/// The fan-out of a test run (发给我自己试试): the notice to one contact alone on each of
/// `channels` (never a group chat), with the variables a real run would freeze for them, at
/// `priority` (the caller's: a test should not wait behind a large run).
pub async fn fan_out_test(
    store: &Store,
    run_id: i64,
    notice: &Notice,
    contact_id: i64,
    channels: &[Channel],
    priority: i32,
) -> Result<i64> {
    let filter = AudienceFilter::Ids(vec![contact_id]);
    let variables = compose::frozen_names(&notice.subject, &notice.body, &notice.values)
        .map_or(FrozenVariables::All, FrozenVariables::Only);
    if !store.begin_fan_out(run_id).await? {
        return Ok(0);
    }
    for channel in channels.iter().filter(|c| !is_group(c.kind)) {
        let source = match address_kind(channel.kind) {
            None => AddressSource::Anything,
            Some(kind) => AddressSource::Kind(kind),
        };
        // One contact: one chunk covers it.
        store
            .fan_out_chunk(
                run_id,
                channel.id,
                channel.kind.as_str(),
                source,
                &filter,
                &variables,
                priority,
                0,
                FANOUT_CHUNK,
            )
            .await?;
    }
    Ok(store.finish_fan_out(run_id).await?)
}
