//! Templates and notice files through the real `herald` binary on a real SQLite file: the
//! five built-ins each make a notice that passes the whole-audience check against the demo
//! contacts; a template saved twice keeps its first content as a version; a notice created
//! from a Markdown file with front matter, flags beside it winning; a mistyped key refused
//! with its line.

mod common;

use common::Herald;

fn write(h: &Herald, name: &str, text: &str) -> String {
    let path = h.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn every_built_in_template_makes_a_notice_that_passes_the_check_for_the_demo_contacts() {
    let h = Herald::new();
    h.json(&["demo", "load"]);
    let list = h.json(&["templates", "list"]);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["builtin"] == true)
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 5, "{list}");
    for name in ["考试安排", "缴费截止提醒", "停课通知", "会议通知", "宿舍检查"] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
        let t = h.json(&["templates", "show", name]);
        assert!(
            t["english"]["body"].as_str().is_some_and(|b| b.contains("{{ 姓名 }}")),
            "{name} has an English version: {t}"
        );
        let out = h
            .cmd()
            .args(["templates", "use", name, "--channel", "sandbox"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("example values were kept"),
            "the user is told to check the example values"
        );
        let check = h.cmd().args(["notices", "check", &id, "--json"]).output().unwrap();
        let c: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
        assert_eq!(check.status.code(), Some(0), "{name}: {c}");
        assert_eq!(c["people"], 18, "{name}: the demo contacts");
        assert_eq!(c["brokenPeople"], 0, "{name}: {c}");
        let n = h.json(&["notices", "show", &id]);
        assert_eq!(n["title"], t["title"], "the template's title, values not yet rendered");
    }
    // Built-ins are not changed or deleted.
    let (code, err) = h.fails(&["templates", "delete", "考试安排"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("built-in"), "{err}");
    let file = write(&h, "t.md", "---\nname: 考试安排\ntitle: 改过\n---\n正文\n");
    let (code, err) = h.fails(&["templates", "save", "--file", &file]);
    assert_ne!(code, 0);
    assert!(err.contains("built-in template and does not change"), "{err}");
}

