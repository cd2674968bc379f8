import type { ChannelStrategy, NewNotice } from "../api";
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
};

export const COMPOSE_DEFAULTS: Partial<ComposeValues> = {
  channelIds: [],
  audience: everyoneValue(),
  urgent: false,
  channelStrategy: "all",
  attachments: [],
  allowUnsubscribe: false,
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
  };
}
