//! Composing: checking a notice's templates and rendering them for one recipient.
//!
//! Subject and body are minijinja templates over the recipient's variables (`{{ name }}`,
//! `{{ class }}`, any imported column), the catalogue's Chinese names for them (`{{ 姓名 }}`,
//! see [`variables`]), the values the notice gives once for everyone (`{{ 考试时间 }}`) and
//! the date (`{{ 日期 }}`). A name is looked up in that order: the catalogue's meaning wins
//! (an alias is its field), then the notice's values, then imported columns. Rendering is
//! strict: a variable the recipient does not have fails that recipient's delivery with a
//! reason naming it, rather than sending a message with a hole in it.

pub mod email;
mod error;
mod notice;
pub mod variables;
mod versions;

use std::collections::BTreeMap;

use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior};
use serde_json::Value;

use error::syntax_error;
pub use error::{line_column, locate, ComposeError, ValueNameProblem};
pub use notice::{check_template, check_values, MAX_VALUES, MAX_VALUE_BYTES};
pub use versions::{choose_language, frozen_names_of, ChannelTemplates, Texts, GROUP_SEPARATOR};

/// The variables every contact has, whatever was imported.
pub const STANDARD_VARIABLES: [&str; 9] = [
    "name",
    "external_id",
    "role",
    "department",
    "class",
    "grade",
    "language",
    "email",
    "mobile",
];

/// The longest subject a notice may have, in bytes (a mail header line holds 998).
pub const MAX_SUBJECT_BYTES: usize = 900;
/// The longest body a notice may have, in bytes: about 33,000 Chinese characters, far more
/// than a notice needs, small enough that 30,000 copies never strain memory or the database.
pub const MAX_BODY_BYTES: usize = 100_000;
/// The most a template may produce for one recipient, in bytes.
pub const MAX_RENDERED_BYTES: usize = 2 * MAX_BODY_BYTES;
/// Template steps one recipient's rendering may take: a notice with a loop over a list takes a
/// few hundred; three nested loops of a hundred take a million.
pub const RENDER_FUEL: u64 = 100_000;

/// A notice as one recipient gets it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

/// How values are written into a body that a channel reads as Markdown (e-mail): escaped, so a
/// contact's field arrives as written ("3*2" is not italics, "[x](…)" is not a link, "<b>"
/// is not dropped as raw HTML) and cannot add formatting or links to the message.
const MARKDOWN: AutoEscape = AutoEscape::Custom("markdown");

/// The body's name in the environment when rendered for a Markdown-reading channel.
const BODY_MARKDOWN: &str = "body.md";

/// `value` with the characters that start Markdown formatting backslash-escaped. Words that
/// are links or addresses (`https://…`, `www.…`, anything with `@`) are left whole: the
/// autolinker reads them raw, so an escape would end up inside the link (a word with brackets
/// is link syntax, not a bare link, and is escaped). `_` is left alone
/// everywhere: inside a word it formats nothing.
pub fn escape_markdown(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    for word in value.split_inclusive(char::is_whitespace) {
        let link = (["http://", "https://", "www."].iter().any(|p| word.starts_with(p)) || word.contains('@'))
            && !word.contains(['[', ']', '<', '>']);
        for c in word.chars() {
            if !link && matches!(c, '\\' | '*' | '`' | '[' | ']' | '<' | '>' | '~' | '|') {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(RENDER_FUEL));
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".md") {
            MARKDOWN
        } else {
            AutoEscape::None
        }
    });
    env.set_formatter(|out, state, value| {
        if state.auto_escape() == MARKDOWN && !value.is_safe() {
            out.write_str(&escape_markdown(&value.to_string()))
                .map_err(|_| minijinja::Error::new(ErrorKind::WriteFailure, "cannot write the rendered body"))
        } else {
            minijinja::escape_formatter(out, state, value)
        }
    });
    env
}

