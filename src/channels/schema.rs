//! A channel kind's settings, described once as data: each field's key, type, whether it is
//! required or its default, its label and help in both languages, and its check. The CLI's
//! flags, the Channels screen's form, validation and storage (settings as JSON, secret fields
//! in the secret store) are all made from this description.

use std::collections::BTreeMap;

use serde::Serialize;
use thiserror::Error;
use ts_rs::TS;

/// A text in both of the UI's languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, rename = "Bilingual")]
pub struct Text {
    pub zh: &'static str,
    pub en: &'static str,
}

/// What a field holds, and so which widget and flag it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase", tag = "type")]
#[ts(export, rename = "SettingType")]
pub enum FieldType {
    /// One line of text.
    Text,
    /// An http or https URL.
    Url,
    /// A whole number within bounds.
    Number {
        #[ts(type = "number")]
        min: i64,
        #[ts(type = "number")]
        max: i64,
    },
    /// On or off.
    Switch,
    /// One of a few values.
    Choice { options: &'static [ChoiceOption] },
    /// Kept in the secret store, never shown again: only whether it is set.
    Secret,
    /// A password: a secret kept exactly as typed, since spaces can be part of it.
    Password,
    /// A URL that carries its credential (a robot's webhook address): kept as a secret.
    SecretUrl,
    /// A file the user picks, stored as its text (a CA certificate).
    FileText,
    /// Text of several lines, typed in the form or given as a file on the command line (a
    /// webhook's body template).
    LongText,
    /// HTTP headers, some of them secret: those whose names look like a credential
    /// (`providers::webhook::is_credential_header`) and those marked secret (a header once
    /// secret stays secret). Given and read back as a JSON list of [`Header`]s (a secret one
    /// given without a value keeps its stored value); stored as an object of names and the
    /// public values, `null` for a secret one, whose value is in the secret store under
    /// `KEY.NAME`. The CLI takes it as `--header`, `--header-file`, `--secret-header` and, when
    /// editing, `--remove-header`; the form as a list of rows.
    Headers,
    /// An http or https URL whose credential-looking query values (`?access_token=`, `?key=`)
    /// are kept in the secret store under `KEY.NAME` and stored and shown as `********`; given
    /// back with the mask to the same host, it keeps them. The CLI reads it from standard input
    /// when given as `-`.
    MaskedUrl,
}

impl FieldType {
    /// Whether the value goes to the secret store rather than the channel's settings.
    pub fn is_secret(self) -> bool {
        matches!(self, FieldType::Secret | FieldType::SecretUrl | FieldType::Password)
    }

