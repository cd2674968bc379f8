import { Progress, type ProgressProps } from "antd";
import type { RunSummary } from "../api";
import { isRunFinished, runPercent } from "./format";

type Props = {
  run: RunSummary;
  size?: ProgressProps["size"];
  "data-testid"?: string;
};

const FAILED_COLOR = "#ff4d4f";

/**
 * (sent + failed) / total. Sent shows as the green segment and failed as the red rest, so a
 * glance tells how many went wrong; the text is always the percentage, never an icon.
 */
export function RunProgressBar({ run, size = "small", ...rest }: Props) {
  const running = !isRunFinished(run) && run.status !== "paused";
  const sentPercent = run.total > 0 ? Math.floor((run.sent / run.total) * 100) : 0;
  return (
    <Progress
      percent={runPercent(run)}
      success={{ percent: sentPercent }}
      strokeColor={run.failed > 0 ? FAILED_COLOR : undefined}
      status={running ? "active" : "normal"}
      format={(percent) => `${percent ?? 0}%`}
      size={size}
      {...rest}
    />
  );
}