/// Checks that a template is not too long and parses; returns the variables it uses
/// (`exam.room` for nested ones).
pub fn check(field: &'static str, source: &str) -> Result<Vec<String>, ComposeError> {
    let limit = if field.ends_with("subject") {
        MAX_SUBJECT_BYTES
    } else {
        MAX_BODY_BYTES
    };
    if source.len() > limit {
        return Err(ComposeError::TooLong {
            field,
            size: source.len(),
            limit,
        });
    }
    let env = environment();
    let tmpl = env
        .template_from_str(source)
        .map_err(|e| syntax_error(field, source, &e))?;
    let mut vars: Vec<String> = tmpl.undeclared_variables(true).into_iter().collect();
    vars.sort();
    Ok(vars)
}

/// The top-level variables that a notice's subject and body use (`exam` for `{{ exam.room }}`),
/// sorted; what fan-out must freeze for each recipient.
pub fn top_level_variables(subject: &str, body: &str) -> Result<Vec<String>, ComposeError> {
    let mut names: Vec<String> = [("subject", subject), ("body", body)]
        .into_iter()
        .map(|(field, source)| check(field, source))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .map(|path| path.split('.').next().unwrap_or_default().to_owned())
        .collect();
    names.sort();
    names.dedup();
    Ok(names)
}

/// Whether `vars` has a value at a dotted path such as `exam.room` (`null` is no value: a
/// contact without a class has `"class": null`).
fn has_path(vars: &Value, path: &str) -> bool {
    let mut cur = vars;
    for part in path.split('.') {
        match cur.get(part) {
            Some(v) => cur = v,
            None => return false,
        }
    }
    !cur.is_null()
}

/// A buffer that refuses to grow past [`MAX_RENDERED_BYTES`], so a template that repeats text
/// stops there instead of filling memory.
struct Capped(Vec<u8>);

