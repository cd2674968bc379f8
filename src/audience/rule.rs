//! Rule segments: the condition tree (`model::Rule`), its text form as the CLI takes it, and
//! the checks that make a rule usable.
//!
//! Text form: `department = 农学院 and (grade = 2024, 2025 or tag = 班干部)`. Conditions are
//! `FIELD = v1, v2` (one of), `FIELD != …`, `FIELD contains v`, `FIELD starts with v`,
//! `FIELD is empty`, `FIELD is not empty`; `and`/`且` binds tighter than `or`/`或`; values with
//! spaces or punctuation go in double quotes. Full-width `，（）` are read as `,()`, since a
//! Chinese input method types them.

use crate::model::{Condition, Rule, RuleOp};

use super::AudienceError;

/// A contact field a condition can test, in its canonical spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Department,
    Class,
    Grade,
    Role,
    Language,
    Name,
    ExternalId,
    Tag,
    /// Member of a group or segment (values are group names).
    Group,
    /// An imported column.
    Attribute(String),
}

/// The canonical field names, as the UI offers them (attributes come as `attr.<name>`).
pub const FIELDS: [&str; 9] = [
    "department",
    "class",
    "grade",
    "role",
    "tag",
    "language",
    "name",
    "externalId",
    "group",
];

impl Field {
    /// Reads a canonical name or one of its aliases (English or Chinese).
    pub fn parse(name: &str) -> Result<Field, AudienceError> {
        let name = name.trim();
        if let Some(attr) = name.strip_prefix("attr.").or_else(|| name.strip_prefix("属性.")) {
            let attr = attr.trim();
            if attr.is_empty() || attr.contains('"') {
                return Err(AudienceError::Rule(format!(
                    "`{name}` is not a usable attribute name: write attr. followed by the column's name"
                )));
            }
            return Ok(Field::Attribute(attr.to_owned()));
        }
        Ok(match name.to_lowercase().as_str() {
            "department" | "dept" | "院系" | "学院" | "部门" => Field::Department,
            "class" | "classname" | "class_name" | "班级" => Field::Class,
            "grade" | "年级" => Field::Grade,
            "role" | "角色" | "身份" => Field::Role,
            "language" | "lang" | "语言" => Field::Language,
            "name" | "姓名" => Field::Name,
            "externalid" | "external_id" | "id" | "学号" | "工号" => Field::ExternalId,
            "tag" | "tags" | "标签" => Field::Tag,
            "group" | "segment" | "分组" => Field::Group,
            _ => {
                return Err(AudienceError::Rule(format!(
                    "there is no field `{name}`: use {}, or attr.<column> for an imported column",
                    FIELDS.join(", ")
                )))
            }
        })
    }

    /// The canonical spelling (what `Condition.field` holds).
    pub fn canonical(&self) -> String {
        match self {
            Field::Department => "department".into(),
            Field::Class => "class".into(),
            Field::Grade => "grade".into(),
            Field::Role => "role".into(),
            Field::Language => "language".into(),
            Field::Name => "name".into(),
            Field::ExternalId => "externalId".into(),
            Field::Tag => "tag".into(),
            Field::Group => "group".into(),
            Field::Attribute(a) => format!("attr.{a}"),
        }
    }
}

/// Checks a rule and returns it in canonical form: fields spelled canonically, values trimmed,
/// a bare condition wrapped in `All` (so an editor always finds a group at the top).
pub fn normalize(rule: &Rule) -> Result<Rule, AudienceError> {
    let rule = check(rule, 0)?;
    Ok(match rule {
        Rule::Condition(_) => Rule::All { rules: vec![rule] },
        other => other,
    })
}

/// How deep rules may nest: deeper than a person can read is a mistake, not a need.
const MAX_DEPTH: usize = 8;

