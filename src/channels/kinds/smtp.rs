//! E-mail through an SMTP account: one message per person, to their e-mail address.
//!
//! The transport itself (TLS, the connection pool, the message, the reply classes) is
//! `providers::smtp`; this module is what the registry needs of it: the settings, how they
//! are checked and turned into [`SmtpSettings`], and which setting a refusal concerns.

use std::sync::Arc;

use crate::channels::schema::{ChoiceOption, Field, FieldError, FieldType, FollowValue, Group, Text, Values};
use crate::channels::{About, Format, Kind, Platform, Recipients, Switch};
use crate::providers::smtp::{
    ca_pem_from_file, Security, Smtp, SmtpError, SmtpSettings, DEFAULT_POOL, DEFAULT_TIMEOUT_MS, MAX_POOL,
    MAX_TIMEOUT_MS, MIN_TIMEOUT_MS,
};
use crate::providers::{Limits, Provider};

pub struct SmtpKind;

const SECURITY: &[ChoiceOption] = &[
    ChoiceOption {
        value: "starttls",
        label: Text {
            zh: "STARTTLS（587）",
            en: "STARTTLS (587)",
        },
    },
    ChoiceOption {
        value: "tls",
        label: Text {
            zh: "SSL/TLS（465）",
            en: "SSL/TLS (465)",
        },
    },
    ChoiceOption {
        value: "none",
        label: Text {
            zh: "不加密（仅限本机或内网中继）",
            en: "None (only for a relay on this computer or network)",
        },
    },
];

/// The port each security usually goes with: an empty port is this one.
const USUAL_PORTS: &[FollowValue] = &[
    FollowValue {
        when: "starttls",
        value: "587",
    },
    FollowValue {
        when: "tls",
        value: "465",
    },
    FollowValue {
        when: "none",
        value: "25",
    },
];

/// The user name and password, asked only when the server needs a login.
const LOGIN: Group = Group {
    key: "login",
    label: Text {
        zh: "服务器需要登录",
        en: "The server needs a login",
    },
    help: Text {
        zh: "学校和商业邮箱都需要；只有本机或内网的邮件中继可能不需要。",
        en: "School and commercial mailboxes do; only a relay on this computer or network may not.",
    },
    on_by_default: true,
};

