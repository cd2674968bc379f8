import type { ChannelStrategy, NewNotice } from "../api";
import type { PickedContact } from "../components/ContactPicker";

export type AudienceMode = "all" | "pick";

export type ComposeValues = {
  title: string;
  subject?: string;
  body: string;
  channelIds: number[];
  audienceMode: AudienceMode;
  contacts?: PickedContact[];
  urgent: boolean;
  channelStrategy: ChannelStrategy;
};

export const COMPOSE_DEFAULTS: Partial<ComposeValues> = {
  channelIds: [],
  audienceMode: "all",
  contacts: [],
  urgent: false,
  channelStrategy: "all",
};

/** The variables the backend fills per recipient (see the compose module of the core). */
export const TEMPLATE_VARIABLES = [
  "name",
  "external_id",
  "department",
  "class",
  "grade",
  "role",
  "email",
  "mobile",
] as const;

/** The form's values as the `create_notice` / `preview_notice` input. */
export function toNewNotice(values: ComposeValues): NewNotice {
  const subject = values.subject?.trim();
  const audience =
    values.audienceMode === "pick"
      ? `contacts:${(values.contacts ?? []).map((c) => c.value).join(",")}`
      : "all";
  return {
    title: values.title.trim(),
    // Left out when blank so the backend uses the title, as it documents.
    ...(subject ? { subject } : {}),
    body: values.body,
    audience,
    channelIds: values.channelIds,
    urgent: values.urgent,
    channelStrategy: values.channelStrategy ?? "all",
  };
}