fn check(rule: &Rule, depth: usize) -> Result<Rule, AudienceError> {
    if depth > MAX_DEPTH {
        return Err(AudienceError::Rule(format!(
            "the rule nests deeper than {MAX_DEPTH} levels"
        )));
    }
    match rule {
        Rule::All { rules } | Rule::Any { rules } => {
            if rules.is_empty() {
                return Err(AudienceError::Rule(
                    "a group of conditions is empty: add a condition or remove the group".into(),
                ));
            }
            let rules = rules
                .iter()
                .map(|r| check(r, depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(match rule {
                Rule::All { .. } => Rule::All { rules },
                _ => Rule::Any { rules },
            })
        }
        Rule::Condition(c) => {
            let field = Field::parse(&c.field)?;
            let mut values: Vec<String> = Vec::new();
            for v in c.values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
                if !values.iter().any(|w| w == v) {
                    values.push(v.to_owned());
                }
            }
            if c.op.takes_values() && values.is_empty() {
                return Err(AudienceError::Rule(format!(
                    "the condition on {} has no value: type the value to compare with",
                    field.canonical()
                )));
            }
            if !c.op.takes_values() {
                values.clear();
            }
            if matches!(c.op, RuleOp::Contains | RuleOp::StartsWith) && values.len() > 1 {
                return Err(AudienceError::Rule(format!(
                    "`{} {}` takes one value, not {}",
                    field.canonical(),
                    op_text(c.op),
                    values.len()
                )));
            }
            if field == Field::Group && !matches!(c.op, RuleOp::Is | RuleOp::IsNot) {
                return Err(AudienceError::Rule(
                    "a group condition can only be `group = NAME` or `group != NAME`".into(),
                ));
            }
            Ok(Rule::Condition(Condition {
                field: field.canonical(),
                op: c.op,
                values,
            }))
        }
    }
}

fn op_text(op: RuleOp) -> &'static str {
    match op {
        RuleOp::Is => "=",
        RuleOp::IsNot => "!=",
        RuleOp::Contains => "contains",
        RuleOp::StartsWith => "starts with",
        RuleOp::IsEmpty => "is empty",
        RuleOp::IsNotEmpty => "is not empty",
    }
}

// ----- text form -----

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    Comma,
    Eq,
    NotEq,
    Word(String),
    Quoted(String),
}

fn tokenize(text: &str) -> Result<Vec<Token>, AudienceError> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | '（' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' | '）' => {
                chars.next();
                tokens.push(Token::Close);
            }
            ',' | '，' => {
                chars.next();
                tokens.push(Token::Comma);
            }
            '=' => {
                chars.next();
                if chars.peek() == Some(&'=') {
                    chars.next();
                }
                tokens.push(Token::Eq);
            }
            '!' | '≠' => {
                chars.next();
                if c == '!' && chars.next() != Some('=') {
                    return Err(AudienceError::Rule("`!` must be followed by `=` (not equal)".into()));
                }
                tokens.push(Token::NotEq);
            }
            '"' | '“' | '”' => {
                chars.next();
                let mut value = String::new();
                loop {
                    match chars.next() {
                        None => return Err(AudienceError::Rule("a quoted value is not closed with \"".into())),
                        Some('\\') => value.extend(chars.next()),
                        Some('"' | '“' | '”') => break,
                        Some(ch) => value.push(ch),
                    }
                }
                tokens.push(Token::Quoted(value));
            }
            _ => {
                let mut word = String::new();
                while let Some(&ch) = chars.peek() {
                    if ch.is_whitespace() || "(),=!（），\"“”≠".contains(ch) {
                        break;
                    }
                    word.push(ch);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    /// Parentheses open at this point: counted while reading, so that a hostile text of
    /// thousands of `(` is refused before it can exhaust the stack.
    depth: usize,
}

/// Parentheses nest at most this deep (rules themselves nest at most [`MAX_DEPTH`]).
const MAX_PARENTHESES: usize = 32;

fn keyword(token: Option<&Token>, words: &[&str]) -> bool {
    matches!(token, Some(Token::Word(w)) if words.iter().any(|k| w.eq_ignore_ascii_case(k)))
}

const AND: [&str; 4] = ["and", "&&", "且", "并且"];
const OR: [&str; 4] = ["or", "||", "或", "或者"];

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn expr(&mut self) -> Result<Rule, AudienceError> {
        let mut any = vec![self.and()?];
        while keyword(self.peek(), &OR) {
            self.at += 1;
            any.push(self.and()?);
        }
        Ok(if any.len() == 1 {
            any.remove(0)
        } else {
            Rule::Any { rules: any }
        })
    }

    fn and(&mut self) -> Result<Rule, AudienceError> {
        let mut all = vec![self.atom()?];
        while keyword(self.peek(), &AND) {
            self.at += 1;
            all.push(self.atom()?);
        }
        Ok(if all.len() == 1 {
            all.remove(0)
        } else {
            Rule::All { rules: all }
        })
    }

    fn atom(&mut self) -> Result<Rule, AudienceError> {
        match self.next() {
            Some(Token::Open) => {
                self.depth += 1;
                if self.depth > MAX_PARENTHESES {
                    return Err(AudienceError::Rule(format!(
                        "the rule nests parentheses deeper than {MAX_PARENTHESES} levels"
                    )));
                }
                let inner = self.expr()?;
                self.depth -= 1;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err(AudienceError::Rule("a `(` is not closed with `)`".into())),
                }
            }
            Some(Token::Word(field)) => self.condition(field),
            Some(other) => Err(AudienceError::Rule(format!(
                "expected a field name such as department, found {}",
                describe(&other)
            ))),
            None => Err(AudienceError::Rule(
                "the rule ends where a condition should follow".into(),
            )),
        }
    }

    fn condition(&mut self, field: String) -> Result<Rule, AudienceError> {
        let field = Field::parse(&field)?.canonical();
        let (op, values) = match self.next() {
            Some(Token::Eq) => (RuleOp::Is, self.values()?),
            Some(Token::NotEq) => (RuleOp::IsNot, self.values()?),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("contains") || w == "包含" => {
                (RuleOp::Contains, vec![self.value()?])
            }
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("starts") || w == "开头是" => {
                if keyword(self.peek(), &["with"]) {
                    self.at += 1;
                }
                (RuleOp::StartsWith, vec![self.value()?])
            }
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("is") => {
                let negated = keyword(self.peek(), &["not"]);
                if negated {
                    self.at += 1;
                }
                if keyword(self.peek(), &["empty"]) {
                    self.at += 1;
                    (if negated { RuleOp::IsNotEmpty } else { RuleOp::IsEmpty }, Vec::new())
                } else {
                    (if negated { RuleOp::IsNot } else { RuleOp::Is }, self.values()?)
                }
            }
            Some(Token::Word(w)) if w == "为空" => (RuleOp::IsEmpty, Vec::new()),
            Some(Token::Word(w)) if w == "不为空" => (RuleOp::IsNotEmpty, Vec::new()),
            other => {
                return Err(AudienceError::Rule(format!(
                    "after `{field}` expected =, !=, contains, starts with, is empty or is not empty, found {}",
                    other.as_ref().map_or("the end".to_owned(), describe)
                )))
            }
        };
        Ok(Rule::Condition(Condition { field, op, values }))
    }

    fn values(&mut self) -> Result<Vec<String>, AudienceError> {
        let mut values = vec![self.value()?];
        while self.peek() == Some(&Token::Comma) {
            self.at += 1;
            values.push(self.value()?);
        }
        Ok(values)
    }

    fn value(&mut self) -> Result<String, AudienceError> {
        match self.next() {
            Some(Token::Word(w) | Token::Quoted(w)) => Ok(w),
            other => Err(AudienceError::Rule(format!(
                "expected a value, found {}",
                other.as_ref().map_or("the end".to_owned(), describe)
            ))),
        }
    }
}

