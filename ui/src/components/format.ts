import dayjs from "dayjs";
import type { RunSummary } from "../api";
import type { Translate } from "../i18n";

/** Stored times are UTC RFC 3339; office staff read them in local time. */
export function formatTime(value: string | null | undefined): string {
  if (!value) return "—";
  const time = dayjs(value);
  return time.isValid() ? time.format("YYYY-MM-DD HH:mm:ss") : value;
}

/** Deliveries that reached an end state, as a whole percentage of the run. */
export function runPercent(run: Pick<RunSummary, "sent" | "failed" | "total" | "status">): number {
  if (run.total <= 0) return run.status === "completed" ? 100 : 0;
  // Floor so that 100% appears only once every delivery has finished.
  return Math.floor(((run.sent + run.failed) / run.total) * 100);
}

export function isRunFinished(run: Pick<RunSummary, "status">): boolean {
  return run.status === "completed" || run.status === "cancelled";
}

export function formatEta(seconds: number | null | undefined, t: Translate): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return t("time.seconds", { n: whole });
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return t("time.minutesSeconds", { m: minutes, s: whole % 60 });
  return t("time.hoursMinutes", { h: Math.floor(minutes / 60), m: minutes % 60 });
}

/** `all` or `contacts:1,2,3`, as a sentence. */
/** One item of an audience spec in words: `group:NAME`, `contacts:1,2`, `rule:…`, `all`. */
function formatAudienceItem(item: string, t: Translate): string {
  if (item === "all") return t("audience.all");
  if (item.startsWith("contacts:")) {
    const count = item.slice("contacts:".length).split(",").filter(Boolean).length;
    return t("audience.contacts", { count });
  }
  if (item.startsWith("group:")) return t("audience.itemGroup", { name: item.slice("group:".length) });
  if (item.startsWith("rule:")) return t("audience.itemRule", { rule: item.slice("rule:".length) });
  return item;
}

/**
 * A notice's audience in words. `text` is the spec with groups by name (`audienceText`), which
 * the core fills in; without it the stored spec is used.
 */
export function formatAudience(audience: string, t: Translate, text?: string): string {
  const items = (text || audience).split("; ").filter(Boolean);
  const included = items.filter((i) => !i.startsWith("-")).map((i) => formatAudienceItem(i, t));
  const excluded = items.filter((i) => i.startsWith("-")).map((i) => formatAudienceItem(i.slice(1), t));
  const base = included.join(t("audience.itemJoin"));
  return excluded.length ? t("audience.itemExcept", { base, excluded: excluded.join(t("audience.itemJoin")) }) : base;
}

/**
 * A mobile as people read it: a mainland number (with or without +86) as `138 0000 2202`,
 * any other as stored. Contacts keep E.164 (`+8613800002202`), which is hard to read aloud.
 */
export function formatMobile(value: string): string {
  const digits = value.replace(/[\s-]/g, "");
  const mainland = /^(?:\+86|0086|86)?(1\d{10})$/.exec(digits);
  if (!mainland) return value;
  const n = mainland[1];
  return `${n.slice(0, 3)} ${n.slice(3, 7)} ${n.slice(7)}`;
}

/** The name the app gives its built-in sandbox channel (`SANDBOX_CHANNEL` in the core). */
const SANDBOX_CHANNEL = "sandbox";

/**
 * A channel's name as people read it: the built-in sandbox in the UI's language (沙盒), every
 * other channel as its owner named it. The stored name stays `sandbox`, as the CLI takes it.
 */
export function shownChannelName(name: string, t: Translate): string {
  return name === SANDBOX_CHANNEL ? t("channel.sandboxName") : name;
}
