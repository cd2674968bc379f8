//! One module per channel kind made on the [`Kind`] description; [`ALL`] lists them.

pub mod dingtalk_robot;
pub mod feishu_app;
pub mod feishu_bot;
pub mod smtp;
pub mod wecom_app;
pub mod wecom_robot;

use super::Kind;

/// Every kind, in the order the kind picker shows them.
pub static ALL: &[&dyn Kind] = &[
    &smtp::SmtpKind,
    &wecom_robot::WecomRobot,
    &wecom_app::WecomApp,
    &dingtalk_robot::DingtalkRobot,
    &feishu_bot::FeishuBot,
    &feishu_app::FeishuApp,
];
