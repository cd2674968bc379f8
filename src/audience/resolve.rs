//! From a spec to the store's [`AudienceFilter`]: groups looked up, segments' rules expanded
//! (a segment may use another: `group = 辅导员`), contact ids checked.

use std::collections::HashMap;

use crate::model::{Condition, GroupKind, Rule, RuleOp};
use crate::store::{AudienceFilter, ContactColumn, GroupRow, Store, TextTest};

use super::rule::Field;
use super::spec::{Audience, GroupRef, Item};
use super::AudienceError;

/// Every group, by id and by name, read once per resolution.
pub struct Groups {
    by_id: HashMap<i64, GroupRow>,
}

impl Groups {
    pub async fn load(store: &Store) -> crate::Result<Groups> {
        let by_id = store.list_group_rows().await?.into_iter().map(|g| (g.id, g)).collect();
        Ok(Groups { by_id })
    }

    pub fn get(&self, r: &GroupRef) -> Result<&GroupRow, AudienceError> {
        match r {
            GroupRef::Id(id) => self
                .by_id
                .get(id)
                .ok_or_else(|| AudienceError::UnknownGroup { name: format!("#{id}") }),
            GroupRef::Name(name) => self
                .by_id
                .values()
                .find(|g| g.name == *name)
                .ok_or_else(|| AudienceError::UnknownGroup { name: name.clone() }),
        }
    }

    /// The group's name, or `#id` if it is gone (for describing a stored spec).
    pub fn name_of(&self, r: &GroupRef) -> String {
        match self.get(r) {
            Ok(g) => g.name.clone(),
            Err(_) => match r {
                GroupRef::Id(id) => format!("#{id}"),
                GroupRef::Name(n) => n.clone(),
            },
        }
    }

    /// A group's condition on contacts; `path` holds the segments being expanded, to name a
    /// cycle instead of looping.
    fn filter(&self, group: &GroupRow, path: &mut Vec<i64>) -> Result<AudienceFilter, AudienceError> {
        if path.contains(&group.id) {
            let mut names: Vec<String> = path
                .iter()
                .filter_map(|id| self.by_id.get(id))
                .map(|g| g.name.clone())
                .collect();
            names.push(group.name.clone());
            return Err(AudienceError::Cycle {
                names: names.join(" → "),
            });
        }
        match group.kind {
            GroupKind::Static => Ok(AudienceFilter::Members(group.id)),
            GroupKind::Rule => {
                let rule = group
                    .rule
                    .as_ref()
                    .ok_or_else(|| AudienceError::Rule(format!("the segment {} has no rule", group.name)))?;
                path.push(group.id);
                let f = self.rule_filter(rule, path);
                path.pop();
                f
            }
        }
    }

    /// A rule's condition on contacts.
    pub fn rule_filter(&self, rule: &Rule, path: &mut Vec<i64>) -> Result<AudienceFilter, AudienceError> {
        Ok(match rule {
            Rule::All { rules } => AudienceFilter::And(
                rules
                    .iter()
                    .map(|r| self.rule_filter(r, path))
                    .collect::<Result<_, _>>()?,
            ),
            Rule::Any { rules } => AudienceFilter::Or(
                rules
                    .iter()
                    .map(|r| self.rule_filter(r, path))
                    .collect::<Result<_, _>>()?,
            ),
            Rule::Condition(c) => self.condition(c, path)?,
        })
    }

