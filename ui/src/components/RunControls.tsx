import { CaretRightOutlined, PauseOutlined, RedoOutlined, StopOutlined } from "@ant-design/icons";
import { Button, Popconfirm } from "antd";
import type { RunSummary } from "../api";
import { useT } from "../i18n";

export type RunAction = "pause" | "resume" | "cancel" | "retry";

type Props = {
  run: RunSummary;
  /** The action under way, if any: the others wait for it. */
  busy: string | null;
  onAction: (action: RunAction) => Promise<void>;
};

/**
 * Failed deliveries of a cancelled run stay put: the backend only sends for runs that are
 * sending, so queueing them again would leave them waiting for ever.
 */
export function canRetryFailed(run: RunSummary): boolean {
  return run.status !== "cancelled";
}

/** Pause / resume / cancel / retry failed, each shown only when the run's state allows it. */
export function RunControls({ run, busy, onAction }: Props) {
  const t = useT();
  const sending = run.status === "sending";
  const paused = run.status === "paused";
  const button = (action: RunAction) => ({
    loading: busy === action,
    disabled: busy !== null && busy !== action,
  });
  return (
    <>
      {sending && (
        <Button icon={<PauseOutlined />} onClick={() => onAction("pause")} data-testid="run-pause" {...button("pause")}>
          {t("run.pause")}
        </Button>
      )}
      {paused && (
        <Button
          type="primary"
          icon={<CaretRightOutlined />}
          onClick={() => onAction("resume")}
          data-testid="run-resume"
          {...button("resume")}
        >
          {t("run.resume")}
        </Button>
      )}
      {(sending || paused) && (
        <Popconfirm
          title={t("run.cancelConfirmTitle")}
          description={t("run.cancelConfirmText")}
          okText={t("run.cancelConfirmOk")}
          cancelText={t("run.cancelConfirmBack")}
          okButtonProps={{ danger: true, "data-testid": "run-cancel-confirm" }}
          cancelButtonProps={{ "data-testid": "run-cancel-back" }}
          onConfirm={() => onAction("cancel")}
        >
          <Button danger icon={<StopOutlined />} data-testid="run-cancel" {...button("cancel")}>
            {t("run.cancel")}
          </Button>
        </Popconfirm>
      )}
      {run.failed > 0 && canRetryFailed(run) && (
        <Button icon={<RedoOutlined />} onClick={() => onAction("retry")} data-testid="run-retry-failed" {...button("retry")}>
          {t("run.retryFailed")}
        </Button>
      )}
    </>
  );
}