const FIELDS: &[Field] = &[
    Field::new(
        "host",
        FieldType::Text,
        Text {
            zh: "发信服务器",
            en: "SMTP server",
        },
        Text {
            zh: "邮箱的发信服务器（SMTP）地址，例如 smtp.exmail.qq.com；在邮箱的“设置 → 客户端设置”里可以找到。",
            en: "The mailbox's outgoing (SMTP) server, e.g. smtp.exmail.qq.com; the mailbox's client settings page shows it.",
        },
    )
    .checked(host_only),
    Field::new(
        "security",
        FieldType::Choice { options: SECURITY },
        Text {
            zh: "加密方式",
            en: "Security",
        },
        Text {
            zh: "多数邮箱用 SSL/TLS（465）或 STARTTLS（587）。",
            en: "Most mail services use SSL/TLS (465) or STARTTLS (587).",
        },
    )
    .default_value("starttls"),
    Field::new(
        "port",
        FieldType::Number { min: 1, max: 65_535 },
        Text {
            zh: "端口",
            en: "Port",
        },
        Text {
            zh: "不填则按加密方式：587（STARTTLS）、465（SSL/TLS）、25（不加密）。",
            en: "Empty: by the security, 587 (STARTTLS), 465 (SSL/TLS) or 25 (none).",
        },
    )
    .optional()
    .follows("security", USUAL_PORTS),
    Field::new(
        "username",
        FieldType::Text,
        Text {
            zh: "登录用户名",
            en: "User name",
        },
        Text {
            zh: "通常是完整的邮箱地址。服务器不需要登录时留空。",
            en: "Usually the whole e-mail address. Empty when the server needs no login.",
        },
    )
    .optional()
    .aliases(&["user"])
    .in_group(&LOGIN),
    Field::new(
        "password",
        FieldType::Password,
        Text {
            zh: "密码或授权码",
            en: "Password or app password",
        },
        Text {
            zh: "QQ、163 等邮箱要用“授权码”而不是登录密码：在邮箱设置中开启 SMTP 服务后生成。",
            en: "Many services (QQ, 163, Gmail) want an app password made in the mailbox's settings, not the login password.",
        },
    )
    .optional()
    .tied_to("username")
    .in_group(&LOGIN),
    Field::new(
        "from-address",
        FieldType::Text,
        Text {
            zh: "发件人地址",
            en: "From address",
        },
        Text {
            zh: "收件人看到的发件地址，一般与登录用户名相同。",
            en: "The address recipients see the message from; usually the login's.",
        },
    )
    .checked(mailbox)
    .aliases(&["from"]),
    Field::new(
        "from-name",
        FieldType::Text,
        Text {
            zh: "发件人名称",
            en: "From name",
        },
        Text {
            zh: "收件人看到的名称，例如“教务处”。",
            en: "The name recipients see, e.g. 教务处 (Academic Affairs).",
        },
    )
    .optional(),
    Field::new(
        "reply-to",
        FieldType::Text,
        Text {
            zh: "回复地址",
            en: "Reply-to",
        },
        Text {
            zh: "收件人点“回复”时写到的地址；不填则回复给发件人。",
            en: "Where replies go; empty: to the from address.",
        },
    )
    .optional()
    .checked(mailbox),
    Field::new(
        "ca-pem",
        FieldType::FileText,
        Text {
            zh: "CA 证书",
            en: "CA certificate",
        },
        Text {
            zh: "仅当学校邮件服务器使用自己的证书时需要：选择学校网络中心提供的 CA 证书文件（.pem/.crt/.cer）。",
            en: "Only for a mail server with the university's own certificate: the CA certificate file (.pem/.crt/.cer) from the network centre.",
        },
    )
    .optional()
    .aliases(&["ca-file"])
    .read_with(ca_text)
    .extensions(&["pem", "crt", "cer", "der"])
    .advanced()
    .empty_means(Text {
        zh: "信任公共证书机构（不用自己的 CA 证书）",
        en: "Trust the public certificate authorities (no CA certificate of its own)",
    }),
    Field::new(
        "pool-size",
        FieldType::Number {
            min: 1,
            max: MAX_POOL as i64,
        },
        Text {
            zh: "连接数",
            en: "Connections",
        },
        Text {
            zh: "同时保持的连接数，即同时在发的邮件数；邮件服务器常限制每个客户端的连接数。",
            en: "Connections kept open, so messages in flight at once; mail servers often limit connections per client.",
        },
    )
    .default_value(DEFAULT_POOL_TEXT)
    .aliases(&["pool"]),
    Field::new(
        "timeout-ms",
        FieldType::Number {
            min: MIN_TIMEOUT_MS as i64,
            max: MAX_TIMEOUT_MS as i64,
        },
        Text {
            zh: "超时（毫秒）",
            en: "Timeout (ms)",
        },
        Text {
            zh: "每封邮件（连接、加密、登录和发送）最长等待的时间。",
            en: "How long one message (connecting, securing, logging in and sending) may take.",
        },
    )
    .default_value(DEFAULT_TIMEOUT_TEXT)
    .advanced(),
];

// The defaults as the schema spells them; a test keeps them equal to the transport's.
const DEFAULT_POOL_TEXT: &str = "4";
const DEFAULT_TIMEOUT_TEXT: &str = "30000";

/// Flags earlier versions had, which set a setting without a value.
const SWITCHES: &[Switch] = &[
    Switch {
        flag: "password-stdin",
        key: "password",
        value: "-",
        help: "Read the password from standard input (one line, kept as typed).",
        edit_only: false,
    },
    Switch {
        flag: "no-login",
        key: "username",
        value: "",
        help: "The server needs no login: forget the user name and password.",
        edit_only: true,
    },
    Switch {
        flag: "public-roots",
        key: "ca-pem",
        value: "",
        help: "Trust the public certificate authorities again instead of the CA certificate given.",
        edit_only: true,
    },
];

