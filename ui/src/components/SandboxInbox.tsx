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
            <>
              {/* As a mail client shows it, in a frame that runs no script and reaches nothing. */}
              <iframe
                title={m.subject}
                sandbox=""
                srcDoc={m.html}
                data-testid={`sandbox-html-${m.id}`}
                style={{ width: "100%", height: 280, border: "1px solid #f0f0f0", borderRadius: 6 }}
              />
              <Typography.Text type="secondary">{t("sandbox.source")}</Typography.Text>
              <Typography.Paragraph style={{ whiteSpace: "pre-wrap", margin: 0 }} data-testid={`sandbox-source-${m.id}`}>
                {m.body}
              </Typography.Paragraph>
            </>
          ),
        }}
        locale={{ emptyText: t("sandbox.empty") }}
      />
    </Card>
  );
}
