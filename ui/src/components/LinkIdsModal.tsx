import { Alert, Button, Modal, Select, Space, Table, Tag, Typography } from "antd";
import { useCallback, useState } from "react";
import * as api from "../api";
import { useLoader } from "../hooks/useLoader";
import { useT } from "../i18n";

/**
 * "查找平台账号": through an app channel, look up the platform ids (WeCom userids …) of
 * contacts who have a mobile but no id; show who was found, then store them on confirmation.
 */
export function LinkIdsModal({ open, onClose, onStored }: { open: boolean; onClose: () => void; onStored: () => void }) {
  const t = useT();
  const channels = useLoader(useCallback(() => (open ? api.listChannels() : Promise.resolve([])), [open]));
  const kinds = useLoader(useCallback(() => (open ? api.channelKinds() : Promise.resolve([])), [open]));
  const finders = new Set((kinds.data ?? []).filter((k) => k.findsIds).map((k) => k.id));
  const usable = (channels.data ?? []).filter((c) => finders.has(c.kind));
  const [channel, setChannel] = useState<string>();
  const [report, setReport] = useState<api.LinkIdsReport>();
  const [busy, setBusy] = useState<"look" | "store" | null>(null);
  const [error, setError] = useState<string>();

  const run = async (dryRun: boolean) => {
    if (!channel) return;
    setBusy(dryRun ? "look" : "store");
    setError(undefined);
    try {
      const r = await api.linkIds(channel, dryRun);
      setReport(r);
      if (!dryRun) onStored();
    } catch (reason) {
      setError(api.toCommandError(reason).message);
    } finally {
      setBusy(null);
    }
  };

  return (
    <Modal
      open={open}
      title={t("linkIds.title")}
      onCancel={onClose}
      width={720}
      destroyOnHidden
      footer={
        <Space>
          <Button onClick={onClose} data-testid="link-ids-close">
            {t("common.close")}
          </Button>
          <Button
            type="primary"
            disabled={!report || report.dryRun === false || report.found === 0}
            loading={busy === "store"}
            onClick={() => run(false)}
            data-testid="link-ids-store"
          >
            {t("linkIds.store", { count: report?.found ?? 0 })}
          </Button>
        </Space>
      }
    >
      <Typography.Paragraph type="secondary">{t("linkIds.hint")}</Typography.Paragraph>
      <Space style={{ marginBottom: 16 }}>
        <Select
          style={{ width: 260 }}
          placeholder={t("linkIds.channel")}
          value={channel}
          onChange={(v) => {
            setChannel(v);
            setReport(undefined);
          }}
          options={usable.map((c) => ({ value: c.name, label: c.name }))}
          notFoundContent={t("linkIds.noChannel")}
          data-testid="link-ids-channel"
        />
        <Button onClick={() => run(true)} disabled={!channel} loading={busy === "look"} data-testid="link-ids-look">
          {t("linkIds.look")}
        </Button>
      </Space>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} />}
      {report && (
        <>
          <Alert
            type={report.dryRun ? "info" : "success"}
            showIcon
            data-testid="link-ids-summary"
            style={{ marginBottom: 16 }}
            message={
              report.dryRun
                ? t("linkIds.summary", { found: report.found, notFound: report.notFound, failed: report.failed })
                : t("linkIds.stored", { count: report.stored })
            }
          />
          <Table<api.LinkedContact>
            size="small"
            rowKey="contactId"
            pagination={{ pageSize: 8 }}
            dataSource={report.contacts}
            columns={[
              { title: t("contacts.name"), dataIndex: "name" },
              {
                title: t("linkIds.result"),
                key: "result",
                render: (_: unknown, c) =>
                  c.id ? (
                    <Tag color="green">{c.id}</Tag>
                  ) : c.error ? (
                    <Typography.Text type="danger">{c.error}</Typography.Text>
                  ) : (
                    <Tag>{t("linkIds.notFound")}</Tag>
                  ),
              },
            ]}
          />
        </>
      )}
    </Modal>
  );
}