/// A host name alone: what people paste instead is a URL or `host:port`.
fn host_only(host: &str) -> Result<(), Text> {
    if host.contains("://") || host.contains(['/', ':', ' ', '@']) {
        return Err(Text {
            zh: "只填写服务器名称，例如 smtp.exmail.qq.com（不带 smtp://、端口或路径）",
            en: "give the server's name alone, e.g. smtp.exmail.qq.com (no smtp://, port or path)",
        });
    }
    Ok(())
}

fn mailbox(address: &str) -> Result<(), Text> {
    address.parse::<lettre::Address>().map(|_| ()).map_err(|_| Text {
        zh: "请填写正确的邮箱地址",
        en: "is not an e-mail address",
    })
}

fn ca_text(bytes: &[u8]) -> Result<String, String> {
    ca_pem_from_file(bytes).map_err(|e| e.to_string())
}

const ABOUT: About = About {
    id: "smtp",
    label: Text {
        zh: "电子邮件（SMTP）",
        en: "E-mail (SMTP)",
    },
    description: Text {
        zh: "通过一个邮箱账号的发信服务器（SMTP）给每个人发邮件。",
        en: "Sends each person an e-mail through a mailbox's SMTP server.",
    },
    platform: Platform::Email,
    fields: FIELDS,
    recipients: Recipients::Person("email"),
    format: Format::Email,
    limits: Limits {
        max_batch: DEFAULT_POOL as usize * 4,
        per_second: None,
        per_minute: None,
        concurrency: DEFAULT_POOL as usize,
    },
};

impl Kind for SmtpKind {
    fn about(&self) -> &'static About {
        &ABOUT
    }

    fn switches(&self) -> &'static [Switch] {
        SWITCHES
    }

    fn check(&self, values: &Values) -> Result<(), FieldError> {
        settings(values).map(|_| ())
    }

    fn build(&self, _channel_name: &str, values: &Values) -> Result<Arc<dyn Provider>, FieldError> {
        let (settings, password) = settings(values)?;
        Smtp::new(settings, password)
            .map(|smtp| Arc::new(smtp) as Arc<dyn Provider>)
            .map_err(refusal)
    }
}

/// The transport's settings and password from a channel's values.
fn settings(values: &Values) -> Result<(SmtpSettings, Option<String>), FieldError> {
    let security = values
        .get("security")
        .and_then(Security::parse)
        .unwrap_or(Security::Starttls);
    let port = values.number("port").map_or_else(|| usual_port(security), |p| p as u16);
    let text = |key| values.get(key).map(str::to_owned);
    let settings = SmtpSettings {
        host: values.get("host").unwrap_or_default().to_owned(),
        port,
        security,
        username: text("username"),
        from_address: values.get("from-address").unwrap_or_default().to_owned(),
        from_name: text("from-name"),
        reply_to: text("reply-to"),
        ca_pem: text("ca-pem"),
        pool_size: values.number("pool-size").map_or(DEFAULT_POOL, |n| n as u32),
        timeout_ms: values.number("timeout-ms").map_or(DEFAULT_TIMEOUT_MS, |n| n as u64),
    };
    let password = text("password");
    if settings.username.is_some() != password.is_some() {
        return Err(refusal(SmtpError::HalfCredentials));
    }
    Ok((settings, password))
}

/// The port `security` usually goes with ([`USUAL_PORTS`]).
fn usual_port(security: Security) -> u16 {
    let when = match security {
        Security::None => "none",
        Security::Starttls => "starttls",
        Security::Tls => "tls",
    };
    USUAL_PORTS
        .iter()
        .find(|p| p.when == when)
        .and_then(|p| p.value.parse().ok())
        .unwrap_or(587)
}

