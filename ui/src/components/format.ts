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
export function formatAudience(audience: string, t: Translate): string {
  if (audience === "all") return t("audience.all");
  if (audience.startsWith("contacts:")) {
    const count = audience.slice("contacts:".length).split(",").filter(Boolean).length;
    return t("audience.contacts", { count });
  }
  return audience;
}
