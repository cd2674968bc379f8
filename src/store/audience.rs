//! An audience as a condition on a contact `c`, compiled to SQL with bound parameters.
//!
//! `crate::audience` resolves a spec (groups by id, segments' rules, contact ids, exclusions)
//! into an [`AudienceFilter`]; this file alone turns it into SQL. Every value is bound, never
//! spliced in. Comparisons are on `IFNULL(column, '')` so that a negation also takes the
//! contacts whose field is blank ("院系 ≠ 农学院" includes those with no 院系).

use sqlx::query::Query;
use sqlx::sqlite::{Sqlite, SqliteArguments};

/// A contact column a condition can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactColumn {
    Department,
    ClassName,
    Grade,
    Role,
    Language,
    Name,
    ExternalId,
}

impl ContactColumn {
    fn sql(self) -> &'static str {
        match self {
            ContactColumn::Department => "IFNULL(c.department, '')",
            ContactColumn::ClassName => "IFNULL(c.class_name, '')",
            ContactColumn::Grade => "IFNULL(c.grade, '')",
            ContactColumn::Role => "IFNULL(c.role, '')",
            ContactColumn::Language => "IFNULL(c.language, '')",
            ContactColumn::Name => "c.name",
            ContactColumn::ExternalId => "IFNULL(c.external_id, '')",
        }
    }
}

/// A test on one text value. Equality ignores ASCII case (`Student` = `student`).
#[derive(Debug, Clone, PartialEq)]
pub enum TextTest {
    OneOf(Vec<String>),
    Contains(String),
    StartsWith(String),
    Empty,
}

/// Who an audience holds, as a condition on a contact.
#[derive(Debug, Clone, PartialEq)]
pub enum AudienceFilter {
    All,
    Nobody,
    /// Exactly these contact ids.
    Ids(Vec<i64>),
    /// The listed members of a static group.
    Members(i64),
    Column(ContactColumn, TextTest),
    /// Has a tag passing the test (`Empty`: has no tag at all).
    Tag(TextTest),
    /// An imported attribute (a missing one is blank).
    Attribute(String, TextTest),
    And(Vec<AudienceFilter>),
    Or(Vec<AudienceFilter>),
    Not(Box<AudienceFilter>),
}

#[derive(Debug, Clone)]
enum Param {
    Text(String),
    Int(i64),
}

/// The parameters of a compiled filter, numbered from where the statement's own end, so
/// that a filter can sit anywhere in a statement with numbered parameters (`?1`, `?2`…).
#[derive(Debug, Clone)]
pub(crate) struct Params {
    next: usize,
    values: Vec<Param>,
}

impl Params {
    /// Parameters that start at `?first`.
    pub(crate) fn starting_at(first: usize) -> Params {
        Params {
            next: first,
            values: Vec::new(),
        }
    }

    fn push(&mut self, p: Param) -> String {
        let name = format!("?{}", self.next);
        self.next += 1;
        self.values.push(p);
        name
    }

    pub(crate) fn text(&mut self, s: &str) -> String {
        self.push(Param::Text(s.to_owned()))
    }

    /// Binds the values, after the statement's own.
    pub(crate) fn bind<'q>(
        self,
        mut q: Query<'q, Sqlite, SqliteArguments<'q>>,
    ) -> Query<'q, Sqlite, SqliteArguments<'q>> {
        for p in self.values {
            q = match p {
                Param::Text(s) => q.bind(s),
                Param::Int(i) => q.bind(i),
            };
        }
        q
    }
}

impl TextTest {
    fn sql(&self, expr: &str, p: &mut Params) -> String {
        match self {
            TextTest::OneOf(values) if values.len() == 1 => format!("{expr} = {} COLLATE NOCASE", p.text(&values[0])),
            TextTest::OneOf(values) => {
                let list: Vec<String> = values.iter().map(|v| p.text(v)).collect();
                format!("{expr} COLLATE NOCASE IN ({})", list.join(", "))
            }
            TextTest::Contains(v) => format!("instr(lower({expr}), lower({})) > 0", p.text(v)),
            TextTest::StartsWith(v) => {
                let v = p.text(v);
                format!("substr(lower({expr}), 1, length({v})) = lower({v})")
            }
            TextTest::Empty => format!("{expr} = ''"),
        }
    }
}

impl AudienceFilter {
    /// The condition on `c`, its values added to `p`.
    pub(crate) fn sql(&self, p: &mut Params) -> String {
        match self {
            AudienceFilter::All => "1".into(),
            AudienceFilter::Nobody => "0".into(),
            AudienceFilter::Ids(ids) => {
                let json = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
                format!("c.id IN (SELECT value FROM json_each({}))", p.text(&json))
            }
            AudienceFilter::Members(group) => format!(
                "c.id IN (SELECT contact_id FROM group_members WHERE group_id = {})",
                p.push(Param::Int(*group))
            ),
            AudienceFilter::Column(column, test) => test.sql(column.sql(), p),
            AudienceFilter::Tag(TextTest::Empty) => {
                "NOT EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id)".into()
            }
            // Exact tags go through the tag index; tags are few per person, so the others
            // test each of a contact's tags.
            AudienceFilter::Tag(TextTest::OneOf(tags)) => {
                let list: Vec<String> = tags.iter().map(|v| p.text(v)).collect();
                format!(
                    "c.id IN (SELECT contact_id FROM contact_tags WHERE tag IN ({}))",
                    list.join(", ")
                )
            }
            AudienceFilter::Tag(test) => format!(
                "EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND {})",
                test.sql("t.tag", p)
            ),
            AudienceFilter::Attribute(name, test) => {
                // `name` holds no `"` (checked when the rule was read), so the path is exact.
                let path = p.text(&format!("$.\"{name}\""));
                test.sql(&format!("IFNULL(CAST(c.attributes ->> {path} AS TEXT), '')"), p)
            }
            AudienceFilter::And(all) if all.is_empty() => "1".into(),
            AudienceFilter::Or(any) if any.is_empty() => "0".into(),
            AudienceFilter::And(all) => format!("({})", all.iter().map(|f| f.sql(p)).collect::<Vec<_>>().join(" AND ")),
            AudienceFilter::Or(any) => format!("({})", any.iter().map(|f| f.sql(p)).collect::<Vec<_>>().join(" OR ")),
            AudienceFilter::Not(inner) => format!("NOT ({})", inner.sql(p)),
        }
    }
}
