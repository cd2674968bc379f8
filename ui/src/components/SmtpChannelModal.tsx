import {
  Alert,
  Button,
  Checkbox,
  Col,
  Collapse,
  Form,
  Input,
  InputNumber,
  Modal,
  Radio,
  Row,
  Spin,
  Switch,
  Typography,
} from "antd";
import { useState } from "react";
import * as api from "../api";
import { chooseFileToOpen } from "../api/dialog";
import { useModalForm } from "../hooks/useModalForm";
import { useT, type MessageKey } from "../i18n";
import { ErrorAlert } from "./ErrorAlert";
import { fileErrorMessage } from "./fileErrors";
import { LIMIT_FIELDS, type LimitField } from "./webhookForm";

export type Security = "starttls" | "tls" | "none";

/** The port each security setting usually goes with; an empty port means this one. */
export const USUAL_PORT: Record<Security, number> = { starttls: 587, tls: 465, none: 25 };

const SECURITIES: { value: Security; label: MessageKey }[] = [
  { value: "starttls", label: "smtp.securityStarttls" },
  { value: "tls", label: "smtp.securityTls" },
  { value: "none", label: "smtp.securityNone" },
];

/** As the backend allows (providers::smtp::MAX_POOL). */
const MAX_POOL = 32;
const DEFAULT_POOL = 4;

/** The pool of connections decides how many messages are in flight, so concurrency is not offered. */
const SMTP_LIMIT_FIELDS = LIMIT_FIELDS.filter((f) => f !== "concurrency");

const LIMIT_LABELS: Record<Exclude<LimitField, "concurrency">, MessageKey> = {
  perSecond: "webhook.perSecond",
  perMinute: "webhook.perMinute",
  maxAttempts: "webhook.maxAttempts",
  retryBaseSecs: "webhook.retryBaseSecs",
  pauseAfterFailures: "webhook.pauseAfterFailures",
};

/** InputNumber gives null when cleared. */
type Maybe<T> = T | null | undefined;

type SmtpValues = {
  name?: string;
  host?: string;
  port?: Maybe<number>;
  security?: Security;
  login?: boolean;
  username?: string;
  password?: string;
  fromAddress?: string;
  fromName?: string;
  replyTo?: string;
  poolSize?: Maybe<number>;
  caPem?: string;
  /** Editing: forget the stored CA certificate and trust the public roots again. */
  publicRoots?: boolean;
  limits?: Partial<Record<LimitField, Maybe<number>>>;
};

/**
 * An address the way a mail server takes it: `local@domain`, nothing around it. The backend
 * checks it fully; this catches what people often type instead (`教务处 <jw@…>`, a space).
 */
