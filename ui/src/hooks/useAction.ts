import { App } from "antd";
import { useState } from "react";
import { toCommandError } from "../api";
import type { Translate } from "../i18n";

/** What to tell the user once an action has worked. */
export type Outcome = { type: "success" | "info"; text: string };

/**
 * Runs backend actions (pause, retry…) one at a time: `busy` names the one under way, its
 * outcome or the backend's own error message is shown, and `after` runs either way so the page
 * can re-read what changed.
 */
export function useAction() {
  const { message } = App.useApp();
  const [busy, setBusy] = useState<string | null>(null);

  const perform = async <T>(
    key: string,
    work: () => Promise<T>,
    describe: (result: T) => Outcome,
    after: (result: T | undefined) => void,
  ): Promise<void> => {
    setBusy(key);
    let result: T | undefined;
    try {
      result = await work();
      const outcome = describe(result);
      message[outcome.type](outcome.text);
    } catch (reason) {
      message.error(toCommandError(reason).message);
    } finally {
      setBusy(null);
      after(result);
    }
  };

  return { busy, perform };
}

/** The outcome of a "retry failed" action: how many deliveries were queued again. */
export function retryOutcome(count: number, t: Translate): Outcome {
  return count > 0 ? { type: "success", text: t("retry.queued", { count }) } : { type: "info", text: t("retry.none") };
}