    /// Whether a value of this type is partly secret: stored in the settings, with its secret
    /// parts in the secret store under `KEY.PART`.
    pub const fn has_secret_parts(self) -> bool {
        matches!(self, FieldType::Headers | FieldType::MaskedUrl)
    }
}

/// One header of a [`FieldType::Headers`] setting, as given and read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[ts(export, rename = "SettingHeader")]
pub struct Header {
    pub name: String,
    /// Left out: a secret header keeps its stored value (or, read back, the store lost it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub value: Option<String>,
    /// Kept in the secret store although its name does not look like a credential.
    #[serde(default)]
    pub secret: bool,
}

/// A [`FieldType::Headers`] value's headers; `field` names the setting in the refusal.
pub fn headers_of(field: &str, text: &str) -> Result<Vec<Header>, FieldError> {
    serde_json::from_str(text).map_err(|_| {
        FieldError::new(
            "setting_invalid",
            field,
            Text {
                zh: "应为请求头列表（JSON）",
                en: "must be a list of headers (JSON)",
            },
        )
    })
}

/// Headers as a [`FieldType::Headers`] value's text.
pub fn headers_text(headers: &[Header]) -> String {
    serde_json::to_string(headers).expect("strings serialise")
}

fn is_secret_header(header: &Header) -> bool {
    header.secret || crate::providers::webhook::is_credential_header(&header.name.trim().to_ascii_lowercase())
}

/// A change to a partly secret setting, given on top of its value before: a secret header
/// given without a value keeps its value (and a header once secret stays secret); a URL given
/// with `********` in place of secret values keeps them while it goes to the same host.
pub fn merge(field: &Field, before: Option<&str>, change: &str) -> Result<String, FieldError> {
    use crate::providers::webhook::{query_secrets, restore_masked_query, same_origin, MASKED};
    match field.ty {
        FieldType::Headers => {
            let old = before
                .map(|b| headers_of(field.key, b))
                .transpose()?
                .unwrap_or_default();
            let mut new = headers_of(field.key, change)?;
            for header in &mut new {
                let was = old
                    .iter()
                    .find(|o| o.name.trim().eq_ignore_ascii_case(header.name.trim()));
                if let Some(was) = was {
                    header.secret |= was.secret || is_secret_header(was);
                    if header.value.is_none() {
                        header.value = was.value.clone();
                    }
                }
            }
            Ok(headers_text(&new))
        }
        FieldType::MaskedUrl if change.contains(MASKED) => {
            let before = before.unwrap_or_default();
            if !same_origin(change, before) {
                return Err(FieldError::new(
                    "setting_invalid",
                    field.key,
                    Text {
                        zh: "******** 只在网址仍指向同一主机时保留已存的值；请输入完整的新网址",
                        en: "******** keeps the stored values only while the URL goes to the same host; type the whole new URL with its values",
                    },
                ));
            }
            restore_masked_query(change.trim(), &query_secrets(before)).map_err(|_| missing_part(field.key))
        }
        _ => Ok(change.to_owned()),
    }
}

/// Applies headers removed, set and marked secret (names ignore case, as in HTTP), naming the
/// header when an edit cannot be applied. A header once secret stays secret.
pub fn edit_headers(
    headers: &mut Vec<Header>,
    set: BTreeMap<String, String>,
    remove: Vec<String>,
    marked: &[String],
) -> Result<(), String> {
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    for name in &remove {
        if set.keys().any(|k| same(k, name)) {
            return Err(format!("headers.{}: is both set and removed", name.trim()));
        }
        let before = headers.len();
        headers.retain(|h| !same(&h.name, name));
        if headers.len() == before {
            return Err(format!("headers.{}: the channel has no such header", name.trim()));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for (name, value) in set {
        if !seen.insert(name.trim().to_ascii_lowercase()) {
            return Err(format!(
                "headers.{}: is set twice (header names ignore case)",
                name.trim()
            ));
        }
        let was_secret = headers.iter().any(|h| same(&h.name, &name) && h.secret);
        headers.retain(|h| !same(&h.name, &name));
        headers.push(Header {
            name: name.trim().to_owned(),
            value: Some(value),
            secret: was_secret,
        });
    }
    for name in marked {
        match headers.iter_mut().find(|h| same(&h.name, name)) {
            Some(h) => h.secret = true,
            None => {
                return Err(format!(
                    "headers.{}: marked secret, but no such header is given",
                    name.trim()
                ))
            }
        }
    }
    Ok(())
}

fn missing_part(field: &str) -> FieldError {
    FieldError::new(
        "secret_missing",
        field,
        Text {
            zh: "其值已不在密钥存储中，请重新填写",
            en: "its value is missing from the secret store: set it again",
        },
    )
}

/// One value of a [`FieldType::Choice`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, rename = "SettingChoice")]
pub struct ChoiceOption {
    pub value: &'static str,
    pub label: Text,
}

/// A switch the form draws over some optional fields ("需要登录" over a user name and password):
/// off, they are hidden and saved empty; on, each of them is asked for (a secret already stored
/// may stay). It is on when the form opens for a new channel if `on_by_default`, for a stored
/// one if any of its fields is set. Not a setting itself: the kind's own check refuses what
/// is only half given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, rename = "SettingGroup")]
pub struct Group {
    pub key: &'static str,
    pub label: Text,
    pub help: Text,
    pub on_by_default: bool,
}

/// A value that follows a choice: with `when` chosen, the field's usual value is `value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, rename = "SettingFollowValue")]
pub struct FollowValue {
    pub when: &'static str,
    pub value: &'static str,
}

/// A field whose usual value depends on another field's choice (a port on the security): the
/// form fills it in when that choice changes, unless the user typed a value of their own, and a
/// value equal to the usual one is saved as empty, so the kind applies it. The kind itself
/// must read an empty value the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, rename = "SettingFollows")]
pub struct Follows {
    /// The key of the [`FieldType::Choice`] field followed.
    pub key: &'static str,
    pub values: &'static [FollowValue],
}

/// A check beyond the type's own, run on a non-empty value (before the type's, so it may
/// refuse a value of the wrong type with a better reason): the reason it is refused.
pub type Check = fn(&str) -> Result<(), Text>;

/// How a file setting's file becomes its text (a DER certificate made PEM, say): the text,
/// or why the file cannot be used.
pub type FromFile = fn(&[u8]) -> Result<String, String>;

/// One setting of a channel kind.
#[derive(Debug, Clone, Copy, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, rename = "SettingField")]
pub struct Field {
    /// The key in stored settings and the CLI flag (`--app-key`).
    pub key: &'static str,
    #[serde(flatten)]
    pub ty: FieldType,
    pub required: bool,
    /// The value when none is given.
    pub default: Option<&'static str>,
    pub label: Text,
    /// Where to find the value in the provider's console, or what it does.
    pub help: Text,
    #[serde(skip)]
    #[ts(skip)]
    pub check: Option<Check>,
    /// Other spellings of its CLI flag, kept from earlier versions (`--user`).
    #[serde(skip)]
    #[ts(skip)]
    pub aliases: &'static [&'static str],
    /// A secret that belongs to another setting's value (a password to its user name): when
    /// that setting changes and this one is not given again, the stored value is dropped.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub tied_to: Option<&'static str>,
    /// For a [`FieldType::FileText`]: how its file is read (default: as UTF-8 text).
    #[serde(skip)]
    #[ts(skip)]
    pub from_file: Option<FromFile>,
    /// The switch this field is shown under, if any ([`Group`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub group: Option<&'static Group>,
    /// The choice its usual value follows, if any ([`Follows`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub follows: Option<Follows>,
    /// Shown under the form's "高级" (advanced) section: most people never need it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[ts(optional = nullable)]
    pub advanced: bool,
    /// For an optional field, what leaving it empty means ("trust the public certificate
    /// authorities"): the form offers it as a choice that clears a stored value.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub empty_means: Option<Text>,
    /// For a [`FieldType::FileText`]: the file name extensions its open dialog offers
    /// (empty: any file).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    #[ts(optional = nullable)]
    pub extensions: &'static [&'static str],
    /// For a switch: on when the setting `key` is given, off when it is cleared, unless the
    /// switch itself is given (signing follows its secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub on_with: Option<&'static str>,
    /// For a partly secret setting (headers, a masked URL): which names make a part secret,
    /// so the form can say so while it is typed. Filled in from the type.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub secret_names: Option<SecretNames>,
}

/// The names of headers and query parameters whose values are kept secret
/// (`providers::webhook::is_credential_name`): any name containing one of `parts`, and the
/// whole `names`, in lower case.
#[derive(Debug, Clone, Copy, Serialize, TS)]
#[ts(export, rename = "SettingSecretNames")]
pub struct SecretNames {
    pub parts: &'static [&'static str],
    pub names: &'static [&'static str],
}

