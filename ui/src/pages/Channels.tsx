import { Alert, Space, Table, Tag, type TableColumnsType } from "antd";
import { useCallback } from "react";
import * as api from "../api";
import { ErrorAlert } from "../components/ErrorAlert";
import { PageHeader } from "../components/PageHeader";
import { SandboxInbox } from "../components/SandboxInbox";
import { HealthTag, channelKindLabel } from "../components/StatusTag";
import { useLoader } from "../hooks/useLoader";
import { useT } from "../i18n";

export default function Channels() {
  const t = useT();
  const channels = useLoader(useCallback(() => api.listChannels(), []));
  const columns: TableColumnsType<api.Channel> = [
    { title: t("channels.name"), dataIndex: "name" },
    { title: t("channels.kind"), dataIndex: "kind", render: (kind: api.ChannelKind) => channelKindLabel(kind, t) },
    {
      title: t("channels.enabled"),
      dataIndex: "enabled",
      render: (enabled: boolean) => (
        <Tag color={enabled ? "green" : "default"}>{enabled ? t("common.yes") : t("common.no")}</Tag>
      ),
    },
    { title: t("channels.health"), dataIndex: "health", render: (health: string) => <HealthTag health={health} /> },
    {
      title: t("channels.pausedReason"),
      dataIndex: "pausedReason",
      render: (reason: string | null, c) => (c.paused ? reason ?? t("channels.pausedNoReason") : "—"),
    },
  ];
  const hasSandbox = (channels.data ?? []).some((c) => c.kind === "sandbox");
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <PageHeader title={t("channels.title")} />
      <ErrorAlert error={channels.error} onRetry={() => channels.reload()} />
      <Table<api.Channel>
        rowKey="id"
        columns={columns}
        dataSource={channels.data ?? []}
        loading={channels.loading}
        pagination={false}
        locale={{ emptyText: t("channels.empty") }}
        data-testid="channels-table"
      />
      <Alert type="info" showIcon message={t("channels.laterNote")} />
      {hasSandbox && <SandboxInbox />}
    </Space>
  );
}