/// A transport's refusal as the refusal of the setting it concerns.
fn refusal(e: SmtpError) -> FieldError {
    let (field, zh, en) = match &e {
        SmtpError::NoHost => ("host", "请填写发信服务器", "the SMTP server is empty"),
        SmtpError::BadFrom(_) => ("from-address", "请填写正确的邮箱地址", "is not an e-mail address"),
        SmtpError::BadReplyTo(_) => ("reply-to", "请填写正确的邮箱地址", "is not an e-mail address"),
        SmtpError::BadPool(_) => ("pool-size", "应为 1 到 32 之间的整数", "must be from 1 to 32"),
        SmtpError::BadTimeout(_) => (
            "timeout-ms",
            "应为 1000 到 60000 之间的整数",
            "must be from 1000 to 60000",
        ),
        SmtpError::HalfCredentials => (
            "password",
            "登录用户名和密码要一起填写（服务器不需要登录时两者都留空）",
            "a user name needs a password, and a password a user name (both empty: no login)",
        ),
        SmtpError::BadCa(_) => ("ca-pem", "无法读取 CA 证书", "the CA certificate cannot be read"),
        SmtpError::Tls { .. } => ("ca-pem", "无法建立加密连接的设置", "TLS cannot be set up"),
    };
    let refused = FieldError::new("setting_invalid", field, Text { zh, en });
    match e {
        SmtpError::BadCa(detail) | SmtpError::Tls { detail, .. } => refused.with_detail(detail),
        _ => refused,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::channels::schema::validate;

    fn values(pairs: &[(&str, &str)]) -> Result<Values, FieldError> {
        let input: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let split = validate(FIELDS, &input)?;
        let values = Values::join(FIELDS, &serde_json::Value::Object(split.public), &split.secret);
        SmtpKind.check(&values)?;
        Ok(values)
    }

    #[test]
    fn the_schema_defaults_are_the_transports() {
        assert_eq!(DEFAULT_POOL_TEXT, DEFAULT_POOL.to_string());
        assert_eq!(DEFAULT_TIMEOUT_TEXT, DEFAULT_TIMEOUT_MS.to_string());
    }

    #[test]
    fn the_port_follows_the_security_unless_given() {
        let base = [("host", "smtp.school.edu.cn"), ("from-address", "jw@school.edu.cn")];
        let port = |extra: &[(&str, &str)]| {
            let all: Vec<_> = base.iter().chain(extra).copied().collect();
            settings(&values(&all).unwrap()).unwrap().0.port
        };
        assert_eq!(port(&[]), 587);
        assert_eq!(port(&[("security", "tls")]), 465);
        assert_eq!(port(&[("security", "none")]), 25);
        assert_eq!(port(&[("security", "tls"), ("port", "2465")]), 2465);
    }

    #[test]
    fn every_security_has_its_usual_port() {
        let Some(FieldType::Choice { options }) = FIELDS.iter().find(|f| f.key == "security").map(|f| f.ty) else {
            panic!("security is a choice");
        };
        for option in options {
            assert!(USUAL_PORTS.iter().any(|p| p.when == option.value), "{}", option.value);
        }
    }

    #[test]
    fn a_password_keeps_its_spaces_and_needs_a_user() {
        let v = values(&[
            ("host", "smtp.school.edu.cn"),
            ("from-address", "jw@school.edu.cn"),
            ("username", "jw@school.edu.cn"),
            ("password", " pass word "),
        ])
        .unwrap();
        assert_eq!(settings(&v).unwrap().1.as_deref(), Some(" pass word "));
        let err = values(&[
            ("host", "smtp.school.edu.cn"),
            ("from-address", "jw@school.edu.cn"),
            ("username", "jw@school.edu.cn"),
        ])
        .unwrap_err();
        assert_eq!(err.field, "password");
    }

    #[test]
    fn each_refusal_names_its_setting() {
        let err = values(&[
            ("host", "smtp://smtp.school.edu.cn:465"),
            ("from-address", "jw@school.edu.cn"),
        ])
        .unwrap_err();
        assert_eq!(err.field, "host");
        let err = values(&[("host", "smtp.school.edu.cn"), ("from-address", "教务处")]).unwrap_err();
        assert_eq!(err.field, "from-address");
        let err = values(&[
            ("host", "smtp.school.edu.cn"),
            ("from-address", "jw@school.edu.cn"),
            ("ca-pem", "not a certificate"),
        ])
        .map(|v| SmtpKind.build("教务处", &v).map(|_| ()))
        .unwrap()
        .unwrap_err();
        assert_eq!(err.field, "ca-pem");
    }
}