const CREDENTIAL_NAMES: SecretNames = SecretNames {
    parts: &crate::providers::webhook::CREDENTIAL_WORDS,
    names: &crate::providers::webhook::CREDENTIAL_NAMES,
};

impl Field {
    /// A required field of `ty` with no check, to be completed with struct update syntax.
    pub const fn new(key: &'static str, ty: FieldType, label: Text, help: Text) -> Field {
        Field {
            key,
            ty,
            required: true,
            default: None,
            label,
            help,
            check: None,
            aliases: &[],
            tied_to: None,
            from_file: None,
            group: None,
            follows: None,
            advanced: false,
            empty_means: None,
            extensions: &[],
            on_with: None,
            secret_names: if ty.has_secret_parts() {
                Some(CREDENTIAL_NAMES)
            } else {
                None
            },
        }
    }

    /// The same field, shown under the switch `group`.
    pub const fn in_group(self, group: &'static Group) -> Field {
        Field {
            group: Some(group),
            ..self
        }
    }

    /// The same field, its usual value following the choice `key` as `values` say.
    pub const fn follows(self, key: &'static str, values: &'static [FollowValue]) -> Field {
        Field {
            follows: Some(Follows { key, values }),
            ..self
        }
    }

    /// The same (switch) field, on when `key` is given and off when it is cleared.
    pub const fn on_with(self, key: &'static str) -> Field {
        Field {
            on_with: Some(key),
            ..self
        }
    }

