import { Alert, App, Button, Input, Modal, Space, Table, Tag, Typography } from "antd";
import { useEffect, useState } from "react";
import * as api from "../api";
import { useT } from "../i18n";

/**
 * Records unsubscribe requests that came back by e-mail (notices sent with "允许退订" point
 * them at the office's mailbox). The secretary pastes the mails or their addresses, sees who
 * they are, and confirms; nothing changes before that.
 */
export function UnsubscribeModal({
  open,
  onClose,
  onRecorded,
}: {
  open: boolean;
  onClose: () => void;
  /** After opt-outs were recorded, so the list can reload. */
  onRecorded: () => void;
}) {
  const t = useT();
  const { message } = App.useApp();
  const [text, setText] = useState("");
  const [found, setFound] = useState<api.UnsubscribeReport>();
  const [error, setError] = useState<api.CommandError>();
  const [busy, setBusy] = useState<"find" | "apply">();

  useEffect(() => {
    if (open) {
      setText("");
      setFound(undefined);
      setError(undefined);
    }
  }, [open]);

  const run = async (apply: boolean) => {
    setBusy(apply ? "apply" : "find");
    setError(undefined);
    try {
      const report = await api.recordUnsubscribes(text, apply);
      if (apply) {
        message.success(t("unsubscribe.done", { count: report.optedOut }));
        onRecorded();
        onClose();
      } else {
        setFound(report);
      }
    } catch (reason) {
      setError(api.toCommandError(reason));
    } finally {
      setBusy(undefined);
    }
  };

  const toOptOut = found?.matched.filter((m) => !m.already).length ?? 0;
  const nothingFound = found !== undefined && found.matched.length === 0 && found.unknown.length === 0;

  return (
    <Modal
      open={open}
      title={t("unsubscribe.title")}
      width={720}
      onCancel={onClose}
      destroyOnHidden
      footer={
        <Space>
          <Button onClick={onClose}>{t("common.cancel")}</Button>
          <Button
            type="primary"
            disabled={toOptOut === 0}
            loading={busy === "apply"}
            onClick={() => void run(true)}
            data-testid="unsubscribe-apply"
          >
            {t("unsubscribe.apply", { count: toOptOut })}
          </Button>
        </Space>
      }
    >
      <Typography.Paragraph type="secondary">{t("unsubscribe.hint")}</Typography.Paragraph>
      <Input.TextArea
        rows={6}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setFound(undefined);
        }}
        placeholder={t("unsubscribe.placeholder")}
        data-testid="unsubscribe-text"
      />
      <Button
        style={{ marginTop: 12 }}
        onClick={() => void run(false)}
        loading={busy === "find"}
        disabled={text.trim() === ""}
        data-testid="unsubscribe-find"
      >
        {t("unsubscribe.find")}
      </Button>
      {error && (
        <Alert type="error" showIcon style={{ marginTop: 12 }} message={error.message} data-testid="unsubscribe-error" />
      )}
      {nothingFound && (
        <Alert type="warning" showIcon style={{ marginTop: 12 }} message={t("unsubscribe.none")} data-testid="unsubscribe-none" />
      )}
      {found && !nothingFound && (
        <div style={{ marginTop: 12 }} data-testid="unsubscribe-found">
          <Table<api.UnsubscribeMatch>
            size="small"
            pagination={false}
            rowKey="contactId"
            dataSource={found.matched}
            scroll={{ y: 240 }}
            locale={{ emptyText: t("unsubscribe.noMatch") }}
            columns={[
              { title: t("contacts.name"), dataIndex: "name" },
              { title: t("contacts.externalId"), dataIndex: "externalId", render: (v: string | null) => v ?? "—" },
              { title: t("contacts.email"), dataIndex: "address" },
              {
                title: t("unsubscribe.state"),
                dataIndex: "already",
                render: (already: boolean) =>
                  already ? <Tag>{t("unsubscribe.already")}</Tag> : <Tag color="orange">{t("unsubscribe.willOptOut")}</Tag>,
              },
            ]}
          />
          {found.unknown.length > 0 && (
            <Typography.Paragraph type="secondary" style={{ marginTop: 8 }} data-testid="unsubscribe-unknown">
              {t("unsubscribe.unknown", { list: found.unknown.join("、") })}
            </Typography.Paragraph>
          )}
          {found.own.length > 0 && (
            <Typography.Paragraph type="secondary" data-testid="unsubscribe-own">
              {t("unsubscribe.own", { list: found.own.join("、") })}
            </Typography.Paragraph>
          )}
        </div>
      )}
    </Modal>
  );
}
