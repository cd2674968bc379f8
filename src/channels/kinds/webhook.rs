//! A generic webhook: each message is one HTTP request to the URL an admin configured,
//! optionally signed the Standard Webhooks way.
//!
//! The request, its signature and the reply classes are `providers::webhook`; this module is
//! what the registry needs of it: the settings (a URL whose secret query values are kept in
//! the secret store, headers some of which are secret, signing that follows its secret, a body
//! template), the flags earlier versions had, and how the settings become a [`Webhook`].

use std::sync::Arc;

use crate::channels::schema::{headers_of, ChoiceOption, Field, FieldError, FieldType, Text, Values};
use crate::channels::{About, Format, Kind, Platform, Recipients, Switch};
use crate::providers::webhook::{
    masked_names, Webhook, WebhookConfigError, WebhookMethod, WebhookSettings, DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT_MS,
    MAX_BATCH,
};
use crate::providers::{Limits, Provider};

pub struct WebhookKind;

const METHODS: &[ChoiceOption] = &[
    ChoiceOption {
        value: "POST",
        label: Text { zh: "POST", en: "POST" },
    },
    ChoiceOption {
        value: "PUT",
        label: Text { zh: "PUT", en: "PUT" },
    },
];

const FIELDS: &[Field] = &[
    Field::new(
        "url",
        FieldType::MaskedUrl,
        Text {
            zh: "接收地址",
            en: "URL",
        },
        Text {
            zh: "每条消息发往的网址（http:// 或 https://）。网址中的 access_token、key、sign 等参数值存入密钥存储，显示为 ********。",
            en: "Where each message goes (http:// or https://). Query values such as access_token, key or sign are kept in the secret store and shown as ********.",
        },
    ),
    Field::new(
        "method",
        FieldType::Choice { options: METHODS },
        Text {
            zh: "请求方法",
            en: "Method",
        },
        Text {
            zh: "几乎所有接收方都用 POST。",
            en: "Nearly every receiver expects POST.",
        },
    )
    .default_value("POST"),
    Field::new(
        "headers",
        FieldType::Headers,
        Text {
            zh: "请求头",
            en: "Headers",
        },
        Text {
            zh: "额外的请求头。名称像凭据的（Authorization、*-Token、*-Key 等）和标为机密的，其值存入密钥存储，不再显示。",
            en: "Extra request headers. The values of those whose names look like credentials (Authorization, *-Token, *-Key…) and of those marked secret are kept in the secret store and never shown again.",
        },
    )
    .optional(),
    Field::new(
        "body-template",
        FieldType::LongText,
        Text {
            zh: "请求体模板",
            en: "Body template",
        },
        Text {
            zh: "生成 JSON 请求体的 minijinja 模板（变量：id、channel、recipient.name、recipient.address、subject、body，请用 |tojson）；不填则发送默认的 JSON。命令行上给出模板文件。",
            en: "A minijinja template of the JSON body (variables: id, channel, recipient.name, recipient.address, subject, body; use |tojson); empty: the default JSON. On the command line, a file holding it.",
        },
    )
    .optional()
    .aliases(&["body-template-file"])
    .advanced(),
    Field::new(
        "timeout-ms",
        FieldType::Number { min: 1, max: 60_000 },
        Text {
            zh: "超时（毫秒）",
            en: "Timeout (ms)",
        },
        Text {
            zh: "每个请求（含读取回复）最长等待的时间。",
            en: "How long one request, its reply included, may take.",
        },
    )
    .default_value(DEFAULT_TIMEOUT_TEXT)
    .advanced(),
    Field::new(
        "signing",
        FieldType::Switch,
        Text {
            zh: "签名",
            en: "Signing",
        },
        Text {
            zh: "按 Standard Webhooks 为每个请求签名（需要签名密钥）。给出密钥时自动开启，删除密钥时关闭。",
            en: "Sign each request the Standard Webhooks way (needs the secret). On when a secret is given, off when it is removed.",
        },
    )
    .default_value("false")
    .on_with("secret"),
    Field::new(
        "secret",
        FieldType::Secret,
        Text {
            zh: "签名密钥",
            en: "Signing secret",
        },
        Text {
            zh: "Standard Webhooks 签名密钥（whsec_ 开头），由接收方提供；换新密钥后旧密钥立即失效。",
            en: "The Standard Webhooks signing secret (whsec_…) the receiver gives; a new one replaces the old at once.",
        },
    )
    .optional()
    .checked(signing_secret),
];

// The default as the schema spells it; a test keeps it equal to the provider's.
const DEFAULT_TIMEOUT_TEXT: &str = "10000";

