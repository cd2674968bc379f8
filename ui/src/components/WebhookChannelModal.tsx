import { Alert, Checkbox, Col, Collapse, Form, Input, InputNumber, Modal, Row, Select, Spin, Typography } from "antd";
import * as api from "../api";
import { useModalForm } from "../hooks/useModalForm";
import { useT, type MessageKey } from "../i18n";
import { ErrorAlert } from "./ErrorAlert";
import {
  BODY_EXAMPLE,
  BODY_VARIABLES,
  LIMIT_FIELDS,
  METHODS,
  isHttpUrl,
  looksLikeCredential,
  parseHeaders,
  toNewWebhookChannel,
  toUpdateWebhookChannel,
  toWebhookValues,
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

/**
 * Which typed headers to keep in the secret store although their names do not look like
 * credentials (names with auth, token, key, secret, pass… always are): one switch per header,
 * offered from the lines typed above.
 */
function MarkSecretField() {
  const t = useT();
  const form = Form.useFormInstance<WebhookValues>();
  const text = Form.useWatch("headers", form);
  const parsed = parseHeaders(text ?? "");
  const names = "problem" in parsed ? [] : Object.keys(parsed.headers).filter((n) => !looksLikeCredential(n));
  if (names.length === 0) return null;
  return (
    <Form.Item name="markSecret" label={t("webhook.markSecret")} extra={t("webhook.markSecretHint")}>
      <Checkbox.Group data-testid="webhook-mark-secret" options={names.map((n) => ({ value: n, label: n }))} />
    </Form.Item>
  );
}

/** The signing secret: when editing, empty keeps the stored one, or it can be removed. */
function SecretFields({ config }: { config?: api.WebhookChannelConfig }) {
  const t = useT();
  const form = Form.useFormInstance<WebhookValues>();
  const removing = Form.useWatch("removeSecret", form);
  const stored = config?.hasSecret ?? false;
  return (
    <>
      <Form.Item
        name="secret"
        label={t("webhook.secret")}
        extra={stored ? t("webhook.secretKeepHint") : t("webhook.secretHint")}
      >
        <Input.Password
          data-testid="webhook-secret"
          autoComplete="new-password"
          placeholder="whsec_…"
          disabled={removing === true}
        />
      </Form.Item>
      {stored && (
        <Form.Item name="removeSecret" valuePropName="checked">
          <Checkbox data-testid="webhook-remove-secret">{t("webhook.removeSecret")}</Checkbox>
        </Form.Item>
      )}
    </>
  );
}

/**
 * Adds a webhook channel, or with `editing` changes one: the same form, opened with the
 * channel's settings. Secrets are never shown; they can be kept, replaced or removed.
 */
export function WebhookChannelModal(props: WebhookModalProps) {
  const { editing } = props;
  // A form of its own per channel (and for adding), so no values carry over between them.
  return <WebhookForm key={editing ? `edit-${editing.id}` : "add"} {...props} />;
}

type WebhookModalProps = {
  open: boolean;
  editing?: api.Channel;
  onClose: () => void;
  onSaved: (channel: api.Channel) => void;
};

function WebhookForm({ open, editing, onClose, onSaved }: WebhookModalProps) {
  const t = useT();
  const { form, stored: config, loading, loadError, reload, ready, saving, error, save, cancel } = useModalForm<
    WebhookValues,
    api.Channel,
    api.WebhookChannelConfig
  >({
    open,
    editing: editing?.name,
    load: api.webhookChannelConfig,
    submit: (values, stored) =>
      editing && stored
        ? api.updateWebhookChannel(editing.name, toUpdateWebhookChannel(values, stored, editing.limits))
        : api.addWebhookChannel(toNewWebhookChannel(values)),
    onSaved,
    onClose,
  });

  const checkHeaders = (_: unknown, text: string | undefined) => {
    const parsed = parseHeaders(text ?? "");
    if (!("problem" in parsed)) return Promise.resolve();
    const { key, line, name } = parsed.problem;
    return Promise.reject(new Error(t(key, { line, name })));
  };

  return (
    <Modal
      open={open}
      title={editing ? t("webhook.editTitle", { name: editing.name }) : t("webhook.title")}
      onCancel={cancel}
      onOk={save}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      confirmLoading={saving}
      okButtonProps={{ "data-testid": "webhook-save", disabled: !ready }}
      cancelButtonProps={{ "data-testid": "webhook-cancel" }}
      width={640}
      destroyOnHidden
    >
      {error && (
        <Alert type="error" showIcon message={error} data-testid="webhook-error" style={{ marginBottom: 16 }} />
      )}
      <ErrorAlert error={loadError} onRetry={reload} testId="webhook-load-error" />
      {loading && <Spin data-testid="webhook-loading" />}
      {ready && (
        <Form<WebhookValues>
          // Mounted once the channel is loaded, so the initial values are its own.
          key={editing ? `edit-${editing.id}` : "add"}
          form={form}
          layout="vertical"
          preserve={false}
          initialValues={editing && config ? toWebhookValues(editing, config) : { method: "POST" }}
        >
          <Form.Item
            name="name"
            label={t("webhook.name")}
            rules={[{ required: true, whitespace: true, message: t("webhook.nameRequired") }]}
          >
            {/* Channels are addressed by name (CLI, history), so an edit keeps it. */}
            <Input data-testid="webhook-name" maxLength={100} disabled={editing !== undefined} />
          </Form.Item>
          <Row gutter={16}>
            <Col flex="auto">
              <Form.Item
                name="url"
                label={t("webhook.url")}
                extra={
                  config && config.secretQuery.length > 0
                    ? t("webhook.urlMaskedHint", { names: config.secretQuery.join(", ") })
                    : t("webhook.urlHint")
                }
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
          <MarkSecretField />
          {config && config.secretHeaders.length > 0 && (
            <Form.Item name="keepSecretHeaders" label={t("webhook.secretHeaders")} extra={t("webhook.secretHeadersHint")}>
              <Checkbox.Group
                data-testid="webhook-secret-headers"
                options={config.secretHeaders.map((h) => ({ value: h, label: h }))}
              />
            </Form.Item>
          )}
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
          <SecretFields config={config} />
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
      )}
    </Modal>
  );
}
