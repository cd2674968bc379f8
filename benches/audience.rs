//! Audience resolution over 50,000 contacts through a rule segment: the live count the
//! segment editor shows, the full preview Compose shows (people, per-channel reach for e-mail
//! and the sandbox, unreachable, a sample), and the first fan-out chunk's walk over the
//! audience. Target: ≤ 200 ms. Run: `cargo bench --bench audience`.

mod common;

use std::time::Duration;

use herald::audience::rule;
use herald::model::{ChannelKind, ContactUpsert, NewGroup};
use herald::{App, AppConfig};

const PEOPLE: usize = 50_000;
const DEPARTMENTS: [&str; 12] = [
    "农学院",
    "林学院",
    "园艺学院",
    "动物科技学院",
    "资源环境学院",
    "食品学院",
    "经济管理学院",
    "理学院",
    "信息学院",
    "水利学院",
    "外国语学院",
    "马克思主义学院",
];
const RUNS: usize = 7;

fn person(i: usize) -> ContactUpsert {
    let student = !i.is_multiple_of(20);
    ContactUpsert {
        external_id: Some(format!("{}{i:07}", if student { "S" } else { "T" })),
        name: format!("联系人{i}"),
        fields: vec![
            ("role", Some(if student { "学生" } else { "教师" }.into())),
            ("department", Some(DEPARTMENTS[i % DEPARTMENTS.len()].into())),
            (
                "class_name",
                Some(format!("{}{:02}", &DEPARTMENTS[i % 12][..6], i % 30)),
            ),
            ("grade", student.then(|| (2021 + i % 5).to_string())),
            (
                "language",
                Some(if i.is_multiple_of(50) { "en" } else { "zh-CN" }.into()),
            ),
        ],
        addresses: vec![
            (
                "email",
                (!i.is_multiple_of(10)).then(|| format!("p{i}@bench.example.edu.cn")),
            ),
            ("mobile", (!i.is_multiple_of(4)).then(|| format!("+86138{i:08}"))),
        ],
        preferred: None,
        tags: Some(match i % 7 {
            0 => vec!["班干部".into(), "党员".into()],
            1 => vec!["毕业班".into()],
            _ => vec![],
        }),
        attributes: vec![("宿舍".into(), Some(format!("{}号楼", i % 12)))],
    }
}

/// The median of `RUNS` timings of `f`, and its last result.
async fn median<T, F: std::future::Future<Output = T>>(mut f: impl FnMut() -> F) -> (T, Duration) {
    let mut times = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let (out, took) = common::timed(f()).await;
        times.push(took);
        last = Some(out);
    }
    times.sort();
    (last.expect("ran"), times[RUNS / 2])
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(AppConfig {
            data_dir: dir.path().to_owned(),
            face: "bench".into(),
        })
        .await
        .unwrap();
        let rows: Vec<ContactUpsert> = (0..PEOPLE).map(person).collect();
        app.store().upsert_contacts(&rows, false).await.unwrap();
        let mail = app
            .store()
            .insert_channel("mail", ChannelKind::SMTP, &serde_json::json!({}))
            .await
            .unwrap();
        let sandbox = app.channel_by_name("sandbox").await.unwrap();
        // "This year's 农学院 and 林学院 students, plus class cadres anywhere, but not those
        // graduating" — the shape of a real notice's audience.
        let text = "(department = 农学院, 林学院 and grade = 2024 and role = 学生 or tag = 班干部) and tag != 毕业班";
        let segment = app
            .create_group(NewGroup {
                name: "bench".into(),
                rule: Some(rule::parse(text).unwrap()),
                ..Default::default()
            })
            .await
            .unwrap();
        println!("segment: {text}\n  matches {} of {PEOPLE} contacts", segment.members);

        let r = rule::parse(text).unwrap();
        let (count, took) = median(|| app.count_rule(&r)).await;
        let count = count.unwrap();
        assert_eq!(count, segment.members);
        common::report(
            "segment live count (median of 7)",
            PEOPLE as u64,
            took,
            &format!("{count} people"),
        );

        let spec = "group:bench; -rule:attr.宿舍 = 3号楼";
        let channels = [mail.id, sandbox.id];
        let (preview, took) = median(|| app.preview_audience(spec, &channels)).await;
        let p = preview.unwrap();
        common::report(
            "audience preview, 2 channels (median of 7)",
            PEOPLE as u64,
            took,
            &format!(
                "{} people, e-mail reaches {}, {} without e-mail",
                p.people, p.channels[0].reachable, p.channels[0].no_address
            ),
        );
        assert!(p.people > 0 && p.people < count);
        let all = app.preview_audience("all", &channels).await.unwrap();
        assert_eq!(all.people, PEOPLE as i64);
        println!("peak RSS {:.0} MiB", common::peak_rss_mib());
    });
}