    /// The same (file) field, its open dialog offering files ending in `extensions`.
    pub const fn extensions(self, extensions: &'static [&'static str]) -> Field {
        Field { extensions, ..self }
    }

    /// The same field, under the form's advanced section.
    pub const fn advanced(self) -> Field {
        Field { advanced: true, ..self }
    }

    /// The same (optional) field, its empty value offered as the choice `meaning`.
    pub const fn empty_means(self, meaning: Text) -> Field {
        Field {
            empty_means: Some(meaning),
            ..self
        }
    }

    /// The same field, optional.
    pub const fn optional(self) -> Field {
        Field {
            required: false,
            ..self
        }
    }

    /// The same field, with a default.
    pub const fn default_value(self, value: &'static str) -> Field {
        Field {
            required: false,
            default: Some(value),
            ..self
        }
    }

    /// The same field, also taking these older CLI flags.
    pub const fn aliases(self, aliases: &'static [&'static str]) -> Field {
        Field { aliases, ..self }
    }

    /// The same (secret) field, dropped when `key` changes without it.
    pub const fn tied_to(self, key: &'static str) -> Field {
        Field {
            tied_to: Some(key),
            ..self
        }
    }

    /// The same (file) field, its file read by `read`.
    pub const fn read_with(self, read: FromFile) -> Field {
        Field {
            from_file: Some(read),
            ..self
        }
    }

    /// The text of a file given for this field: read by its own reader, else as UTF-8.
    pub fn text_of_file(&self, bytes: &[u8]) -> Result<String, String> {
        match self.from_file {
            Some(read) => read(bytes),
            None => String::from_utf8(bytes.to_vec()).map_err(|_| "it is not a text file (UTF-8)".to_owned()),
        }
    }

    /// The same field, with a check.
    pub const fn checked(self, check: Check) -> Field {
        Field {
            check: Some(check),
            ..self
        }
    }
}

/// The `timeout-ms` setting every kind that calls a web API has: 1 to 60 s, 10 s unless set.
/// `help` says whose reply it waits for.
pub const fn timeout_field(help: Text) -> Field {
    Field::new(
        "timeout-ms",
        FieldType::Number {
            min: 1_000,
            max: 60_000,
        },
        Text {
            zh: "超时（毫秒）",
            en: "Timeout (ms)",
        },
        help,
    )
    .default_value("10000")
}

/// A group robot's `mention` choice: nobody.
pub const MENTION_NOBODY: ChoiceOption = ChoiceOption {
    value: "none",
    label: Text {
        zh: "不提醒",
        en: "Nobody",
    },
};

/// A group robot's `mention` choice: everyone in the chat.
pub const MENTION_EVERYONE: ChoiceOption = ChoiceOption {
    value: "all",
    label: Text {
        zh: "@所有人",
        en: "@everyone",
    },
};

/// A group robot's `mention` choice: the notice's audience, by name
/// ([`super::MENTION_AUDIENCE`]; the kind says by what in `Kind::mentions_by`).
pub const MENTION_THE_AUDIENCE: ChoiceOption = ChoiceOption {
    value: super::MENTION_AUDIENCE,
    label: Text {
        zh: "@通知对象",
        en: "@the notice's audience",
    },
};

