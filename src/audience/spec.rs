//! The audience spec: the text a notice stores (and `--audience` takes) naming who it goes to.
//!
//! `all`, or items joined by `;`: `group:#ID` or `group:NAME` (a static group or a rule
//! segment; `segment:` is the same), `contacts:ID,ID,…`, `rule:<rule text>` (an unnamed
//! segment, see `rule.rs`). An item prefixed with `-` is excluded; excluding alone means
//! "everyone except". Someone named by several items is one recipient.

use crate::model::Rule;

use super::{rule, AudienceError};

/// A group as a spec names it.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupRef {
    Id(i64),
    Name(String),
}

/// One part of an audience.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    All,
    Contacts(Vec<i64>),
    Group(GroupRef),
    Rule(Rule),
}

/// A parsed audience spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Audience {
    pub include: Vec<Item>,
    pub exclude: Vec<Item>,
}

impl Audience {
    /// Everyone.
    pub fn all() -> Audience {
        Audience {
            include: vec![Item::All],
            exclude: Vec::new(),
        }
    }

    /// Reads a spec; blank means everyone.
    pub fn parse(spec: &str) -> Result<Audience, AudienceError> {
        let mut audience = Audience {
            include: Vec::new(),
            exclude: Vec::new(),
        };
        for part in split_outside_quotes(spec) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (excluded, body) = match part.strip_prefix('-') {
                Some(rest) => (true, rest.trim_start()),
                None => (false, part),
            };
            let item = parse_item(body)?;
            if excluded {
                audience.exclude.push(item);
            } else {
                audience.include.push(item);
            }
        }
        if audience.include.is_empty() {
            audience.include.push(Item::All);
        }
        Ok(audience)
    }

    /// The spec as stored: [`Audience::parse`] reads it back to the same audience.
    pub fn to_spec(&self) -> String {
        self.write(|g| match g {
            GroupRef::Id(id) => format!("#{id}"),
            GroupRef::Name(name) => quote_name(name),
        })
    }

    /// The spec with groups written by `name_of` (e.g. their names, for people to read).
    pub fn write(&self, name_of: impl Fn(&GroupRef) -> String) -> String {
        let item = |i: &Item| match i {
            Item::All => "all".to_owned(),
            Item::Contacts(ids) => format!(
                "contacts:{}",
                ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
            ),
            Item::Group(g) => format!("group:{}", name_of(g)),
            Item::Rule(r) => format!("rule:{}", rule::to_text(r)),
        };
        self.include
            .iter()
            .map(item)
            .chain(self.exclude.iter().map(|i| format!("-{}", item(i))))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The contact ids the spec lists (to check they exist).
    pub fn contact_ids(&self) -> Vec<i64> {
        let mut ids = Vec::new();
        for item in self.include.iter().chain(&self.exclude) {
            if let Item::Contacts(list) = item {
                ids.extend(list.iter().copied().filter(|i| !ids.contains(i)).collect::<Vec<_>>());
            }
        }
        ids
    }
}

fn parse_item(body: &str) -> Result<Item, AudienceError> {
    if body.eq_ignore_ascii_case("all") {
        return Ok(Item::All);
    }
    let Some((kind, rest)) = body.split_once(':') else {
        return Err(AudienceError::Unknown { spec: body.to_owned() });
    };
    let rest = rest.trim();
    match kind.trim().to_lowercase().as_str() {
        "contacts" | "contact" => {
            let mut ids = Vec::new();
            for item in rest.split(',').map(str::trim).filter(|s| !s.is_empty()) {
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
            Ok(Item::Contacts(ids))
        }
        "group" | "segment" => {
            if let Some(id) = rest.strip_prefix('#') {
                let id = id
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| AudienceError::BadId { item: rest.to_owned() })?;
                return Ok(Item::Group(GroupRef::Id(id)));
            }
            let name = unquote_name(rest);
            if name.is_empty() {
                return Err(AudienceError::Unknown { spec: body.to_owned() });
            }
            Ok(Item::Group(GroupRef::Name(name)))
        }
        "rule" => Ok(Item::Rule(rule::parse(rest)?)),
        _ => Err(AudienceError::Unknown { spec: body.to_owned() }),
    }
}

/// Splits at `;` (or a full-width `；`) outside double quotes.
fn split_outside_quotes(spec: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut quoted = false;
    let mut escaped = false;
    for c in spec.chars() {
        let part = parts.last_mut().expect("never empty");
        if escaped {
            escaped = false;
            part.push(c);
            continue;
        }
        match c {
            '\\' if quoted => {
                escaped = true;
                part.push(c);
            }
            '"' => {
                quoted = !quoted;
                part.push(c);
            }
            ';' | '；' if !quoted => parts.push(String::new()),
            _ => part.push(c),
        }
    }
    parts
}

fn quote_name(name: &str) -> String {
    if name.is_empty() || name.starts_with('#') || name.contains(['"', ';', '；', '\\']) || name.trim() != name {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        name.to_owned()
    }
}

fn unquote_name(text: &str) -> String {
    let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
        return text.to_owned();
    };
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.extend(chars.next());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Condition, RuleOp};

    #[test]
    fn reads_the_old_forms_unchanged() {
        assert_eq!(Audience::parse("all").unwrap(), Audience::all());
        assert_eq!(Audience::parse("").unwrap(), Audience::all());
        let a = Audience::parse(" contacts:3, 5,3 ").unwrap();
        assert_eq!(a.include, vec![Item::Contacts(vec![3, 5])]);
        assert_eq!(a.to_spec(), "contacts:3,5");
        assert_eq!(
            Audience::parse("contacts:3,x").unwrap_err(),
            AudienceError::BadId { item: "x".into() }
        );
        assert_eq!(Audience::parse("contacts:").unwrap_err(), AudienceError::Empty);
        assert!(matches!(
            Audience::parse("people:3").unwrap_err(),
            AudienceError::Unknown { .. }
        ));
    }

    #[test]
    fn combines_groups_rules_contacts_and_exclusions_and_round_trips() {
        let spec = "group:#3; segment:农学院 2024级; contacts:7,8; rule:grade = 2024 and tag = \"a;b\"; -group:\"已毕业；2025\"; -contacts:9";
        let a = Audience::parse(spec).unwrap();
        assert_eq!(a.include.len(), 4);
        assert_eq!(a.include[0], Item::Group(GroupRef::Id(3)));
        assert_eq!(a.include[1], Item::Group(GroupRef::Name("农学院 2024级".into())));
        assert_eq!(a.exclude[0], Item::Group(GroupRef::Name("已毕业；2025".into())));
        assert_eq!(a.exclude[1], Item::Contacts(vec![9]));
        let Item::Rule(Rule::All { rules }) = &a.include[3] else {
            panic!("{:?}", a.include[3])
        };
        assert_eq!(
            rules[1],
            Rule::Condition(Condition {
                field: "tag".into(),
                op: RuleOp::Is,
                values: vec!["a;b".into()]
            })
        );
        assert_eq!(Audience::parse(&a.to_spec()).unwrap(), a, "{}", a.to_spec());
        assert_eq!(a.contact_ids(), vec![7, 8, 9]);
    }

    #[test]
    fn excluding_alone_means_everyone_except() {
        let a = Audience::parse("-group:#4").unwrap();
        assert_eq!(a.include, vec![Item::All]);
        assert_eq!(a.to_spec(), "all; -group:#4");
    }
}
