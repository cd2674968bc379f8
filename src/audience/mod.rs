//! Audiences: who a notice goes to, written as a spec that is resolved when a run fans out.
//!
//! Specs understood now: `all` (every contact) and `contacts:ID,ID,…` (these contact ids).
//! Groups and rule segments (`group:NAME`, rules on department/grade/role) come with the
//! contacts capability and extend this same parser.

use thiserror::Error;

use crate::store::{AudienceFilter, Store};

/// An audience spec that cannot be used.
#[derive(Debug, Error, PartialEq)]
pub enum AudienceError {
    #[error("the audience `{spec}` is not understood: use `all` or `contacts:ID,ID,…`")]
    Unknown { spec: String },
    #[error("the audience lists `{item}`, which is not a contact id")]
    BadId { item: String },
    #[error("the audience names contact ids that do not exist: {ids}")]
    Missing { ids: String },
    #[error("the audience is empty")]
    Empty,
}

/// A parsed audience spec.
#[derive(Debug, Clone, PartialEq)]
pub enum Audience {
    All,
    Contacts(Vec<i64>),
}

impl Audience {
    /// Parses a spec such as `all` or `contacts:3,5,8`.
    pub fn parse(spec: &str) -> Result<Audience, AudienceError> {
        let spec = spec.trim();
        if spec.is_empty() || spec.eq_ignore_ascii_case("all") {
            return Ok(Audience::All);
        }
        let Some(list) = spec.strip_prefix("contacts:") else {
            return Err(AudienceError::Unknown { spec: spec.to_owned() });
        };
        let mut ids = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let id = item
                .parse::<i64>()
                .map_err(|_| AudienceError::BadId { item: item.to_owned() })?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        if ids.is_empty() {
            return Err(AudienceError::Empty);
        }
        Ok(Audience::Contacts(ids))
    }

    /// The spec as stored.
    pub fn to_spec(&self) -> String {
        match self {
            Audience::All => "all".into(),
            Audience::Contacts(ids) => {
                format!(
                    "contacts:{}",
                    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
                )
            }
        }
    }

    /// Checks the contacts named exist.
    pub async fn validate(&self, store: &Store) -> crate::Result<()> {
        if let Audience::Contacts(ids) = self {
            let found = store.existing_contact_ids(ids).await?;
            let missing: Vec<String> = ids.iter().filter(|i| !found.contains(i)).map(i64::to_string).collect();
            if !missing.is_empty() {
                return Err(AudienceError::Missing {
                    ids: missing.join(", "),
                }
                .into());
            }
        }
        Ok(())
    }

    /// The filter the fan-out query takes.
    pub fn filter(&self) -> AudienceFilter {
        match self {
            Audience::All => AudienceFilter::All,
            Audience::Contacts(ids) => AudienceFilter::Ids(ids.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_specs_and_names_what_is_wrong() {
        assert_eq!(Audience::parse("all").unwrap(), Audience::All);
        assert_eq!(
            Audience::parse(" contacts:3, 5,3 ").unwrap(),
            Audience::Contacts(vec![3, 5])
        );
        assert_eq!(
            Audience::parse("contacts:3,x").unwrap_err(),
            AudienceError::BadId { item: "x".into() }
        );
        assert!(matches!(
            Audience::parse("group:农学院").unwrap_err(),
            AudienceError::Unknown { .. }
        ));
        assert_eq!(Audience::parse("contacts:").unwrap_err(), AudienceError::Empty);
        assert_eq!(Audience::Contacts(vec![1, 2]).to_spec(), "contacts:1,2");
    }
}
