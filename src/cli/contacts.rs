//! `herald contacts …` and `herald demo …`.

use super::args::{ContactsCmd, DemoCmd};
use super::output::{cut, emit, or_dash};
use crate::model::{ContactQuery, NewContact};
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
    }
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
