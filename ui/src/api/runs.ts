import type { ReadsReport } from "./bindings/ReadsReport";
import type { RecallReport } from "./bindings/RecallReport";
import type { RunDetail } from "./bindings/RunDetail";
import type { RunSummary } from "./bindings/RunSummary";
import { call } from "./invoke";

/** Newest first. */
export const listRuns = (limit: number) => call<RunSummary[]>("list_runs", { limit });

export const runDetail = (runId: number) => call<RunDetail>("run_detail", { runId });

/** Stops handing a sending run's deliveries to the channels; nothing is lost. */
export const pauseRun = (runId: number) => call<RunSummary>("pause_run", { runId });

export const resumeRun = (runId: number) => call<RunSummary>("resume_run", { runId });

/** Deliveries not sent yet are cancelled; those already at a provider finish as they will. */
export const cancelRun = (runId: number) => call<RunSummary>("cancel_run", { runId });

/** Queues one failed delivery again; resolves to how many were queued (0 or 1). */
export const retryFailedDelivery = (deliveryId: number) => call<number>("retry_failed", { deliveryId });

/** Queues every failed delivery of a run again; resolves to how many. */
export const retryFailedRun = (runId: number) => call<number>("retry_failed", { runId });

/**
 * 撤回: cancels what the run has not sent and recalls what it sent where the platform allows
 * (within its window); resolves to what became of each.
 */
export const recallRun = (runId: number) => call<RecallReport>("recall_run", { runId });

/** 刷新已读: asks the platforms who has read the run, and keeps the answer. */
export const refreshReads = (runId: number) => call<ReadsReport>("refresh_reads", { runId });

/** 提醒未读: checks reads, then sends the unread a short reminder; resolves to the new run. */
export const remindUnread = (runId: number) => call<RunSummary>("remind_unread", { runId });
