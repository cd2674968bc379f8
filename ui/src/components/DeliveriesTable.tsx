import { Button, Table, Tag, Tooltip, Typography, type TableColumnsType } from "antd";
import type { AttemptView, DeliveryView } from "../api";
import { useT } from "../i18n";
import { formatTime, shownChannelName } from "./format";
import { DeliveryStatusTag, OutcomeTag, RecallTag } from "./StatusTag";

function AttemptLog({ attempts }: { attempts: AttemptView[] }) {
  const t = useT();
  const columns: TableColumnsType<AttemptView> = [
    { title: t("run.attemptNo"), dataIndex: "attemptNo", width: 70 },
    { title: t("run.attemptStarted"), dataIndex: "startedAt", render: formatTime, width: 170 },
    { title: t("run.attemptFinished"), dataIndex: "finishedAt", render: formatTime, width: 170 },
    {
      title: t("run.attemptOutcome"),
      dataIndex: "outcome",
      width: 110,
      render: (_: unknown, a) => <OutcomeTag outcome={a.outcome} />,
    },
    { title: t("run.attemptCode"), dataIndex: "providerCode", render: (v: string | null) => v ?? "—" },
    { title: t("run.attemptMessage"), dataIndex: "message", render: (v: string | null) => v ?? "—" },
    {
      title: t("run.attemptLatency"),
      dataIndex: "latencyMs",
      width: 110,
      render: (v: number | null) => (v === null ? "—" : v),
    },
  ];
  return (
    <Table<AttemptView>
      rowKey="id"
      size="small"
      columns={columns}
      dataSource={attempts}
      pagination={false}
      locale={{ emptyText: t("run.noAttempts") }}
    />
  );
}

type Props = {
  deliveries: DeliveryView[];
  loading?: boolean;
  /** When given, failed deliveries get a "retry" action. */
  onRetry?: (delivery: DeliveryView) => void;
  /** The delivery whose retry is under way, if any. */
  retryingId?: number | null;
  /** Another action is under way: retries wait for it. */
  disabled?: boolean;
  /** The run's channels report who has read a message: show each delivery's read status. */
  showReads?: boolean;
};

/** Read, unread when last checked, or not known ("—"). */
function ReadState({ delivery }: { delivery: DeliveryView }) {
  const t = useT();
  if (delivery.readAt) {
    return (
      <Tooltip title={formatTime(delivery.readAt)}>
        <Tag color="green">{t("run.readYes")}</Tag>
      </Tooltip>
    );
  }
  if (delivery.readCheckedAt && delivery.status === "sent" && delivery.recallState !== "recalled") {
    return <Tag color="orange">{t("run.readNo")}</Tag>;
  }
  return <>—</>;
}

export function DeliveriesTable({ deliveries, loading, onRetry, retryingId, disabled, showReads }: Props) {
  const t = useT();
  const columns: TableColumnsType<DeliveryView> = [
    { title: t("run.recipient"), dataIndex: "contactName" },
    { title: t("run.channel"), dataIndex: "channelName", render: (name: string) => shownChannelName(name, t) },
    { title: t("run.address"), dataIndex: "address" },
    {
      title: t("run.status"),
      dataIndex: "status",
      width: 110,
      render: (_: unknown, d) => <DeliveryStatusTag status={d.status} />,
    },
    { title: t("run.attempts"), dataIndex: "attempts", width: 80 },
    {
      title: t("run.lastError"),
      dataIndex: "lastError",
      render: (v: string | null) =>
        v ? (
          <Typography.Text type="danger" ellipsis={{ tooltip: v }} style={{ maxWidth: 260 }}>
            {v}
          </Typography.Text>
        ) : (
          "—"
        ),
    },
    { title: t("run.sentAt"), dataIndex: "sentAt", render: formatTime, width: 170 },
  ];
  if (showReads) {
    columns.push({
      title: t("run.readColumn"),
      key: "read",
      width: 100,
      render: (_: unknown, d) => <ReadState delivery={d} />,
    });
  }
  if (deliveries.some((d) => Boolean(d.recallState))) {
    columns.push({
      title: t("run.recallColumn"),
      key: "recall",
      width: 110,
      render: (_: unknown, d) => (d.recallState ? <RecallTag state={d.recallState} note={d.recallNote} /> : "—"),
    });
  }
  if (onRetry) {
    columns.push({
      title: t("common.actions"),
      key: "actions",
      width: 90,
      render: (_: unknown, d) =>
        d.status === "failed" && (
          <Button
            size="small"
            type="link"
            loading={retryingId === d.id}
            disabled={disabled && retryingId !== d.id}
            onClick={() => onRetry(d)}
            data-testid={`delivery-retry-${d.id}`}
          >
            {t("run.retryDelivery")}
          </Button>
        ),
    });
  }
  return (
    <Table<DeliveryView>
      rowKey="id"
      size="middle"
      columns={columns}
      dataSource={deliveries}
      loading={loading}
      pagination={{ pageSize: 50, hideOnSinglePage: true, showSizeChanger: false }}
      expandable={{ expandedRowRender: (d) => <AttemptLog attempts={d.attemptLog} /> }}
      locale={{ emptyText: t("run.noDeliveries") }}
      data-testid="run-deliveries"
    />
  );
}
