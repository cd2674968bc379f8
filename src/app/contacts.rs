//! Contacts: adding one, listing with filters and facets, one contact's detail, editing it
//! (checked as imports check: e-mail syntax, mobiles to E.164, receiving methods by name) and
//! deleting. Edits and deletions are audited with the names of what changed, never addresses.

use std::collections::BTreeMap;

use super::{one_line, trimmed, App};
use crate::import::email::normalise_email;
use crate::import::phone::{normalise_mobile, PhoneProblem};
use crate::import::validate::channel_kinds;
use crate::model::*;
use crate::{Error, Result};

/// The interface languages a contact can be given by hand.
const LANGUAGES: [&str; 2] = ["zh-CN", "en"];

/// An edit's field was refused: the message starts with the field's name.
fn invalid(field: &str, message: impl std::fmt::Display) -> Error {
    Error::Invalid(format!("{field}: {message}"))
}

/// Channel kinds from kinds or receiving-method words (`email`, `短信`, `wecom_app`…), in
/// order, each once.
fn channel_list(field: &str, items: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for item in items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let kinds = App::receiving_kinds(item).ok_or_else(|| {
            invalid(
                field,
                format!(
                    "{item} is not a receiving method Herald knows (email, sms, wecom, dingtalk, feishu, \
                     or a channel kind such as aliyun_sms)"
                ),
            )
        })?;
        for k in kinds {
            if !out.iter().any(|o| o == k) {
                out.push(k.to_owned());
            }
        }
    }
    Ok(out)
}

/// One address, cleaned as imports clean it.
fn address(kind: &str, raw: &str) -> Result<String> {
    let field = format!("addresses.{kind}");
    match kind {
        "email" => normalise_email(raw).ok_or_else(|| invalid(&field, format!("{raw} is not a valid e-mail address"))),
        "mobile" => normalise_mobile(raw).map_err(|p| {
            let why = match p {
                PhoneProblem::ExcelFloat => "looks like a number Excel rounded; type the digits again",
                PhoneProblem::Invalid => "is not a phone number",
                PhoneProblem::NotMobile => "is not a mobile number (a landline cannot receive SMS)",
            };
            invalid(&field, format!("{raw} {why}"))
        }),
        _ if raw.chars().any(char::is_whitespace) => Err(invalid(&field, format!("{raw} contains spaces"))),
        _ => Ok(raw.to_owned()),
    }
}

/// `edit` checked and normalised against the contact as it is (`before`).
fn check_edit(before: &ContactDetail, edit: ContactEdit) -> Result<ContactEdit> {
    let name = crate::text::single_line(&edit.name);
    if name.is_empty() {
        return Err(invalid("name", "the name is empty"));
    }
    let language = edit.language.trim().to_owned();
    if language != before.language && !LANGUAGES.contains(&language.as_str()) {
        return Err(invalid(
            "language",
            format!("{language} is not a language Herald knows: use zh-CN or en"),
        ));
    }
    let mut addresses: Vec<AddressEdit> = Vec::new();
    for a in edit.addresses {
        let kind = a.kind.trim().to_owned();
        if !ADDRESS_KINDS.contains(&kind.as_str()) {
            return Err(invalid(
                "addresses",
                format!("{kind} is not an address kind; use {}", ADDRESS_KINDS.join(", ")),
            ));
        }
        if addresses.iter().any(|b| b.kind == kind) {
            return Err(invalid("addresses", format!("{kind} is given twice")));
        }
        let raw = a.address.trim();
        // A blank address removes that kind, as a blank cell does in an import.
        if raw.is_empty() {
            continue;
        }
        // An address as it is stored is kept as it is: one saved before today's checks (or by
        // `add_contact`, which does not normalise) must not count as changed, which would clear
        // its invalid mark, nor block an edit of something else.
        let stored = before.addresses.iter().any(|b| b.kind == kind && b.address == raw);
        addresses.push(AddressEdit {
            address: if stored { raw.to_owned() } else { address(&kind, raw)? },
            kind,
            mark_valid: a.mark_valid,
        });
    }
    let mut attributes = BTreeMap::new();
    for (key, value) in edit.attributes {
        let key = key.trim().to_owned();
        let value = value.trim().to_owned();
        if key.is_empty() {
            if value.is_empty() {
                continue;
            }
            return Err(invalid("attributes", format!("the value {value} has no name")));
        }
        // A field's Chinese name (姓名, 班级) too: templates would read the field under it.
        if crate::compose::variables::is_reserved(&key) {
            return Err(invalid(
                "attributes",
                format!("{key} is a standard field of every contact; give the attribute another name"),
            ));
        }
        // A blank value removes the attribute, as a blank cell does in an import.
        if !value.is_empty() {
            attributes.insert(key, value);
        }
    }
    let mut tags: Vec<String> = Vec::new();
    for t in edit.tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if !tags.iter().any(|o| o == t) {
            tags.push(t.to_owned());
        }
    }
    tags.sort();
    Ok(ContactEdit {
        updated_at: edit.updated_at,
        name,
        external_id: one_line(edit.external_id),
        role: one_line(edit.role),
        department: one_line(edit.department),
        class_name: one_line(edit.class_name),
        grade: one_line(edit.grade),
        language,
        attributes,
        addresses,
        preferred: channel_list("preferred", &edit.preferred)?,
        opted_out: channel_list("optedOut", &edit.opted_out)?,
        tags,
    })
}

