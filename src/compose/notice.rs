//! A notice's templates and values checked together when it is composed: every name a
//! template uses must be known (a contact field or its Chinese name, an imported column, a
//! value of the notice, the date), and a notice for a group chat may use only what is the same
//! for everyone.

use std::collections::BTreeMap;

use super::{check, locate, variables, ComposeError, ValueNameProblem};

/// The most values a notice may carry, and the longest one in bytes: values are short facts
/// (a time, a room), not text.
pub const MAX_VALUES: usize = 50;
pub const MAX_VALUE_BYTES: usize = 2_000;

/// Checks the names and values a notice gives for everyone. A name must be an identifier
/// (`{{ 考试时间 }}` must be writable), not one of the catalogue's (whose meaning would win) and
/// not an imported column's (a reader of the template could not tell which is meant).
pub fn check_values(values: &BTreeMap<String, String>, attributes: &[String]) -> Result<(), ComposeError> {
    if values.len() > MAX_VALUES {
        return Err(ComposeError::TooLong {
            field: "values",
            size: values.len(),
            limit: MAX_VALUES,
        });
    }
    for (name, value) in values {
        let reason = if !variables::is_identifier(name) {
            Some(ValueNameProblem::NotAnIdentifier)
        } else if variables::is_reserved(name) {
            Some(ValueNameProblem::Reserved)
        } else if attributes.iter().any(|a| a == name) {
            Some(ValueNameProblem::ImportedColumn)
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(ComposeError::BadValueName {
                name: name.clone(),
                reason,
            });
        }
        if value.trim().is_empty() {
            return Err(ComposeError::EmptyValue { name: name.clone() });
        }
        if value.len() > MAX_VALUE_BYTES {
            return Err(ComposeError::TooLong {
                field: "values",
                size: value.len(),
                limit: MAX_VALUE_BYTES,
            });
        }
    }
    Ok(())
}

/// Checks that every variable of `source` is known; `group` is the name of a group channel
/// the notice goes to, if any, on which only notice values and the date may be used.
pub fn check_template(
    field: &'static str,
    source: &str,
    values: &BTreeMap<String, String>,
    attributes: &[String],
    group: Option<&str>,
) -> Result<(), ComposeError> {
    for variable in check(field, source)? {
        let root = variable.split('.').next().unwrap_or_default();
        let catalogued = variables::find(root);
        let same_for_everyone = values.contains_key(root) || catalogued.is_some_and(|v| v.name == variables::DATE);
        if let (Some(channel), false) = (group, same_for_everyone) {
            return Err(ComposeError::PersonalInGroup {
                field,
                variable: variable.clone(),
                channel: channel.to_owned(),
            });
        }
        if catalogued.is_none() && !values.contains_key(root) && !attributes.iter().any(|a| a == root) {
            let (line, column) = locate(source, root);
            let known = variables::all_names()
                .chain(attributes.iter().map(String::as_str))
                .chain(values.keys().map(String::as_str));
            return Err(ComposeError::UnknownVariable {
                field,
                variable: root.to_owned(),
                line,
                column,
                suggestion: variables::closest(root, known).map(str::to_owned),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn known_names_pass_and_a_slip_is_placed_and_answered() {
        let attrs = vec!["宿舍".to_owned()];
        let vals = values(&[("考试时间", "12月20日 9:00")]);
        let ok = "{{ 姓名 }}（{{ 班级 }}，{{ 学号 }}）住{{ 宿舍 }}，考试 {{ 考试时间 }}，{{ 日期 }}";
        check_template("body", ok, &vals, &attrs, None).unwrap();
        let err = check_template("body", "同学们：\n  {{ 姓明 }}你好", &vals, &attrs, None).unwrap_err();
        assert_eq!(
            err,
            ComposeError::UnknownVariable {
                field: "body",
                variable: "姓明".into(),
                line: 2,
                column: 6,
                suggestion: Some("姓名".into()),
            }
        );
        let err = check_template("subject", "{{ 考场座位 }}", &vals, &attrs, None).unwrap_err();
        assert!(matches!(err, ComposeError::UnknownVariable { suggestion: None, .. }));
        assert!(err.to_string().contains("imported column"), "{err}");
    }

    #[test]
    fn a_group_takes_notice_values_and_the_date_only() {
        let vals = values(&[("考试时间", "12月20日 9:00")]);
        check_template("body", "考试 {{ 考试时间 }}（{{ 日期 }}）", &vals, &[], Some("班级群")).unwrap();
        let err = check_template("body", "{{ 姓名 }}", &vals, &[], Some("班级群")).unwrap_err();
        assert_eq!(err.code(), "compose_personal_in_group");
    }

    #[test]
    fn value_names_are_checked() {
        let attrs = vec!["宿舍".to_owned()];
        check_values(&values(&[("考试时间", "9:00")]), &attrs).unwrap();
        for (name, reason) in [
            ("姓名", ValueNameProblem::Reserved),
            ("name", ValueNameProblem::Reserved),
            ("宿舍", ValueNameProblem::ImportedColumn),
            ("考试 时间", ValueNameProblem::NotAnIdentifier),
            ("1号", ValueNameProblem::NotAnIdentifier),
        ] {
            assert_eq!(
                check_values(&values(&[(name, "x")]), &attrs).unwrap_err(),
                ComposeError::BadValueName {
                    name: name.into(),
                    reason
                }
            );
        }
        assert_eq!(
            check_values(&values(&[("考试时间", " ")]), &attrs).unwrap_err().code(),
            "compose_empty_value"
        );
    }
}
