import { Table, Typography, type TableColumnsType } from "antd";
import { Link, useNavigate } from "react-router-dom";
import type { RunProgress, RunSummary } from "../api";
import { useT } from "../i18n";
import { formatEta, formatTime } from "./format";
import { RunProgressBar } from "./RunProgressBar";
import { RunStatusTag, TestRunTag } from "./StatusTag";

type Props = {
  runs: RunSummary[];
  loading?: boolean;
  /** History shows the counts; the dashboard's short list leaves them out. */
  showCounts?: boolean;
  pageSize?: number | false;
  /** The latest progress event per run: sending runs show its rate and time left. */
  rates?: ReadonlyMap<number, RunProgress>;
  "data-testid"?: string;
};

export function RunsTable({ runs, loading, showCounts = false, pageSize = 20, rates, ...rest }: Props) {
  const t = useT();
  const navigate = useNavigate();
  const columns: TableColumnsType<RunSummary> = [
    {
      title: t("runs.noticeTitle"),
      dataIndex: "noticeTitle",
      render: (title: string, run) => (
        <Link to={`/runs/${run.id}`} data-testid={`run-link-${run.id}`}>
          {title}
          <TestRunTag run={run} data-testid={`run-test-${run.id}`} />
        </Link>
      ),
    },
    { title: t("runs.startedAt"), dataIndex: "createdAt", render: formatTime, width: 180 },
    {
      title: t("runs.status"),
      dataIndex: "status",
      width: 110,
      render: (_: unknown, run) => (
        <RunStatusTag status={run.status} data-testid={`run-status-${run.id}`} />
      ),
    },
    ...(showCounts
      ? [
          { title: t("runs.total"), dataIndex: "total", width: 80 },
          { title: t("runs.sent"), dataIndex: "sent", width: 80 },
          { title: t("runs.failed"), dataIndex: "failed", width: 80 },
        ]
      : []),
    {
      title: t("runs.progress"),
      key: "progress",
      width: 200,
      render: (_: unknown, run) => {
        const live = run.status === "sending" ? rates?.get(run.id) : undefined;
        return (
          <>
            <RunProgressBar run={run} />
            {live && (
              <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid={`run-rate-${run.id}`}>
                {t("runs.rateEta", { rate: live.ratePerSec.toFixed(1), eta: formatEta(live.etaSecs, t) })}
              </Typography.Text>
            )}
          </>
        );
      },
    },
  ];
  return (
    <Table<RunSummary>
      rowKey="id"
      size="middle"
      columns={columns}
      dataSource={runs}
      loading={loading}
      pagination={pageSize === false ? false : { pageSize, hideOnSinglePage: true }}
      onRow={(run) => ({
        onClick: () => navigate(`/runs/${run.id}`),
        style: { cursor: "pointer" },
      })}
      locale={{ emptyText: t("runs.empty") }}
      {...rest}
    />
  );
}
