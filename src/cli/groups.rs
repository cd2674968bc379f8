//! `herald groups …` and `herald audience …`.

use std::io::Read;

use super::args::{AudienceCmd, GroupMembersArgs, GroupsCmd};
use super::output::{cut, emit, or_dash};
use crate::audience::{rule, GroupRef};
use crate::model::{ContactQuery, Group, GroupKind, MembersChange, NewGroup, UpdateGroup};
use crate::App;

/// `#12` is a group id, anything else a name.
fn group_ref(text: &str) -> GroupRef {
    match text.strip_prefix('#').and_then(|id| id.parse().ok()) {
        Some(id) => GroupRef::Id(id),
        None => GroupRef::Name(text.to_owned()),
    }
}

fn kind_word(kind: GroupKind) -> &'static str {
    match kind {
        GroupKind::Static => "static",
        GroupKind::Rule => "segment",
    }
}

fn print_group(g: &Group) {
    println!(
        "group #{} {} ({}): {} people",
        g.id,
        g.name,
        kind_word(g.kind),
        g.members
    );
    if let Some(d) = &g.description {
        println!("  {d}");
    }
    if let Some(rule) = &g.rule_text {
        println!("  rule: {rule}");
    }
}

/// The 学号/工号 of a members command: its arguments, then its file (or standard input).
fn members_text(a: &GroupMembersArgs) -> anyhow::Result<String> {
    let mut text = a.external_ids.join("\n");
    if let Some(file) = &a.file {
        let mut content = String::new();
        if file.as_os_str() == "-" {
            std::io::stdin().read_to_string(&mut content)?;
        } else {
            content =
                std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
        }
        text.push('\n');
        text.push_str(&content);
    }
    Ok(text)
}

fn print_change(verb: &str, not: &str, c: &MembersChange) {
    println!("{verb} {} ({} {not})", c.changed, c.unchanged);
    if !c.unknown.is_empty() {
        println!("no contact has these 学号/工号: {}", c.unknown.join(", "));
    }
}

pub async fn run(app: &App, cmd: GroupsCmd, json: bool) -> anyhow::Result<()> {
    match cmd {
        GroupsCmd::List => {
            let groups = app.list_groups().await?;
            emit(json, &groups, || {
                println!("{:>5}  {:<20}  {:<8}  {:>7}  RULE", "ID", "NAME", "KIND", "PEOPLE");
                for g in &groups {
                    println!(
                        "{:>5}  {:<20}  {:<8}  {:>7}  {}",
                        g.id,
                        cut(&g.name, 20),
                        kind_word(g.kind),
                        g.members,
                        g.rule_text.as_deref().unwrap_or("-")
                    );
                }
            })
        }
        GroupsCmd::Show(a) => {
            let group = app.group(&group_ref(&a.group)).await?;
            let members = if a.members {
                let query = ContactQuery {
                    limit: Some(a.limit),
                    ..Default::default()
                };
                Some(app.group_members(group.id, query).await?)
            } else {
                None
            };
            emit(json, &serde_json::json!({"group": group, "members": members}), || {
                print_group(&group);
                if let Some(page) = &members {
                    for c in &page.items {
                        println!("  {:>6}  {:<12}  {}", c.id, cut(&c.name, 12), or_dash(&c.external_id));
                    }
                    println!("  {} of {} people", page.items.len(), page.total);
                }
            })
        }
        GroupsCmd::Create(a) => {
            let rule = a
                .rule
                .as_deref()
                .map(rule::parse)
                .transpose()
                .map_err(crate::Error::from)?;
            let group = app
                .create_group(NewGroup {
                    name: a.name,
                    description: a.description,
                    rule,
                })
                .await?;
            emit(json, &group, || print_group(&group))
        }
        GroupsCmd::Edit(a) => {
            let id = app.group(&group_ref(&a.group)).await?.id;
            let rule = a
                .rule
                .as_deref()
                .map(rule::parse)
                .transpose()
                .map_err(crate::Error::from)?;
            let group = app
                .update_group(
                    id,
                    UpdateGroup {
                        name: a.name,
                        description: a.description,
                        rule,
                    },
                )
                .await?;
            emit(json, &group, || print_group(&group))
        }
        GroupsCmd::Delete(a) => {
            let group = app.group(&group_ref(&a.group)).await?;
            app.delete_group(group.id).await?;
            emit(json, &serde_json::json!({"deleted": group.id}), || {
                println!("deleted group #{} {}", group.id, group.name)
            })
        }
        GroupsCmd::Add(a) => {
            let id = app.group(&group_ref(&a.group)).await?.id;
            let change = app.add_group_members_by_external_ids(id, &members_text(&a)?).await?;
            emit(json, &change, || print_change("added", "were already members", &change))
        }
        GroupsCmd::Remove(a) => {
            let id = app.group(&group_ref(&a.group)).await?.id;
            let change = app.remove_group_members_by_external_ids(id, &members_text(&a)?).await?;
            emit(json, &change, || print_change("removed", "were not members", &change))
        }
    }
}

pub async fn run_audience(app: &App, cmd: AudienceCmd, json: bool) -> anyhow::Result<()> {
    match cmd {
        AudienceCmd::Preview(a) => {
            let mut ids = Vec::new();
            for name in &a.channels {
                ids.push(app.channel_by_name(name).await?.id);
            }
            let p = app.preview_audience(&a.spec, &ids).await?;
            emit(json, &p, || {
                println!("{}: {} people", p.description, p.people);
                for c in &p.channels {
                    println!(
                        "  {:<16} reachable {:>6}  no address {:>6}  invalid address {:>6}  opted out {:>6}",
                        cut(&c.channel_name, 16),
                        c.reachable,
                        c.no_address,
                        c.invalid_address,
                        c.opted_out
                    );
                    match c.mentions {
                        Some(n) if c.mentions_refused => println!(
                            "  {:<16} @-mentions {n} people: more than one group message mentions ({}), so it will be refused",
                            "",
                            c.mention_limit
                        ),
                        Some(n) => println!("  {:<16} @-mentions {n} people", ""),
                        None => {}
                    }
                }
                if !p.channels.is_empty() {
                    println!("  reached by none of these channels: {}", p.unreachable);
                }
                if !p.sample.is_empty() {
                    let names: Vec<&str> = p.sample.iter().map(|c| c.name.as_str()).collect();
                    println!("  e.g. {}", names.join(", "));
                }
            })
        }
    }
}