/// A setting that was refused: its code (for the UI's translation), the field, and why in
/// both languages. Never carries the value, which may be a secret.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {}{}", reason.en, detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
pub struct FieldError {
    pub code: &'static str,
    pub field: String,
    pub reason: Text,
    /// What the library that refused it said (a TLS setup's reason), never a secret.
    pub detail: Option<String>,
}

impl FieldError {
    pub fn new(code: &'static str, field: &str, reason: Text) -> FieldError {
        FieldError {
            code,
            field: field.to_owned(),
            reason,
            detail: None,
        }
    }

    /// The same refusal, with what the library that refused it said.
    pub fn with_detail(self, detail: impl Into<String>) -> FieldError {
        FieldError {
            detail: Some(detail.into()),
            ..self
        }
    }
}

/// A channel's settings split for storage: the public ones (as JSON for the `settings`
/// column) and the secret ones (for the secret store).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SplitSettings {
    pub public: serde_json::Map<String, serde_json::Value>,
    pub secret: BTreeMap<String, String>,
}

/// Settings read back: every field's value, secret ones included, by key.
#[derive(Clone, Default, PartialEq)]
pub struct Values(BTreeMap<String, String>);

impl std::fmt::Debug for Values {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets live here too: show the keys only.
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl Values {
    /// The value of `key`, if it is set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// A number field's value (checked when the settings were validated).
    pub fn number(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(|v| v.parse().ok())
    }

    /// The [`timeout_field`]'s value.
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.number("timeout-ms").unwrap_or(10_000).max(0) as u64)
    }

    /// A switch's value.
    pub fn switch(&self, key: &str) -> bool {
        self.get(key) == Some("true")
    }

    /// Joins stored public settings and secrets again, for building a provider.
    pub fn join(fields: &[Field], public: &serde_json::Value, secret: &BTreeMap<String, String>) -> Values {
        let mut values = BTreeMap::new();
        for field in fields {
            let value = if field.ty.has_secret_parts() {
                joined_parts(field, public.get(field.key), secret)
            } else if field.ty.is_secret() {
                secret.get(field.key).cloned()
            } else {
                public.get(field.key).map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
            };
            if let Some(v) = value.or_else(|| field.default.map(str::to_owned)) {
                values.insert(field.key.to_owned(), v);
            }
        }
        Values(values)
    }
}

/// A partly secret setting's value from its stored part and its secret parts (`KEY.PART`);
/// a part the secret store lost stays out (a header without its value, a query value masked).
fn joined_parts(
    field: &Field,
    stored: Option<&serde_json::Value>,
    secret: &BTreeMap<String, String>,
) -> Option<String> {
    let part = |name: &str| secret.get(&format!("{}.{name}", field.key)).cloned();
    match (field.ty, stored?) {
        (FieldType::Headers, serde_json::Value::Object(map)) if !map.is_empty() => {
            let headers: Vec<Header> = map
                .iter()
                .map(|(name, value)| match value {
                    serde_json::Value::String(v) => Header {
                        name: name.clone(),
                        value: Some(v.clone()),
                        secret: false,
                    },
                    _ => Header {
                        name: name.clone(),
                        value: part(name),
                        secret: true,
                    },
                })
                .collect();
            Some(headers_text(&headers))
        }
        (FieldType::MaskedUrl, serde_json::Value::String(url)) => {
            let values: BTreeMap<String, String> = secret
                .iter()
                .filter_map(|(k, v)| Some((k.strip_prefix(&format!("{}.", field.key))?.to_owned(), v.clone())))
                .collect();
            Some(crate::providers::webhook::unmask_url(url, &values))
        }
        _ => None,
    }
}

const REQUIRED: Text = Text {
    zh: "必填",
    en: "required",
};

/// The refusal of a key that is none of a kind's settings.
pub fn unknown_setting(key: &str) -> FieldError {
    FieldError::new(
        "unknown_setting",
        key,
        Text {
            zh: "不是这种渠道的设置项",
            en: "not a setting of this kind of channel",
        },
    )
}

