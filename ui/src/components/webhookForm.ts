import type { Channel, ChannelLimits, NewWebhookChannel, UpdateWebhookChannel, WebhookChannelConfig } from "../api";
import type { MessageKey } from "../i18n";

/** The variables the backend offers a body template (see NewWebhookChannel.bodyTemplate). */
export const BODY_VARIABLES = ["id", "channel", "recipient.name", "recipient.address", "subject", "body"];

export const BODY_EXAMPLE = '{"text": {{ subject|tojson }}}';

export const METHODS = ["POST", "PUT"] as const;

/** The limits the form offers, in the order shown. */
export const LIMIT_FIELDS = [
  "perSecond",
  "perMinute",
  "concurrency",
  "maxAttempts",
  "retryBaseSecs",
  "pauseAfterFailures",
] as const satisfies readonly (keyof ChannelLimits)[];

export type LimitField = (typeof LIMIT_FIELDS)[number];

/** InputNumber gives null when cleared. */
type Maybe<T> = T | null | undefined;

export type WebhookValues = {
  name?: string;
  url?: string;
  method?: (typeof METHODS)[number];
  /** `Name: value` lines. */
  headers?: string;
  bodyTemplate?: string;
  timeoutMs?: Maybe<number>;
  secret?: string;
  limits?: Partial<Record<LimitField, Maybe<number>>>;
  /** Typed headers to keep in the secret store although their names do not look like credentials. */
  markSecret?: string[];
  /** Editing: the credential headers (values in the secret store) still ticked. */
  keepSecretHeaders?: string[];
  /** Editing: drop the signing secret. */
  removeSecret?: boolean;
};

export type HeaderProblem = {
  key: Extract<MessageKey, "webhook.headerLineInvalid" | "webhook.headerNameInvalid" | "webhook.headerDuplicate">;
  line: number;
  name: string;
};

export type ParsedHeaders = { headers: Record<string, string> } | { problem: HeaderProblem };

// RFC 9110 token characters: what a header name may hold.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Reads `Name: value` lines; blank lines are skipped, the first problem is reported by line. */
export function parseHeaders(text: string): ParsedHeaders {
  const headers: Record<string, string> = {};
  const seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon).trim() : "";
    const value = colon > 0 ? line.slice(colon + 1).trim() : "";
    const at = { line: i + 1, name };
    if (!name || !value) return { problem: { key: "webhook.headerLineInvalid", ...at } };
    if (!HEADER_NAME.test(name)) return { problem: { key: "webhook.headerNameInvalid", ...at } };
    if (seen.has(name.toLowerCase())) return { problem: { key: "webhook.headerDuplicate", ...at } };
    seen.add(name.toLowerCase());
    headers[name] = value;
  }
  return { headers };
}

/**
 * Whether the backend keeps a header's value secret by its name alone (as
 * `providers::webhook::is_credential_name` decides); other headers can be marked secret.
 */
export function looksLikeCredential(name: string): boolean {
  const lower = name.trim().toLowerCase();
  const words = ["auth", "token", "key", "secret", "sig", "cookie", "pass", "pwd", "credential", "session", "ticket", "bearer", "jwt", "hmac", "private"];
  return words.some((w) => lower.includes(w)) || ["sid", "code", "pin", "otp", "ak"].includes(lower);
}

/** The typed headers marked secret, as the typed names (a mark whose line is gone is dropped). */
function markedSecret(values: WebhookValues, typed: Record<string, string>): string[] {
  const marked = new Set((values.markSecret ?? []).map((n) => n.toLowerCase()));
  return Object.keys(typed).filter((n) => marked.has(n.toLowerCase()));
}

/** The backend checks the rest (host, no credentials in the URL). */
export function isHttpUrl(text: string): boolean {
  return /^https?:\/\/\S+$/i.test(text.trim());
}