fn describe(token: &Token) -> String {
    match token {
        Token::Open => "`(`".into(),
        Token::Close => "`)`".into(),
        Token::Comma => "`,`".into(),
        Token::Eq => "`=`".into(),
        Token::NotEq => "`!=`".into(),
        Token::Word(w) => format!("`{w}`"),
        Token::Quoted(w) => format!("\"{w}\""),
    }
}

/// Reads the text form into a checked, canonical rule.
pub fn parse(text: &str) -> Result<Rule, AudienceError> {
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return Err(AudienceError::Rule("the rule is empty".into()));
    }
    let mut parser = Parser {
        tokens,
        at: 0,
        depth: 0,
    };
    let rule = parser.expr()?;
    if let Some(extra) = parser.peek() {
        return Err(AudienceError::Rule(format!(
            "unexpected {} in the rule: join conditions with `and` or `or`",
            describe(extra)
        )));
    }
    normalize(&rule)
}

/// Writes a rule in the text form [`parse`] reads back to the same rule.
pub fn to_text(rule: &Rule) -> String {
    match rule {
        Rule::All { rules } => join(rules, " and "),
        Rule::Any { rules } => join(rules, " or "),
        Rule::Condition(c) => {
            let values = c.values.iter().map(|v| quote(v)).collect::<Vec<_>>().join(", ");
            match c.op {
                RuleOp::IsEmpty | RuleOp::IsNotEmpty => format!("{} {}", c.field, op_text(c.op)),
                _ => format!("{} {} {values}", c.field, op_text(c.op)),
            }
        }
    }
}

