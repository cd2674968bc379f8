import type { AudiencePreview } from "./bindings/AudiencePreview";
import type { ContactPage } from "./bindings/ContactPage";
import type { ContactQuery } from "./bindings/ContactQuery";
import type { Group } from "./bindings/Group";
import type { MembersChange } from "./bindings/MembersChange";
import type { NewGroup } from "./bindings/NewGroup";
import type { Rule } from "./bindings/Rule";
import type { UpdateGroup } from "./bindings/UpdateGroup";
import { call } from "./invoke";

/** Static groups and rule segments, each with its size now. */
export const listGroups = () => call<Group[]>("list_groups");

/** A static group when `input.rule` is absent, else a rule segment. */
export const createGroup = (input: NewGroup) => call<Group>("create_group", { input });

export const updateGroup = (id: number, input: UpdateGroup) => call<Group>("update_group", { id, input });

/** Refused (with a message saying which) while a draft or scheduled notice uses the group. */
export const deleteGroup = (id: number) => call<void>("delete_group", { id });

/** A static group's members, or the contacts a segment matches now. */
export const groupMembers = (id: number, query: ContactQuery) =>
  call<ContactPage>("group_members", { id, query });

export const addGroupMembers = (id: number, contactIds: number[]) =>
  call<MembersChange>("add_group_members", { id, contactIds });

/** `text`: 学号/工号 as pasted from a spreadsheet (newlines, commas, spaces or tabs between). */
export const addGroupMembersByExternalIds = (id: number, text: string) =>
  call<MembersChange>("add_group_members_by_external_ids", { id, text });

export const removeGroupMembers = (id: number, contactIds: number[]) =>
  call<MembersChange>("remove_group_members", { id, contactIds });

/** How many people `rule` matches now; a bad rule rejects with a message naming the problem. */
export const countRule = (rule: Rule) => call<number>("count_rule", { rule });

/** Who an audience spec reaches now, on each of `channelIds`. */
export const previewAudience = (spec: string, channelIds: number[]) =>
  call<AudiencePreview>("preview_audience", { spec, channelIds });

/** Imported columns, usable in rules as `attr.<name>`. */
export const listAttributeNames = () => call<string[]>("list_attribute_names");
