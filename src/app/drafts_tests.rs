//! Drafts saved as Compose writes them, on a real SQLite file and data folder.

use crate::model::{NewNotice, NoticeStage};
use crate::{App, AppConfig};

async fn app() -> (tempfile::TempDir, App, i64) {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(AppConfig::resolve(Some(dir.path().join("data")), "test").unwrap())
        .await
        .unwrap();
    app.load_demo().await.unwrap();
    let sandbox = app.list_channels().await.unwrap()[0].id;
    (dir, app, sandbox)
}

fn draft(title: &str, body: &str) -> NewNotice {
    NewNotice {
        title: title.into(),
        subject: None,
        body: body.into(),
        ..Default::default()
    }
}

/// The field and code of what stops the draft, if anything.
async fn problem(app: &App, id: Option<i64>, input: NewNotice) -> (i64, Option<(String, String)>) {
    let saved = app.save_draft(id, input).await.unwrap();
    (saved.notice.id, saved.problem.map(|p| (p.field, p.code)))
}

#[tokio::test]
async fn a_draft_is_saved_at_every_step_and_says_what_stops_it_in_the_order_of_the_steps() {
    let (_dir, app, sandbox) = app().await;
    let (id, p) = problem(&app, None, draft("期末考试安排", "")).await;
    assert_eq!(p, Some(("body".into(), "compose_empty".into())));

    // An unknown name is found at once, before the audience and channels are chosen.
    let (same, p) = problem(&app, Some(id), draft("期末考试安排", "{{ 姓名 }}同学：考场 {{ 考场 }}")).await;
    assert_eq!(same, id, "the same draft is written over");
    assert_eq!(p, Some(("body".into(), "compose_unknown_variable".into())));

    // No audience chosen is no one, never everyone.
    let (_, p) = problem(
        &app,
        Some(id),
        draft("期末考试安排", "{{ 姓名 }}同学：请按时参加考试。"),
    )
    .await;
    assert_eq!(p, Some(("audience".into(), "compose_no_audience".into())));
    let stored = app.get_notice(id).await.unwrap();
    assert_eq!(stored.audience, "", "stored as not chosen");
    let refused = app.send_notice(id).await.unwrap_err();
    assert_eq!(refused.code(), "compose_no_audience");
    assert!(app.list_runs(10).await.unwrap().is_empty(), "nothing was queued");

    let with_audience = NewNotice {
        audience: Some("all".into()),
        ..draft("期末考试安排", "{{ 姓名 }}同学：请按时参加考试。")
    };
    let (_, p) = problem(&app, Some(id), with_audience.clone()).await;
    assert_eq!(p, Some(("channelIds".into(), "compose_no_channels".into())));

    let ready = NewNotice {
        channel_ids: vec![sandbox],
        urgent: Some(true),
        values: Some([("考试时间".to_owned(), "12月20日 9:00".to_owned())].into()),
        ..with_audience
    };
    let saved = app.save_draft(Some(id), ready).await.unwrap();
    assert_eq!(saved.problem, None);
    // Read back as a restarted app would.
    let n = app.get_notice(id).await.unwrap();
    assert_eq!((n.title.as_str(), n.audience.as_str()), ("期末考试安排", "all"));
    assert_eq!(n.channel_ids, [sandbox]);
    assert_eq!(n.values["考试时间"], "12月20日 9:00");
    assert_eq!(n.stage, NoticeStage::Draft);
    assert_eq!(
        app.list_notices().await.unwrap().len(),
        1,
        "one draft, however often it was saved"
    );

    let run = app.send_notice(id).await.unwrap();
    let n = app.get_notice(id).await.unwrap();
    assert_eq!(n.stage, NoticeStage::Sending);
    assert_eq!(n.last_run.map(|r| r.id), Some(run.id));
    // A sent notice does not change, nor goes away.
    let late = app.save_draft(Some(id), draft("改了", "改了")).await.unwrap_err();
    assert_eq!(late.code(), "conflict");
    assert_eq!(app.delete_draft(id).await.unwrap_err().code(), "conflict");
    assert_eq!(app.get_notice(id).await.unwrap().title, "期末考试安排");
}

#[tokio::test]
async fn a_drafts_files_are_kept_once_and_deleted_when_it_no_longer_names_them() {
    let (dir, app, _) = app().await;
    let src = dir.path().join("考场安排.pdf");
    std::fs::write(&src, b"%PDF-1.4 rooms").unwrap();
    let other = dir.path().join("座位表.xlsx");
    std::fs::write(&other, b"PK seats").unwrap();
    let with = |files: Vec<String>| NewNotice {
        attachments: Some(files),
        ..draft("考试", "请看附件")
    };

    let first = app
        .save_draft(None, with(vec![src.display().to_string()]))
        .await
        .unwrap()
        .notice;
    let kept = first.attachments[0].clone();
    let on_disk = dir.path().join("data").join(&kept.file);
    assert!(on_disk.is_file());
    std::fs::remove_file(&src).unwrap();

    // Saved again naming the kept file, with a new one after it: nothing copied twice.
    let id = first.id;
    let second = app
        .save_draft(Some(id), with(vec![kept.file.clone(), other.display().to_string()]))
        .await
        .unwrap()
        .notice;
    assert_eq!(second.attachments[0], kept);
    assert_eq!(second.attachments[1].name, "座位表.xlsx");
    assert!(on_disk.is_file());

    // Dropped: its copy goes; the other stays.
    let third = app
        .save_draft(Some(id), with(vec![second.attachments[1].file.clone()]))
        .await
        .unwrap()
        .notice;
    assert!(!on_disk.exists());
    assert_eq!(third.attachments.len(), 1);
    let seats = dir.path().join("data").join(&third.attachments[0].file);
    assert!(seats.is_file());

    app.delete_draft(id).await.unwrap();
    assert!(!seats.exists(), "a deleted draft's files go with it");
    assert!(app.list_notices().await.unwrap().is_empty());
}
