/**
 * The audience spec a notice stores, as the picker edits it. A spec is `all`, or items joined by
 * `; `: `group:#ID` (a group or segment), `contacts:ID,ID,…` (contacts); an item written with a
 * leading `-` is excluded. Someone included twice is counted, and sent to, once (the backend's
 * doing; this module only writes and reads the text).
 */
export type AudienceSelection = {
  /** Every contact (then only the exclusions matter). */
  everyone: boolean;
  includeGroups: number[];
  includeContacts: number[];
  excludeGroups: number[];
  excludeContacts: number[];
};

/** A new selection of everyone (`everyone: false`: of no one yet), with arrays of its own. */
export function newSelection(everyone = true): AudienceSelection {
  return { everyone, includeGroups: [], includeContacts: [], excludeGroups: [], excludeContacts: [] };
}

/** A spec that cannot be read back into a selection: `item` is the part that was not understood. */
export class AudienceSpecError extends Error {
  readonly item: string;

  constructor(item: string) {
    super(`the audience item "${item}" is not understood`);
    this.name = "AudienceSpecError";
    this.item = item;
  }
}

function unique(ids: number[]): number[] {
  return [...new Set(ids)];
}

/** Whether the selection names anyone to send to (exclusions alone name no one). */
export function hasAudience(selection: AudienceSelection): boolean {
  return selection.everyone || selection.includeGroups.length > 0 || selection.includeContacts.length > 0;
}

/** The spec for a selection, e.g. `group:#3; contacts:12,14; -group:#7`. */
export function buildAudienceSpec(selection: AudienceSelection): string {
  const items: string[] = [];
  const add = (sign: string, groups: number[], contacts: number[]) => {
    for (const id of unique(groups)) items.push(`${sign}group:#${id}`);
    if (contacts.length > 0) items.push(`${sign}contacts:${unique(contacts).join(",")}`);
  };
  if (selection.everyone) items.push("all");
  else add("", selection.includeGroups, selection.includeContacts);
  add("-", selection.excludeGroups, selection.excludeContacts);
  return items.join("; ");
}

function parseId(text: string, item: string): number {
  if (!/^\d+$/.test(text)) throw new AudienceSpecError(item);
  return Number(text);
}

/** Reads a spec back; throws `AudienceSpecError` on an item it does not know. */
export function parseAudienceSpec(spec: string): AudienceSelection {
  const selection = newSelection(false);
  const items = spec
    .split(";")
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0) return newSelection();
  for (const item of items) {
    const excluded = item.startsWith("-");
    const body = excluded ? item.slice(1).trim() : item;
    if (!excluded && body.toLowerCase() === "all") {
      selection.everyone = true;
      continue;
    }
    const group = /^group:\s*#\s*(.+)$/i.exec(body);
    const contacts = /^contacts:(.*)$/i.exec(body);
    if (group) {
      (excluded ? selection.excludeGroups : selection.includeGroups).push(parseId(group[1].trim(), item));
    } else if (contacts) {
      const ids = contacts[1]
        .split(",")
        .map((id) => id.trim())
        .filter(Boolean)
        .map((id) => parseId(id, item));
      if (ids.length === 0) throw new AudienceSpecError(item);
      (excluded ? selection.excludeContacts : selection.includeContacts).push(...ids);
    } else {
      throw new AudienceSpecError(item);
    }
  }
  for (const key of ["includeGroups", "includeContacts", "excludeGroups", "excludeContacts"] as const) {
    selection[key] = unique(selection[key]);
  }
  if (selection.everyone) {
    selection.includeGroups = [];
    selection.includeContacts = [];
  }
  return selection;
}
