import { PieChart } from "echarts/charts";
import { LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import ReactEChartsCore from "echarts-for-react/lib/core";
import { useMemo } from "react";
import type { ReadCounts } from "../api";
import { useT, type MessageKey } from "../i18n";

// Registering only what the chart uses keeps most of ECharts out of the bundle.
echarts.use([PieChart, LegendComponent, TooltipComponent, CanvasRenderer]);

const PARTS: { key: "read" | "unread" | "unknown"; label: MessageKey; color: string }[] = [
  { key: "read", label: "afterSend.read", color: "#52c41a" },
  { key: "unread", label: "afterSend.unread", color: "#fa8c16" },
  { key: "unknown", label: "afterSend.unknown", color: "#d9d9d9" },
];

/** A ring of read / unread / unknown, as last checked. */
export function ReadStatusChart({ reads }: { reads: ReadCounts }) {
  const t = useT();
  const option = useMemo(
    () => ({
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { bottom: 0 },
      series: [
        {
          type: "pie",
          radius: ["45%", "70%"],
          avoidLabelOverlap: true,
          label: { show: false },
          data: PARTS.map((p) => ({ name: t(p.label), value: reads[p.key], itemStyle: { color: p.color } })),
        },
      ],
    }),
    [reads, t],
  );
  return <ReactEChartsCore echarts={echarts} option={option} notMerge style={{ height: 200, width: 260 }} />;
}
