//! The core's error type: one variant per layer, each carrying its own context.

use thiserror::Error;

/// Any failure the core reports to a caller.
#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Compose(#[from] crate::compose::ComposeError),
    #[error(transparent)]
    Audience(#[from] crate::audience::AudienceError),
    #[error(transparent)]
    Dispatch(#[from] crate::dispatch::DispatchError),
    #[error(transparent)]
    Secret(#[from] crate::secrets::SecretError),
    /// A file to import could not be read at all (problems inside it go in the report).
    #[error(transparent)]
    Import(#[from] crate::import::ImportError),
    /// A channel setting was refused: its code, the field, and why in both languages.
    #[error(transparent)]
    Setting(#[from] crate::channels::FieldError),
    /// A recall, read check or reminder that cannot be done.
    #[error(transparent)]
    AfterSend(#[from] crate::app::AfterSendError),
    /// The whole-audience check refused a send, or a change of the audience.
    #[error(transparent)]
    Check(#[from] crate::notice_check::NoticeCheckError),
    /// A test to the user alone that cannot be sent (me not set, or unreachable).
    #[error(transparent)]
    TestSend(#[from] crate::app::TestSendError),
    /// A notice file (Markdown with front matter) that cannot be read: its line and key.
    #[error(transparent)]
    NoticeFile(#[from] crate::notice_file::NoticeFileError),
    /// The caller asked for something that does not fit the data (a message for a person).
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    /// A short machine-readable code, stable across versions, that UIs map to their own text.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Store(e) => e.code(),
            Error::Compose(e) => e.code(),
            Error::Audience(_) => "audience",
            Error::Dispatch(e) => e.code(),
            Error::Secret(_) => "secret_store",
            Error::Import(e) => e.code(),
            Error::Setting(e) => e.code,
            Error::AfterSend(e) => e.code(),
            Error::Check(e) => e.code(),
            Error::TestSend(e) => e.code(),
            Error::NoticeFile(e) => e.code(),
            Error::Invalid(_) => "invalid",
        }
    }

    /// The values a UI fills into its text for [`Self::code`] (empty for most errors).
    pub fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            Error::Import(e) => e.params(),
            Error::Setting(e) => vec![
                ("field", e.field.clone()),
                ("reasonZh", e.reason.zh.to_owned()),
                ("reasonEn", e.reason.en.to_owned()),
            ],
            Error::AfterSend(e) => e.params(),
            Error::Check(e) => e.params(),
            Error::Compose(e) => e.params(),
            Error::TestSend(e) => e.params(),
            _ => Vec::new(),
        }
    }
}

/// Result with the core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