impl App {
    /// The channel kinds a word names: a kind itself (`aliyun_sms`), a receiving method as
    /// imports read it (`email`, `短信`, `wecom`…), or the address kind `mobile` (SMS).
    pub fn receiving_kinds(word: &str) -> Option<Vec<&'static str>> {
        if let Some(k) = crate::channels::kind_named(word) {
            return Some(vec![k.as_str()]);
        }
        let method = if matches!(word, "mobile" | "手机") {
            "sms"
        } else {
            word
        };
        let kinds = channel_kinds(method)?;
        // A kind not made yet (`aliyun_sms`) named exactly is that kind alone.
        match kinds.iter().find(|k| **k == word) {
            Some(exact) => Some(vec![*exact]),
            None => Some(kinds.to_vec()),
        }
    }

    /// Adds a contact after checking its fields.
    pub async fn add_contact(&self, input: NewContact) -> Result<Contact> {
        // Names go into mail headers: a line break in one must not reach them.
        let name = crate::text::single_line(&input.name);
        if name.is_empty() {
            return Err(Error::Invalid("the contact's name is empty".into()));
        }
        let email = trimmed(input.email).map(|e| e.to_lowercase());
        if let Some(e) = &email {
            let ok = e.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
            });
            if !ok || e.chars().any(char::is_whitespace) {
                return Err(Error::Invalid(format!("the e-mail address {e} is not valid")));
            }
        }
        let mobile = trimmed(input.mobile).map(|m| m.chars().filter(|c| !matches!(c, ' ' | '-')).collect::<String>());
        if let Some(m) = &mobile {
            let digits = m.strip_prefix('+').unwrap_or(m);
            if digits.len() < 5 || !digits.chars().all(|c| c.is_ascii_digit()) {
                return Err(Error::Invalid(format!("the mobile number {m} is not valid")));
            }
        }
        let c = NewContact {
            name,
            external_id: one_line(input.external_id),
            email,
            mobile,
            role: one_line(input.role),
            department: one_line(input.department),
            class_name: one_line(input.class_name),
            grade: one_line(input.grade),
        };
        let contact = self
            .audited("contact.add", "contact", None, serde_json::json!({"name": c.name}))
            .insert_contact(&c)
            .await?;
        Ok(contact)
    }

    /// A page of contacts, filtered and sorted.
    pub async fn list_contacts(&self, query: ContactQuery) -> Result<ContactPage> {
        Ok(self.store.list_contacts(&query).await?)
    }

    /// The values the contacts screen can filter by, with counts.
    pub async fn contact_facets(&self) -> Result<ContactFacets> {
        Ok(self.store.contact_facets().await?)
    }

    /// Everything about one contact.
    pub async fn contact_detail(&self, id: i64) -> Result<ContactDetail> {
        Ok(self.store.contact_detail(id).await?)
    }

    /// The contact a person names on the command line: an external id (学号/工号) first, since
    /// those are often digits too; then a row id, written `12` or `#12`.
    pub async fn find_contact(&self, key: &str) -> Result<ContactDetail> {
        let key = key.trim();
        if let Some(c) = self.store.find_contact_by_external_id(key).await? {
            return self.contact_detail(c.id).await;
        }
        match key.strip_prefix('#').unwrap_or(key).parse::<i64>() {
            Ok(id) => self.contact_detail(id).await,
            Err(_) => Err(Error::Invalid(format!(
                "no contact has the external id {key} (a contact's number id may be given as #ID)"
            ))),
        }
    }

    /// Changes a contact to what `edit` says, if nobody changed it since `edit.updated_at`
    /// (otherwise a `conflict` telling the user to reload). Audited as `contact.edit` with the
    /// names of the fields changed; an edit that changes nothing writes nothing.
    pub async fn update_contact(&self, id: i64, edit: ContactEdit) -> Result<ContactEditResult> {
        let before = self.store.contact_detail(id).await?;
        let edit = check_edit(&before, edit)?;
        let changed = self
            .audited("contact.edit", "contact", Some(id), serde_json::json!({}))
            .update_contact(id, &edit)
            .await?;
        Ok(ContactEditResult {
            contact: self.store.contact_detail(id).await?,
            changed,
        })
    }

    /// Deletes contacts; returns how many. Refused as a whole (`conflict`, saying how many) when
    /// any of them has been sent a notice: the sending history keeps who it went to.
    pub async fn delete_contacts(&self, ids: &[i64]) -> Result<u64> {
        if ids.is_empty() {
            return Err(Error::Invalid("choose at least one contact to delete".into()));
        }
        let deleted = self
            .audited("contact.delete", "contact", None, serde_json::json!({ "ids": ids }))
            .delete_contacts(ids)
            .await?;
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{AddressEdit, ContactUpsert};
    use crate::{App, AppConfig, Error};

    async fn app_with_one() -> (tempfile::TempDir, App, i64) {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(AppConfig {
            data_dir: dir.path().to_owned(),
            face: "cli".into(),
        })
        .await
        .unwrap();
        let row = ContactUpsert {
            external_id: Some("2024001".into()),
            name: "王小明".into(),
            addresses: vec![("mobile", Some("+8613800000001".into()))],
            ..Default::default()
        };
        app.store.upsert_contacts(&[row], false).await.unwrap();
        let id = app.find_contact("2024001").await.unwrap().id;
        (dir, app, id)
    }

    #[tokio::test]
    async fn an_edit_is_checked_like_an_import_and_errors_name_the_field() {
        let (_d, app, id) = app_with_one().await;
        let d = app.contact_detail(id).await.unwrap();
        let mut e = d.to_edit();
        e.addresses.push(AddressEdit {
            kind: "email".into(),
            address: "not-an-address".into(),
            mark_valid: None,
        });
        let err = app.update_contact(id, e).await.unwrap_err();
        assert!(
            matches!(err, Error::Invalid(ref m) if m.starts_with("addresses.email:")),
            "{err}"
        );
        let mut e = d.to_edit();
        e.addresses[0].address = "010 6275 1234".into();
        let err = app.update_contact(id, e).await.unwrap_err();
        assert!(matches!(err, Error::Invalid(ref m) if m.contains("landline")), "{err}");
        let mut e = d.to_edit();
        e.language = "fr".into();
        assert!(app
            .update_contact(id, e)
            .await
            .unwrap_err()
            .to_string()
            .starts_with("language:"));
        let mut e = d.to_edit();
        e.preferred = vec!["pigeon".into()];
        assert!(app
            .update_contact(id, e)
            .await
            .unwrap_err()
            .to_string()
            .starts_with("preferred:"));
        let mut e = d.to_edit();
        e.attributes.insert("name".into(), "x".into());
        assert!(app
            .update_contact(id, e)
            .await
            .unwrap_err()
            .to_string()
            .starts_with("attributes:"));
        let mut e = d.to_edit();
        e.name = "  ".into();
        assert!(app
            .update_contact(id, e)
            .await
            .unwrap_err()
            .to_string()
            .starts_with("name:"));
    }

    #[tokio::test]
    async fn an_edit_normalises_and_is_audited_without_addresses() {
        let (_d, app, id) = app_with_one().await;
        let d = app.contact_detail(id).await.unwrap();
        let mut e = d.to_edit();
        e.addresses[0].address = "139 1234 5678".into();
        e.addresses.push(AddressEdit {
            kind: "email".into(),
            address: " WXM＠Example.edu.cn ".into(),
            mark_valid: None,
        });
        e.preferred = vec!["邮件".into(), "sms".into(), "smtp".into()];
        e.tags = vec!["班干部".into(), " 住校".into(), "班干部".into()];
        e.department = Some(" 计算机学院 ".into());
        let r = app.update_contact(id, e).await.unwrap();
        assert_eq!(
            r.changed,
            ["department", "addresses.mobile", "addresses.email", "preferred", "tags"]
        );
        let c = &r.contact;
        assert_eq!(c.department.as_deref(), Some("计算机学院"));
        assert_eq!(c.addresses[0].address, "wxm@example.edu.cn");
        assert_eq!(c.addresses[1].address, "+8613912345678");
        assert_eq!(c.preferred, ["smtp", "aliyun_sms", "tencent_sms", "twilio"]);
        assert_eq!(c.tags, ["住校", "班干部"]);

        let audit = app.store.list_audit().await.unwrap();
        let edit = audit.iter().find(|a| a.action == "contact.edit").expect("audited");
        let detail = edit.detail.to_string();
        assert!(detail.contains("addresses.mobile"), "{detail}");
        assert!(!detail.contains("13912345678") && !detail.contains("wxm@"), "{detail}");

        // The same again changes nothing and is not audited a second time.
        let again = app.update_contact(id, r.contact.to_edit()).await.unwrap();
        assert!(again.changed.is_empty());
        let edits = app.store.list_audit().await.unwrap();
        assert_eq!(edits.iter().filter(|a| a.action == "contact.edit").count(), 1);
    }

    #[tokio::test]
    async fn an_address_stored_before_the_checks_is_kept_as_it_is() {
        let (_d, app, _) = app_with_one().await;
        let c = app
            .add_contact(crate::model::NewContact {
                name: "李雷".into(),
                mobile: Some("13800001001".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        let mut e = app.contact_detail(c.id).await.unwrap().to_edit();
        e.department = Some("农学院".into());
        let r = app.update_contact(c.id, e).await.unwrap();
        assert_eq!(r.changed, ["department"]);
        assert_eq!(r.contact.addresses[0].address, "13800001001");
    }

    #[tokio::test]
    async fn a_contact_is_found_by_external_id_before_row_id() {
        let (_d, app, id) = app_with_one().await;
        assert_eq!(app.find_contact(&format!("#{id}")).await.unwrap().name, "王小明");
        assert_eq!(app.find_contact(&id.to_string()).await.unwrap().id, id);
        assert!(app.find_contact("nobody").await.is_err());
        assert_eq!(app.delete_contacts(&[id]).await.unwrap(), 1);
        let audit = app.store.list_audit().await.unwrap();
        assert!(audit.iter().any(|a| a.action == "contact.delete"));
    }
}
