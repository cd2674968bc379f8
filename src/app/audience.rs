//! Groups, rule segments and audience previews: what the Groups screen, the audience picker in
//! Compose and `herald groups` / `herald audience` offer.

use std::collections::HashSet;

use crate::audience::{rule, Audience, AudienceError, GroupRef, Groups, Item};
use crate::channels::address_kind;
use crate::model::{
    AudiencePreview, ChannelReach, ContactPage, ContactQuery, Group, GroupKind, MembersChange, NewGroup, Rule,
    UpdateGroup,
};
use crate::store::{AudienceFilter, GroupRow};
use crate::{Error, Result};

use super::App;

/// How many people an audience preview names.
const SAMPLE: i64 = 5;

impl App {
    /// Every group and segment with its size now.
    pub async fn list_groups(&self) -> Result<Vec<Group>> {
        let groups = Groups::load(&self.store).await?;
        let mut out = Vec::new();
        for row in self.store.list_group_rows().await? {
            out.push(self.group_view(&groups, row).await?);
        }
        Ok(out)
    }

    /// One group or segment, by id or name.
    pub async fn group(&self, r: &GroupRef) -> Result<Group> {
        let groups = Groups::load(&self.store).await?;
        let row = groups.get(r)?.clone();
        self.group_view(&groups, row).await
    }

