import { Alert, Button, List, Space, Tag, Typography } from "antd";
import { useState } from "react";
import * as api from "../api";
import { useT, type Translate } from "../i18n";
import { shownChannelName } from "./format";

/** The words for a test's refusal: the core's codes in the UI's language, else its message. */
function refusal(error: api.CommandError, t: Translate): string {
  if (error.code === "test_me_not_set") return t("testSend.meNotSet");
  if (error.code === "test_me_unreachable") return t("testSend.meUnreachable", { reasons: error.params.reasons ?? "" });
  return error.message;
}

function channelLine(c: api.TestChannelResult, t: Translate): string {
  if (c.outcome === "queued") return t("testSend.queued", { address: c.address ?? "" });
  if (c.outcome === "skipped_group") return t("testSend.skippedGroup");
  if (c.problemCode === "no_address") return t("testSend.noAddress");
  return t("testSend.skipped", { reason: c.reason ?? "" });
}

/**
 * 发给我自己试试: the draft, exactly as it would go, to the user's own contact (Settings' “me”)
 * alone, on each chosen channel where they have an address. The run is a test: the notice
 * stays a draft.
 */
export function TestSendButton({ noticeId }: { noticeId: number }) {
  const t = useT();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<api.TestSendResult>();
  const [error, setError] = useState<string>();

  const send = async () => {
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      setResult(await api.sendTest(noticeId));
    } catch (reason) {
      setError(refusal(api.toCommandError(reason), t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div data-testid="test-send" style={{ marginTop: 16 }}>
      <Button onClick={() => void send()} loading={busy} data-testid="test-send-button">
        {t("testSend.button")}
      </Button>
      {error && (
        <Alert type="warning" showIcon message={error} data-testid="test-send-error" style={{ marginTop: 8 }} />
      )}
      {result && (
        <Alert
          type="info"
          showIcon
          style={{ marginTop: 8 }}
          data-testid="test-send-result"
          message={t("testSend.sent", { name: result.me.name, run: result.run.id })}
          description={
            <List
              size="small"
              dataSource={result.channels}
              renderItem={(c) => (
                <List.Item data-testid={`test-send-channel-${c.channelName}`}>
                  <Space>
                    <Typography.Text strong>{shownChannelName(c.channelName, t)}</Typography.Text>
                    <Tag color={c.outcome === "queued" ? "green" : "default"}>
                      {c.outcome === "queued" ? t("testSend.tagQueued") : t("testSend.tagSkipped")}
                    </Tag>
                    <span>{channelLine(c, t)}</span>
                  </Space>
                </List.Item>
              )}
            />
          }
        />
      )}
    </div>
  );
}
