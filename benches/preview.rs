//! The preview of one person on one channel (`App::preview_delivery`) in a database of 30,000
//! contacts: the sandbox, e-mail (the SMTP provider's multipart message, HTML and text) and
//! WeCom app messages (the platform's Markdown and request body). Nothing is sent: building the
//! message is all a preview does. Target: ≤ 50 ms. Run: `cargo bench --bench preview`.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use herald::model::{ContactUpsert, NewNotice};

const PEOPLE: usize = 30_000;
const RUNS: usize = 21;

fn person(i: usize) -> ContactUpsert {
    ContactUpsert {
        external_id: Some(format!("S{i:07}")),
        name: format!("学生{i}"),
        fields: vec![
            ("department", Some("农学院".into())),
            ("class_name", Some(format!("农学24{:02}", i % 30))),
        ],
        addresses: vec![
            ("email", Some(format!("s{i}@bench.example.edu.cn"))),
            ("wecom", Some(format!("user{i}"))),
        ],
        preferred: None,
        tags: None,
        attributes: vec![("宿舍".into(), Some(format!("{}号楼 {}室", i % 12, 100 + i % 400)))],
    }
}

const BODY: &str = "{{ name }}同学（{{ class }}）：\n\n{{ 考试时间 }} 检查宿舍，请留在 {{ 宿舍 }}。\n\n- 清理桌面与地面\n- 关好门窗\n\n详见[通知](https://xsc.example.edu.cn/notice/2026-12)。";

fn settings(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn main() {
    // The WeCom channel's secret goes to a file in the temporary directory, not a keyring.
    std::env::set_var("HERALD_SECRET_STORE", "file");
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
        let mail = app
            .add_kind_channel(
                "smtp",
                "mail",
                settings(&[
                    ("host", "127.0.0.1"),
                    ("port", "2525"),
                    ("security", "none"),
                    ("from-address", "xsc@example.edu.cn"),
                    ("from-name", "学生处"),
                ]),
                None,
            )
            .await
            .unwrap();
        let wecom = app
            .add_kind_channel(
                "wecom_app",
                "wecom",
                settings(&[
                    ("corp-id", "wwbench0000000001"),
                    ("agent-id", "1000002"),
                    ("secret", "bench-secret"),
                    ("api-base", "http://127.0.0.1:9"),
                ]),
                None,
            )
            .await
            .unwrap();
        let sandbox = app.channel_by_name("sandbox").await.unwrap();
        let notice = app
            .create_notice(NewNotice {
                title: "宿舍检查".into(),
                subject: Some("宿舍检查：{{ name }}".into()),
                body: BODY.into(),
                channel_ids: vec![sandbox.id, mail.id, wecom.id],
                values: Some([("考试时间".to_owned(), "本周五下午 **14:00**".to_owned())].into()),
                ..Default::default()
            })
            .await
            .unwrap();

        // Someone in the middle of the table, by 学号 as the user types it.
        let who = format!("S{:07}", PEOPLE / 2);
        for channel in ["sandbox", "mail", "wecom"] {
            let mut times = Vec::with_capacity(RUNS);
            let mut last = None;
            for _ in 0..RUNS {
                let (preview, took) = common::timed(app.preview_delivery(notice.id, Some(&who), channel)).await;
                times.push(took);
                last = Some(preview.unwrap());
            }
            times.sort();
            let median: Duration = times[RUNS / 2];
            let p = last.unwrap();
            assert!(p.problem.is_none(), "{:?}", p.problem);
            let bytes: usize = p.parts.iter().map(|part| part.content.len()).sum();
            println!(
                "preview of one person on {channel:<8} median {:>6.1} ms, slowest {:>6.1} ms (of {RUNS}); {} parts, {bytes} bytes",
                median.as_secs_f64() * 1e3,
                times[RUNS - 1].as_secs_f64() * 1e3,
                p.parts.len(),
            );
        }
        println!("peak RSS {:.0} MiB", common::peak_rss_mib());
    });
}