export function isEmailAddress(text: string): boolean {
  return /^[^\s@<>()[\]",;:\\]+@[^\s@<>()[\]",;:\\.]+(\.[^\s@<>()[\]",;:\\.]+)*$/.test(text.trim());
}

/** A host name or IP address alone: no scheme, path, port or spaces. */
function isHostName(text: string): boolean {
  return /^[^\s/:@]+$/.test(text.trim()) || /^\[[0-9a-fA-F:.]+\]$/.test(text.trim());
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/;

/** A rule that lets an empty field through and otherwise needs `ok`. */
export function textRule(ok: (text: string) => boolean, message: string) {
  return {
    validator: (_: unknown, value: string | undefined) =>
      !value?.trim() || ok(value) ? Promise.resolve() : Promise.reject(new Error(message)),
  };
}

/** A rule that lets an empty number through and otherwise needs a whole number in `min..=max`. */
function wholeNumberRule(min: number, max: number, message: string) {
  return {
    validator: (_: unknown, n: Maybe<number>) =>
      n == null || (Number.isInteger(n) && n >= min && n <= max) ? Promise.resolve() : Promise.reject(new Error(message)),
  };
}

function optional(text: string | undefined): string | undefined {
  const trimmed = text?.trim();
  return trimmed ? trimmed : undefined;
}

/** Blank optional fields are left out, so the backend applies its defaults (an empty port is 0). */
export function toNewSmtpChannel(values: SmtpValues): api.NewSmtpChannel {
  const input: api.NewSmtpChannel = {
    name: (values.name ?? "").trim(),
    host: (values.host ?? "").trim(),
    port: typeof values.port === "number" ? values.port : 0,
    security: values.security ?? "starttls",
    fromAddress: (values.fromAddress ?? "").trim(),
  };
  if (values.login) {
    const username = optional(values.username);
    if (username) input.username = username;
    // Kept as typed: spaces can be part of a password.
    if (values.password) input.password = values.password;
  }
  const fromName = optional(values.fromName);
  if (fromName) input.fromName = fromName;
  const replyTo = optional(values.replyTo);
  if (replyTo) input.replyTo = replyTo;
  const caPem = optional(values.caPem);
  if (caPem) input.caPem = caPem;
  if (typeof values.poolSize === "number") input.poolSize = values.poolSize;
  const limits: api.ChannelLimits = {};
  for (const field of SMTP_LIMIT_FIELDS) {
    const value = values.limits?.[field];
    if (typeof value === "number") limits[field] = value;
  }
  if (Object.keys(limits).length > 0) input.limits = limits;
  return input;
}

/** The form as it opens to edit `channel`: no password and no CA text, which never come back. */
export function toSmtpValues(channel: api.Channel, config: api.SmtpChannelConfig): SmtpValues {
  const limits: SmtpValues["limits"] = {};
  for (const field of SMTP_LIMIT_FIELDS) limits[field] = channel.limits[field] ?? null;
  return {
    name: channel.name,
    host: config.host,
    port: config.port,
    security: SECURITIES.find((s) => s.value === config.security)?.value ?? "starttls",
    login: config.username !== null,
    username: config.username ?? "",
    password: "",
    fromAddress: config.fromAddress,
    fromName: config.fromName ?? "",
    replyTo: config.replyTo ?? "",
    poolSize: config.poolSize,
    caPem: "",
    publicRoots: false,
    limits,
  };
}

/**
 * Only what the edited form changes, so an untouched password or CA certificate is kept.
 * An empty port is the usual one for the security chosen; an empty pool size the default.
 */
export function toUpdateSmtpChannel(
  values: SmtpValues,
  config: api.SmtpChannelConfig,
  currentLimits: api.ChannelLimits,
): api.UpdateSmtpChannel {
  const input: api.UpdateSmtpChannel = {};
  const security = values.security ?? "starttls";
  const host = (values.host ?? "").trim();
  if (host !== config.host) input.host = host;
  if (security !== config.security) input.security = security;
  const port = typeof values.port === "number" ? values.port : USUAL_PORT[security];
  if (port !== config.port) input.port = port;
  if (!values.login) {
    if (config.username !== null) input.username = "";
  } else {
    const username = (values.username ?? "").trim();
    if (username !== config.username) input.username = username;
    // Kept as typed: spaces can be part of a password.
    if (values.password) input.password = values.password;
  }
  const fromAddress = (values.fromAddress ?? "").trim();
  if (fromAddress !== config.fromAddress) input.fromAddress = fromAddress;
  // Empty clears these.
  const fromName = (values.fromName ?? "").trim();
  if (fromName !== (config.fromName ?? "")) input.fromName = fromName;
  const replyTo = (values.replyTo ?? "").trim();
  if (replyTo !== (config.replyTo ?? "")) input.replyTo = replyTo;
  const caPem = optional(values.caPem);
  if (values.publicRoots) {
    if (config.hasCa) input.caPem = "";
  } else if (caPem) input.caPem = caPem;
  const poolSize = typeof values.poolSize === "number" ? values.poolSize : DEFAULT_POOL;
  if (poolSize !== config.poolSize) input.poolSize = poolSize;
  // Limits the form does not show (set from the CLI) are kept as they are.
  const limits: api.ChannelLimits = { ...currentLimits };
  for (const field of SMTP_LIMIT_FIELDS) {
    const value = values.limits?.[field];
    if (typeof value === "number") limits[field] = value;
    else delete limits[field];
  }
  if (SMTP_LIMIT_FIELDS.some((field) => limits[field] !== currentLimits[field])) input.limits = limits;
  return input;
}

function LimitsFields() {
  const t = useT();
  return (
    <>
      <Typography.Paragraph type="secondary">{t("smtp.limitsHint")}</Typography.Paragraph>
      <Row gutter={16}>
        {SMTP_LIMIT_FIELDS.map((field) => (
          <Col key={field} span={12}>
            <Form.Item name={["limits", field]} label={t(LIMIT_LABELS[field as keyof typeof LIMIT_LABELS])}>
              <InputNumber min={1} precision={0} style={{ width: "100%" }} data-testid={`smtp-limit-${field}`} />
            </Form.Item>
          </Col>
        ))}
      </Row>
    </>
  );
}

/**
 * User name and password, shown only when the server needs a login. When editing, an empty
 * password keeps the stored one, as long as the user name stays the same.
 */
function LoginFields({ config }: { config?: api.SmtpChannelConfig }) {
  const t = useT();
  const login = Form.useWatch("login") as boolean | undefined;
  const username = Form.useWatch("username") as string | undefined;
  if (!login) return null;
  const sameUser = config?.username != null && (username ?? "").trim() === config.username;
  const keeps = config?.hasPassword === true && sameUser;
  const passwordExtra = keeps
    ? t("smtp.passwordKeepHint")
    : config?.hasPassword && !sameUser
      ? t("smtp.passwordNewUser")
      : undefined;
  return (
    <Row gutter={16}>
      <Col span={12}>
        <Form.Item
          name="username"
          label={t("smtp.username")}
          rules={[{ required: true, whitespace: true, message: t("smtp.usernameRequired") }]}
        >
          <Input data-testid="smtp-username" autoComplete="off" maxLength={320} placeholder="jw@school.edu.cn" />
        </Form.Item>
      </Col>
      <Col span={12}>
        <Form.Item
          name="password"
          label={t("smtp.password")}
          extra={passwordExtra}
          rules={[{ required: !keeps, message: t("smtp.passwordRequired") }]}
        >
          <Input.Password data-testid="smtp-password" autoComplete="new-password" />
        </Form.Item>
      </Col>
      <Col span={24}>
        <Typography.Paragraph type="secondary" style={{ marginTop: -8 }}>
          {t("smtp.passwordHint")}
        </Typography.Paragraph>
      </Col>
    </Row>
  );
}

/**
 * The CA certificate to trust. The stored one is never shown: when editing, an empty box
 * keeps it, or it can be dropped for the public roots.
 */
function CaFields({ config }: { config?: api.SmtpChannelConfig }) {
  const t = useT();
  const form = Form.useFormInstance();
  const publicRoots = Form.useWatch("publicRoots") as boolean | undefined;
  const stored = config?.hasCa === true;
  const [fileError, setFileError] = useState<api.CommandError>();
  /** The backend reads the file (PEM or a Windows `.cer` in DER) and checks it as TLS will. */
  const readFile = async () => {
    setFileError(undefined);
    try {
      const path = await chooseFileToOpen({
        title: t("smtp.caChooseTitle"),
        filters: [{ name: t("smtp.caFilter"), extensions: ["pem", "crt", "cer", "der"] }],
      });
      if (!path) return;
      form.setFieldValue("caPem", await api.readCaFile(path));
      await form.validateFields(["caPem"]);
    } catch (error) {
      setFileError(api.toCommandError(error));
    }
  };
  return (
    <>
      <Form.Item
        name="caPem"
        label={t("smtp.caPem")}
        extra={stored ? t("smtp.caKeepHint") : t("smtp.caPemHint")}
        rules={[textRule((pem) => PEM_CERTIFICATE.test(pem), t("smtp.caPemInvalid"))]}
      >
        <Input.TextArea
          data-testid="smtp-ca-pem"
          rows={4}
          disabled={publicRoots === true}
          placeholder={"-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----"}
          style={{ fontFamily: "monospace" }}
        />
      </Form.Item>
      <Form.Item style={{ marginTop: -16 }}>
        <Button data-testid="smtp-ca-file" onClick={() => void readFile()} disabled={publicRoots === true}>
          {t("smtp.caFromFile")}
        </Button>
      </Form.Item>
      {fileError && (
        <Alert
          type="error"
          showIcon
          data-testid="smtp-ca-file-error"
          message={t("smtp.caFileFailed")}
          description={fileErrorMessage(t, fileError)}
          style={{ marginBottom: 16 }}
        />
      )}
      {stored && (
        <Form.Item name="publicRoots" valuePropName="checked">
          <Checkbox data-testid="smtp-public-roots">{t("smtp.caUsePublic")}</Checkbox>
        </Form.Item>
      )}
    </>
  );
}

/**
 * Adds an e-mail (SMTP) channel, or with `editing` changes one: the same form, opened with
 * the channel's settings (never its password or CA text). The backend checks the settings
 * without contacting the server; "发送测试邮件" on the Channels screen does that.
 */
export function SmtpChannelModal(props: SmtpModalProps) {
  const { editing } = props;
  // A form of its own per channel (and for adding), so no values carry over between them.
  return <SmtpForm key={editing ? `edit-${editing.id}` : "add"} {...props} />;
}

type SmtpModalProps = {
  open: boolean;
  /** The channel to edit; absent to add one. */
  editing?: api.Channel;
  onClose: () => void;
  onSaved: (channel: api.Channel) => void;
};

function SmtpForm({ open, editing, onClose, onSaved }: SmtpModalProps) {
  const t = useT();
  const { form, stored: config, loading, loadError, reload, ready, saving, error, save, cancel } = useModalForm<
    SmtpValues,
    api.Channel,
    api.SmtpChannelConfig
  >({
    open,
    editing: editing?.name,
    load: api.smtpChannelConfig,
    submit: (values, stored) =>
      editing && stored
        ? api.updateSmtpChannel(editing.name, toUpdateSmtpChannel(values, stored, editing.limits))
        : api.addSmtpChannel(toNewSmtpChannel(values)),
    onSaved,
    onClose,
  });
  const security = (Form.useWatch("security", form) as Security | undefined) ?? "starttls";

  /** A new security setting brings its usual port, unless the port is one of the person's own. */
  const onValuesChange = (changed: SmtpValues, all: SmtpValues) => {
    if (!changed.security) return;
    const port = all.port;
    const usual = Object.values(USUAL_PORT);
    // A port the channel already had, other than a usual one, counts as typed.
    if ((!editing && !form.isFieldTouched("port")) || port == null || usual.includes(port)) {
      form.setFieldValue("port", USUAL_PORT[changed.security]);
    }
  };

  const address = (required: MessageKey | null) => [
    ...(required ? [{ required: true, whitespace: true, message: t(required) }] : []),
    textRule(isEmailAddress, t("smtp.addressInvalid")),
  ];

  return (
    <Modal
      open={open}
      title={editing ? t("smtp.editTitle", { name: editing.name }) : t("smtp.title")}
      onCancel={cancel}
      onOk={save}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      confirmLoading={saving}
      okButtonProps={{ "data-testid": "smtp-save", disabled: !ready }}
      cancelButtonProps={{ "data-testid": "smtp-cancel" }}
      width={640}
      destroyOnHidden
    >
      {error && (
        <Alert
          type="error"
          showIcon
          message={t(editing ? "smtp.saveFailed" : "smtp.addFailed")}
          description={error}
          data-testid="smtp-error"
          style={{ marginBottom: 16 }}
        />
      )}
      <ErrorAlert error={loadError} onRetry={reload} testId="smtp-load-error" />
      {loading && <Spin data-testid="smtp-loading" />}
      {ready && (
        <Form<SmtpValues>
          form={form}
          layout="vertical"
          preserve={false}
          initialValues={
            editing && config
              ? toSmtpValues(editing, config)
              : { security: "starttls", port: USUAL_PORT.starttls, login: true, poolSize: DEFAULT_POOL }
          }
          onValuesChange={onValuesChange}
        >
          <Form.Item
            name="name"
            label={t("smtp.name")}
            extra={t("smtp.nameHint")}
            rules={[{ required: true, whitespace: true, message: t("smtp.nameRequired") }]}
          >
            {/* Channels are addressed by name (CLI, history), so an edit keeps it. */}
            <Input data-testid="smtp-name" maxLength={100} disabled={editing !== undefined} />
          </Form.Item>
          <Row gutter={16}>
            <Col flex="auto">
              <Form.Item
                name="host"
                label={t("smtp.host")}
                rules={[
                  { required: true, whitespace: true, message: t("smtp.hostRequired") },
                  textRule(isHostName, t("smtp.hostInvalid")),
                ]}
              >
                <Input data-testid="smtp-host" placeholder={t("smtp.hostPlaceholder")} maxLength={255} />
              </Form.Item>
            </Col>
            <Col flex="140px">
              <Form.Item
                name="port"
                label={t("smtp.port")}
                rules={[wholeNumberRule(1, 65535, t("smtp.portInvalid"))]}
              >
                <InputNumber
                  data-testid="smtp-port"
                  placeholder={String(USUAL_PORT[security])}
                  precision={0}
                  style={{ width: "100%" }}
                />
              </Form.Item>
            </Col>
          </Row>
          <Form.Item name="security" label={t("smtp.security")}>
            <Radio.Group data-testid="smtp-security">
              {SECURITIES.map(({ value, label }) => (
                <Radio key={value} value={value} data-testid={`smtp-security-${value}`}>
                  {t(label)}
                </Radio>
              ))}
            </Radio.Group>
          </Form.Item>
          {security === "none" && (
            <Alert type="warning" showIcon message={t("smtp.securityNoneWarning")} style={{ marginBottom: 16 }} />
          )}
          <Form.Item name="login" label={t("smtp.login")} valuePropName="checked" extra={t("smtp.loginHint")}>
            <Switch data-testid="smtp-login" />
          </Form.Item>
          <LoginFields config={config} />
          <Row gutter={16}>
            <Col span={12}>
              <Form.Item name="fromAddress" label={t("smtp.fromAddress")} rules={address("smtp.fromAddressRequired")}>
                <Input data-testid="smtp-from-address" placeholder="jw@school.edu.cn" maxLength={320} />
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item name="fromName" label={t("smtp.fromName")}>
                <Input data-testid="smtp-from-name" placeholder={t("smtp.fromNamePlaceholder")} maxLength={100} />
              </Form.Item>
            </Col>
          </Row>
          <Row gutter={16}>
            <Col span={12}>
              <Form.Item name="replyTo" label={t("smtp.replyTo")} extra={t("smtp.replyToHint")} rules={address(null)}>
                <Input data-testid="smtp-reply-to" maxLength={320} />
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item
                name="poolSize"
                label={t("smtp.poolSize")}
                extra={t("smtp.poolSizeHint", { default: DEFAULT_POOL })}
                rules={[wholeNumberRule(1, MAX_POOL, t("smtp.poolSizeInvalid", { max: MAX_POOL }))]}
              >
                <InputNumber data-testid="smtp-pool-size" precision={0} style={{ width: "100%" }} />
              </Form.Item>
            </Col>
          </Row>
          <Collapse
            size="small"
            items={[
              {
                key: "advanced",
                label: <span data-testid="smtp-advanced">{t("smtp.advanced")}</span>,
                forceRender: true,
                children: (
                  <>
                    <CaFields config={config} />
                    <Typography.Text strong>{t("smtp.limits")}</Typography.Text>
                    <LimitsFields />
                  </>
                ),
              },
            ]}
          />
        </Form>
      )}
    </Modal>
  );
}
