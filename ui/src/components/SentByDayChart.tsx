import { BarChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import ReactEChartsCore from "echarts-for-react/lib/core";
import { Empty } from "antd";
import { useMemo } from "react";
import type { DayCount } from "../api";
import { useT } from "../i18n";

// Registering only what the chart uses keeps most of ECharts out of the bundle.
echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export function SentByDayChart({ days }: { days: DayCount[] }) {
  const t = useT();
  const option = useMemo(
    () => ({
      tooltip: { trigger: "axis" },
      legend: { data: [t("dashboard.chartSent"), t("dashboard.chartFailed")] },
      grid: { left: 40, right: 16, top: 40, bottom: 24 },
      // Days are UTC calendar days (YYYY-MM-DD); the month and day are enough on the axis.
      xAxis: { type: "category", data: days.map((d) => d.day.slice(5)) },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        {
          name: t("dashboard.chartSent"),
          type: "bar",
          stack: "total",
          itemStyle: { color: "#52c41a" },
          data: days.map((d) => d.sent),
        },
        {
          name: t("dashboard.chartFailed"),
          type: "bar",
          stack: "total",
          itemStyle: { color: "#ff4d4f" },
          data: days.map((d) => d.failed),
        },
      ],
    }),
    [days, t],
  );
  // Axes over nothing read as a broken chart: say plainly there is nothing yet.
  if (days.every((d) => d.sent === 0 && d.failed === 0)) {
    return (
      <Empty
        image={Empty.PRESENTED_IMAGE_SIMPLE}
        description={t("dashboard.chartEmpty")}
        style={{ height: 260, display: "flex", flexDirection: "column", justifyContent: "center" }}
        data-testid="sent-by-day-empty"
      />
    );
  }
  return (
    <ReactEChartsCore
      echarts={echarts}
      option={option}
      notMerge
      style={{ height: 260 }}
    />
  );
}