    async fn group_view(&self, groups: &Groups, row: GroupRow) -> Result<Group> {
        let members = self
            .store
            .count_audience(&groups.audience_filter(&Audience {
                include: vec![Item::Group(GroupRef::Id(row.id))],
                exclude: Vec::new(),
            })?)
            .await?;
        Ok(Group {
            id: row.id,
            rule_text: row.rule.as_ref().map(rule::to_text),
            name: row.name,
            kind: row.kind,
            description: row.description,
            rule: row.rule,
            members,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }

    /// Creates a static group, or a segment when the input has a rule.
    pub async fn create_group(&self, input: NewGroup) -> Result<Group> {
        let name = check_name(&input.name)?;
        let rule = input.rule.as_ref().map(rule::normalize).transpose()?;
        if let Some(rule) = &rule {
            // Checked against the groups as they are: named groups exist, no circle.
            Groups::load(&self.store).await?.rule_filter(rule, &mut Vec::new())?;
        }
        let description = input.description.as_deref().map(str::trim).filter(|d| !d.is_empty());
        let kind = if rule.is_some() { "rule" } else { "static" };
        let row = self
            .audited(
                "group.create",
                "group",
                None,
                serde_json::json!({"name": name, "kind": kind}),
            )
            .insert_group(&name, description, rule.as_ref())
            .await?;
        self.group(&GroupRef::Id(row.id)).await
    }

    /// Renames, describes or changes a segment's rule. A rename also rewrites the rules of
    /// segments that use the group by name, in the same transaction.
    pub async fn update_group(&self, id: i64, input: UpdateGroup) -> Result<Group> {
        let mut groups = Groups::load(&self.store).await?;
        let mut row = groups.get(&GroupRef::Id(id))?.clone();
        let mut changed = Vec::new();
        let mut others = Vec::new();
        if let Some(name) = &input.name {
            let name = check_name(name)?;
            if name != row.name {
                for other in self.store.list_group_rows().await? {
                    if let Some(r) = &other.rule {
                        let renamed = rename_in_rule(r, &row.name, &name);
                        if renamed != *r {
                            others.push((other.id, renamed));
                        }
                    }
                }
                if let Some(r) = &row.rule {
                    row.rule = Some(rename_in_rule(r, &row.name, &name));
                }
                row.name = name;
                changed.push("name");
            }
        }
        if let Some(description) = &input.description {
            let d = description.trim();
            row.description = (!d.is_empty()).then(|| d.to_owned());
            changed.push("description");
        }
        if let Some(rule) = &input.rule {
            if row.kind == GroupKind::Static {
                return Err(Error::Invalid(format!(
                    "{} is a static group: its members are listed, not chosen by a rule; create a segment instead",
                    row.name
                )));
            }
            let rule = rule::normalize(rule)?;
            // The new rule is checked with this group already changed, so a rule that would
            // make it use itself is caught.
            row.rule = Some(rule.clone());
            groups = Groups::load(&self.store).await?;
            groups.rule_filter(&rule, &mut vec![row.id])?;
            changed.push("rule");
        }
        self.audited(
            "group.update",
            "group",
            Some(id),
            serde_json::json!({"name": row.name, "changed": changed}),
        )
        .update_group(&row, &others)
        .await?;
        self.group(&GroupRef::Id(id)).await
    }

    /// Deletes a group or segment, unless a notice still to be sent or another segment uses
    /// it (they are named, so the user knows what to change first).
    pub async fn delete_group(&self, id: i64) -> Result<()> {
        let groups = Groups::load(&self.store).await?;
        let row = groups.get(&GroupRef::Id(id))?.clone();
        let mut users = Vec::new();
        for (notice_id, title, spec) in self.store.pending_notice_audiences().await? {
            let Ok(audience) = Audience::parse(&spec) else { continue };
            let uses = audience.include.iter().chain(&audience.exclude).any(|i| match i {
                Item::Group(r) => groups.get(r).is_ok_and(|g| g.id == id),
                Item::Rule(r) => rule_names_group(r, &row.name),
                _ => false,
            });
            if uses {
                users.push(format!("notice {notice_id} 「{title}」"));
            }
        }
        for other in self.store.list_group_rows().await? {
            if other.id != id && other.rule.as_ref().is_some_and(|r| rule_names_group(r, &row.name)) {
                users.push(format!("segment 「{}」", other.name));
            }
        }
        if !users.is_empty() {
            return Err(Error::Invalid(format!(
                "{} is still used by {}: change those first",
                row.name,
                users.join(", ")
            )));
        }
        self.audited("group.delete", "group", Some(id), serde_json::json!({"name": row.name}))
            .delete_group(id)
            .await?;
        Ok(())
    }

    /// A static group's members, or the people a segment matches now, by name.
    pub async fn group_members(&self, id: i64, query: ContactQuery) -> Result<ContactPage> {
        let groups = Groups::load(&self.store).await?;
        let filter = groups.audience_filter(&Audience {
            include: vec![Item::Group(GroupRef::Id(id))],
            exclude: Vec::new(),
        })?;
        self.audience_contacts(&filter, &query).await
    }

    async fn audience_contacts(&self, filter: &AudienceFilter, query: &ContactQuery) -> Result<ContactPage> {
        let limit = i64::from(query.limit.unwrap_or(50).clamp(1, 1000));
        let offset = i64::from(query.offset.unwrap_or(0));
        let (ids, total) = self
            .store
            .audience_page(filter, query.search.as_deref(), limit, offset)
            .await?;
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            items.push(self.store.get_contact(id).await?);
        }
        Ok(ContactPage { items, total })
    }

    async fn static_group(&self, id: i64) -> Result<GroupRow> {
        let row = self.store.get_group_row(id).await?;
        if row.kind != GroupKind::Static {
            return Err(Error::Invalid(format!(
                "{} is a segment: its rule decides who is in it; edit the rule instead",
                row.name
            )));
        }
        Ok(row)
    }

    /// Adds contacts to a static group.
    pub async fn add_group_members(&self, id: i64, contact_ids: &[i64]) -> Result<MembersChange> {
        let row = self.static_group(id).await?;
        let (changed, unchanged) = self
            .members_audited(&row, "group.members.add")
            .add_group_members(id, contact_ids)
            .await?;
        let found: HashSet<i64> = self
            .store
            .existing_contact_ids(contact_ids)
            .await?
            .into_iter()
            .collect();
        let unknown = contact_ids
            .iter()
            .filter(|i| !found.contains(i))
            .map(|i| format!("#{i}"))
            .collect();
        Ok(MembersChange {
            changed,
            unchanged,
            unknown,
        })
    }

    /// Adds to a static group the contacts whose 学号/工号 are in `text`, as pasted from a
    /// spreadsheet column (one per line, or separated by commas, spaces, tabs or 、).
    pub async fn add_group_members_by_external_ids(&self, id: i64, text: &str) -> Result<MembersChange> {
        let row = self.static_group(id).await?;
        let (ids, unknown) = self.pasted_external_ids(text).await?;
        let (changed, unchanged) = self
            .members_audited(&row, "group.members.add")
            .add_group_members(id, &ids)
            .await?;
        Ok(MembersChange {
            changed,
            unchanged,
            unknown,
        })
    }

    /// Removes from a static group the contacts whose 学号/工号 are in `text`.
    pub async fn remove_group_members_by_external_ids(&self, id: i64, text: &str) -> Result<MembersChange> {
        let (ids, unknown) = self.pasted_external_ids(text).await?;
        let mut change = self.remove_group_members(id, &ids).await?;
        change.unknown = unknown;
        Ok(change)
    }

    /// The contact ids of the 学号/工号 in pasted text, and those that match nobody.
    async fn pasted_external_ids(&self, text: &str) -> Result<(Vec<i64>, Vec<String>)> {
        let mut wanted: Vec<String> = Vec::new();
        for item in text
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | ';' | '；' | '、'))
            .map(|s| s.trim_matches(|c| c == '"' || c == '\''))
            .filter(|s| !s.is_empty())
        {
            if !wanted.iter().any(|w| w == item) {
                wanted.push(item.to_owned());
            }
        }
        if wanted.is_empty() {
            return Err(Error::Invalid("no 学号/工号 found in the pasted text".into()));
        }
        let found = self.store.contact_ids_by_external_id(&wanted).await?;
        let ids = found.iter().map(|(_, id)| *id).collect();
        let unknown = wanted
            .into_iter()
            .filter(|w| !found.iter().any(|(e, _)| e == w))
            .collect();
        Ok((ids, unknown))
    }

    /// Removes contacts from a static group.
    pub async fn remove_group_members(&self, id: i64, contact_ids: &[i64]) -> Result<MembersChange> {
        let row = self.static_group(id).await?;
        let changed = self
            .members_audited(&row, "group.members.remove")
            .remove_group_members(id, contact_ids)
            .await?;
        Ok(MembersChange {
            changed,
            unchanged: contact_ids.len() as i64 - changed,
            unknown: Vec::new(),
        })
    }

    /// The store for a change of a group's members, audited with how many changed (a change of
    /// none records nothing).
    fn members_audited(&self, row: &GroupRow, action: &str) -> crate::store::Store {
        self.audited(action, "group", Some(row.id), serde_json::json!({"name": row.name}))
    }

    /// The imported columns some contact has (rules test them as `attr.<name>`).
    pub async fn attribute_names(&self) -> Result<Vec<String>> {
        Ok(self.store.list_attribute_names().await?)
    }

    /// How many people a rule matches now (the segment editor's live count).
    pub async fn count_rule(&self, rule: &Rule) -> Result<i64> {
        let rule = rule::normalize(rule)?;
        let filter = Groups::load(&self.store).await?.rule_filter(&rule, &mut Vec::new())?;
        Ok(self.store.count_audience(&filter).await?)
    }

    /// Checks an audience spec and returns it as a notice stores it (groups by id).
    pub(crate) async fn check_audience(&self, spec: &str) -> Result<(Audience, AudienceFilter)> {
        let audience = Audience::parse(spec)?;
        let groups = Groups::load(&self.store).await?;
        let audience = groups.pin_ids(&audience)?;
        let ids = audience.contact_ids();
        if !ids.is_empty() {
            let found = self.store.existing_contact_ids(&ids).await?;
            let missing: Vec<String> = ids.iter().filter(|i| !found.contains(i)).map(i64::to_string).collect();
            if !missing.is_empty() {
                return Err(AudienceError::Missing {
                    ids: missing.join(", "),
                }
                .into());
            }
        }
        let filter = groups.audience_filter(&audience)?;
        Ok((audience, filter))
    }

    /// Who an audience holds now and what each chosen channel would do with them.
    pub async fn preview_audience(&self, spec: &str, channel_ids: &[i64]) -> Result<AudiencePreview> {
        let (audience, filter) = self.check_audience(spec).await?;
        let groups = Groups::load(&self.store).await?;
        let mut found = Vec::new();
        for id in channel_ids {
            found.push(self.store.get_channel(*id).await?);
        }
        let kinds: Vec<(&str, Option<&str>)> = found.iter().map(|c| (c.kind.as_str(), address_kind(c.kind))).collect();
        let (people, reach, unreachable) = self.store.audience_reach(&filter, &kinds).await?;
        let mut mentions = Vec::with_capacity(found.len());
        for channel in &found {
            let settings = self.store.channel_settings(channel.id).await?;
            let by = crate::channels::mentions_audience_by(channel.kind, &settings);
            mentions.push(if by.is_empty() {
                None
            } else {
                // Counted whole, so the preview can say how far over the limit it is.
                Some(
                    self.store
                        .audience_mentions(&filter, by, i64::from(u32::MAX))
                        .await?
                        .len() as i64,
                )
            });
        }
        let limit = crate::channels::MAX_MENTIONS as i64;
        let channels = found
            .into_iter()
            .zip(reach)
            .zip(mentions)
            .map(|((channel, reach), mentions)| {
                let group = crate::channels::is_group(channel.kind);
                ChannelReach {
                    mentions,
                    mentions_refused: mentions.is_some_and(|n| n > limit),
                    mention_limit: limit,
                    channel_id: channel.id,
                    channel_name: channel.name,
                    kind: channel.kind,
                    reachable: if group { 1 } else { reach.reachable },
                    no_address: if group { 0 } else { reach.no_address },
                    invalid_address: if group { 0 } else { reach.invalid_address },
                    opted_out: if group { 0 } else { reach.opted_out },
                    group,
                }
            })
            .collect();
        let mut sample = Vec::new();
        for id in self.store.audience_first(&filter, SAMPLE).await? {
            sample.push(self.store.get_contact(id).await?);
        }
        Ok(AudiencePreview {
            spec: audience.to_spec(),
            description: audience.write(|g| groups.name_of(g)),
            people,
            channels,
            unreachable,
            sample,
        })
    }
}

fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::Invalid("the group needs a name".into()));
    }
    if name.starts_with('#') {
        return Err(Error::Invalid(format!(
            "a group name cannot start with # ({name}): # marks group ids in audiences"
        )));
    }
    Ok(name.to_owned())
}

fn rename_in_rule(rule: &Rule, from: &str, to: &str) -> Rule {
    match rule {
        Rule::All { rules } => Rule::All {
            rules: rules.iter().map(|r| rename_in_rule(r, from, to)).collect(),
        },
        Rule::Any { rules } => Rule::Any {
            rules: rules.iter().map(|r| rename_in_rule(r, from, to)).collect(),
        },
        Rule::Condition(c) if c.field == "group" => {
            let mut c = c.clone();
            for v in &mut c.values {
                if v == from {
                    *v = to.to_owned();
                }
            }
            Rule::Condition(c)
        }
        other => other.clone(),
    }
}

fn rule_names_group(rule: &Rule, name: &str) -> bool {
    match rule {
        Rule::All { rules } | Rule::Any { rules } => rules.iter().any(|r| rule_names_group(r, name)),
        Rule::Condition(c) => c.field == "group" && c.values.iter().any(|v| v == name),
    }
}

#[cfg(test)]
#[path = "audience_tests.rs"]
mod tests;