    fn condition(&self, c: &Condition, path: &mut Vec<i64>) -> Result<AudienceFilter, AudienceError> {
        let field = Field::parse(&c.field)?;
        if field == Field::Group {
            let groups = c
                .values
                .iter()
                .map(|name| {
                    self.get(&GroupRef::Name(name.clone()))
                        .and_then(|g| self.filter(g, path))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let any = AudienceFilter::Or(groups);
            return Ok(match c.op {
                RuleOp::IsNot => AudienceFilter::Not(Box::new(any)),
                _ => any,
            });
        }
        let (test, negated) = match c.op {
            RuleOp::Is => (TextTest::OneOf(c.values.clone()), false),
            RuleOp::IsNot => (TextTest::OneOf(c.values.clone()), true),
            RuleOp::Contains => (TextTest::Contains(first(c)?), false),
            RuleOp::StartsWith => (TextTest::StartsWith(first(c)?), false),
            RuleOp::IsEmpty => (TextTest::Empty, false),
            RuleOp::IsNotEmpty => (TextTest::Empty, true),
        };
        let column = |col| AudienceFilter::Column(col, test.clone());
        let f = match field {
            Field::Department => column(ContactColumn::Department),
            Field::Class => column(ContactColumn::ClassName),
            Field::Grade => column(ContactColumn::Grade),
            Field::Role => column(ContactColumn::Role),
            Field::Language => column(ContactColumn::Language),
            Field::Name => column(ContactColumn::Name),
            Field::ExternalId => column(ContactColumn::ExternalId),
            Field::Tag => AudienceFilter::Tag(test.clone()),
            Field::Attribute(name) => AudienceFilter::Attribute(name, test.clone()),
            Field::Group => unreachable!("handled above"),
        };
        Ok(if negated { AudienceFilter::Not(Box::new(f)) } else { f })
    }

    /// An audience's condition on contacts. Contact ids are not checked here (see
    /// `App::check_audience`): a contact deleted since simply is not sent to.
    pub fn audience_filter(&self, audience: &Audience) -> Result<AudienceFilter, AudienceError> {
        let item = |i: &Item| -> Result<AudienceFilter, AudienceError> {
            Ok(match i {
                Item::All => AudienceFilter::All,
                Item::Contacts(ids) => AudienceFilter::Ids(ids.clone()),
                Item::Group(r) => self.filter(self.get(r)?, &mut Vec::new())?,
                Item::Rule(rule) => self.rule_filter(rule, &mut Vec::new())?,
            })
        };
        let include = audience.include.iter().map(item).collect::<Result<Vec<_>, _>>()?;
        let exclude = audience.exclude.iter().map(item).collect::<Result<Vec<_>, _>>()?;
        // `all` alone stays `All`, which the fan-out queries run without any condition.
        let include = if include.contains(&AudienceFilter::All) {
            AudienceFilter::All
        } else if include.len() == 1 {
            include.into_iter().next().expect("one")
        } else {
            AudienceFilter::Or(include)
        };
        if exclude.is_empty() {
            return Ok(include);
        }
        Ok(AudienceFilter::And(vec![
            include,
            AudienceFilter::Not(Box::new(AudienceFilter::Or(exclude))),
        ]))
    }

    /// The spec with every group by id (what a notice stores: a renamed group keeps its notices).
    pub fn pin_ids(&self, audience: &Audience) -> Result<Audience, AudienceError> {
        let pin = |items: &[Item]| -> Result<Vec<Item>, AudienceError> {
            items
                .iter()
                .map(|i| match i {
                    Item::Group(r) => Ok(Item::Group(GroupRef::Id(self.get(r)?.id))),
                    other => Ok(other.clone()),
                })
                .collect()
        };
        Ok(Audience {
            include: pin(&audience.include)?,
            exclude: pin(&audience.exclude)?,
        })
    }
}

fn first(c: &Condition) -> Result<String, AudienceError> {
    c.values
        .first()
        .cloned()
        .ok_or_else(|| AudienceError::Rule(format!("the condition on {} has no value", c.field)))
}

/// A notice's audience, resolved now.
pub async fn resolve(store: &Store, spec: &str) -> crate::Result<AudienceFilter> {
    let audience = Audience::parse(spec)?;
    if audience.include == [Item::All] && audience.exclude.is_empty() {
        return Ok(AudienceFilter::All);
    }
    Ok(Groups::load(store).await?.audience_filter(&audience)?)
}