/// Checks `input` (values as typed, by key) against `fields`, and splits it for storage.
/// Unknown keys, missing required fields and values that fail their type or check are
/// refused, naming the field. Empty values count as not given.
pub fn validate(fields: &[Field], input: &BTreeMap<String, String>) -> Result<SplitSettings, FieldError> {
    if let Some(unknown) = input.keys().find(|k| !fields.iter().any(|f| f.key == k.as_str())) {
        return Err(unknown_setting(unknown));
    }
    let mut split = SplitSettings::default();
    for field in fields {
        let given = input
            .get(field.key)
            .filter(|v| !v.trim().is_empty())
            // A password is kept as typed; anything else loses the spaces a paste brings.
            .map(|v| {
                if field.ty == FieldType::Password {
                    v.as_str()
                } else {
                    v.trim()
                }
            });
        let Some(value) = given.or(field.default) else {
            if field.required {
                return Err(FieldError::new("setting_required", field.key, REQUIRED));
            }
            continue;
        };
        // The field's own check speaks first: it knows what a wrong paste of this field looks
        // like (a robot's bare key where its address belongs), the type check only that the
        // value is not of its type.
        if let Some(check) = field.check {
            check(value).map_err(|reason| FieldError::new("setting_invalid", field.key, reason))?;
        }
        if field.ty.has_secret_parts() {
            let (stored, parts) = split_parts(field, value)?;
            split.public.insert(field.key.to_owned(), stored);
            for (part, v) in parts {
                split.secret.insert(format!("{}.{part}", field.key), v);
            }
            continue;
        }
        let stored = check_type(field, value)?;
        if field.ty.is_secret() {
            split.secret.insert(field.key.to_owned(), value.to_owned());
        } else {
            split.public.insert(field.key.to_owned(), stored);
        }
    }
    Ok(split)
}

/// A partly secret setting's value checked and split: what is stored, and the secret parts.
fn split_parts(field: &Field, value: &str) -> Result<(serde_json::Value, BTreeMap<String, String>), FieldError> {
    let mut parts = BTreeMap::new();
    match field.ty {
        FieldType::Headers => {
            let mut stored = serde_json::Map::new();
            let mut seen = std::collections::BTreeSet::new();
            for header in headers_of(field.key, value)? {
                let name = header.name.trim();
                let at = format!("{}.{name}", field.key);
                if name.is_empty() {
                    return Err(FieldError::new(
                        "setting_invalid",
                        field.key,
                        Text {
                            zh: "请求头缺少名称",
                            en: "a header has no name",
                        },
                    ));
                }
                if !seen.insert(name.to_ascii_lowercase()) {
                    return Err(FieldError::new(
                        "setting_invalid",
                        &at,
                        Text {
                            zh: "重复设置（请求头名称不区分大小写）",
                            en: "is set twice (header names ignore case)",
                        },
                    ));
                }
                let Some(v) = header.value.clone() else {
                    return Err(FieldError::new(
                        "secret_missing",
                        &at,
                        Text {
                            zh: "其值已不在密钥存储中，请重新设置或删除该请求头",
                            en: "its value is missing from the secret store: set the header again or remove it",
                        },
                    ));
                };
                if is_secret_header(&header) {
                    stored.insert(name.to_owned(), serde_json::Value::Null);
                    parts.insert(name.to_owned(), v);
                } else {
                    stored.insert(name.to_owned(), v.into());
                }
            }
            Ok((stored.into(), parts))
        }
        _ => {
            check_type(field, value)?;
            let (masked, values) = crate::providers::webhook::mask_url(value);
            if let Some(name) = crate::providers::webhook::masked_names(value).into_iter().next() {
                return Err(FieldError::new(
                    "secret_missing",
                    field.key,
                    Text {
                        zh: "网址中的 ******** 没有已存的值可以保留，请输入完整网址",
                        en: "a ******** in the URL has no stored value to keep: type the whole URL",
                    },
                )
                .with_detail(format!("the query parameter {name}")));
            }
            Ok((masked.into(), values))
        }
    }
}

