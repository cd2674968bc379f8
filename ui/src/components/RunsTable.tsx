import { Table, type TableColumnsType } from "antd";
import { Link, useNavigate } from "react-router-dom";
import type { RunSummary } from "../api";
import { useT } from "../i18n";
import { formatTime } from "./format";
import { RunProgressBar } from "./RunProgressBar";
import { RunStatusTag } from "./StatusTag";

type Props = {
  runs: RunSummary[];
  loading?: boolean;
  /** History shows the counts; the dashboard's short list leaves them out. */
  showCounts?: boolean;
  pageSize?: number | false;
  "data-testid"?: string;
};

export function RunsTable({ runs, loading, showCounts = false, pageSize = 20, ...rest }: Props) {
  const t = useT();
  const navigate = useNavigate();
  const columns: TableColumnsType<RunSummary> = [
    {
      title: t("runs.noticeTitle"),
      dataIndex: "noticeTitle",
      render: (title: string, run) => (
        <Link to={`/runs/${run.id}`} data-testid={`run-link-${run.id}`}>
          {title}
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
      render: (_: unknown, run) => <RunProgressBar run={run} />,
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