fn join(rules: &[Rule], with: &str) -> String {
    rules
        .iter()
        .map(|r| match r {
            Rule::Condition(_) => to_text(r),
            _ if rules.len() == 1 => to_text(r),
            _ => format!("({})", to_text(r)),
        })
        .collect::<Vec<_>>()
        .join(with)
}

fn quote(value: &str) -> String {
    let plain = !value.is_empty()
        && !value
            .chars()
            .any(|c| c.is_whitespace() || "(),=!（），\"“”≠\\;；".contains(c))
        && ![AND.as_slice(), OR.as_slice(), &["is", "not", "empty", "with"]]
            .concat()
            .iter()
            .any(|k| value.eq_ignore_ascii_case(k));
    if plain {
        value.to_owned()
    } else {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(field: &str, op: RuleOp, values: &[&str]) -> Rule {
        Rule::Condition(Condition {
            field: field.into(),
            op,
            values: values.iter().map(|v| v.to_string()).collect(),
        })
    }

    #[test]
    fn reads_and_before_or_with_chinese_words_and_full_width_punctuation() {
        let rule = parse("院系 = 农学院 且 （年级 = 2024，2025 或 标签 = 班干部）").unwrap();
        assert_eq!(
            rule,
            Rule::All {
                rules: vec![
                    cond("department", RuleOp::Is, &["农学院"]),
                    Rule::Any {
                        rules: vec![
                            cond("grade", RuleOp::Is, &["2024", "2025"]),
                            cond("tag", RuleOp::Is, &["班干部"]),
                        ]
                    }
                ]
            }
        );
        let rule = parse("role = student or department = 林学院 and grade != 2021").unwrap();
        assert_eq!(
            rule,
            Rule::Any {
                rules: vec![
                    cond("role", RuleOp::Is, &["student"]),
                    Rule::All {
                        rules: vec![
                            cond("department", RuleOp::Is, &["林学院"]),
                            cond("grade", RuleOp::IsNot, &["2021"]),
                        ]
                    }
                ]
            }
        );
    }

    #[test]
    fn every_operator_and_odd_value_survives_a_round_trip_through_text() {
        let rule = Rule::Any {
            rules: vec![
                cond("attr.宿舍楼", RuleOp::Contains, &["3号 楼"]),
                cond("name", RuleOp::StartsWith, &["王"]),
                cond("class", RuleOp::IsEmpty, &[]),
                cond("tag", RuleOp::IsNotEmpty, &[]),
                Rule::All {
                    rules: vec![
                        cond("group", RuleOp::IsNot, &["毕业班 (2025)"]),
                        cond("externalId", RuleOp::Is, &["and", "a\"b", "c,d"]),
                    ],
                },
            ],
        };
        let text = to_text(&rule);
        assert_eq!(parse(&text).unwrap(), rule, "{text}");
    }

    #[test]
    fn thousands_of_parentheses_are_refused_while_reading() {
        let text = format!("{}grade = 2024{}", "(".repeat(6_000), ")".repeat(6_000));
        let e = parse(&text).unwrap_err().to_string();
        assert!(e.contains("parentheses deeper than 32"), "{e}");
        let fine = format!("{}grade = 2024{}", "(".repeat(30), ")".repeat(30));
        assert!(parse(&fine).is_ok());
    }

    #[test]
    fn mistakes_are_named() {
        let err = |t: &str| parse(t).unwrap_err().to_string();
        assert!(err("dorm = 3").contains("no field `dorm`"), "{}", err("dorm = 3"));
        assert!(err("grade =").contains("expected a value"));
        assert!(err("grade = 2024 grade = 2025").contains("join conditions"));
        assert!(err("(grade = 2024").contains("not closed"));
        assert!(err("grade = \"2024").contains("not closed"));
        assert!(err("grade like 2024").contains("after `grade`"));
        assert!(err("").contains("empty"));
        assert!(err("group contains 班").contains("group = NAME"));
    }

    #[test]
    fn normalize_checks_json_rules_as_the_ui_sends_them() {
        let bare = cond("院系", RuleOp::Is, &[" 农学院 ", "农学院", ""]);
        assert_eq!(
            normalize(&bare).unwrap(),
            Rule::All {
                rules: vec![cond("department", RuleOp::Is, &["农学院"])]
            }
        );
        assert!(normalize(&Rule::Any { rules: vec![] }).is_err());
        assert!(normalize(&cond("grade", RuleOp::Is, &["  "]))
            .unwrap_err()
            .to_string()
            .contains("no value"));
        assert!(normalize(&cond("name", RuleOp::Contains, &["a", "b"])).is_err());
    }
}
