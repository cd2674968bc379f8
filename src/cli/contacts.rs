//! `herald contacts …` and `herald demo …`.

use anyhow::{bail, Context};

use super::args::{ContactEditArgs, ContactsCmd, DemoCmd, UnsubscribeArgs};
use super::output::{cut, emit, or_dash};
use crate::model::{AddressEdit, ContactDetail, ContactEdit, ContactQuery, NewContact};
use crate::App;

pub async fn run(app: &App, cmd: ContactsCmd, json: bool) -> anyhow::Result<()> {
    match cmd {
        ContactsCmd::Add(a) => {
            let c = app
                .add_contact(NewContact {
                    name: a.name,
                    external_id: a.external_id,
                    email: a.email,
                    mobile: a.mobile,
                    role: a.role,
                    department: a.department,
                    class_name: a.class_name,
                    grade: a.grade,
                })
                .await?;
            emit(json, &c, || println!("added contact {} ({})", c.id, c.name))
        }
        ContactsCmd::List(a) => {
            let page = app
                .list_contacts(ContactQuery {
                    search: a.search,
                    department: a.department,
                    grade: a.grade,
                    class_name: a.class_name,
                    role: a.role,
                    tag: a.tag,
                    language: a.language,
                    sort: a.sort,
                    descending: Some(a.desc),
                    limit: Some(a.limit),
                    offset: Some(a.offset),
                })
                .await?;
            emit(json, &page, || {
                println!(
                    "{:>6}  {:<12}  {:<12}  {:<30}  {:<16}",
                    "ID", "NAME", "EXTERNAL ID", "E-MAIL", "MOBILE"
                );
                for c in &page.items {
                    println!(
                        "{:>6}  {:<12}  {:<12}  {:<30}  {:<16}",
                        c.id,
                        cut(&c.name, 12),
                        or_dash(&c.external_id),
                        or_dash(&c.email),
                        or_dash(&c.mobile)
                    );
                }
                println!("{} of {} contacts", page.items.len(), page.total);
            })
        }
        ContactsCmd::Import(a) => super::import::run(app, a, json).await,
        ContactsCmd::Export(a) => {
            let n = app.export_contacts(&a.file).await?;
            emit(json, &serde_json::json!({"file": a.file, "contacts": n}), || {
                println!("wrote {n} contacts to {}", a.file.display())
            })
        }
        ContactsCmd::Show { contact } => {
            let c = app.find_contact(&contact).await?;
            emit(json, &c, || print_detail(&c))
        }
        ContactsCmd::Edit(a) => {
            let before = app.find_contact(&a.contact).await?;
            let edit = apply(&before, *a)?;
            let r = app.update_contact(before.id, edit).await?;
            emit(json, &r, || {
                if r.changed.is_empty() {
                    println!("nothing to change for {} ({})", r.contact.name, r.contact.id);
                } else {
                    println!(
                        "changed {} of {} ({})",
                        r.changed.join(", "),
                        r.contact.name,
                        r.contact.id
                    );
                }
            })
        }
        ContactsCmd::Delete { contacts } => {
            let mut ids = Vec::with_capacity(contacts.len());
            for key in &contacts {
                ids.push(app.find_contact(key).await?.id);
            }
            let n = app.delete_contacts(&ids).await?;
            emit(json, &serde_json::json!({"deleted": n}), || {
                println!("deleted {n} contacts")
            })
        }
        ContactsCmd::Unsubscribe(a) => unsubscribe(app, a, json).await,
        ContactsCmd::LinkIds { channel, dry_run } => {
            let r = app.link_ids(&channel, dry_run).await?;
            emit(json, &r, || {
                for c in &r.contacts {
                    match (&c.id, &c.error) {
                        (Some(id), _) => println!("found    {} → {id}", c.name),
                        (None, Some(e)) => println!("failed   {}: {e}", c.name),
                        (None, None) => println!("no match {}", c.name),
                    }
                }
                let what = if r.dry_run {
                    "nothing stored (dry run)".to_owned()
                } else {
                    format!("{} stored", r.stored)
                };
                println!(
                    "{} of {} found by mobile through {} ({} not found, {} failed); {what}",
                    r.found,
                    r.contacts.len(),
                    r.channel,
                    r.not_found,
                    r.failed
                );
            })?;
            if r.failed > 0 {
                return Err(anyhow::anyhow!("{} lookups failed: see the reasons above", r.failed));
            }
            Ok(())
        }
    }
}

async fn unsubscribe(app: &App, a: UnsubscribeArgs, json: bool) -> anyhow::Result<()> {
    let text = match (&a.from_file, a.addresses.is_empty()) {
        (Some(path), _) => {
            let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            String::from_utf8_lossy(&bytes).into_owned()
        }
        (None, false) => a.addresses.join("\n"),
        (None, true) => std::io::read_to_string(std::io::stdin()).context("cannot read standard input")?,
    };
    let r = app.record_unsubscribes(&text, !a.dry_run).await?;
    if r.matched.is_empty() && r.unknown.is_empty() {
        bail!("no e-mail address found in what was given");
    }
    emit(json, &r, || {
        for m in &r.matched {
            let state = if m.already {
                "already opted out"
            } else if r.applied {
                "opted out"
            } else {
                "would be opted out"
            };
            println!(
                "{:<32}{}  {}  {state}",
                m.address,
                cut(&m.name, 12),
                or_dash(&m.external_id)
            );
        }
        for address in &r.unknown {
            println!("{address:<32}no contact has this address");
        }
        for address in &r.own {
            println!("{address:<32}Herald's own sending address: left alone");
        }
        if r.applied {
            println!("{} contacts opted out of e-mail", r.opted_out);
        } else {
            let n = r.matched.iter().filter(|m| !m.already).count();
            println!("dry run: {n} contacts would be opted out of e-mail");
        }
    })
}