/** Blank optional fields are left out, so the backend applies its defaults. */
export function toNewWebhookChannel(values: WebhookValues): NewWebhookChannel {
  const input: NewWebhookChannel = {
    name: (values.name ?? "").trim(),
    url: (values.url ?? "").trim(),
    method: values.method ?? "POST",
  };
  const parsed = parseHeaders(values.headers ?? "");
  if ("problem" in parsed) throw new Error(`header line ${parsed.problem.line} is invalid`);
  if (Object.keys(parsed.headers).length > 0) input.headers = parsed.headers;
  const secretHeaders = markedSecret(values, parsed.headers);
  if (secretHeaders.length > 0) input.secretHeaders = secretHeaders;
  const template = values.bodyTemplate?.trim();
  if (template) input.bodyTemplate = template;
  if (typeof values.timeoutMs === "number") input.timeoutMs = values.timeoutMs;
  const secret = values.secret?.trim();
  if (secret) input.secret = secret;
  const limits: ChannelLimits = {};
  for (const field of LIMIT_FIELDS) {
    const value = values.limits?.[field];
    if (typeof value === "number") limits[field] = value;
  }
  if (Object.keys(limits).length > 0) input.limits = limits;
  return input;
}

/** The form as it opens to edit `channel`: everything but secrets, which are only named. */
export function toWebhookValues(channel: Channel, config: WebhookChannelConfig): WebhookValues {
  const limits: WebhookValues["limits"] = {};
  for (const field of LIMIT_FIELDS) limits[field] = channel.limits[field] ?? null;
  return {
    name: channel.name,
    url: config.url,
    method: METHODS.find((m) => m === config.method.toUpperCase()) ?? "POST",
    headers: Object.entries(config.headers)
      .map(([name, value]) => `${name}: ${value}`)
      .join("\n"),
    bodyTemplate: config.bodyTemplate ?? "",
    timeoutMs: config.timeoutMs,
    secret: "",
    removeSecret: false,
    keepSecretHeaders: [...config.secretHeaders],
    markSecret: [],
    limits,
  };
}

/**
 * What the edited form changes. Headers are the lines typed plus the credential headers
 * kept; every other header the channel had is removed. An empty secret keeps the current one.
 */
export function toUpdateWebhookChannel(
  values: WebhookValues,
  config: WebhookChannelConfig,
  currentLimits: ChannelLimits,
): UpdateWebhookChannel {
  const parsed = parseHeaders(values.headers ?? "");
  if ("problem" in parsed) throw new Error(`header line ${parsed.problem.line} is invalid`);
  const typed = new Set(Object.keys(parsed.headers).map((n) => n.toLowerCase()));
  const kept = new Set((values.keepSecretHeaders ?? []).map((n) => n.toLowerCase()));
  const removeHeaders = [
    ...Object.keys(config.headers).filter((n) => !typed.has(n.toLowerCase())),
    ...config.secretHeaders.filter((n) => !typed.has(n.toLowerCase()) && !kept.has(n.toLowerCase())),
  ];
  const input: UpdateWebhookChannel = {
    // Secret query values shown as ******** are kept by the backend when sent back as they are.
    url: (values.url ?? "").trim(),
    method: values.method ?? "POST",
    // Empty goes back to the default body.
    bodyTemplate: values.bodyTemplate?.trim() ?? "",
  };
  if (Object.keys(parsed.headers).length > 0) input.headers = parsed.headers;
  const secretHeaders = markedSecret(values, parsed.headers);
  if (secretHeaders.length > 0) input.secretHeaders = secretHeaders;
  if (removeHeaders.length > 0) input.removeHeaders = removeHeaders;
  if (typeof values.timeoutMs === "number") input.timeoutMs = values.timeoutMs;
  const secret = values.secret?.trim();
  if (values.removeSecret) input.removeSecret = true;
  else if (secret) input.secret = secret;
  // Limits the form does not show (set from the CLI) are kept as they are.
  const limits: ChannelLimits = { ...currentLimits };
  for (const field of LIMIT_FIELDS) {
    const value = values.limits?.[field];
    if (typeof value === "number") limits[field] = value;
    else delete limits[field];
  }
  input.limits = limits;
  return input;
}