/// Flags earlier versions had, which set a setting without a value.
const SWITCHES: &[Switch] = &[
    Switch {
        flag: "secret-stdin",
        key: "secret",
        value: "-",
        help: "Read a Standard Webhooks signing secret (whsec_…) from standard input and sign requests; the old one stops working at once.",
        edit_only: false,
    },
    Switch {
        flag: "remove-secret",
        key: "secret",
        value: "",
        help: "Drop the signing secret (signing goes off).",
        edit_only: true,
    },
    Switch {
        flag: "default-body",
        key: "body-template",
        value: "",
        help: "Send the default JSON body again instead of a template.",
        edit_only: true,
    },
];

fn signing_secret(secret: &str) -> Result<(), Text> {
    crate::providers::webhook::SigningKey::from_secret(secret)
        .map(drop)
        .map_err(|_| Text {
            zh: "应为 Standard Webhooks 密钥：whsec_ 加 base64",
            en: "must be a Standard Webhooks secret: whsec_ and base64",
        })
}

const ABOUT: About = About {
    id: "webhook",
    label: Text {
        zh: "通用 Webhook",
        en: "Webhook",
    },
    description: Text {
        zh: "每条消息是发往你的网址的一个 HTTP 请求，可按 Standard Webhooks 签名。",
        en: "Each message is one HTTP request to your URL, optionally signed the Standard Webhooks way.",
    },
    platform: Platform::Http,
    fields: FIELDS,
    recipients: Recipients::Anyone,
    format: Format::Raw,
    limits: Limits {
        max_batch: MAX_BATCH,
        per_second: None,
        per_minute: None,
        concurrency: DEFAULT_CONCURRENCY,
    },
};

/// A provider's refusal as a refusal of the setting it names (by its schema key).
fn refusal(e: WebhookConfigError) -> FieldError {
    let (field, problem) = match e {
        WebhookConfigError::Invalid { field, problem } => (field, problem),
        other => ("url".to_owned(), other.to_string()),
    };
    let field = match field.as_str() {
        "timeoutMs" => "timeout-ms".to_owned(),
        "bodyTemplate" => "body-template".to_owned(),
        _ => field,
    };
    FieldError::new(
        "setting_invalid",
        &field,
        Text {
            zh: "无法使用",
            en: "cannot be used",
        },
    )
    .with_detail(problem)
}

/// The provider's settings and signing secret from the channel's (validated) values.
pub fn settings(values: &Values) -> Result<(WebhookSettings, Option<String>), FieldError> {
    let url = values.get("url").unwrap_or_default();
    // A value the secret store lost stays masked: never sent as the mask.
    if let Some(name) = masked_names(url).into_iter().next() {
        return Err(FieldError::new(
            "secret_missing",
            "url",
            Text {
                zh: "网址中有参数的值已不在密钥存储中，请重新输入完整网址",
                en: "the value of one of its query parameters is missing from the secret store: type the whole URL again",
            },
        )
        .with_detail(format!("the query parameter {name}")));
    }
    let mut s = WebhookSettings::new(url);
    s.method = WebhookMethod::parse(values.get("method").unwrap_or("POST")).map_err(refusal)?;
    if let Some(text) = values.get("headers") {
        for header in headers_of("headers", text)? {
            let name = header.name.trim().to_owned();
            if header.secret {
                s.secret_headers.insert(name.clone());
            }
            let Some(value) = header.value else {
                return Err(FieldError::new(
                    "secret_missing",
                    &format!("headers.{name}"),
                    Text {
                        zh: "其值已不在密钥存储中，请重新设置或删除该请求头",
                        en: "its value is missing from the secret store: set the header again or remove it",
                    },
                ));
            };
            s.headers.insert(name, value);
        }
    }
    s.body_template = values
        .get("body-template")
        .filter(|t| !t.trim().is_empty())
        .map(str::to_owned);
    s.timeout_ms = values
        .number("timeout-ms")
        .map_or(DEFAULT_TIMEOUT_MS, |t| t.max(0) as u64);
    s.signing = values.switch("signing");
    Ok((s, values.get("secret").map(str::to_owned)))
}

impl Kind for WebhookKind {
    fn about(&self) -> &'static About {
        &ABOUT
    }

    fn switches(&self) -> &'static [Switch] {
        SWITCHES
    }

    fn check(&self, values: &Values) -> Result<(), FieldError> {
        if values.switch("signing") && values.get("secret").is_none() {
            return Err(FieldError::new(
                "setting_required",
                "secret",
                Text {
                    zh: "开启签名需要签名密钥",
                    en: "signing is on, so a signing secret is needed",
                },
            ));
        }
        Ok(())
    }

    fn build(&self, channel_name: &str, values: &Values) -> Result<Arc<dyn Provider>, FieldError> {
        let (settings, secret) = settings(values)?;
        Ok(Arc::new(Webhook::new(channel_name, settings, secret).map_err(refusal)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schemas_default_is_the_providers() {
        assert_eq!(DEFAULT_TIMEOUT_TEXT.parse::<u64>().unwrap(), DEFAULT_TIMEOUT_MS);
    }
}
