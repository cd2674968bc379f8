/**
 * `mockApi` plus the groups and audience commands, over the same in-memory contacts. Use it with
 * `vi.mock("../api", () => import("../test/mockGroupsApi"))`; its `resetApiMock` resets both.
 */
import { vi } from "vitest";
import type * as Api from "../api";
import { parseAudienceSpec } from "../api/audienceSpec";
import { CommandError } from "../api/invoke";
import { db, resetApiMock as resetBase } from "./mockApi";

export * from "./mockApi";

type Members = Map<number, Set<number>>;

function freshGroups() {
  return {
    groups: [] as Api.Group[],
    /** Members of static groups, by group id. */
    members: new Map() as Members,
    attributes: ["宿舍"] as string[],
    /** Ids of groups a draft or scheduled notice uses: deleting them is refused. */
    inUse: new Set<number>(),
  };
}

export let groupsDb = freshGroups();

let nextGroupId = 500;
const now = () => "2026-03-02T09:00:00.000Z";

function field(contact: Api.Contact, name: string): string | null {
  switch (name) {
    case "department":
      return contact.department;
    case "class":
      return contact.className;
    case "grade":
      return contact.grade;
    case "role":
      return contact.role;
    case "language":
      return contact.language;
    case "name":
      return contact.name;
    case "externalId":
      return contact.externalId;
    default:
      return null;
  }
}

const KNOWN = ["department", "class", "grade", "role", "tag", "language", "name", "externalId", "group"];

function check(rule: Api.Rule): void {
  if (rule.kind !== "condition") return rule.rules.forEach(check);
  if (!KNOWN.includes(rule.field) && !rule.field.startsWith("attr.")) {
    throw new CommandError("invalid", `unknown field \`${rule.field}\` in the rule`);
  }
}

function matches(rule: Api.Rule, contact: Api.Contact): boolean {
  if (rule.kind === "all") return rule.rules.every((r) => matches(r, contact));
  if (rule.kind === "any") return rule.rules.some((r) => matches(r, contact));
  const value = field(contact, rule.field)?.toLowerCase() ?? "";
  const values = rule.values.map((v) => v.toLowerCase());
  switch (rule.op) {
    case "is":
      return values.includes(value);
    case "isNot":
      return !values.includes(value);
    case "contains":
      return values.some((v) => value.includes(v));
    case "startsWith":
      return values.some((v) => value.startsWith(v));
    case "isEmpty":
      return value === "";
    case "isNotEmpty":
      return value !== "";
  }
  return false;
}

function groupOf(id: number): Api.Group {
  const group = groupsDb.groups.find((g) => g.id === id);
  if (!group) throw new CommandError("not_found", `group ${id} not found`);
  return group;
}

function memberIds(group: Api.Group): number[] {
  if (group.rule) {
    const rule = group.rule;
    return db.contacts.filter((c) => matches(rule, c)).map((c) => c.id);
  }
  return [...(groupsDb.members.get(group.id) ?? [])];
}

function withCount(group: Api.Group): Api.Group {
  return { ...group, members: memberIds(group).length };
}

function ruleText(rule: Api.Rule): string {
  if (rule.kind === "condition") return `${rule.field} ${rule.op} ${rule.values.join(",")}`.trim();
  return `(${rule.rules.map(ruleText).join(rule.kind === "all" ? " and " : " or ")})`;
}

export const listGroups = vi.fn<typeof Api.listGroups>(async () => groupsDb.groups.map(withCount));

export const createGroup = vi.fn<typeof Api.createGroup>(async (input) => {
  if (groupsDb.groups.some((g) => g.name === input.name)) {
    throw new CommandError("conflict", `a group named ${input.name} already exists`);
  }
  if (input.rule) check(input.rule);
  const group: Api.Group = {
    id: ++nextGroupId,
    name: input.name,
    kind: input.rule ? "rule" : "static",
    description: input.description ?? null,
    rule: input.rule ?? null,
    ruleText: input.rule ? ruleText(input.rule) : null,
    members: 0,
    createdAt: now(),
    updatedAt: now(),
  };
  groupsDb.groups.push(group);
  if (!input.rule) groupsDb.members.set(group.id, new Set());
  return withCount(group);
});

export const updateGroup = vi.fn<typeof Api.updateGroup>(async (id, input) => {
  const group = groupOf(id);
  if (input.rule) check(input.rule);
  const updated: Api.Group = {
    ...group,
    name: input.name ?? group.name,
    description: input.description === undefined ? group.description : input.description || null,
    rule: input.rule ?? group.rule,
    ruleText: input.rule ? ruleText(input.rule) : group.ruleText,
    updatedAt: now(),
  };
  groupsDb.groups = groupsDb.groups.map((g) => (g.id === id ? updated : g));
  return withCount(updated);
});

export const deleteGroup = vi.fn<typeof Api.deleteGroup>(async (id) => {
  const group = groupOf(id);
  if (groupsDb.inUse.has(id)) {
    throw new CommandError("conflict", `分组“${group.name}”正被草稿或定时通知使用，请先修改这些通知的收件人`);
  }
  groupsDb.groups = groupsDb.groups.filter((g) => g.id !== id);
  groupsDb.members.delete(id);
});

