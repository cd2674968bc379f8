//! Rule segments, groups and audience counts on a real SQLite file, and fan-out honouring them.

use std::collections::BTreeSet;

use crate::audience::{rule, GroupRef};
use crate::model::{ChannelKind, ContactQuery, ContactUpsert, NewGroup, NewNotice, UpdateGroup};
use crate::store::testutil::{mark_invalid, set_preferences};
use crate::{App, AppConfig};

struct Person {
    ext: &'static str,
    name: &'static str,
    dept: Option<&'static str>,
    grade: Option<&'static str>,
    role: &'static str,
    language: &'static str,
    email: Option<&'static str>,
    mobile: Option<&'static str>,
    tags: &'static [&'static str],
    dorm: Option<&'static str>,
}

const PEOPLE: [Person; 5] = [
    Person {
        ext: "A1",
        name: "王一",
        dept: Some("农学院"),
        grade: Some("2024"),
        role: "student",
        language: "zh-CN",
        email: Some("a1@example.edu.cn"),
        mobile: None,
        tags: &["班干部"],
        dorm: Some("3号楼"),
    },
    Person {
        ext: "A2",
        name: "李二",
        dept: Some("农学院"),
        grade: Some("2023"),
        role: "student",
        language: "zh-CN",
        email: Some("a2@example.edu.cn"),
        mobile: None,
        tags: &[],
        dorm: Some("5号楼"),
    },
    Person {
        ext: "A3",
        name: "张三",
        dept: Some("林学院"),
        grade: Some("2024"),
        role: "Student",
        language: "zh-CN",
        email: None,
        mobile: Some("+8613800000003"),
        tags: &["党员", "班干部"],
        dorm: None,
    },
    Person {
        ext: "T1",
        name: "赵四",
        dept: None,
        grade: None,
        role: "teacher",
        language: "zh-CN",
        email: None,
        mobile: None,
        tags: &[],
        dorm: None,
    },
    Person {
        ext: "A5",
        name: "Emma",
        dept: Some("农学院"),
        grade: Some("2024"),
        role: "student",
        language: "en",
        email: Some("a5@example.edu.cn"),
        mobile: None,
        tags: &[],
        dorm: None,
    },
];

/// An app on a fresh data directory with [`PEOPLE`]: A2's e-mail bounced, Emma opted out of
/// e-mail. Returns the app and the contact ids by external id.
async fn app_with_people() -> (tempfile::TempDir, App, std::collections::HashMap<&'static str, i64>) {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(AppConfig::resolve(Some(dir.path().to_owned()), "test").unwrap())
        .await
        .unwrap();
    let rows: Vec<ContactUpsert> = PEOPLE
        .iter()
        .map(|p| ContactUpsert {
            external_id: Some(p.ext.into()),
            name: p.name.into(),
            fields: vec![
                ("department", p.dept.map(Into::into)),
                ("grade", p.grade.map(Into::into)),
                ("role", Some(p.role.into())),
                ("language", Some(p.language.into())),
            ],
            addresses: vec![("email", p.email.map(Into::into)), ("mobile", p.mobile.map(Into::into))],
            preferred: None,
            tags: Some(p.tags.iter().map(|t| t.to_string()).collect()),
            attributes: vec![("宿舍".into(), p.dorm.map(Into::into))],
        })
        .collect();
    app.store().upsert_contacts(&rows, false).await.unwrap();
    let mut ids = std::collections::HashMap::new();
    for p in &PEOPLE {
        ids.insert(
            p.ext,
            app.store()
                .find_contact_by_external_id(p.ext)
                .await
                .unwrap()
                .unwrap()
                .id,
        );
    }
    mark_invalid(app.store(), ids["A2"], "email").await;
    set_preferences(app.store(), ids["A5"], &[], &["smtp"]).await;
    (dir, app, ids)
}

