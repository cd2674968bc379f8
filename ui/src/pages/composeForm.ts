import type { ChannelStrategy, ChannelVersion, NewNotice, NoticeText } from "../api";
import { audienceSpecOf, everyoneValue, type AudienceValue } from "../components/AudiencePicker";

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

export const COMPOSE_DEFAULTS: Partial<ComposeValues> = {
  channelIds: [],
  audience: everyoneValue(),
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

/** The form's values as the `create_notice` / `preview_notice` input. */
export function toNewNotice(values: ComposeValues): NewNotice {
  const subject = values.subject?.trim();
  const audience = audienceSpecOf(values.audience);
  return {
    title: values.title.trim(),
    // Left out when blank so the backend uses the title, as it documents.
    ...(subject ? { subject } : {}),
    body: values.body,
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
