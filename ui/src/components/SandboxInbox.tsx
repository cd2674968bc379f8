import { ReloadOutlined } from "@ant-design/icons";
import { Button, Card, Table, Typography, type TableColumnsType } from "antd";
import { useCallback } from "react";
import * as api from "../api";
import { useLoader } from "../hooks/useLoader";
import { useT } from "../i18n";
import { ErrorAlert } from "./ErrorAlert";
import { formatTime, shownChannelName } from "./format";

const INBOX_LIMIT = 200;

/** What the sandbox channel "delivered": lets staff try Herald without sending to anyone. */
export function SandboxInbox() {
  const t = useT();
  const messages = useLoader(useCallback(() => api.listSandboxMessages(INBOX_LIMIT), []));
  const columns: TableColumnsType<api.SandboxMessage> = [
    { title: t("sandbox.recipient"), dataIndex: "recipient" },
    { title: t("sandbox.subject"), dataIndex: "subject" },
    {
      title: t("sandbox.channel"),
      dataIndex: "channelName",
      width: 140,
      render: (name: string) => shownChannelName(name, t),
    },
    { title: t("sandbox.receivedAt"), dataIndex: "receivedAt", render: formatTime, width: 180 },
  ];
  return (
    <Card
      title={t("sandbox.title")}
      size="small"
      data-testid="sandbox-inbox"
      extra={
        <Button
          size="small"
          icon={<ReloadOutlined />}
          onClick={() => messages.reload()}
          data-testid="sandbox-refresh"
        >
          {t("common.refresh")}
        </Button>
      }
    >
      <ErrorAlert error={messages.error} onRetry={() => messages.reload()} />
      <Table<api.SandboxMessage>
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={messages.data ?? []}
        loading={messages.loading}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        expandable={{
          expandedRowRender: (m) => (
            <Typography.Paragraph style={{ whiteSpace: "pre-wrap", margin: 0 }}>{m.body}</Typography.Paragraph>
          ),
        }}
        locale={{ emptyText: t("sandbox.empty") }}
      />
    </Card>
  );
}