/// The external ids of everyone a spec reaches now.
async fn who(app: &App, spec: &str) -> BTreeSet<String> {
    let p = app
        .preview_audience(spec, &[])
        .await
        .unwrap_or_else(|e| panic!("{spec}: {e}"));
    let (audience, filter) = app.check_audience(spec).await.unwrap();
    assert_eq!(audience.to_spec(), p.spec);
    let (ids, total) = app.store().audience_page(&filter, None, 1000, 0).await.unwrap();
    assert_eq!(total, p.people, "{spec}: the count and the list agree");
    let mut out = BTreeSet::new();
    for id in ids {
        out.insert(app.store().get_contact(id).await.unwrap().external_id.unwrap());
    }
    out
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn every_operator_picks_the_people_a_secretary_would_expect() {
    let (_d, app, _) = app_with_people().await;
    let cases: [(&str, &[&str]); 16] = [
        ("rule:department = 农学院 and grade = 2024", &["A1", "A5"]),
        ("rule:院系 = 农学院 且 年级 = 2024", &["A1", "A5"]),
        // Blank fields count as "not 农学院".
        ("rule:department != 农学院", &["A3", "T1"]),
        // ASCII case is ignored: "Student" is a student.
        ("rule:role = student", &["A1", "A2", "A3", "A5"]),
        (
            "rule:department = 农学院, 林学院 and grade != 2023",
            &["A1", "A3", "A5"],
        ),
        ("rule:tag = 班干部", &["A1", "A3"]),
        ("rule:tag != 班干部", &["A2", "T1", "A5"]),
        ("rule:tag is empty", &["A2", "T1", "A5"]),
        ("rule:tag is not empty", &["A1", "A3"]),
        ("rule:attr.宿舍 contains 3号", &["A1"]),
        ("rule:attr.宿舍 is empty", &["A3", "T1", "A5"]),
        ("rule:name starts with 王 or name contains mm", &["A1", "A5"]),
        ("rule:language = en", &["A5"]),
        (
            "rule:grade is empty or (department = 林学院 and tag = 党员)",
            &["A3", "T1"],
        ),
        ("rule:externalId starts with a", &["A1", "A2", "A3", "A5"]),
        ("all; -rule:role = student", &["T1"]),
    ];
    for (spec, expected) in cases {
        assert_eq!(who(&app, spec).await, set(expected), "{spec}");
    }
}

#[tokio::test]
async fn groups_segments_and_exclusions_combine_and_count_each_person_once() {
    let (_d, app, ids) = app_with_people().await;
    let cadres = app
        .create_group(NewGroup {
            name: "班委".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let change = app
        .add_group_members_by_external_ids(cadres.id, "A2\nA3, A3\tZZ9")
        .await
        .unwrap();
    assert_eq!(
        (change.changed, change.unchanged, change.unknown.clone()),
        (2, 0, vec!["ZZ9".to_string()])
    );
    let y2024 = app
        .create_group(NewGroup {
            name: "2024级".into(),
            rule: Some(rule::parse("grade = 2024").unwrap()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(y2024.members, 3);
    assert_eq!(y2024.rule_text.as_deref(), Some("grade = 2024"));

    // A3 is in both: one person.
    assert_eq!(
        who(&app, "group:班委; group:2024级").await,
        set(&["A1", "A2", "A3", "A5"])
    );
    let spec = format!("group:班委; segment:2024级; -contacts:{}", ids["A3"]);
    assert_eq!(who(&app, &spec).await, set(&["A1", "A2", "A5"]));
    assert_eq!(who(&app, "group:2024级; -group:班委").await, set(&["A1", "A5"]));
    // A segment may use a group.
    assert_eq!(who(&app, "rule:group = 班委 and grade = 2024").await, set(&["A3"]));
    assert_eq!(who(&app, "rule:group != 班委").await, set(&["A1", "T1", "A5"]));
    // Stored by id: a rename keeps notices, and the description uses the new name.
    let p = app.preview_audience("group:班委; -group:2024级", &[]).await.unwrap();
    assert_eq!(p.spec, format!("group:#{}; -group:#{}", cadres.id, y2024.id));
    assert_eq!(p.description, "group:班委; -group:2024级");
    assert_eq!(p.people, 1);
    assert_eq!(p.sample[0].name, "李二");
}

#[tokio::test]
async fn reach_counts_split_everyone_by_what_each_channel_can_do() {
    let (_d, app, _) = app_with_people().await;
    let smtp = app
        .store()
        .insert_channel("mail", ChannelKind::SMTP, &serde_json::json!({}))
        .await
        .unwrap();
    let sandbox = app.channel_by_name("sandbox").await.unwrap();
    let p = app.preview_audience("all", &[smtp.id, sandbox.id]).await.unwrap();
    assert_eq!(p.people, 5);
    let mail = &p.channels[0];
    assert_eq!(
        (mail.reachable, mail.invalid_address, mail.opted_out, mail.no_address),
        (1, 1, 1, 2),
        "A1 reachable; A2 bounced; Emma opted out; A3 and T1 have no e-mail"
    );
    assert_eq!(p.channels[1].reachable, 5, "the sandbox takes anyone");
    assert_eq!(p.unreachable, 0);
    let p = app.preview_audience("all", &[smtp.id]).await.unwrap();
    assert_eq!(p.unreachable, 4);
}

#[tokio::test]
async fn fan_out_sends_a_segment_once_per_person_and_skips_opt_outs() {
    let (_d, app, ids) = app_with_people().await;
    let smtp = app
        .store()
        .insert_channel("mail", ChannelKind::SMTP, &serde_json::json!({}))
        .await
        .unwrap();
    let sandbox = app.channel_by_name("sandbox").await.unwrap();
    let cadres = app
        .create_group(NewGroup {
            name: "班委".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    app.add_group_members(cadres.id, &[ids["A1"], ids["A5"]]).await.unwrap();
    app.create_group(NewGroup {
        name: "农学院".into(),
        rule: Some(rule::parse("department = 农学院").unwrap()),
        ..Default::default()
    })
    .await
    .unwrap();
    let notice = app
        .create_notice(NewNotice {
            title: "通知".into(),
            body: "{{ name }}，你好".into(),
            channel_ids: vec![smtp.id, sandbox.id],
            audience: Some(format!("group:农学院; group:班委; -contacts:{}", ids["A2"])),
            ..Default::default()
        })
        .await
        .unwrap();
    // Who is in the segment is decided when it is sent, not when it was written.
    app.store()
        .upsert_contacts(
            &[ContactUpsert {
                external_id: Some("A6".into()),
                name: "新同学".into(),
                fields: vec![("department", Some("农学院".into()))],
                addresses: vec![("email", Some("a6@example.edu.cn".into()))],
                preferred: None,
                tags: None,
                attributes: vec![],
            }],
            false,
        )
        .await
        .unwrap();
    let run = app.send_notice(notice.id).await.unwrap();
    let detail = app.run_detail(run.id).await.unwrap();
    let mut got: Vec<(String, String)> = detail
        .deliveries
        .iter()
        .map(|d| (d.contact_name.clone(), d.channel_name.clone()))
        .collect();
    got.sort();
    let mut expected = vec![
        ("Emma".to_string(), sandbox.name.clone()), // opted out of e-mail only
        ("新同学".to_string(), smtp.name.clone()),
        ("新同学".to_string(), sandbox.name.clone()),
        ("王一".to_string(), smtp.name.clone()),
        ("王一".to_string(), sandbox.name.clone()),
    ];
    expected.sort();
    assert_eq!(got, expected);
    assert_eq!(run.total, 5);
}

#[tokio::test]
async fn mistakes_in_groups_are_refused_with_the_reason() {
    let (_d, app, _) = app_with_people().await;
    let base = app
        .create_group(NewGroup {
            name: "甲".into(),
            rule: Some(rule::parse("grade = 2024").unwrap()),
            ..Default::default()
        })
        .await
        .unwrap();
    let uses = app
        .create_group(NewGroup {
            name: "乙".into(),
            rule: Some(rule::parse("group = 甲").unwrap()),
            ..Default::default()
        })
        .await
        .unwrap();
    let err = app
        .update_group(
            base.id,
            UpdateGroup {
                rule: Some(rule::parse("group = 乙").unwrap()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("circle"), "{err}");
    let err = app
        .create_group(NewGroup {
            name: "甲".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    let err = app.delete_group(base.id).await.unwrap_err();
    assert!(err.to_string().contains("乙"), "{err}");
    let err = app.add_group_members(base.id, &[1]).await.unwrap_err();
    assert!(err.to_string().contains("rule decides"), "{err}");
    // A rename follows into the rules that use the group.
    app.update_group(
        base.id,
        UpdateGroup {
            name: Some("丙".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let renamed = app.group(&GroupRef::Id(uses.id)).await.unwrap();
    assert_eq!(renamed.rule_text.as_deref(), Some("group = 丙"));
    assert_eq!(renamed.members, 3);
    let page = app
        .group_members(
            uses.id,
            ContactQuery {
                search: Some("王".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert!(app
        .create_group(NewGroup {
            name: "#1".into(),
            ..Default::default()
        })
        .await
        .is_err());
}
