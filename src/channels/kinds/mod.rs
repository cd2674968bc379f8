//! One module per channel kind made on the [`Kind`] description; [`ALL`] lists them.
//! `dingtalk` holds what DingTalk's two kinds share.

pub mod dingtalk;
pub mod dingtalk_app;
pub mod dingtalk_robot;
pub mod feishu_app;
pub mod feishu_bot;
pub mod smtp;
pub mod webhook;
pub mod wecom_app;
pub mod wecom_robot;

use super::Kind;

/// Every kind, in the order the kind picker shows them.
pub static ALL: &[&dyn Kind] = &[
    &smtp::SmtpKind,
    &webhook::WebhookKind,
    &wecom_robot::WecomRobot,
    &wecom_app::WecomApp,
    &dingtalk_robot::DingtalkRobot,
    &dingtalk_app::DingtalkApp,
    &feishu_bot::FeishuBot,
    &feishu_app::FeishuApp,
];