fn check_type(field: &Field, value: &str) -> Result<serde_json::Value, FieldError> {
    let refuse = |zh, en| FieldError::new("setting_invalid", field.key, Text { zh, en });
    match field.ty {
        FieldType::Text | FieldType::Secret | FieldType::Password | FieldType::FileText | FieldType::LongText => {
            if value
                .chars()
                .any(|c| c.is_control() && !matches!(field.ty, FieldType::FileText | FieldType::LongText))
            {
                return Err(refuse(
                    "不能含换行或控制字符",
                    "must not contain line breaks or control characters",
                ));
            }
            Ok(value.into())
        }
        FieldType::Url | FieldType::SecretUrl | FieldType::MaskedUrl => match reqwest::Url::parse(value) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(value.into()),
            _ => Err(refuse(
                "应为以 https:// 开头的完整网址",
                "must be a whole address starting with https://",
            )),
        },
        FieldType::Number { min, max } => match value.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n.into()),
            _ => Err(FieldError::new(
                "setting_out_of_range",
                field.key,
                Text {
                    zh: "应为范围内的整数",
                    en: "must be a whole number within its range",
                },
            )),
        },
        FieldType::Headers => Ok(value.into()),
        FieldType::Switch => match value {
            "true" | "on" | "yes" | "1" => Ok(true.into()),
            "false" | "off" | "no" | "0" => Ok(false.into()),
            _ => Err(refuse("应为 true 或 false", "must be true or false")),
        },
        FieldType::Choice { options } => match options.iter().find(|o| o.value == value) {
            Some(o) => Ok(o.value.into()),
            None => Err(refuse("不是可选的值之一", "is not one of the choices")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Text = Text { zh: "", en: "" };
    const FIELDS: [Field; 4] = [
        Field::new("webhook", FieldType::SecretUrl, T, T),
        Field::new("secret", FieldType::Secret, T, T).optional(),
        Field::new("timeout", FieldType::Number { min: 1, max: 60 }, T, T).default_value("10"),
        Field::new(
            "mention",
            FieldType::Choice {
                options: &[
                    ChoiceOption {
                        value: "none",
                        label: T,
                    },
                    ChoiceOption { value: "all", label: T },
                ],
            },
            T,
            T,
        )
        .default_value("none"),
    ];

    fn input(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn secrets_are_split_from_settings_and_defaults_filled() {
        let split = validate(
            &FIELDS,
            &input(&[
                ("webhook", "https://oapi.dingtalk.com/robot/send?access_token=abc"),
                ("secret", "SECx"),
            ]),
        )
        .unwrap();
        assert_eq!(split.secret.len(), 2);
        assert_eq!(split.public.get("timeout"), Some(&serde_json::json!(10)));
        assert_eq!(split.public.get("mention"), Some(&serde_json::json!("none")));
        assert!(!serde_json::Value::Object(split.public.clone())
            .to_string()
            .contains("abc"));
        let values = Values::join(&FIELDS, &serde_json::Value::Object(split.public), &split.secret);
        assert_eq!(values.number("timeout"), Some(10));
        assert_eq!(values.get("secret"), Some("SECx"));
        assert!(!format!("{values:?}").contains("SECx"));
    }

    #[test]
    fn each_refusal_names_its_field_and_never_the_value() {
        let err = validate(&FIELDS, &input(&[])).unwrap_err();
        assert_eq!((err.code, err.field.as_str()), ("setting_required", "webhook"));
        let err = validate(&FIELDS, &input(&[("webhook", "not a url SECRET")])).unwrap_err();
        assert_eq!(err.field, "webhook");
        assert!(!err.to_string().contains("SECRET"));
        let err = validate(&FIELDS, &input(&[("webhook", "https://x.cn/"), ("timeout", "61")])).unwrap_err();
        assert_eq!((err.code, err.field.as_str()), ("setting_out_of_range", "timeout"));
        let err = validate(&FIELDS, &input(&[("webhook", "https://x.cn/"), ("mention", "some")])).unwrap_err();
        assert_eq!(err.field, "mention");
        let err = validate(&FIELDS, &input(&[("webhook", "https://x.cn/"), ("colour", "red")])).unwrap_err();
        assert_eq!((err.code, err.field.as_str()), ("unknown_setting", "colour"));
        let err = validate(&FIELDS, &input(&[("webhook", "https://x.cn/"), ("secret", "a\nb")])).unwrap_err();
        assert_eq!(err.field, "secret");
    }

    const PARTLY: [Field; 2] = [
        Field::new("url", FieldType::MaskedUrl, T, T),
        Field::new("headers", FieldType::Headers, T, T).optional(),
    ];

    #[test]
    fn partly_secret_settings_keep_their_secret_parts_apart_and_join_whole() {
        let headers = r#"[{"name": "Authorization", "value": "Bearer t0k"}, {"name": "X-Tenant", "value": "t3n", "secret": true}, {"name": "X-Team", "value": "office"}]"#;
        let url = "https://oapi.dingtalk.com/robot/send?access_token=qt0k&x=1";
        let split = validate(&PARTLY, &input(&[("url", url), ("headers", headers)])).unwrap();
        let public = serde_json::Value::Object(split.public.clone());
        assert_eq!(
            public,
            serde_json::json!({"url": "https://oapi.dingtalk.com/robot/send?access_token=********&x=1",
                "headers": {"Authorization": null, "X-Tenant": null, "X-Team": "office"}})
        );
        let keys: Vec<&str> = split.secret.keys().map(String::as_str).collect();
        assert_eq!(keys, ["headers.Authorization", "headers.X-Tenant", "url.access_token"]);
        for secret in ["t0k", "t3n", "qt0k"] {
            assert!(!public.to_string().contains(secret));
        }
        let values = Values::join(&PARTLY, &public, &split.secret);
        assert_eq!(values.get("url"), Some(url));
        let joined = headers_of("headers", values.get("headers").unwrap()).unwrap();
        assert_eq!(joined.len(), 3);
        assert!(joined
            .iter()
            .any(|h| h.name == "X-Tenant" && h.secret && h.value.as_deref() == Some("t3n")));

        // What the secret store lost stays out, and validating again names it.
        let lost = Values::join(&PARTLY, &public, &BTreeMap::new());
        assert!(lost.get("url").unwrap().contains("********"));
        let again = input(&[("url", "https://x.cn/"), ("headers", lost.get("headers").unwrap())]);
        let err = validate(&PARTLY, &again).unwrap_err();
        assert_eq!(
            (err.code, err.field.as_str()),
            ("secret_missing", "headers.Authorization")
        );
        let err = validate(&PARTLY, &input(&[("url", lost.get("url").unwrap())])).unwrap_err();
        assert_eq!((err.code, err.field.as_str()), ("secret_missing", "url"));
    }

    #[test]
    fn a_change_keeps_the_secret_parts_it_does_not_give_again() {
        let before_headers =
            r#"[{"name": "X-Tenant", "value": "t3n", "secret": true}, {"name": "X-Team", "value": "office"}]"#;
        let change = r#"[{"name": "x-tenant", "secret": false}, {"name": "X-Team", "value": "home"}]"#;
        let merged = headers_of("headers", &merge(&PARTLY[1], Some(before_headers), change).unwrap()).unwrap();
        assert_eq!(merged[0].value.as_deref(), Some("t3n"));
        assert!(merged[0].secret, "once secret, always secret");
        assert_eq!(merged[1].value.as_deref(), Some("home"));

        let before = "https://oapi.dingtalk.com/robot/send?access_token=qt0k";
        let shown = "https://oapi.dingtalk.com/robot/send?access_token=********";
        assert_eq!(merge(&PARTLY[0], Some(before), shown).unwrap(), before);
        let elsewhere = "https://evil.example/robot/send?access_token=********";
        assert_eq!(merge(&PARTLY[0], Some(before), elsewhere).unwrap_err().field, "url");
        let typed = "https://oapi.dingtalk.com/robot/send?access_token=new";
        assert_eq!(merge(&PARTLY[0], Some(before), typed).unwrap(), typed);
    }
}
