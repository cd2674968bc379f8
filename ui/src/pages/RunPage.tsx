import { ReloadOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Flex, Result, Space, Statistic, Typography } from "antd";
import { useCallback, useEffect, useState } from "react";
import { Link, useParams } from "react-router-dom";
import * as api from "../api";
import { AfterSendPanel, type AfterSendAction } from "../components/AfterSendPanel";
import { DeliveriesTable } from "../components/DeliveriesTable";
import { ErrorAlert } from "../components/ErrorAlert";
import { formatEta, formatTime, isRunFinished } from "../components/format";
import { PageHeader } from "../components/PageHeader";
import { canRetryFailed, RunControls, type RunAction } from "../components/RunControls";
import { RunProgressBar } from "../components/RunProgressBar";
import { RunStatusTag, TestRunTag } from "../components/StatusTag";
import { retryOutcome, useAction, type Outcome } from "../hooks/useAction";
import { useLoader } from "../hooks/useLoader";
import { useRunProgress } from "../hooks/useRunProgress";
import { useT, type MessageKey, type Translate } from "../i18n";

type Live = { run: api.RunSummary; ratePerSec?: number; etaSecs?: number | null };

const settled = (run: api.RunSummary) => run.sent + run.failed + run.cancelled;

const STAT_STYLE = { minWidth: 110 };

/** The refusals of recall, read checks and reminders that the UI words itself. */
const AFTER_SEND_ERRORS = ["recall_nothing", "reads_not_reported", "reads_unavailable", "remind_nobody"];

/** `work`, with a refusal the UI knows put in the user's language (the core's text otherwise). */
async function inOwnWords<T>(work: Promise<T>, t: Translate): Promise<T> {
  try {
    return await work;
  } catch (reason) {
    const error = api.toCommandError(reason);
    if (!AFTER_SEND_ERRORS.includes(error.code)) throw error;
    const key = `afterSend.error.${error.code}` as MessageKey;
    throw new api.CommandError(error.code, t(key, error.params), error.params);
  }
}

function recallOutcome(r: api.RecallReport, t: Translate): Outcome {
  const done = t("afterSend.recalledMessage", { recalled: r.recalled, cancelled: r.cancelled });
  const missed = r.failed + r.notRecallable;
  return missed > 0
    ? { type: "info", text: `${done}；${t("afterSend.recallPartly", { count: missed })}` }
    : { type: "success", text: done };
}

