//! Bilingual notices and channels' own versions through the real `herald` binary: each person
//! gets the version of their language (English for en, en-AU, English; Chinese for the rest and
//! for everyone when there is no English), the check counts who gets which, the preview shows
//! what the sandbox receives, a channel's own version goes on that channel alone, and a slip
//! in the English body is refused naming `english.body` with its line and column.

mod common;

use common::sink::{Reply, Sink};
use common::Herald;
use serde_json::Value;

/// Four people whose contacts say zh-CN, en (imported as `English`), en-AU and nothing.
const SHEET: &str = "学号,姓名,语言,邮箱\n\
S1,王小明,中文,s1@example.edu.cn\n\
S2,Li Lei,English,s2@example.edu.cn\n\
S3,Jack Smith,en-AU,s3@example.edu.cn\n\
S4,韩梅梅,,s4@example.edu.cn\n";

fn with_people() -> Herald {
    let h = Herald::new();
    let sheet = h.dir.path().join("名单.csv");
    std::fs::write(&sheet, SHEET).unwrap();
    h.json(&["contacts", "import", sheet.to_str().unwrap()]);
    h
}

/// The sandbox inbox as (recipient, subject, body), sorted.
fn inbox(h: &Herald) -> Vec<(String, String, String)> {
    let mut got: Vec<(String, String, String)> = h
        .json(&["sandbox", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let s = |k: &str| m[k].as_str().unwrap_or_default().to_owned();
            (s("recipient"), s("subject"), s("body"))
        })
        .collect();
    got.sort();
    got
}

fn create(h: &Herald, extra: &[&str]) -> Value {
    let mut args = vec![
        "notices",
        "create",
        "--title",
        "期末考试",
        "--subject",
        "期末考试安排",
        "--body",
        "{{ 姓名 }}同学：考试在 {{ 考试时间 }}。",
        "--value",
        "考试时间=12月20日 9:00",
        "--channel",
        "sandbox",
    ];
    args.extend_from_slice(extra);
    h.json(&args)
}

#[test]
fn each_person_gets_the_version_of_their_language() {
    let h = with_people();
    let n = create(
        &h,
        &[
            "--english-subject",
            "Final exam for {{ name }}",
            "--english-body",
            "Dear {{ name }}, the exam is at {{ 考试时间 }}.",
        ],
    );
    assert_eq!(n["english"]["body"], "Dear {{ name }}, the exam is at {{ 考试时间 }}.");
    let id = n["id"].to_string();

    // The check: four people, two of them get English.
    let check = h.json(&["notices", "check", &id]);
    assert_eq!(check["versions"], serde_json::json!({"zh": 2, "en": 2}), "{check}");
    assert_eq!(check["channels"][0]["versions"], serde_json::json!({"zh": 2, "en": 2}));

    // The preview of an English reader, before sending.
    let preview = h.json(&["notices", "preview", &id, "--contact", "S3"]);
    assert_eq!(preview[0]["language"], "en", "{preview}");
    let preview_zh = h.json(&["notices", "preview", &id, "--contact", "S4"]);
    assert_eq!(preview_zh[0]["language"], "zh");

    let run = h.json(&["notices", "send", &id, "--wait"]);
    assert_eq!(run["sent"], 4, "{run}");
    let got = inbox(&h);
    let find = |name: &str| got.iter().find(|m| m.0.contains(name)).unwrap().clone();
    assert_eq!(
        (find("Jack").1, find("Jack").2),
        (
            "Final exam for Jack Smith".to_owned(),
            "Dear Jack Smith, the exam is at 12月20日 9:00.".to_owned()
        )
    );
    assert_eq!(find("Li Lei").1, "Final exam for Li Lei");
    assert_eq!(
        (find("王小明").1, find("王小明").2),
        (
            "期末考试安排".to_owned(),
            "王小明同学：考试在 12月20日 9:00。".to_owned()
        )
    );
    assert_eq!(find("韩梅梅").2, "韩梅梅同学：考试在 12月20日 9:00。");

    // The preview showed exactly what the sandbox received.
    let parts = preview[0]["parts"].as_array().unwrap();
    let shown: Vec<&str> = parts.iter().map(|p| p["content"].as_str().unwrap()).collect();
    assert!(shown.contains(&"Final exam for Jack Smith"), "{preview}");
    assert!(
        shown.contains(&"Dear Jack Smith, the exam is at 12月20日 9:00."),
        "{preview}"
    );

    // The choice was frozen with the delivery: the language went into its variables.
    let frozen = h.sql("SELECT variables FROM deliveries ORDER BY id");
    assert!(frozen.iter().all(|v| v.contains("\"language\"")), "{frozen:?}");

    // `notices show` prints both versions.
    let out = h.cmd().args(["notices", "show", &id]).output().unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("English version"), "{shown}");
    assert!(shown.contains("Final exam for {{ name }}"), "{shown}");
}

