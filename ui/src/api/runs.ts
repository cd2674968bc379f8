import type { RunDetail } from "./bindings/RunDetail";
import type { RunSummary } from "./bindings/RunSummary";
import { call } from "./invoke";

/** Newest first. */
export const listRuns = (limit: number) => call<RunSummary[]>("list_runs", { limit });

export const runDetail = (runId: number) => call<RunDetail>("run_detail", { runId });