#[test]
fn a_template_saved_twice_keeps_the_first_as_a_version_and_starts_notices_with_given_values() {
    let h = Herald::new();
    h.json(&["contacts", "add", "--name", "张伟", "--email", "zw@example.edu.cn"]);
    let first = h.json(&[
        "notices",
        "create",
        "--title",
        "补考安排",
        "--body",
        "{{ 姓名 }}同学：补考时间 {{ 考试时间 }}。",
        "--channel",
        "sandbox",
        "--value",
        "考试时间=1月5日 9:00",
    ]);
    let t = h.json(&[
        "templates",
        "save",
        "--from-notice",
        &first["id"].to_string(),
        "--name",
        "补考",
    ]);
    assert_eq!((t["version"].as_i64(), t["builtin"].as_bool()), (Some(1), Some(false)));
    assert_eq!(t["values"]["考试时间"], "1月5日 9:00");

    // The second save, from a file, is version 2; the first content is kept.
    let file = write(
        &h,
        "补考.md",
        "---\ntitle: 补考安排（更新）\nvalues:\n  考试时间: 1月6日 14:00\nenglish:\n  subject: Resit exam\n---\n{{ 姓名 }}同学：补考改到 {{ 考试时间 }}。\n<!-- en -->\nDear {{ 姓名 }}, the resit is now at {{ 考试时间 }}.\n",
    );
    let t2 = h.json(&["templates", "save", "--file", &file, "--name", "补考"]);
    assert_eq!(t2["id"], t["id"]);
    assert_eq!(t2["version"], 2);
    let shown = h.json(&["templates", "show", "补考", "--versions"]);
    assert_eq!(shown["title"], "补考安排（更新）");
    assert_eq!(shown["english"]["subject"], "Resit exam");
    let versions = shown["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 1, "{shown}");
    assert_eq!(versions[0]["version"], 1);
    assert_eq!(versions[0]["title"], "补考安排");
    assert_eq!(versions[0]["body"], "{{ 姓名 }}同学：补考时间 {{ 考试时间 }}。");

    // Shown as a notice file, it reads back as the same template.
    let text = h.cmd().args(["templates", "show", "补考"]).output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.starts_with("---\nname: 补考\n"), "{text}");
    assert!(text.contains("<!-- en -->\nDear {{ 姓名 }}"), "{text}");
    let again = write(&h, "again.md", &text);
    let t3 = h.json(&["templates", "save", "--file", &again, "--name", "补考副本"]);
    assert_eq!(
        (t3["title"].clone(), t3["body"].clone()),
        (shown["title"].clone(), shown["body"].clone())
    );

    // Used with a value given: that value wins, and the draft sends it.
    let out = h
        .cmd()
        .args([
            "templates",
            "use",
            "补考",
            "--channel",
            "sandbox",
            "--value",
            "考试时间=1月7日 8:00",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let n = h.json(&["notices", "show", &id]);
    assert_eq!(n["status"], "draft");
    assert_eq!(n["values"]["考试时间"], "1月7日 8:00");
    h.json(&["notices", "send", &id, "--wait"]);
    let inbox = h.json(&["sandbox", "list"]);
    assert_eq!(inbox[0]["body"], "张伟同学：补考改到 1月7日 8:00。");

    // A variable no one knows is refused at save, naming it.
    let bad = write(&h, "bad.md", "---\ntitle: 通知\n---\n{{ 姓明 }}你好\n");
    let (code, err) = h.fails(&["templates", "save", "--file", &bad, "--name", "坏"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("姓明"), "{err}");
    h.json(&["templates", "delete", "补考副本"]);
    let list = h.json(&["templates", "list"]);
    assert!(!list.as_array().unwrap().iter().any(|t| t["name"] == "补考副本"));
}

#[test]
fn a_notice_is_created_from_a_markdown_file_with_front_matter_and_flags_win() {
    let h = Herald::new();
    h.json(&["contacts", "add", "--name", "Alice", "--email", "alice@example.edu.cn"]);
    let file = write(
        &h,
        "notice.md",
        "---\ntitle: 期末考试安排\nsubject: \"{{ 姓名 }}：考试安排\"\nchannels: [sandbox]\naudience: all\nurgent: true\nvalues:\n  考试时间: 12月20日 9:00\n  考场: 301\nenglish:\n  subject: Exam\n---\n{{ 姓名 }}同学：{{ 考试时间 }} 在 {{ 考场 }} 考试。\n\n<!-- en -->\nDear {{ 姓名 }}: exam at {{ 考试时间 }}.\n",
    );
    let n = h.json(&["notices", "create", "--file", &file]);
    assert_eq!(n["title"], "期末考试安排");
    assert_eq!(n["subject"], "{{ 姓名 }}：考试安排");
    assert_eq!(n["body"], "{{ 姓名 }}同学：{{ 考试时间 }} 在 {{ 考场 }} 考试。");
    assert_eq!(n["priority"], 10, "urgent");
    assert_eq!(n["values"]["考场"], "301");
    let m = h.json(&[
        "notices",
        "create",
        "--file",
        &file,
        "--title",
        "改期",
        "--value",
        "考场=302",
    ]);
    assert_eq!(m["title"], "改期");
    assert_eq!(m["values"]["考场"], "302");
    assert_eq!(m["values"]["考试时间"], "12月20日 9:00");
    h.json(&["notices", "send", &m["id"].to_string(), "--wait"]);
    let inbox = h.json(&["sandbox", "list"]);
    assert_eq!(inbox[0]["body"], "Alice同学：12月20日 9:00 在 302 考试。");

    let typo = write(&h, "typo.md", "---\ntitle: 通知\nchanels: [sandbox]\n---\n正文\n");
    let (code, err) = h.fails(&["notices", "create", "--file", &typo]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("front matter line 3: unknown key \"chanels\" (did you mean \"channels\"?)"),
        "{err}"
    );
    let untitled = write(&h, "untitled.md", "---\nchannels: [sandbox]\n---\n正文\n");
    let (code, err) = h.fails(&["notices", "create", "--file", &untitled]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("missing key \"title\""), "{err}");
    let n = h.json(&["notices", "create", "--file", &untitled, "--title", "有标题"]);
    assert_eq!(n["body"], "正文");
}
