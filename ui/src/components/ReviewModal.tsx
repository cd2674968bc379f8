import { Alert, Button, Descriptions, Input, Modal, Space, Table, Typography } from "antd";
import { useCallback, useEffect, useState } from "react";
import * as api from "../api";
import { useLanguage, useT } from "../i18n";
import { inLanguage } from "./KindChannelModal";
import { shownChannelName } from "./format";
import { useConfirmAbove } from "../hooks/useConfirmAbove";
import { TestSendButton } from "./TestSendButton";

/**
 * 核对: before every send, the notice checked against its whole audience — how many people,
 * per channel who gets it and who does not, languages, and everyone who would get a broken
 * message, whom the sender can leave out on purpose. Sending is refused while anything is
 * broken; above Settings' threshold (default 500) the number must be typed.
 */
export function ReviewModal({
  noticeId,
  onClose,
  onSend,
}: {
  noticeId: number | undefined;
  onClose: () => void;
  onSend: (noticeId: number) => Promise<void>;
}) {
  const t = useT();
  const { language } = useLanguage();
  const confirmAbove = useConfirmAbove();
  const [check, setCheck] = useState<api.NoticeCheck>();
  const [error, setError] = useState<string>();
  const [typed, setTyped] = useState("");
  const [busy, setBusy] = useState<"check" | "leave" | "send" | null>(null);

  const load = useCallback(async () => {
    if (noticeId === undefined) return;
    setBusy("check");
    setError(undefined);
    try {
      setCheck(await api.checkNotice(noticeId));
    } catch (reason) {
      setError(api.toCommandError(reason).message);
    } finally {
      setBusy(null);
    }
  }, [noticeId]);

  useEffect(() => {
    setCheck(undefined);
    setTyped("");
    void load();
  }, [load]);

  if (noticeId === undefined) return null;

  const leaveOutBroken = async () => {
    if (!check) return;
    const ids = [...new Set(check.broken.map((b) => b.contactId).filter((id): id is number => id !== null))];
    setBusy("leave");
    try {
      await api.leaveOut(noticeId, ids);
    } catch (reason) {
      setError(api.toCommandError(reason).message);
    }
    setBusy(null);
    await load();
  };

  const send = async () => {
    setBusy("send");
    setError(undefined);
    try {
      await onSend(noticeId);
    } catch (reason) {
      setError(api.toCommandError(reason).message);
      setBusy(null);
    }
  };

  const mustType = (check?.recipients ?? 0) > confirmAbove;
  const confirmed = !mustType || typed.trim() === String(check?.recipients);
  const groupBroken = check?.broken.some((b) => b.contactId === null) ?? false;
  // Group chats get one message each, whoever the audience is: they are not people counted.
  const groups = check?.channels.filter((c) => c.group).length ?? 0;
  const nobody = check !== undefined && check.recipients === 0 && groups === 0;
  const canSend = check !== undefined && check.ok && !nobody && confirmed;
  const sendLabel = !check
    ? t("compose.send")
    : check.recipients === 0
      ? t("review.sendGroups", { groups })
      : groups > 0
        ? t("review.sendPeopleAndGroups", { count: check.recipients, groups })
        : t("review.send", { count: check.recipients });
  const languageName = (l: string | null) =>
    l === null ? t("review.languageUnset") : l.startsWith("en") ? "English" : l.startsWith("zh") ? "中文" : l;

  return (
    <Modal
      open
      title={t("review.title")}
      onCancel={onClose}
      width={820}
      destroyOnHidden
      footer={
        <Space>
          <Button onClick={onClose} data-testid="review-cancel">
            {t("review.back")}
          </Button>
          <Button
            type="primary"
            danger={mustType}
            disabled={!canSend}
            loading={busy === "send"}
            onClick={() => void send()}
            data-testid="review-send"
          >
            {sendLabel}
          </Button>
        </Space>
      }
    >
      {error && <Alert type="error" showIcon message={error} data-testid="review-error" style={{ marginBottom: 12 }} />}
      {busy === "check" && !check && <Typography.Paragraph>{t("review.checking")}</Typography.Paragraph>}
      {check && (
        <>
          <Descriptions size="small" column={2} bordered style={{ marginBottom: 16 }}>
            <Descriptions.Item label={t("review.people")}>
              <span data-testid="review-people">{check.people}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t("review.recipients")}>
              <span data-testid="review-recipients">{check.recipients}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t("review.languages")} span={2}>
              <span data-testid="review-languages">
                {check.languages.map((l) => `${languageName(l.language)} ${l.people}`).join("，")}
              </span>
            </Descriptions.Item>
            {check.versions.en > 0 && (
              <Descriptions.Item label={t("review.versions")} span={2}>
                <span data-testid="review-versions">{t("review.versionCounts", check.versions)}</span>
              </Descriptions.Item>
            )}
          </Descriptions>
          <Table<api.ChannelCheck>
            size="small"
            rowKey="channelId"
            pagination={false}
            dataSource={check.channels}
            data-testid="review-channels"
            style={{ marginBottom: 16 }}
            columns={[
              { title: t("review.channel"), dataIndex: "channelName", render: (name: string) => shownChannelName(name, t) },
              {
                title: t("review.willGet"),
                dataIndex: "willGet",
                render: (n: number, c) => (c.group ? t("review.group") : n),
              },
              { title: t("review.noAddress"), dataIndex: "noAddress" },
              { title: t("review.optedOut"), dataIndex: "optedOut" },
              { title: t("review.invalid"), dataIndex: "invalidAddress" },
              { title: t("review.elsewhere"), dataIndex: "otherChannel" },
              {
                title: t("review.figures"),
                key: "figures",
                render: (_: unknown, c) => c.figures.map((f) => `${inLanguage(f.label, language)} ${f.value}`).join("，"),
              },
            ]}
          />
          {check.brokenMessages > 0 && (
            <Alert
              type="error"
              showIcon
              data-testid="review-broken"
              style={{ marginBottom: 16 }}
              message={t("review.broken", { people: check.brokenPeople, messages: check.brokenMessages })}
              description={
                <>
                  <Table<api.BrokenMessage>
                    size="small"
                    rowKey={(b) => `${b.contactId ?? "group"}-${b.channelId}-${b.problem.code}`}
                    pagination={{ pageSize: 10, hideOnSinglePage: true }}
                    dataSource={check.broken}
                    columns={[
                      { title: t("review.person"), key: "who", render: (_: unknown, b) => b.name ?? t("review.groupChat") },
                      { title: t("contacts.externalId"), dataIndex: "externalId" },
                      { title: t("review.channel"), dataIndex: "channelName", render: (name: string) => shownChannelName(name, t) },
                      {
                        title: t("review.why"),
                        key: "why",
                        render: (_: unknown, b) => (language === "en" ? b.problem.en : b.problem.zh),
                      },
                    ]}
                  />
                  <Typography.Paragraph style={{ marginTop: 8, marginBottom: 8 }}>
                    {groupBroken ? t("review.fixGroup") : t("review.fixHint")}
                  </Typography.Paragraph>
                  {!groupBroken && (
                    <Button onClick={() => void leaveOutBroken()} loading={busy === "leave"} data-testid="review-leave-out">
                      {t("review.leaveOut", { people: check.brokenPeople })}
                    </Button>
                  )}
                </>
              }
            />
          )}
          {check.ok && nobody && <Alert type="warning" showIcon message={t("review.nobody")} data-testid="review-nobody" />}
          {check.ok && mustType && (
            <div data-testid="review-confirm">
              <Typography.Paragraph strong>{t("review.typeToConfirm", { count: check.recipients })}</Typography.Paragraph>
              <Input
                data-testid="review-confirm-input"
                value={typed}
                onChange={(e) => setTyped(e.target.value)}
                style={{ width: 200 }}
                status={typed && !confirmed ? "error" : undefined}
              />
            </div>
          )}
        </>
      )}
      <TestSendButton noticeId={noticeId} />
    </Modal>
  );
}
