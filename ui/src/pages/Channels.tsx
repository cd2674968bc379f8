import {
  CaretRightOutlined,
  EditOutlined,
  PauseOutlined,
  PlusOutlined,
  RedoOutlined,
  SendOutlined,
} from "@ant-design/icons";
import { Alert, App, Button, Space, Table, Tag, Typography, type TableColumnsType } from "antd";
import { useCallback, useState } from "react";
import * as api from "../api";
import { ChannelTestModal } from "../components/ChannelTestModal";
import { KindChannelModal } from "../components/KindChannelModal";
import { KindPicker } from "../components/KindPicker";
import { KindTestModal } from "../components/KindTestModal";
import { ErrorAlert } from "../components/ErrorAlert";
import { PageHeader } from "../components/PageHeader";
import { SandboxInbox } from "../components/SandboxInbox";
import { HealthTag } from "../components/StatusTag";
import { kindLabel } from "../hooks/useKindLabel";
import { retryOutcome, useAction, type Outcome } from "../hooks/useAction";
import { useLoader } from "../hooks/useLoader";
import { useLanguage, useT } from "../i18n";
import { shownChannelName } from "../components/format";

export default function Channels() {
  const t = useT();
  const { language } = useLanguage();
  const { message } = App.useApp();
  const channels = useLoader(useCallback(() => api.listChannels(), []));
  const kinds = useLoader(useCallback(() => api.channelKinds(), []));
  // Kinds that post into one group chat, or send to anyone (a webhook): their test needs no recipient.
  const groupKinds = new Set(
    (kinds.data ?? []).filter((k) => k.recipients.to === "group" || k.recipients.to === "anyone").map((k) => k.id),
  );
  // Kinds described by a schema that write to each person: their test asks whom to.
  // (E-mail keeps its own test, which also shows the server's reply.)
  const personKinds = new Set(
    (kinds.data ?? []).filter((k) => k.recipients.to === "person" && k.id !== "smtp").map((k) => k.id),
  );
  const [testingPerson, setTestingPerson] = useState<api.Channel>();
  const { busy, perform } = useAction();
  const [testing, setTesting] = useState<api.Channel>();
  const [picking, setPicking] = useState(false);
  const [addingKind, setAddingKind] = useState<api.KindInfo>();
  const [editingKind, setEditingKind] = useState<api.Channel>();
  const kindOf = (c: api.Channel | undefined) => (kinds.data ?? []).find((k) => k.id === c?.kind);
  const refresh = () => channels.reload(true);

  const pick = (kind: api.KindInfo) => {
    setPicking(false);
    setAddingKind(kind);
  };
  // A robot's test goes into its group: nothing to ask, the platform's answer is shown.
  const testGroup = (c: api.Channel) =>
    perform(
      `test-${c.name}`,
      () => api.testChannel(c.name),
      (r): Outcome => {
        if (!r.ok) throw new api.CommandError("test_failed", t("kinds.testFailed", { reason: r.reply }));
        return { type: "success", text: t("kinds.testOk", { name: c.name }) };
      },
      refresh,
    );

  const done = (key: "channels.pausedMessage" | "channels.resumedMessage", name: string) => (): Outcome => ({
    type: "success",
    text: t(key, { name }),
  });
  const pause = (c: api.Channel) =>
    perform(`pause-${c.name}`, () => api.pauseChannel(c.name), done("channels.pausedMessage", c.name), refresh);
  const resume = (c: api.Channel) =>
    perform(`resume-${c.name}`, () => api.resumeChannel(c.name), done("channels.resumedMessage", c.name), refresh);
  const retryFailed = (c: api.Channel) =>
    perform(`retry-${c.name}`, () => api.retryFailedChannel(c.id), (n) => retryOutcome(n, t), refresh);
  const button = (key: string) => ({
    size: "small" as const,
    loading: busy === key,
    disabled: busy !== null && busy !== key,
  });

  const columns: TableColumnsType<api.Channel> = [
    { title: t("channels.name"), dataIndex: "name", render: (name: string) => shownChannelName(name, t) },
    { title: t("channels.kind"), dataIndex: "kind", render: (kind: api.ChannelKind) => kindLabel(kind, kinds.data, language, t) },
    {
      title: t("channels.enabled"),
      dataIndex: "enabled",
      render: (enabled: boolean) => (
        <Tag color={enabled ? "green" : "default"}>{enabled ? t("common.yes") : t("common.no")}</Tag>
      ),
    },
    {
      title: t("channels.health"),
      dataIndex: "health",
      render: (health: string, c) => <HealthTag health={health} data-testid={`channel-health-${c.name}`} />,
    },
    {
      title: t("channels.failures"),
      dataIndex: "consecutiveFailures",
      width: 100,
      render: (n: number, c) => (
        <Typography.Text type={n > 0 ? "danger" : undefined} data-testid={`channel-failures-${c.name}`}>
          {n}
        </Typography.Text>
      ),
    },
    {
      // The whole reason, never cut short: it tells staff what to fix before resuming.
      title: t("channels.pausedReason"),
      dataIndex: "pausedReason",
      render: (reason: string | null, c) =>
        c.paused ? (
          <Typography.Text type="danger" style={{ whiteSpace: "pre-wrap" }} data-testid={`channel-reason-${c.name}`}>
            {reason ?? t("channels.pausedNoReason")}
          </Typography.Text>
        ) : (
          "—"
        ),
    },
    {
      title: t("common.actions"),
      key: "actions",
      render: (_: unknown, c) => (
        <Space wrap size="small">
          {kindOf(c) && (
            <Button
              size="small"
              icon={<EditOutlined />}
              onClick={() => setEditingKind(c)}
              disabled={busy !== null}
              data-testid={`channel-edit-${c.name}`}
            >
              {t("channels.edit")}
            </Button>
          )}
          {personKinds.has(c.kind) && (
            <Button
              size="small"
              icon={<SendOutlined />}
              onClick={() => setTestingPerson(c)}
              disabled={busy !== null}
              data-testid={`channel-test-${c.name}`}
            >
              {t("kinds.testAction")}
            </Button>
          )}
          {groupKinds.has(c.kind) && (
            <Button
              icon={<SendOutlined />}
              onClick={() => testGroup(c)}
              data-testid={`channel-test-${c.name}`}
              {...button(`test-${c.name}`)}
            >
              {t("kinds.testAction")}
            </Button>
          )}
          {c.kind === "smtp" && (
            <Button
              size="small"
              icon={<SendOutlined />}
              onClick={() => setTesting(c)}
              disabled={busy !== null}
              data-testid={`channel-test-${c.name}`}
            >
              {t("channelTest.action")}
            </Button>
          )}
          {c.paused ? (
            <Button
              icon={<CaretRightOutlined />}
              onClick={() => resume(c)}
              data-testid={`channel-resume-${c.name}`}
              {...button(`resume-${c.name}`)}
            >
              {t("channels.resume")}
            </Button>
          ) : (
            <Button
              icon={<PauseOutlined />}
              onClick={() => pause(c)}
              data-testid={`channel-pause-${c.name}`}
              {...button(`pause-${c.name}`)}
            >
              {t("channels.pause")}
            </Button>
          )}
          <Button
            icon={<RedoOutlined />}
            onClick={() => retryFailed(c)}
            data-testid={`channel-retry-failed-${c.name}`}
            {...button(`retry-${c.name}`)}
          >
            {t("channels.retryFailed")}
          </Button>
        </Space>
      ),
    },
  ];
  const hasSandbox = (channels.data ?? []).some((c) => c.kind === "sandbox");
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <PageHeader
        title={t("channels.title")}
        extra={
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setPicking(true)} data-testid="channel-add">
            {t("kinds.add")}
          </Button>
        }
      />
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
      <ChannelTestModal channel={testing} onClose={() => setTesting(undefined)} />
      <KindTestModal channel={testingPerson} onClose={() => setTestingPerson(undefined)} />
      <KindPicker open={picking} onClose={() => setPicking(false)} onPick={pick} />
      <KindChannelModal
        kind={addingKind ?? kindOf(editingKind)}
        editing={addingKind ? undefined : editingKind}
        onClose={() => {
          setAddingKind(undefined);
          setEditingKind(undefined);
        }}
        onSaved={(channel) => {
          message.success(t(editingKind ? "channels.updated" : "channels.added", { name: channel.name }));
          setAddingKind(undefined);
          setEditingKind(undefined);
          refresh();
        }}
      />
    </Space>
  );
}
