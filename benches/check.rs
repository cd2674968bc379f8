//! The whole-audience check of a notice to 30,000 people on three channels: the sandbox (text),
//! e-mail (Markdown-escaped values) and WeCom app messages (Markdown, a 2,048-byte limit the
//! kind checks per message). Every person is rendered as the dispatcher would render them.
//! Target: ≤ 1 s. Run: `cargo bench --bench check`.

mod common;

use std::time::Duration;

use herald::model::{ChannelKind, ContactUpsert, NewNotice};

const PEOPLE: usize = 30_000;
const RUNS: usize = 5;

fn person(i: usize) -> ContactUpsert {
    ContactUpsert {
        external_id: Some(format!("S{i:07}")),
        name: format!("学生{i}"),
        fields: vec![
            ("role", Some("学生".into())),
            ("department", Some("农学院".into())),
            ("class_name", Some(format!("农学24{:02}", i % 30))),
            ("grade", Some("2024".into())),
            (
                "language",
                Some(if i.is_multiple_of(50) { "en" } else { "zh-CN" }.into()),
            ),
        ],
        addresses: vec![
            (
                "email",
                (!i.is_multiple_of(10)).then(|| format!("s{i}@bench.example.edu.cn")),
            ),
            ("wecom", (!i.is_multiple_of(4)).then(|| format!("user{i}"))),
        ],
        preferred: None,
        tags: None,
        // One person in 1,000 has no 宿舍: the check must find every one of them.
        attributes: vec![(
            "宿舍".into(),
            (!i.is_multiple_of(1_000)).then(|| format!("{}号楼 {}室", i % 12, 100 + i % 400)),
        )],
    }
}

const BODY: &str = "{{ name }}同学（{{ class }}）：\n\n本周五下午 **14:00** 检查宿舍，请留在 {{ 宿舍 }}。\n\n- 清理桌面与地面\n- 关好门窗\n\n详见[通知](https://xsc.example.edu.cn/notice/2026-12)。";

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let app = common::open_app(dir.path()).await;
        let rows: Vec<ContactUpsert> = (0..PEOPLE).map(person).collect();
        app.store().upsert_contacts(&rows, false).await.unwrap();
        drop(rows);
        let store = app.store();
        let mail = store
            .insert_channel("mail", ChannelKind::SMTP, &serde_json::json!({}))
            .await
            .unwrap();
        let wecom = store
            .insert_channel("wecom", ChannelKind::declared("wecom_app"), &serde_json::json!({}))
            .await
            .unwrap();
        let sandbox = app.channel_by_name("sandbox").await.unwrap();
        let notice = app
            .create_notice(NewNotice {
                title: "宿舍检查".into(),
                body: BODY.into(),
                channel_ids: vec![sandbox.id, mail.id, wecom.id],
                ..Default::default()
            })
            .await
            .unwrap();

        let mut times = Vec::with_capacity(RUNS);
        let mut last = None;
        for _ in 0..RUNS {
            let (check, took) = common::timed(app.check_draft(notice.id)).await;
            times.push(took);
            last = Some(check.unwrap());
        }
        times.sort();
        let took: Duration = times[RUNS / 2];
        let c = last.unwrap();
        let messages: i64 = c.channels.iter().map(|ch| ch.will_get).sum();
        common::report(
            "whole-audience check, 3 channels (median of 5)",
            PEOPLE as u64,
            took,
            &format!(
                "{messages} messages rendered and checked; {} people ({} messages) broken",
                c.broken_people, c.broken_messages
            ),
        );
        for ch in &c.channels {
            println!(
                "  {}: will get {}, no address {}, broken {}, {}",
                ch.channel_name,
                ch.will_get,
                ch.no_address,
                ch.broken,
                ch.figures
                    .iter()
                    .map(|f| format!("{} {}", f.label.en, f.value))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        assert_eq!(c.people, PEOPLE as i64);
        assert_eq!(c.broken_people, (PEOPLE / 1_000) as i64);
        println!(
            "  fastest {:.0} ms, slowest {:.0} ms",
            times[0].as_secs_f64() * 1e3,
            times[RUNS - 1].as_secs_f64() * 1e3
        );
        println!("peak RSS {:.0} MiB", common::peak_rss_mib());
    });
}
