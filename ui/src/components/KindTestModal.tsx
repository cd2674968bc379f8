import { Alert, Form, Input, Modal, Typography } from "antd";
import { useLayoutEffect, useState } from "react";
import * as api from "../api";
import { useT } from "../i18n";

/**
 * A test message through a channel that writes to each person (an app message): to the
 * platform account typed here. The platform's answer is shown, or its refusal with what to check.
 */
export function KindTestModal({ channel, onClose }: { channel: api.Channel | undefined; onClose: () => void }) {
  const t = useT();
  const [form] = Form.useForm<{ to: string }>();
  const [sending, setSending] = useState(false);
  const [result, setResult] = useState<api.ChannelTestResult>();
  const [error, setError] = useState<string>();

  // Before paint, as resetFields remounts the fields (see ContactEditDrawer).
  useLayoutEffect(() => {
    form.resetFields();
    setResult(undefined);
    setError(undefined);
  }, [channel, form]);

  if (!channel) return null;
  const send = async () => {
    const values = await form.validateFields().catch(() => null);
    if (!values) return;
    setSending(true);
    setResult(undefined);
    setError(undefined);
    try {
      setResult(await api.testChannel(channel.name, values.to.trim()));
    } catch (reason) {
      setError(api.toCommandError(reason).message);
    } finally {
      setSending(false);
    }
  };
  return (
    <Modal
      open
      title={t("kinds.testTitle", { name: channel.name })}
      onCancel={onClose}
      onOk={send}
      okText={t("channelTest.send")}
      okButtonProps={{ loading: sending, "data-testid": "kind-test-send" }}
      destroyOnHidden
    >
      <Form form={form} layout="vertical">
        <Form.Item
          name="to"
          label={t("kinds.testTo")}
          extra={t("kinds.testToHint")}
          rules={[{ required: true, whitespace: true, message: t("kinds.testToRequired") }]}
        >
          <Input data-testid="kind-test-to" />
        </Form.Item>
      </Form>
      {result?.ok && <Alert type="success" showIcon message={t("kinds.testSent")} data-testid="kind-test-ok" />}
      {result && !result.ok && (
        <Alert
          type="error"
          showIcon
          message={t("channelTest.failed")}
          description={<Typography.Text data-testid="kind-test-reason">{result.reply}</Typography.Text>}
          data-testid="kind-test-failed"
        />
      )}
      {error && <Alert type="error" showIcon message={error} />}
    </Modal>
  );
}