impl Capped {
    /// Sized for an output about as long as its template: growing from empty took four or five
    /// reallocations per field and recipient for an ordinary notice.
    fn for_template(source_len: usize) -> Capped {
        Capped(Vec::with_capacity(
            (source_len + source_len / 2 + 64).min(MAX_RENDERED_BYTES),
        ))
    }
}

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > MAX_RENDERED_BYTES {
            self.0.resize(MAX_RENDERED_BYTES, 0);
            return Err(std::io::Error::other("the rendered text is too long"));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Where a top-level name a template uses takes its value from.
#[derive(Debug, Clone)]
enum Lookup {
    /// The recipient's frozen variables, under this key (an alias's field: `姓名` → `name`).
    Recipient(String),
    /// The same for everyone: a notice value, or the date.
    Fixed(Value),
}

/// How `root` is resolved, in the order the module's documentation gives.
fn lookup(root: &str, values: &BTreeMap<String, String>, date: &str) -> Lookup {
    match variables::find(root) {
        Some(v) if v.name == variables::DATE => Lookup::Fixed(Value::from(date)),
        Some(v) => Lookup::Recipient(v.name.to_owned()),
        None => match values.get(root) {
            Some(value) => Lookup::Fixed(Value::from(value.as_str())),
            None => Lookup::Recipient(root.to_owned()),
        },
    }
}

/// The names of a contact's variables that fan-out must freeze for a notice: the fields and
/// columns its templates use, an alias as its field (`姓名` → `name`); notice values and the
/// date are not the contact's and are left out.
pub fn frozen_names(subject: &str, body: &str, values: &BTreeMap<String, String>) -> Result<Vec<String>, ComposeError> {
    let mut names: Vec<String> = top_level_variables(subject, body)?
        .iter()
        .filter_map(|root| match lookup(root, values, "") {
            Lookup::Recipient(key) => Some(key),
            Lookup::Fixed(_) => None,
        })
        .collect();
    names.sort();
    names.dedup();
    Ok(names)
}

/// A notice's subject and body, parsed once and rendered for each recipient. Parsing is most
/// of the cost of rendering a short notice, and a run renders the same two templates for
/// thousands of people.
pub struct CompiledNotice {
    env: Environment<'static>,
    /// The fields errors name (`subject`, `english.body`…).
    subject_field: &'static str,
    body_field: &'static str,
    subject: String,
    body: String,
    subject_vars: Vec<String>,
    body_vars: Vec<String>,
    /// Every top-level name either template uses, with where its value comes from.
    lookups: Vec<(String, Lookup)>,
    /// A subject without template syntax (most are: the notice's title), rendered once, since
    /// it is the same for every recipient.
    fixed_subject: Option<String>,
}

impl CompiledNotice {
    /// Parses both templates, with no notice values and today's date; a syntax error names
    /// the field, line and column.
    pub fn new(subject: &str, body: &str) -> Result<CompiledNotice, ComposeError> {
        let today = variables::date_of(crate::clock::now());
        CompiledNotice::with_values(subject, body, &BTreeMap::new(), &today)
    }

    /// Parses both templates for a notice with these values for everyone and this date
    /// (`YYYY-MM-DD`, see [`variables::date_of`]).
    pub fn with_values(
        subject: &str,
        body: &str,
        values: &BTreeMap<String, String>,
        date: &str,
    ) -> Result<CompiledNotice, ComposeError> {
        CompiledNotice::with_fields(("subject", subject), ("body", body), values, date)
    }

    /// The same, with the fields its errors name (`("english.body", …)` for an English body).
    pub fn with_fields(
        (subject_field, subject): (&'static str, &str),
        (body_field, body): (&'static str, &str),
        values: &BTreeMap<String, String>,
        date: &str,
    ) -> Result<CompiledNotice, ComposeError> {
        let subject_vars = check(subject_field, subject)?;
        let body_vars = check(body_field, body)?;
        let mut env = environment();
        env.add_template_owned("subject", subject.to_owned())
            .map_err(|e| syntax_error(subject_field, subject, &e))?;
        env.add_template_owned("body", body.to_owned())
            .map_err(|e| syntax_error(body_field, body, &e))?;
        env.add_template_owned(BODY_MARKDOWN, body.to_owned())
            .map_err(|e| syntax_error(body_field, body, &e))?;
        let mut roots: Vec<&str> = subject_vars
            .iter()
            .chain(&body_vars)
            .map(|path| path.split('.').next().unwrap_or_default())
            .collect();
        roots.sort();
        roots.dedup();
        let lookups = roots
            .into_iter()
            .map(|root| (root.to_owned(), lookup(root, values, date)))
            .collect();
        let mut compiled = CompiledNotice {
            env,
            subject_field,
            body_field,
            subject: subject.to_owned(),
            body: body.to_owned(),
            subject_vars,
            body_vars,
            lookups,
            fixed_subject: None,
        };
        if !subject.contains('{') {
            // Through the template all the same, so that it comes out exactly as rendered
            // (a trailing newline dropped); a failure is left to each recipient's rendering.
            let nobody = minijinja::Value::from(());
            compiled.fixed_subject = compiled
                .render_field(subject_field, "subject", &[], &Value::Null, &nobody)
                .ok();
        }
        Ok(compiled)
    }

    /// The names a template uses, each with its value for this recipient: an alias's field,
    /// a notice value, the date, or the recipient's own. Only these go into the context, so a
    /// recipient's other variables cost nothing.
    fn scope(&self, vars: &Value) -> Value {
        let mut scope = serde_json::Map::with_capacity(self.lookups.len());
        for (root, lookup) in &self.lookups {
            let value = match lookup {
                Lookup::Recipient(key) => match vars.get(key) {
                    Some(v) => v.clone(),
                    None => continue,
                },
                Lookup::Fixed(v) => v.clone(),
            };
            scope.insert(root.clone(), value);
        }
        Value::Object(scope)
    }

    fn render_field(
        &self,
        field: &'static str,
        template: &str,
        used: &[String],
        scope: &Value,
        ctx: &minijinja::Value,
    ) -> Result<String, ComposeError> {
        if let Some(variable) = used.iter().find(|v| !has_path(scope, v)) {
            return Err(ComposeError::Missing {
                field,
                variable: variable.clone(),
            });
        }
        let source = if template == "subject" {
            &self.subject
        } else {
            &self.body
        };
        let tmpl = self
            .env
            .get_template(template)
            .map_err(|e| syntax_error(field, source, &e))?;
        let mut out = Capped::for_template(source.len());
        // `render_to_write` rather than its successor `render_captured_to`: the latter clones
        // the template and keeps the finished state in a heap cell that we would drop at once,
        // a quarter of the cost of rendering a short notice, paid twice per recipient.
        #[allow(deprecated)]
        let rendered = tmpl.render_to_write(ctx, &mut out);
        rendered.map_err(|e| match e.kind() {
            minijinja::ErrorKind::UndefinedError => ComposeError::Missing {
                field,
                variable: e.detail().unwrap_or("?").to_owned(),
            },
            minijinja::ErrorKind::OutOfFuel => ComposeError::TooMuchWork { field },
            minijinja::ErrorKind::WriteFailure if out.0.len() >= MAX_RENDERED_BYTES => ComposeError::OutputTooLong {
                field,
                limit: MAX_RENDERED_BYTES,
            },
            _ => syntax_error(field, source, &e),
        })?;
        String::from_utf8(out.0).map_err(|_| ComposeError::Syntax {
            field,
            line: 1,
            column: 1,
            detail: "the rendered text is not valid UTF-8".into(),
        })
    }

    /// Subject and body for one recipient, values inserted as they are: for channels and
    /// screens that show the body as text.
    pub fn render(&self, vars: &Value) -> Result<Rendered, ComposeError> {
        self.render_as(vars, false)
    }

    /// Subject and body for one recipient; with `markdown`, values in the body (the
    /// recipient's and the notice's alike) are Markdown-escaped, for a channel that renders
    /// the body as Markdown (e-mail). The subject is never Markdown.
    pub fn render_as(&self, vars: &Value, markdown: bool) -> Result<Rendered, ComposeError> {
        let scope = self.scope(vars);
        // Converted once for both templates: building minijinja's map is most of the cost
        // of rendering a short notice.
        let ctx = minijinja::Value::from_serialize(&scope);
        let body = if markdown { BODY_MARKDOWN } else { "body" };
        let subject = match &self.fixed_subject {
            Some(fixed) => fixed.clone(),
            None => self.render_field(self.subject_field, "subject", &self.subject_vars, &scope, &ctx)?,
        };
        Ok(Rendered {
            subject,
            body: self.render_field(self.body_field, body, &self.body_vars, &scope, &ctx)?,
        })
    }

    /// The variables each template uses, by the field errors name (`exam.room` for a nested
    /// one): what the whole-audience check looks for empty values of.
    pub fn used(&self) -> [(&'static str, &[String]); 2] {
        [
            (self.subject_field, self.subject_vars.as_slice()),
            (self.body_field, self.body_vars.as_slice()),
        ]
    }
}

/// Renders subject and body for one recipient (parsing them; for many recipients use
/// [`CompiledNotice`]).
pub fn render(subject: &str, body: &str, vars: &Value) -> Result<Rendered, ComposeError> {
    CompiledNotice::new(subject, body)?.render(vars)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn runaway_templates_fail_in_bounded_time_and_memory() {
        let vars = json!({"name": "王小明"});
        let hundred = "0123456789".repeat(10);
        let loops = format!("{{% for a in '{hundred}' %}}{{% for b in '{hundred}' %}}{{% for c in '{hundred}' %}}x{{% endfor %}}{{% endfor %}}{{% endfor %}}");
        let started = std::time::Instant::now();
        assert_eq!(
            render("s", &loops, &vars).unwrap_err(),
            ComposeError::TooMuchWork { field: "body" }
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(
            render("s", "{{ 'x' * 10000000 }}", &vars).unwrap_err(),
            ComposeError::OutputTooLong {
                field: "body",
                limit: MAX_RENDERED_BYTES
            }
        );
        let long = "通知".repeat(MAX_BODY_BYTES);
        assert!(matches!(
            check("body", &long),
            Err(ComposeError::TooLong { field: "body", .. })
        ));
        // An ordinary loop over a list is well within the budget.
        let list = "{% for r in rooms %}- {{ r }}\n{% endfor %}";
        let rooms: Vec<String> = (0..500).map(|i| format!("{i}号楼")).collect();
        assert!(render("s", list, &json!({"rooms": rooms})).is_ok());
    }

    /// A subject without template syntax is rendered once for the run, and comes out as the
    /// template would render it (minijinja drops one trailing newline).
    #[test]
    fn a_fixed_subject_is_rendered_as_a_template_would() {
        let notice = CompiledNotice::new("期末考试安排\n", "{{ name }}同学").unwrap();
        for name in ["王小明", "李华"] {
            let r = notice.render(&json!({ "name": name })).unwrap();
            assert_eq!(r.subject, "期末考试安排");
            assert_eq!(r.body, format!("{name}同学"));
        }
        assert_eq!(
            render("{{ name }}", "b", &json!({"name": "王小明"})).unwrap().subject,
            "王小明"
        );
    }

    #[test]
    fn renders_chinese_variables_per_recipient() {
        let vars = json!({"name": "王小明", "class": "农学2401", "exam": {"room": "A-101"}});
        let r = render(
            "{{ name }}同学：考试通知",
            "{{ name }}，你的班级是{{ class }}，考场 {{ exam.room }}。",
            &vars,
        )
        .unwrap();
        assert_eq!(r.subject, "王小明同学：考试通知");
        assert_eq!(r.body, "王小明，你的班级是农学2401，考场 A-101。");
    }

    #[test]
    fn a_missing_variable_is_named_not_rendered_empty() {
        let err = render("通知", "{{ name }} 请到 {{ exam.room }}", &json!({"name": "李雷"})).unwrap_err();
        assert_eq!(
            err,
            ComposeError::Missing {
                field: "body",
                variable: "exam.room".into()
            }
        );
        let err = render(
            "通知",
            "{{ name }}（{{ class }}）",
            &json!({"name": "李雷", "class": null}),
        )
        .unwrap_err();
        assert_eq!(
            err,
            ComposeError::Missing {
                field: "body",
                variable: "class".into()
            }
        );
        let err = render("通知", "{{ name }} 请到 {{ exam.room }}", &json!({"name": "李雷"})).unwrap_err();
        assert_eq!(
            err,
            ComposeError::Missing {
                field: "body",
                variable: "exam.room".into()
            }
        );
        assert!(err.to_string().contains("exam.room"));
    }

    #[test]
    fn a_syntax_error_names_field_and_line() {
        let err = check("body", "第一行\n{{ name }\n").unwrap_err();
        match err {
            ComposeError::Syntax {
                field, line, column, ..
            } => {
                assert_eq!(field, "body");
                assert_eq!(line, 2);
                assert_eq!(column, 9, "the column of the stray `}}`, in characters");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    /// `{{ 姓名 }}` is `{{ name }}`; a notice's values are the same for everyone and escaped
    /// in a Markdown body like a contact's; the date is the one given.
    #[test]
    fn aliases_and_notice_values_render_and_escape_alike() {
        let values = BTreeMap::from([("考试时间".to_owned(), "12月20日 *9:00*".to_owned())]);
        let notice = CompiledNotice::with_values(
            "{{ 姓名 }}的考试",
            "{{ 姓名 }}（{{ 班级 }}，{{ 学号 }}）：{{ 考试时间 }}，{{ 日期 }}",
            &values,
            "2026-12-08",
        )
        .unwrap();
        let vars = json!({"name": "王*小明", "class": "农学2401", "external_id": "2024001"});
        let plain = notice.render(&vars).unwrap();
        assert_eq!(plain.subject, "王*小明的考试");
        assert_eq!(plain.body, "王*小明（农学2401，2024001）：12月20日 *9:00*，2026-12-08");
        let md = notice.render_as(&vars, true).unwrap();
        assert_eq!(
            md.body,
            "王\\*小明（农学2401，2024001）：12月20日 \\*9:00\\*，2026-12-08"
        );
        // An alias a recipient lacks is reported under the name the template used.
        assert_eq!(
            notice.render(&json!({"name": "李雷", "external_id": "1"})).unwrap_err(),
            ComposeError::Missing {
                field: "body",
                variable: "班级".into()
            }
        );
        // Fan-out freezes the fields, not the notice's values or the date.
        assert_eq!(
            frozen_names(
                "{{ 姓名 }}",
                "{{ 班级 }}{{ class }}{{ 考试时间 }}{{ 日期 }}{{ 宿舍 }}",
                &values
            )
            .unwrap(),
            vec!["class", "name", "宿舍"]
        );
    }

    #[test]
    fn check_lists_used_variables() {
        assert_eq!(
            check("body", "{{ name }} {{ exam.date }} {% if note %}{{ note }}{% endif %}").unwrap(),
            vec!["exam.date", "name", "note"]
        );
    }
}
