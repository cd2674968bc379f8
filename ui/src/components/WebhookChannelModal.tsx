import { Alert, Col, Collapse, Form, Input, InputNumber, Modal, Row, Select, Typography } from "antd";
import { useState } from "react";
import * as api from "../api";
import { useT, type MessageKey } from "../i18n";
import {
  BODY_EXAMPLE,
  BODY_VARIABLES,
  LIMIT_FIELDS,
  METHODS,
  isHttpUrl,
  parseHeaders,
  toNewWebhookChannel,
  type WebhookValues,
} from "./webhookForm";

const LIMIT_LABELS: Record<(typeof LIMIT_FIELDS)[number], MessageKey> = {
  perSecond: "webhook.perSecond",
  perMinute: "webhook.perMinute",
  concurrency: "webhook.concurrency",
  maxAttempts: "webhook.maxAttempts",
  retryBaseSecs: "webhook.retryBaseSecs",
  pauseAfterFailures: "webhook.pauseAfterFailures",
};

function LimitsFields() {
  const t = useT();
  return (
    <>
      <Typography.Paragraph type="secondary">{t("webhook.limitsHint")}</Typography.Paragraph>
      <Row gutter={16}>
        {LIMIT_FIELDS.map((field) => (
          <Col key={field} span={12}>
            <Form.Item name={["limits", field]} label={t(LIMIT_LABELS[field])}>
              <InputNumber min={1} precision={0} style={{ width: "100%" }} data-testid={`webhook-limit-${field}`} />
            </Form.Item>
          </Col>
        ))}
      </Row>
    </>
  );
}

export function WebhookChannelModal({
  open,
  onClose,
  onSaved,
}: {
  open: boolean;
  onClose: () => void;
  onSaved: (channel: api.Channel) => void;
}) {
  const t = useT();
  const [form] = Form.useForm<WebhookValues>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string>();

  const save = async () => {
    const values = await form.validateFields().catch(() => null);
    if (!values) return;
    setSaving(true);
    setError(undefined);
    try {
      const channel = await api.addWebhookChannel(toNewWebhookChannel(values));
      form.resetFields();
      onSaved(channel);
    } catch (reason) {
      setError(api.toCommandError(reason).message);
    } finally {
      setSaving(false);
    }
  };

  const checkHeaders = (_: unknown, text: string | undefined) => {
    const parsed = parseHeaders(text ?? "");
    if (!("problem" in parsed)) return Promise.resolve();
    const { key, line, name } = parsed.problem;
    return Promise.reject(new Error(t(key, { line, name })));
  };

  return (
    <Modal
      open={open}
      title={t("webhook.title")}
      onCancel={() => {
        setError(undefined);
        onClose();
      }}
      onOk={save}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      confirmLoading={saving}
      okButtonProps={{ "data-testid": "webhook-save" }}
      cancelButtonProps={{ "data-testid": "webhook-cancel" }}
      width={640}
      destroyOnHidden
    >
      {error && (
        <Alert type="error" showIcon message={error} data-testid="webhook-error" style={{ marginBottom: 16 }} />
      )}
      <Form<WebhookValues> form={form} layout="vertical" preserve={false} initialValues={{ method: "POST" }}>
        <Form.Item
          name="name"
          label={t("webhook.name")}
          rules={[{ required: true, whitespace: true, message: t("webhook.nameRequired") }]}
        >
          <Input data-testid="webhook-name" maxLength={100} />
        </Form.Item>
        <Row gutter={16}>
          <Col flex="auto">
            <Form.Item
              name="url"
              label={t("webhook.url")}
              rules={[
                { required: true, whitespace: true, message: t("webhook.urlRequired") },
                {
                  validator: (_, url: string | undefined) =>
                    !url?.trim() || isHttpUrl(url) ? Promise.resolve() : Promise.reject(new Error(t("webhook.urlInvalid"))),
                },
              ]}
            >
              <Input data-testid="webhook-url" placeholder="https://" maxLength={2000} />
            </Form.Item>
          </Col>
          <Col flex="120px">
            <Form.Item name="method" label={t("webhook.method")}>
              <Select data-testid="webhook-method" options={METHODS.map((m) => ({ value: m, label: m }))} />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item
          name="headers"
          label={t("webhook.headers")}
          extra={t("webhook.headersHint")}
          rules={[{ validator: checkHeaders }]}
        >
          <Input.TextArea data-testid="webhook-headers" rows={3} placeholder="Authorization: Bearer …" />
        </Form.Item>
        <Form.Item
          name="bodyTemplate"
          label={t("webhook.bodyTemplate")}
          extra={t("webhook.bodyTemplateHint", { variables: BODY_VARIABLES.join(", "), example: BODY_EXAMPLE })}
        >
          <Input.TextArea data-testid="webhook-body-template" rows={4} style={{ fontFamily: "monospace" }} />
        </Form.Item>
        <Form.Item name="timeoutMs" label={t("webhook.timeout")} extra={t("webhook.timeoutHint")}>
          <InputNumber min={1} precision={0} style={{ width: 200 }} data-testid="webhook-timeout" />
        </Form.Item>
        <Form.Item name="secret" label={t("webhook.secret")} extra={t("webhook.secretHint")}>
          <Input.Password data-testid="webhook-secret" autoComplete="new-password" placeholder="whsec_…" />
        </Form.Item>
        <Collapse
          size="small"
          items={[
            {
              key: "limits",
              label: <span data-testid="webhook-limits">{t("webhook.limits")}</span>,
              forceRender: true,
              children: <LimitsFields />,
            },
          ]}
        />
      </Form>
    </Modal>
  );
}
