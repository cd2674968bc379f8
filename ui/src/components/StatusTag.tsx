import { Tag, Tooltip } from "antd";
import type {
  AttemptOutcome,
  DeliveryStatus,
  NoticeStage,
  RecallState,
  RunStatus,
} from "../api";
import { useT, type MessageKey } from "../i18n";

const RUN_COLORS: Record<RunStatus, string> = {
  pending: "default",
  fanning_out: "processing",
  sending: "blue",
  paused: "orange",
  completed: "green",
  cancelled: "default",
};

const DELIVERY_COLORS: Record<DeliveryStatus, string> = {
  queued: "default",
  deferred: "gold",
  sending: "blue",
  retry_wait: "orange",
  sent: "green",
  failed: "red",
  cancelled: "default",
};

const NOTICE_COLORS: Record<NoticeStage, string> = {
  draft: "default",
  scheduled: "purple",
  sending: "blue",
  sent: "green",
  archived: "default",
};

const OUTCOME_COLORS: Record<AttemptOutcome, string> = {
  sent: "green",
  retry: "orange",
  permanent: "red",
  interrupted: "default",
  recalled: "purple",
  recall_failed: "volcano",
};

const RECALL_COLORS: Record<RecallState, string> = {
  recalled: "purple",
  failed: "volcano",
  not_recallable: "default",
};

const HEALTH_COLORS: Record<string, string> = { ok: "green", degraded: "orange", paused: "red" };

type TestIdProps = { "data-testid"?: string };

export function RunStatusTag({ status, ...rest }: { status: RunStatus } & TestIdProps) {
  const t = useT();
  return (
    <Tag color={RUN_COLORS[status]} {...rest}>
      {t(`status.run.${status}`)}
    </Tag>
  );
}

export function DeliveryStatusTag({ status }: { status: DeliveryStatus }) {
  const t = useT();
  return <Tag color={DELIVERY_COLORS[status]}>{t(`status.delivery.${status}`)}</Tag>;
}

/** Where a notice is: a draft, scheduled, its latest run still sending, sent. */
export function NoticeStageTag({ stage }: { stage: NoticeStage }) {
  const t = useT();
  return <Tag color={NOTICE_COLORS[stage]}>{t(`status.notice.${stage}`)}</Tag>;
}

export function OutcomeTag({ outcome }: { outcome: AttemptOutcome }) {
  const t = useT();
  return <Tag color={OUTCOME_COLORS[outcome]}>{t(`status.outcome.${outcome}`)}</Tag>;
}

/** What became of a delivery's recall; the note (why not) on hover. */
export function RecallTag({ state, note }: { state: RecallState; note?: string | null }) {
  const t = useT();
  const tag = <Tag color={RECALL_COLORS[state]}>{t(`status.recall.${state}`)}</Tag>;
  return note ? <Tooltip title={note}>{tag}</Tooltip> : tag;
}

/** Health is a free string in the contract; unknown values are shown as they come. */
export function HealthTag({ health, ...rest }: { health: string } & TestIdProps) {
  const t = useT();
  const known = health in HEALTH_COLORS;
  return (
    <Tag color={HEALTH_COLORS[health] ?? "default"} {...rest}>
      {known ? t(`status.health.${health}` as MessageKey) : health}
    </Tag>
  );
}

/** 测试: a run that went to the user alone (发给我自己试试), not the notice's send. */
export function TestRunTag({ run, ...rest }: { run: { test: boolean }; "data-testid"?: string }) {
  const t = useT();
  return run.test ? (
    <Tag color="purple" {...rest}>
      {t("history.testTag")}
    </Tag>
  ) : null;
}
