//! Fan-out throughput: a run's audience into the outbox, 30,000 and 100,000 recipients.
//! Target: at least 200,000 deliveries per second. Run: `cargo bench --bench fanout`.

mod common;

use herald::model::ChannelKind;
use herald::store::{NoticeRecord, Store};

async fn one(n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("herald.db")).await.unwrap();
    common::seed_contacts(&store, n).await;
    // Contacts are imported long before a notice goes out: their pages are in the database file,
    // not waiting in the WAL for the fan-out's commits to copy them.
    store.checkpoint().await.unwrap();
    let channel = store
        .insert_channel("sandbox", ChannelKind::SANDBOX, &serde_json::json!({}))
        .await
        .unwrap();
    let record = NoticeRecord {
        title: "期末考试安排",
        subject: "期末考试安排",
        body: "{{ name }}同学：请按时参加考试。",
        audience: "all",
        channel_ids: &[channel.id],
        channel_strategy: Default::default(),
        priority: 0,
        created_by: "bench",
        attachments: &[],
        allow_unsubscribe: false,
        values: &Default::default(),
        english: None,
        channel_versions: &[],
    };
    let notice = store.insert_notice(&record).await.unwrap();
    let run = store.insert_run(notice.id, 0, "bench").await.unwrap();
    let (total, took) = common::timed(herald::outbox::fan_out(&store, run, &notice)).await;
    let total = total.unwrap();
    assert_eq!(total as usize, n);
    common::report(
        &format!("fan-out {n} recipients × 1 channel"),
        total as u64,
        took,
        &format!("peak RSS {:.0} MiB", common::peak_rss_mib()),
    );
    // A fan-out resumed after a crash (the run still `fanning_out`) must add nothing
    // (idempotent on the unique key): the same rows written again by hand first, untimed.
    let notice = store.insert_notice(&record).await.unwrap();
    let run = store.insert_run(notice.id, 0, "bench").await.unwrap();
    assert!(store.begin_fan_out(run).await.unwrap());
    let everyone = herald::store::AudienceFilter::All;
    let vars = herald::store::FrozenVariables::All;
    let mut after = 0;
    while let Some(last) = store
        .fan_out_chunk(
            run,
            channel.id,
            "sandbox",
            herald::store::AddressSource::Anything,
            &everyone,
            &vars,
            0,
            after,
            herald::outbox::FANOUT_CHUNK,
        )
        .await
        .unwrap()
    {
        after = last;
    }
    let (again, took_again) = common::timed(herald::outbox::fan_out(&store, run, &notice)).await;
    assert_eq!(again.unwrap(), total);
    common::report(
        &format!("repeated fan-out {n} (adds nothing)"),
        n as u64,
        took_again,
        "",
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        one(30_000).await;
        one(100_000).await;
    });
}