/// `--field ""` clears a field; a value sets it.
fn text(new: Option<String>, old: &Option<String>) -> Option<String> {
    match new {
        Some(v) if v.trim().is_empty() => None,
        Some(v) => Some(v),
        None => old.clone(),
    }
}

/// Splits `KEY=VALUE`.
fn pair<'a>(flag: &str, s: &'a str) -> anyhow::Result<(&'a str, &'a str)> {
    s.split_once('=')
        .with_context(|| format!("--{flag} {s}: write it as KEY=VALUE"))
}

/// Sets (or with `None` removes) one address kind.
fn set_address(addresses: &mut Vec<AddressEdit>, kind: &str, value: Option<String>) {
    addresses.retain(|a| a.kind != kind);
    if let Some(address) = value.filter(|v| !v.trim().is_empty()) {
        addresses.push(AddressEdit {
            kind: kind.to_owned(),
            address,
            mark_valid: None,
        });
    }
}

/// Channel kinds of a receiving-method word, or a usage error.
fn kinds(flag: &str, word: &str) -> anyhow::Result<Vec<&'static str>> {
    match App::receiving_kinds(word.trim()) {
        Some(k) => Ok(k),
        None => {
            bail!("--{flag} {word}: not a receiving method; use email, sms, wecom, dingtalk, feishu or a channel kind")
        }
    }
}

/// The contact as it is, with the flags' changes.
fn apply(before: &ContactDetail, a: ContactEditArgs) -> anyhow::Result<ContactEdit> {
    let mut e = before.to_edit();
    if let Some(name) = a.name {
        e.name = name;
    }
    e.external_id = text(a.external_id, &e.external_id);
    e.department = text(a.department, &e.department);
    e.class_name = text(a.class_name, &e.class_name);
    e.grade = text(a.grade, &e.grade);
    e.role = text(a.role, &e.role);
    if let Some(language) = a.language {
        e.language = language;
    }
    if a.no_email {
        set_address(&mut e.addresses, "email", None);
    } else if a.email.is_some() {
        set_address(&mut e.addresses, "email", a.email);
    }
    if a.no_mobile {
        set_address(&mut e.addresses, "mobile", None);
    } else if a.mobile.is_some() {
        set_address(&mut e.addresses, "mobile", a.mobile);
    }
    for kv in &a.address {
        let (kind, value) = pair("address", kv)?;
        set_address(&mut e.addresses, kind.trim(), Some(value.to_owned()));
    }
    for kind in &a.clear_invalid {
        match e.addresses.iter_mut().find(|x| x.kind == kind.trim()) {
            Some(x) => x.mark_valid = Some(true),
            None => bail!("--clear-invalid {kind}: this contact has no {kind} address"),
        }
    }
    for t in &a.tag {
        if let Some(tag) = t.strip_prefix('-') {
            e.tags.retain(|x| x != tag.trim());
        } else {
            e.tags.push(t.strip_prefix('+').unwrap_or(t).to_owned());
        }
    }
    if let Some(list) = &a.prefer {
        e.preferred = list.split(',').map(str::to_owned).collect();
    }
    for word in &a.opt_out {
        for k in kinds("opt-out", word)? {
            if !e.opted_out.iter().any(|o| o == k) {
                e.opted_out.push(k.to_owned());
            }
        }
    }
    for word in &a.opt_in {
        let k = kinds("opt-in", word)?;
        e.opted_out.retain(|o| !k.contains(&o.as_str()));
    }
    for kv in &a.attr {
        let (key, value) = pair("attr", kv)?;
        e.attributes.insert(key.trim().to_owned(), value.to_owned());
    }
    Ok(e)
}

fn print_detail(c: &ContactDetail) {
    let line = |label: &str, v: &Option<String>| println!("{label:<12}{}", or_dash(v));
    println!("{:<12}{}", "id", c.id);
    println!("{:<12}{}", "name", c.name);
    line("external id", &c.external_id);
    line("role", &c.role);
    line("department", &c.department);
    line("class", &c.class_name);
    line("grade", &c.grade);
    println!("{:<12}{}", "language", c.language);
    println!("addresses");
    if c.addresses.is_empty() {
        println!("  -");
    }
    for a in &c.addresses {
        let mark = if a.invalid {
            format!(
                "  INVALID: {}",
                a.invalid_reason.as_deref().unwrap_or("refused by the provider")
            )
        } else {
            String::new()
        };
        println!("  {:<10}{}{mark}", a.kind, a.address);
    }
    let list = |v: &[String]| if v.is_empty() { "-".to_owned() } else { v.join(", ") };
    println!("{:<12}{}", "prefers", list(&c.preferred));
    println!("{:<12}{}", "opted out", list(&c.opted_out));
    println!("{:<12}{}", "tags", list(&c.tags));
    if !c.attributes.is_empty() {
        println!("attributes");
        for (k, v) in &c.attributes {
            println!("  {k} = {v}");
        }
    }
    println!("{:<12}{}", "updated", c.updated_at);
}

pub async fn run_demo(app: &App, cmd: DemoCmd, json: bool) -> anyhow::Result<()> {
    match cmd {
        DemoCmd::Load => {
            let r = app.load_demo().await?;
            emit(json, &r, || {
                println!(
                    "added {} demo contacts ({} were already there)",
                    r.added, r.already_present
                )
            })
        }
    }
}