export const groupMembers = vi.fn<typeof Api.groupMembers>(async (id, query) => {
  const ids = new Set(memberIds(groupOf(id)));
  const needle = query.search?.toLowerCase();
  const found = db.contacts.filter(
    (c) => ids.has(c.id) && (!needle || [c.name, c.externalId].some((v) => v?.toLowerCase().includes(needle))),
  );
  const offset = query.offset ?? 0;
  return { items: found.slice(offset, offset + (query.limit ?? 50)), total: found.length };
});

function staticMembers(id: number): Set<number> {
  const group = groupOf(id);
  const members = groupsDb.members.get(group.id);
  if (!members) throw new CommandError("invalid", `${group.name} is a rule group: its members follow from its rule`);
  return members;
}

export const addGroupMembers = vi.fn<typeof Api.addGroupMembers>(async (id, contactIds) => {
  const members = staticMembers(id);
  let changed = 0;
  for (const contact of contactIds) {
    if (!members.has(contact)) changed += 1;
    members.add(contact);
  }
  return { changed, unchanged: contactIds.length - changed, unknown: [] };
});

export const addGroupMembersByExternalIds = vi.fn<typeof Api.addGroupMembersByExternalIds>(async (id, text) => {
  const members = staticMembers(id);
  const change: Api.MembersChange = { changed: 0, unchanged: 0, unknown: [] };
  for (const externalId of text.split(/[\s,，;；]+/).filter(Boolean)) {
    const contact = db.contacts.find((c) => c.externalId === externalId);
    if (!contact) change.unknown.push(externalId);
    else if (members.has(contact.id)) change.unchanged += 1;
    else {
      members.add(contact.id);
      change.changed += 1;
    }
  }
  return change;
});

export const removeGroupMembers = vi.fn<typeof Api.removeGroupMembers>(async (id, contactIds) => {
  const members = staticMembers(id);
  const changed = contactIds.filter((c) => members.delete(c)).length;
  return { changed, unchanged: contactIds.length - changed, unknown: [] };
});

export const countRule = vi.fn<typeof Api.countRule>(async (rule) => {
  check(rule);
  return db.contacts.filter((c) => matches(rule, c)).length;
});

function facet(values: (string | null)[]): Api.FacetCount[] {
  const counts = new Map<string, number>();
  for (const value of values) if (value) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([value, count]) => ({ value, count }));
}

/** The contacts' distinct values with counts, as the backend gives them (no tags in these fixtures). */
export const contactFacets = vi.fn<typeof Api.contactFacets>(async () => ({
  departments: facet(db.contacts.map((c) => c.department)),
  grades: facet(db.contacts.map((c) => c.grade)),
  classes: facet(db.contacts.map((c) => c.className)),
  roles: facet(db.contacts.map((c) => c.role)),
  tags: [],
  languages: facet(db.contacts.map((c) => c.language)),
}));

export const listAttributeNames = vi.fn<typeof Api.listAttributeNames>(async () => groupsDb.attributes);

/** The audience as the backend would resolve it; every contact has an e-mail unless it is null. */
export const previewAudience = vi.fn<typeof Api.previewAudience>(async (spec, channelIds) => {
  const selection = parseAudienceSpec(spec);
  const people = new Set<number>(selection.everyone ? db.contacts.map((c) => c.id) : selection.includeContacts);
  for (const id of selection.includeGroups) memberIds(groupOf(id)).forEach((c) => people.add(c));
  for (const id of selection.excludeGroups) memberIds(groupOf(id)).forEach((c) => people.delete(c));
  selection.excludeContacts.forEach((c) => people.delete(c));
  const chosen = db.contacts.filter((c) => people.has(c.id));
  const reachable = chosen.filter((c) => c.email !== null).length;
  const channels = db.channels
    .filter((ch) => channelIds.includes(ch.id))
    .map((ch) => ({
      channelId: ch.id,
      channelName: ch.name,
      kind: ch.kind,
      reachable,
      noAddress: chosen.length - reachable,
      invalidAddress: 0,
      group: false,
      optedOut: 0,
      mentions: null,
      mentionsRefused: false,
      mentionLimit: 100,
    }));
  return {
    spec,
    description: spec,
    people: chosen.length,
    channels,
    unreachable: channels.length === 0 ? chosen.length : chosen.length - reachable,
    sample: chosen.slice(0, 5),
  };
});

const ALL = [
  listGroups,
  createGroup,
  updateGroup,
  deleteGroup,
  groupMembers,
  addGroupMembers,
  addGroupMembersByExternalIds,
  removeGroupMembers,
  countRule,
  listAttributeNames,
  contactFacets,
  previewAudience,
];

export function resetApiMock(): void {
  resetBase();
  groupsDb = freshGroups();
  nextGroupId = 500;
  for (const fn of ALL) fn.mockReset();
}
