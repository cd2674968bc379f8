import { BarChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import ReactEChartsCore from "echarts-for-react/lib/core";
import { useMemo } from "react";
import type { ChannelReach } from "../api";
import { useT, type MessageKey } from "../i18n";
import { shownChannelName } from "./format";

echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** The parts of a channel's bar, in the order drawn, with their colours. */
const PARTS: { key: keyof ChannelReach; label: MessageKey; color: string }[] = [
  { key: "reachable", label: "audience.reachable", color: "#52c41a" },
  { key: "noAddress", label: "audience.noAddress", color: "#bfbfbf" },
  { key: "invalidAddress", label: "audience.invalidAddress", color: "#fa8c16" },
  { key: "optedOut", label: "audience.optedOut", color: "#9254de" },
];

/** One horizontal stacked bar per channel: who it reaches, and why the others are not reached. */
export function AudienceReachChart({ channels }: { channels: ChannelReach[] }) {
  const t = useT();
  const option = useMemo(
    () => ({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { data: PARTS.map((p) => t(p.label)), top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: channels.map((c) => shownChannelName(c.channelName, t)) },
      series: PARTS.map((part) => ({
        name: t(part.label),
        type: "bar",
        stack: "people",
        barMaxWidth: 22,
        itemStyle: { color: part.color },
        data: channels.map((c) => c[part.key] as number),
      })),
    }),
    [channels, t],
  );
  return (
    <ReactEChartsCore echarts={echarts} option={option} notMerge style={{ height: 56 + 34 * channels.length }} />
  );
}
