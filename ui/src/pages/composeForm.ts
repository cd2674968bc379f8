import type { ChannelStrategy, ChannelVersion, NewNotice, Notice, NoticeText } from "../api";
import { AudienceSpecError, parseAudienceSpec } from "../api/audienceSpec";
import { audienceSpecOf, type AudienceValue } from "../components/AudiencePicker";
import type { PickedContact } from "../components/ContactPicker";

export type ComposeValues = {
  title: string;
  subject?: string;
  body: string;
  channelIds: number[];
  audience: AudienceValue;
  urgent: boolean;
  channelStrategy: ChannelStrategy;
  /** Paths of files on this computer; the backend keeps a copy when the notice is saved. */
  attachments: string[];
  allowUnsubscribe: boolean;
  /** Values given once for everyone (`考试时间` → `12月20日 9:00`), as rows. */
  values?: { key?: string; value?: string }[];
  /** The English version; empty: none. */
  english?: { subject?: string; body?: string };
  /** Bodies of their own, by channel id; empty: the channel sends the notice's body. */
  channelVersions?: Record<string, { body?: string; englishBody?: string }>;
};

/** No one yet: the sender chooses (a default of everyone once sent a notice to all by mistake). */
export function nobodyValue(): AudienceValue {
  return { everyone: false, includeGroups: [], includeContacts: [], excludeGroups: [], excludeContacts: [] };
}

export const COMPOSE_DEFAULTS: Partial<ComposeValues> = {
  channelIds: [],
  audience: nobodyValue(),
  urgent: false,
  channelStrategy: "all",
  attachments: [],
  allowUnsubscribe: false,
};

/** The rows of notice values that name something, as the backend takes them. */
export function noticeValues(rows: ComposeValues["values"]): Record<string, string> {
  return Object.fromEntries(
    (rows ?? []).filter((r) => r.key?.trim()).map((r) => [r.key!.trim(), r.value ?? ""]),
  );
}

/**
 * The variables a template names (`{{ 姓名 }}`, `{{ exam.room }}` → `exam`), each once, less
 * those its own loops and `set`s define. A hint for the editor: the backend's check decides.
 */
export function namesUsed(...templates: (string | undefined)[]): string[] {
  const names = new Set<string>();
  const own = new Set<string>();
  for (const t of templates) {
    for (const m of (t ?? "").matchAll(/\{\{-?\s*([\p{L}_][\p{L}\p{N}_]*)/gu)) names.add(m[1]);
    for (const m of (t ?? "").matchAll(/\{%-?\s*(?:for|set)\s+([\p{L}_][\p{L}\p{N}_]*)/gu)) own.add(m[1]);
  }
  return [...names].filter((n) => !own.has(n) && n !== "loop");
}

/** The English version as the backend takes it, or nothing when its fields are empty. */
export function englishOf(english: ComposeValues["english"]): NoticeText | undefined {
  const subject = english?.subject?.trim();
  const body = english?.body ?? "";
  if (!subject && !body.trim()) return undefined;
  return { ...(subject ? { subject } : {}), body };
}

/** The channels' own versions for the chosen channels, leaving out empty ones. */
export function channelVersionsOf(
  versions: ComposeValues["channelVersions"],
  channelIds: number[],
): ChannelVersion[] {
  return channelIds.flatMap((id) => {
    const v = versions?.[String(id)];
    const body = v?.body ?? "";
    const englishBody = v?.englishBody?.trim() ? v.englishBody : undefined;
    if (!body.trim() && !englishBody) return [];
    return [{ channelId: id, body, ...(englishBody ? { englishBody } : {}) }];
  });
}

/** The form's values as the `save_draft` / `preview_notice` input (an audience not chosen is ""). */
export function toNewNotice(values: ComposeValues): NewNotice {
  const subject = values.subject?.trim();
  const audience = audienceSpecOf(values.audience ?? nobodyValue());
  return {
    title: (values.title ?? "").trim(),
    // Left out when blank so the backend uses the title, as it documents.
    ...(subject ? { subject } : {}),
    body: values.body ?? "",
    audience,
    channelIds: values.channelIds,
    urgent: values.urgent,
    channelStrategy: values.channelStrategy ?? "all",
    attachments: values.attachments ?? [],
    allowUnsubscribe: values.allowUnsubscribe ?? false,
    ...(Object.keys(noticeValues(values.values)).length > 0 ? { values: noticeValues(values.values) } : {}),
    ...bilingualOf(values),
  };
}

function bilingualOf(values: ComposeValues): Pick<NewNotice, "english" | "channelVersions"> {
  const english = englishOf(values.english);
  const channelVersions = channelVersionsOf(values.channelVersions, values.channelIds ?? []);
  return {
    ...(english ? { english } : {}),
    ...(channelVersions.length > 0 ? { channelVersions } : {}),
  };
}

/** Compose's steps, and the fields each one holds (a problem on a field belongs to its step). */
export const STEPS = [
  { key: "content", fields: ["title", "subject", "body", "values", "english", "attachments", "urgent"] },
  { key: "audience", fields: ["audience"] },
  { key: "channels", fields: ["channelIds", "channelStrategy", "channelVersions", "allowUnsubscribe"] },
  { key: "when", fields: [] },
  { key: "review", fields: [] },
] as const;

export type StepKey = (typeof STEPS)[number]["key"];

/** The step where a field (as a draft's problem names it: `body`, `english.body`, `channelIds`…) is edited. */
export function stepOfField(field: string): number {
  // A channel's own version is written where the channel is chosen.
  const top = field.startsWith("versions.") ? "channelVersions" : field.split(".")[0];
  const i = STEPS.findIndex((s) => (s.fields as readonly string[]).includes(top));
  // Anything else written with the notice (a language version, a channel's own text) is content.
  return i < 0 ? 0 : i;
}

/**
 * A saved draft back as the form's values. People chosen by id get their names from `nameOf`
 * (the picker shows them); a spec this screen cannot show is kept as not chosen, to be chosen again.
 */
export async function fromNotice(
  notice: Notice,
  nameOf: (contactId: number) => Promise<string>,
): Promise<ComposeValues> {
  let audience = nobodyValue();
  if (notice.audience.trim() !== "") {
    try {
      const s = parseAudienceSpec(notice.audience);
      const picked = (ids: number[]) =>
        Promise.all(ids.map(async (id): Promise<PickedContact> => ({ value: id, label: await nameOf(id).catch(() => `#${id}`) })));
      audience = {
        everyone: s.everyone,
        includeGroups: s.includeGroups,
        includeContacts: await picked(s.includeContacts),
        excludeGroups: s.excludeGroups,
        excludeContacts: await picked(s.excludeContacts),
      };
    } catch (e) {
      if (!(e instanceof AudienceSpecError)) throw e;
    }
  }
  return {
    title: notice.title,
    // A subject equal to the title was defaulted from it: blank again, so it follows the title.
    subject: notice.subject === notice.title ? undefined : notice.subject,
    body: notice.body,
    channelIds: notice.channelIds,
    audience,
    urgent: notice.priority >= 10,
    channelStrategy: notice.channelStrategy,
    attachments: notice.attachments.map((a) => a.file),
    allowUnsubscribe: notice.allowUnsubscribe,
    values: Object.entries(notice.values).map(([key, value]) => ({ key, value })),
    english: notice.english ? { subject: notice.english.subject ?? undefined, body: notice.english.body } : undefined,
    channelVersions: Object.fromEntries(
      notice.channelVersions.map((v) => [String(v.channelId), { body: v.body, englishBody: v.englishBody ?? undefined }]),
    ),
  };
}
