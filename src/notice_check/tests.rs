use std::sync::Arc;

use serde_json::json;

use super::*;
use crate::channels::{About, Dialect, FieldError, Format, Platform, Recipients, Text, Values};
use crate::providers::{Limits, Provider};
use crate::store::CheckRow;

/// A robot-like app kind with a 40-byte limit, so a long name takes a message over it.
struct Tiny;

static TINY: About = About {
    id: "tiny_app",
    label: Text { zh: "小", en: "tiny" },
    description: Text { zh: "小", en: "tiny" },
    platform: Platform::Wecom,
    fields: &[],
    recipients: Recipients::Person("wecom"),
    format: Format::Markdown {
        dialect: Dialect::Wecom,
        max_bytes: 40,
    },
    limits: Limits {
        per_second: None,
        per_minute: None,
        max_batch: 1,
        concurrency: 1,
    },
};

impl Kind for Tiny {
    fn about(&self) -> &'static About {
        &TINY
    }
    fn build(&self, _: &str, _: &Values) -> Result<Arc<dyn Provider>, FieldError> {
        unreachable!("never sends")
    }
}

static TINY_KIND: Tiny = Tiny;

fn channels() -> Vec<CheckedChannel> {
    vec![
        CheckedChannel {
            id: 1,
            name: "sandbox".into(),
            kind: ChannelKind::SANDBOX,
            group: false,
            markdown: false,
            described: None,
        },
        CheckedChannel {
            id: 2,
            name: "企业微信".into(),
            kind: ChannelKind::declared("tiny_app"),
            group: false,
            markdown: true,
            described: Some(&TINY_KIND),
        },
    ]
}

fn row(id: i64, name: &str, vars: serde_json::Value, states: [u8; 2]) -> CheckRow {
    CheckRow {
        contact_id: id,
        name: name.into(),
        external_id: Some(format!("S{id}")),
        language: Some("zh-CN".into()),
        variables: vars.to_string(),
        states: states.to_vec(),
    }
}

fn check(
    body: &str,
    rows: Vec<CheckRow>,
    strategy: ChannelStrategy,
    chosen: Vec<(i64, i64)>,
) -> (NoticeCheck, Vec<i64>) {
    let channels = channels();
    let templates: Vec<ChannelTemplates> = channels
        .iter()
        .map(|_| ChannelTemplates {
            zh: CompiledNotice::new("通知", body).unwrap(),
            en: None,
        })
        .collect();
    let mut checker = Checker::new(7, &templates, &channels, strategy, chosen);
    for r in rows {
        checker.person(r);
    }
    checker.finish()
}

#[test]
fn a_missing_variable_an_empty_value_and_a_message_over_the_limit_are_each_named() {
    let (c, broken) = check(
        "{{ name }}：{{ room }}",
        vec![
            row(1, "王小明", json!({"name": "王小明", "room": "A101"}), [0, 0]),
            row(2, "李雷", json!({"name": "李雷", "room": null}), [0, 3]),
            row(3, "韩梅梅", json!({"name": "韩梅梅", "room": " "}), [0, 1]),
            row(
                4,
                "欧阳娜娜娜娜娜娜娜娜",
                json!({"name": "欧阳娜娜娜娜娜娜娜娜", "room": "A102"}),
                [0, 0],
            ),
        ],
        ChannelStrategy::All,
        vec![],
    );
    assert!(!c.ok);
    assert_eq!(broken, vec![2, 3, 4]);
    assert_eq!((c.people, c.recipients), (4, 4));
    let codes: Vec<(Option<i64>, i64, &str)> = c
        .broken
        .iter()
        .map(|b| (b.contact_id, b.channel_id, b.problem.code))
        .collect();
    assert_eq!(
        codes,
        vec![
            (Some(2), 1, "missing_variable"),
            (Some(3), 1, "empty_value"),
            (Some(4), 2, "too_long"),
        ]
    );
    assert!(c.broken[0].problem.en.contains("`room`"), "{:?}", c.broken[0]);
    assert_eq!(c.broken[0].problem.field, "body");
    assert_eq!(c.broken[0].external_id.as_deref(), Some("S2"));
    let tiny = &c.channels[1];
    assert_eq!(
        (tiny.will_get, tiny.no_address, tiny.opted_out, tiny.broken),
        (2, 1, 1, 1)
    );
    assert_eq!(tiny.figures[0].key, "largest_bytes");
    assert!(tiny.figures[0].value > 40);
    assert_eq!(c.channels[0].will_get, 4);
    assert_eq!(
        c.languages,
        vec![LanguageCount {
            language: Some("zh-CN".into()),
            people: 4
        }]
    );
}

#[test]
fn the_preferred_strategy_checks_each_person_on_their_one_channel() {
    let (c, broken) = check(
        "{{ name }}：{{ room }}",
        vec![
            row(1, "甲", json!({"name": "甲", "room": "A101"}), [0, 0]),
            row(2, "乙", json!({"name": "乙"}), [0, 0]),
        ],
        ChannelStrategy::PreferredThenFallback,
        vec![(1, 2), (2, 1)],
    );
    assert_eq!(broken, vec![2]);
    assert_eq!((c.channels[0].will_get, c.channels[0].other_channel), (1, 1));
    assert_eq!((c.channels[1].will_get, c.channels[1].other_channel), (1, 1));
    assert_eq!(c.broken_messages, 1);
}

#[test]
fn values_are_markdown_escaped_as_the_dispatcher_sends_them() {
    // 36 bytes as typed; the escapes take it over 40 only where the body is Markdown.
    let (c, _) = check(
        "{{ name }}",
        vec![row(1, "x", json!({"name": "*".repeat(30)}), [0, 0])],
        ChannelStrategy::All,
        vec![],
    );
    assert_eq!(c.broken.len(), 1);
    assert_eq!(c.broken[0].channel_id, 2);
    assert_eq!(c.broken[0].problem.code, "too_long");
}