#[test]
fn without_english_everyone_gets_chinese() {
    let h = with_people();
    let n = create(&h, &[]);
    let id = n["id"].to_string();
    let check = h.json(&["notices", "check", &id]);
    assert_eq!(check["versions"], serde_json::json!({"zh": 4, "en": 0}));
    h.json(&["notices", "send", &id, "--wait"]);
    let got = inbox(&h);
    assert_eq!(got.len(), 4);
    assert!(
        got.iter()
            .all(|m| m.1 == "期末考试安排" && m.2.contains("同学：考试在")),
        "{got:?}"
    );
}

#[test]
fn a_channel_version_goes_on_its_channel_only() {
    let h = with_people();
    let s1 = h.json(&["contacts", "show", "S1"]);
    let audience = format!("contacts:{}", s1["id"]);
    let sink = Sink::start(|_| Reply::ok());
    h.json(&["channels", "add", "webhook", "--name", "hook", "--url", &sink.url()]);
    let n = create(
        &h,
        &[
            "--channel",
            "hook",
            "--english-body",
            "Dear {{ name }}, the exam is at {{ 考试时间 }}.",
            "--channel-body",
            "hook=考试 {{ 考试时间 }}，详见邮件",
            "--channel-english-body",
            "hook=Exam at {{ 考试时间 }}",
            "--audience",
            &audience,
        ],
    );
    assert_eq!(n["channelVersions"][0]["body"], "考试 {{ 考试时间 }}，详见邮件", "{n}");
    let id = n["id"].to_string();
    let run = h.json(&["notices", "send", &id, "--wait"]);
    assert_eq!(run["sent"], 2, "{run}");
    assert_eq!(inbox(&h)[0].2, "王小明同学：考试在 12月20日 9:00。");
    let hook: Value = serde_json::from_slice(&sink.exchanges()[0].request.body).unwrap();
    assert_eq!(hook["body"], "考试 12月20日 9:00，详见邮件");
    assert_eq!(
        hook["subject"], "期末考试安排",
        "a version replaces the body, not the subject"
    );

    // An English reader gets the version's English on that channel.
    let preview = h.json(&["notices", "preview", &id, "--contact", "S2", "--channel", "hook"]);
    assert_eq!(preview[0]["language"], "en");
    let body = preview[0]["parts"][0]["content"].as_str().unwrap();
    assert!(body.contains("Exam at 12月20日 9:00"), "{preview}");
}

#[test]
fn a_slip_in_the_english_body_is_refused_with_its_place() {
    let h = with_people();
    let (code, err) = h.fails(&[
        "notices",
        "create",
        "--title",
        "t",
        "--body",
        "{{ 姓名 }}",
        "--english-body",
        "Dear student,\nroom {{ rooom }}",
        "--channel",
        "sandbox",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("english.body"), "{err}");
    assert!(err.contains("line 2, column 9"), "{err}");

    let (code, err) = h.fails(&[
        "notices",
        "create",
        "--title",
        "t",
        "--body",
        "正文",
        "--channel-body",
        "sandbox={{ 姓明 }}",
        "--channel",
        "sandbox",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("sandbox's own version"), "{err}");
    assert!(err.contains("versions.body"), "{err}");
}