export default function RunPage() {
  const t = useT();
  const runId = Number(useParams().id);
  const detail = useLoader(useCallback(() => api.runDetail(runId), [runId]));
  const [live, setLive] = useState<Live | null>(null);

  // A detail read that started before the latest event must not move the counts backwards.
  useEffect(() => {
    const fresh = detail.data?.run;
    // Another run (a reminder's link followed) starts afresh.
    if (fresh)
      setLive((prev) =>
        prev?.run.id !== fresh.id ? { run: fresh } : settled(prev.run) > settled(fresh) ? prev : { ...prev, run: fresh },
      );
  }, [detail.data]);

  useRunProgress((progress) => {
    if (progress.run.id !== runId) return;
    const wasFinished = live ? isRunFinished(live.run) : false;
    setLive({ run: progress.run, ratePerSec: progress.ratePerSec, etaSecs: progress.etaSecs });
    // Deliveries are only re-read when the run ends: thousands of rows ten times a second would stall.
    if (isRunFinished(progress.run) && !wasFinished) detail.reload(true);
  });

  const { busy, perform } = useAction();
  // An action's answer is the newest state: it replaces the live one even when counts go back
  // (a retry turns failed deliveries into waiting ones). Then the deliveries are re-read.
  const afterAction = (result: api.RunSummary | number | undefined) => {
    setLive(typeof result === "object" ? { run: result } : null);
    detail.reload(true);
  };
  const runAction = (action: RunAction) => {
    const done = (key: "run.pausedMessage" | "run.resumedMessage" | "run.cancelledMessage") =>
      (): Outcome => ({ type: "success", text: t(key) });
    switch (action) {
      case "pause":
        return perform(action, () => api.pauseRun(runId), done("run.pausedMessage"), afterAction);
      case "resume":
        return perform(action, () => api.resumeRun(runId), done("run.resumedMessage"), afterAction);
      case "cancel":
        return perform(action, () => api.cancelRun(runId), done("run.cancelledMessage"), afterAction);
      case "retry":
        return perform(action, () => api.retryFailedRun(runId), (n) => retryOutcome(n, t), afterAction);
    }
  };
  // Their answers are not this run's summary (a reminder's is the new run's): re-read it.
  const afterSendAction = (action: AfterSendAction) => {
    const reread = () => afterAction(undefined);
    switch (action) {
      case "recall":
        return perform(action, () => inOwnWords(api.recallRun(runId), t), (r) => recallOutcome(r, t), reread);
      case "reads":
        return perform(
          action,
          () => inOwnWords(api.refreshReads(runId), t),
          (r) => ({ type: "success", text: t("afterSend.readsRefreshed", { read: r.read, unread: r.unread }) }),
          reread,
        );
      case "remind":
        return perform(
          action,
          () => inOwnWords(api.remindUnread(runId), t),
          (r) => ({ type: "success", text: t("afterSend.remindedMessage", { count: r.total }) }),
          reread,
        );
    }
  };
  const retryDelivery = (d: api.DeliveryView) =>
    perform(`delivery-${d.id}`, () => api.retryFailedDelivery(d.id), (n) => retryOutcome(n, t), afterAction);

  if (!Number.isInteger(runId)) {
    return <Result status="404" title={t("run.notFound")} />;
  }
  const run = live?.run ?? detail.data?.run;
  const running = run !== undefined && !isRunFinished(run) && run.status !== "paused";
  const retryingId = busy?.startsWith("delivery-") ? Number(busy.slice("delivery-".length)) : null;

  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <PageHeader
        title={
          <Space>
            <span data-testid="run-title">{detail.data?.notice.title ?? run?.noticeTitle ?? t("run.loading")}</span>
            {run && <RunStatusTag status={run.status} data-testid="run-status" />}
            {run && <TestRunTag run={run} data-testid="run-test" />}
          </Space>
        }
        extra={
          <Space wrap>
            {run && <RunControls run={run} busy={busy} onAction={runAction} />}
            <Link to="/history">{t("run.backToHistory")}</Link>
            <Button icon={<ReloadOutlined />} onClick={() => detail.reload()} data-testid="run-refresh">
              {t("common.refresh")}
            </Button>
          </Space>
        }
      />
      <ErrorAlert error={detail.error} onRetry={() => detail.reload()} />
      {run?.reminderOf != null && (
        <Alert
          type="info"
          showIcon
          data-testid="run-reminder-of"
          message={
            <>
              {t("run.reminderOf")}
              <Link to={`/runs/${run.reminderOf}`}>{t("run.runLink", { id: run.reminderOf })}</Link>
            </>
          }
        />
      )}
      {run && (
        <Card>
          <RunProgressBar run={run} size={["100%", 20]} data-testid="run-progress" />
          <Flex wrap gap={24} style={{ marginTop: 16 }}>
            <Statistic style={STAT_STYLE} title={t("run.total")} value={run.total} data-testid="run-total" />
            <Statistic
              style={STAT_STYLE}
              title={t("run.sent")}
              value={run.sent}
              valueStyle={{ color: "#3f8600" }}
              data-testid="run-sent"
            />
            <Statistic
              style={STAT_STYLE}
              title={t("run.failed")}
              value={run.failed}
              valueStyle={run.failed ? { color: "#cf1322" } : undefined}
              data-testid="run-failed"
            />
            <Statistic style={STAT_STYLE} title={t("run.waiting")} value={run.waiting} data-testid="run-waiting" />
            <Statistic style={STAT_STYLE} title={t("run.retrying")} value={run.retrying} data-testid="run-retrying" />
            <Statistic style={STAT_STYLE} title={t("run.cancelled")} value={run.cancelled} data-testid="run-cancelled" />
            <Statistic
              style={STAT_STYLE}
              title={t("run.rate")}
              data-testid="run-rate"
              value={running && live?.ratePerSec !== undefined ? t("run.ratePerSec", { rate: live.ratePerSec.toFixed(1) }) : "—"}
            />
          </Flex>
          <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }} data-testid="run-note">
            {run.status === "paused"
              ? t("run.pausedNote")
              : running
                ? t("run.eta", { eta: formatEta(live?.etaSecs, t) })
                : t("run.finishedAt", { time: formatTime(run.finishedAt) })}
            {" · "}
            {t("run.startedAt", { time: formatTime(run.createdAt) })}
          </Typography.Paragraph>
        </Card>
      )}
      {detail.data && <AfterSendPanel afterSend={detail.data.afterSend} busy={busy} onAction={afterSendAction} />}
      <Card title={t("run.deliveries")} size="small">
        <DeliveriesTable
          showReads={detail.data?.afterSend.reads.reported}
          deliveries={detail.data?.deliveries ?? []}
          loading={detail.loading && !detail.data}
          onRetry={run && canRetryFailed(run) ? retryDelivery : undefined}
          retryingId={retryingId}
          disabled={busy !== null}
        />
      </Card>
    </Space>
  );
}
