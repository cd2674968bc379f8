import { SendOutlined } from "@ant-design/icons";
import { Alert, Button, Descriptions, Form, Input, Modal, Space, Spin, Typography } from "antd";
import { useCallback, useState } from "react";
import * as api from "../api";
import { useLoader } from "../hooks/useLoader";
import { useT, type MessageKey } from "../i18n";
import { ErrorAlert } from "./ErrorAlert";

/**
 * An address the way a mail server takes it: `local@domain`, nothing around it. The backend
 * checks it fully; this catches what people often type instead (`教务处 <jw@…>`, a space).
 */
export function isEmailAddress(text: string): boolean {
  return /^[^\s@<>()[\]",;:\\]+@[^\s@<>()[\]",;:\\.]+(\.[^\s@<>()[\]",;:\\.]+)*$/.test(text.trim());
}

/** A rule that lets an empty field through and otherwise needs `ok`. */
function textRule(ok: (text: string) => boolean, message: string) {
  return {
    validator: (_: unknown, value: string | undefined) =>
      !value?.trim() || ok(value) ? Promise.resolve() : Promise.reject(new Error(message)),
  };
}

/** What the person should check for a failed test, read from the reason the backend gave. */
export function failureHint(reason: string): MessageKey {
  if (/refused the login|authentication|\b53[0458]\b/i.test(reason)) return "channelTest.hintLogin";
  if (/\btls\b|ssl|certificate|handshake/i.test(reason)) return "channelTest.hintTls";
  if (/cannot reach|connection refused|timed out|timeout|resolve|dns|unreachable|network/i.test(reason)) {
    return "channelTest.hintConnect";
  }
  if (/not an e-mail address|\b55[013]\b|\b5\.1\.\d/i.test(reason)) return "channelTest.hintAddress";
  return "channelTest.hintOther";
}

const SECURITY_LABELS: Record<string, MessageKey> = {
  starttls: "smtp.securityStarttls",
  tls: "smtp.securityTls",
  none: "smtp.securityNone",
};

/** The port each security usually goes with, as the e-mail kind reads an empty port. */
const USUAL_PORT: Record<string, number> = { starttls: 587, tls: 465, none: 25 };

/** The channel's settings (the e-mail kind's, by key), so a failed test can be read against what is configured. */
function SmtpSettings({ config }: { config: api.KindChannelConfig }) {
  const t = useT();
  const text = (key: string) => {
    const v = config.settings[key];
    return v === undefined || v === null || v === "" ? undefined : `${v}`;
  };
  const address = text("from-address") ?? "";
  const from = text("from-name") ? `${text("from-name")} <${address}>` : address;
  const securityValue = text("security") ?? "starttls";
  const security = SECURITY_LABELS[securityValue];
  const port = text("port") ?? `${USUAL_PORT[securityValue] ?? ""}`;
  const username = text("username");
  const hasPassword = config.secretsSet.includes("password");
  return (
    <Descriptions size="small" column={1} bordered data-testid="channel-test-settings" style={{ marginBottom: 16 }}>
      <Descriptions.Item label={t("smtp.host")}>{`${text("host") ?? ""}:${port}`}</Descriptions.Item>
      <Descriptions.Item label={t("smtp.security")}>{security ? t(security) : securityValue}</Descriptions.Item>
      <Descriptions.Item label={t("smtp.username")}>
        {username ? (
          <Space size="small">
            {username}
            <Typography.Text type={hasPassword ? "secondary" : "danger"}>
              {t(hasPassword ? "smtp.passwordStored" : "smtp.passwordMissing")}
            </Typography.Text>
          </Space>
        ) : (
          t("smtp.noLogin")
        )}
      </Descriptions.Item>
      <Descriptions.Item label={t("smtp.fromAddress")}>{from}</Descriptions.Item>
      {text("reply-to") && <Descriptions.Item label={t("smtp.replyTo")}>{text("reply-to")}</Descriptions.Item>}
      <Descriptions.Item label={t("smtp.poolSize")}>{text("pool-size") ?? "4"}</Descriptions.Item>
      {text("ca-pem") && <Descriptions.Item label={t("smtp.caPem")}>{t("smtp.caSet")}</Descriptions.Item>}
    </Descriptions>
  );
}

function Result({ result }: { result: api.ChannelTestResult }) {
  const t = useT();
  if (result.ok) {
    return (
      <Alert
        type="success"
        showIcon
        data-testid="channel-test-ok"
        message={t("channelTest.ok")}
        description={
          <>
            <div>
              {t("channelTest.serverReply")}
              {t("common.colon")}
              <Typography.Text code data-testid="channel-test-reply">
                {result.reply}
              </Typography.Text>
            </div>
            <div>{t("channelTest.okHint")}</div>
          </>
        }
      />
    );
  }
  return (
    <Alert
      type="error"
      showIcon
      data-testid="channel-test-failed"
      message={t("channelTest.failed")}
      description={
        <>
          <div style={{ whiteSpace: "pre-wrap", wordBreak: "break-word" }} data-testid="channel-test-reply">
            {result.reply}
          </div>
          <div style={{ marginTop: 8 }} data-testid="channel-test-hint">
            {t(failureHint(result.reply))}
          </div>
        </>
      }
    />
  );
}

/** Sends one test e-mail through a channel and shows what the server answered. */
export function ChannelTestModal({ channel, onClose }: { channel?: api.Channel; onClose: () => void }) {
  const t = useT();
  return (
    <Modal
      open={channel !== undefined}
      title={channel ? t("channelTest.title", { name: channel.name }) : ""}
      onCancel={onClose}
      footer={
        <Button onClick={onClose} data-testid="channel-test-close">
          {t("common.close")}
        </Button>
      }
      width={600}
      destroyOnHidden
    >
      {channel && <TestForm key={channel.id} channel={channel} />}
    </Modal>
  );
}

function TestForm({ channel }: { channel: api.Channel }) {
  const t = useT();
  const [form] = Form.useForm<{ to?: string }>();
  const [sending, setSending] = useState(false);
  const [result, setResult] = useState<api.ChannelTestResult>();
  const [error, setError] = useState<string>();
  const name = channel.name;
  const config = useLoader(useCallback(() => api.kindChannelConfig(name), [name]));

  const send = async () => {
    const values = await form.validateFields().catch(() => null);
    if (!values) return;
    setSending(true);
    setResult(undefined);
    setError(undefined);
    try {
      setResult(await api.testChannel(name, (values.to ?? "").trim()));
    } catch (reason) {
      setError(api.toCommandError(reason).message);
    } finally {
      setSending(false);
    }
  };

  return (
    <>
      {config.loading && <Spin size="small" />}
      <ErrorAlert error={config.error} onRetry={() => config.reload()} />
      {config.data && <SmtpSettings config={config.data} />}
      <Form form={form} layout="vertical" onFinish={send}>
        <Form.Item label={t("channelTest.to")} extra={t("channelTest.toHint")} required>
          <Space.Compact style={{ width: "100%" }}>
            <Form.Item
              name="to"
              noStyle
              rules={[
                { required: true, whitespace: true, message: t("channelTest.toRequired") },
                textRule(isEmailAddress, t("channelTest.toInvalid")),
              ]}
            >
              <Input data-testid="channel-test-to" placeholder="name@school.edu.cn" maxLength={320} disabled={sending} />
            </Form.Item>
            <Button
              type="primary"
              htmlType="submit"
              icon={<SendOutlined />}
              loading={sending}
              data-testid="channel-test-send"
            >
              {t("channelTest.send")}
            </Button>
          </Space.Compact>
        </Form.Item>
      </Form>
      {sending && (
        <Typography.Paragraph type="secondary" data-testid="channel-test-sending">
          {t("channelTest.sending")}
        </Typography.Paragraph>
      )}
      {result && <Result result={result} />}
      {error && (
        <Alert type="error" showIcon data-testid="channel-test-error" message={t("channelTest.error")} description={error} />
      )}
    </>
  );
}
