import { Alert, Button, Checkbox, Col, Collapse, Form, Input, InputNumber, Modal, Radio, Row, Select, Switch, Typography } from "antd";
import { useLayoutEffect, useRef, useState, type ReactNode } from "react";
import * as api from "../api";
import { chooseFileToOpen } from "../api/dialog";
import { useLanguage, useT, type MessageKey } from "../i18n";
import { fileErrorMessage } from "./fileErrors";
import { headersProblem, headersText, HeadersInput, rowsOf, type HeaderRow } from "./HeadersInput";

/** A text of the schema in the UI's language. */
export function inLanguage(text: api.Bilingual, language: string): string {
  return language === "en" ? text.en : text.zh;
}

/**
 * The limits the form offers, in the order shown. Concurrency is left to the kind (an e-mail
 * channel's connections decide how many messages are in flight); the CLI can still set it.
 */
const KIND_LIMIT_FIELDS = [
  "perSecond",
  "perMinute",
  "maxAttempts",
  "retryBaseSecs",
  "pauseAfterFailures",
] as const satisfies readonly (keyof api.ChannelLimits)[];

type LimitField = (typeof KIND_LIMIT_FIELDS)[number];
type Limits = Partial<Record<LimitField, number | null>>;
type Values = Record<string, string | number | boolean | null | undefined | Limits | HeaderRow[]> & {
  name?: string;
  limits?: Limits;
};

const LIMIT_LABELS: Record<LimitField, MessageKey> = {
  perSecond: "kinds.perSecond",
  perMinute: "kinds.perMinute",
  maxAttempts: "kinds.maxAttempts",
  retryBaseSecs: "kinds.retryBaseSecs",
  pauseAfterFailures: "kinds.pauseAfterFailures",
};

/** What a masked URL shows in place of each secret query value (`providers::webhook::MASKED`). */
const MASKED = "********";

const isSecret = (f: api.SettingField) => f.type === "secret" || f.type === "secretUrl" || f.type === "password";

/** A form value as the text a setting takes ("" for none). A password keeps its spaces. */
function asText(f: api.SettingField, v: Values[string]): string {
  if (f.type === "headers") return Array.isArray(v) ? headersText(v) : "";
  if (v === undefined || v === null || typeof v === "object") return "";
  const text = `${v}`;
  return f.type === "password" ? text : text.trim();
}

/** The value a field's usual value is, for the choice it follows (see SettingFollows). */
function usualValue(f: api.SettingField, values: Values, kind: api.KindInfo): string | undefined {
  if (!f.follows) return undefined;
  const followed = kind.fields.find((g) => g.key === f.follows?.key);
  const choice = asText(followed ?? f, values[f.follows.key]) || followed?.default || "";
  return f.follows.values.find((v) => v.when === choice)?.value;
}

/** A setting's text as the form's widget holds it. */
function toFormValue(f: api.SettingField, text: string): string | number | boolean {
  return f.type === "number" ? Number(text) : f.type === "switch" ? text === "true" : text;
}

/** The form's first values: each setting's default, and the usual value of one that follows a choice. */
function defaults(kind: api.KindInfo): Values {
  const values: Values = {};
  for (const f of kind.fields) {
    if (f.default != null) values[f.key] = toFormValue(f, f.default);
  }
  for (const f of kind.fields) {
    const usual = usualValue(f, values, kind);
    if (usual !== undefined && values[f.key] === undefined) values[f.key] = toFormValue(f, usual);
  }
  return values;
}

/** The groups of a kind's fields ("需要登录"), each once, in the order their fields come. */
function groupsOf(kind: api.KindInfo): api.SettingGroup[] {
  const groups: api.SettingGroup[] = [];
  for (const f of kind.fields) {
    if (f.group && !groups.some((g) => g.key === f.group?.key)) groups.push(f.group);
  }
  return groups;
}

/** A file setting: its text, "从文件读取…" (the native dialog; the backend reads the file with the field's reader). */
function FileTextInput({
  kind,
  field,
  disabled,
  value,
  onChange,
}: {
  kind: api.KindInfo;
  field: api.SettingField;
  disabled: boolean;
  value?: string;
  onChange?: (value: string) => void;
}) {
  const t = useT();
  const { language } = useLanguage();
  const [fileError, setFileError] = useState<api.CommandError>();
  const readFile = async () => {
    setFileError(undefined);
    try {
      const label = inLanguage(field.label, language);
      const extensions = field.extensions ?? [];
      const path = await chooseFileToOpen({
        title: t("kinds.fileChooseTitle", { field: label }),
        filters: extensions.length > 0 ? [{ name: label, extensions }] : [],
      });
      if (!path) return;
      onChange?.(await api.readSettingFile(kind.id, field.key, path));
    } catch (error) {
      setFileError(api.toCommandError(error));
    }
  };
  return (
    <>
      <Input.TextArea
        data-testid={`kind-field-${field.key}`}
        rows={4}
        value={value}
        onChange={(e) => onChange?.(e.target.value)}
        disabled={disabled}
        style={{ fontFamily: "monospace" }}
      />
      <Button
        data-testid={`kind-file-${field.key}`}
        onClick={() => void readFile()}
        disabled={disabled}
        style={{ marginTop: 8 }}
      >
        {t("kinds.fromFile")}
      </Button>
      {fileError && (
        <Alert
          type="error"
          showIcon
          data-testid={`kind-file-error-${field.key}`}
          message={t("kinds.fileFailed")}
          description={fileErrorMessage(t, fileError)}
          style={{ marginTop: 8 }}
        />
      )}
    </>
  );
}

/** The widget a setting's type calls for; secrets are never shown once typed. */
function widget(kind: api.KindInfo, field: api.SettingField, language: string, usual: string | undefined, emptied: boolean) {
  const id = `kind-field-${field.key}`;
  switch (field.type) {
    case "secret":
    case "secretUrl":
      return <Input.Password data-testid={id} autoComplete="off" visibilityToggle={false} />;
    case "password":
      return <Input.Password data-testid={id} autoComplete="new-password" visibilityToggle={false} />;
    case "number":
      return (
        <InputNumber
          data-testid={id}
          min={field.min}
          max={field.max}
          precision={0}
          placeholder={usual}
          style={{ width: 200 }}
        />
      );
    case "switch":
      return <Switch data-testid={id} />;
    case "choice":
      // A few choices are all shown at once; more go in a list.
      if (field.options.length <= 3) {
        return (
          <Radio.Group data-testid={id}>
            {field.options.map((o) => (
              <Radio key={o.value} value={o.value} data-testid={`kind-choice-${field.key}-${o.value}`}>
                {inLanguage(o.label, language)}
              </Radio>
            ))}
          </Radio.Group>
        );
      }
      return (
        <Select
          data-testid={id}
          style={{ width: 360 }}
          options={field.options.map((o) => ({ value: o.value, label: inLanguage(o.label, language) }))}
        />
      );
    case "fileText":
      return <FileTextInput kind={kind} field={field} disabled={emptied} />;
    case "longText":
      return <Input.TextArea data-testid={id} rows={6} style={{ fontFamily: "monospace" }} />;
    case "headers":
      return <HeadersInput field={field} />;
    case "url":
    case "maskedUrl":
      return <Input data-testid={id} placeholder="https://" />;
    default:
      return <Input data-testid={id} />;
  }
}

/**
 * Adds or edits a channel of any kind described by a settings schema: the form is made from
 * the kind's fields (label, help, type, required or default), as the schema arranges them (a
 * switch over a group of fields, a value that follows a choice, an advanced section, a file
 * read from disk), with the channel's rate limits; a setting the backend refuses is marked on
 * its own field with the reason in the user's language.
 */
export function KindChannelModal({
  kind,
  editing,
  onClose,
  onSaved,
}: {
  kind: api.KindInfo | undefined;
  /** The channel to change; absent: a new one. */
  editing?: api.Channel;
  onClose: () => void;
  onSaved: (channel: api.Channel) => void;
}) {
  const t = useT();
  const { language } = useLanguage();
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string>();
  // What is stored, for an edit: the public settings as text, and which secrets are set.
  const [stored, setStored] = useState<{ settings: Record<string, string>; secretsSet: string[] }>();
  // Which groups' switches are on ("需要登录"), by group key.
  const [groupsOn, setGroupsOn] = useState<Record<string, boolean>>({});
  // Optional fields the user set to their empty meaning ("use the public roots"), by key.
  const [emptied, setEmptied] = useState<Record<string, boolean>>({});
  // Fields that follow a choice and hold a value the user typed, which a new choice keeps.
  const typed = useRef(new Set<string>());
  const values = Form.useWatch([], form) as Values | undefined;

  // Before paint, as resetFields remounts the fields (see ContactEditDrawer).
  useLayoutEffect(() => {
    if (!kind) return;
    form.resetFields();
    setError(undefined);
    setStored(undefined);
    setEmptied({});
    typed.current = new Set();
    const groups = groupsOf(kind);
    if (!editing) {
      setGroupsOn(Object.fromEntries(groups.map((g) => [g.key, g.onByDefault])));
      form.setFieldsValue({ ...defaults(kind), limits: {} });
      return;
    }
    api
      .kindChannelConfig(editing.name)
      .then((config) => {
        const settings: Record<string, string> = {};
        const values: Values = { name: config.name };
        for (const f of kind.fields) {
          const v = config.settings[f.key];
          if (v === undefined || v === null) continue;
          if (f.type === "headers") {
            values[f.key] = rowsOf(v);
            settings[f.key] = headersText(rowsOf(v));
            continue;
          }
          settings[f.key] = `${v}`;
          values[f.key] = toFormValue(f, `${v}`);
        }
        for (const f of kind.fields) {
          const usual = usualValue(f, values, kind);
          if (values[f.key] === undefined && usual !== undefined) values[f.key] = toFormValue(f, usual);
          // A stored value other than the usual one is the user's own.
          else if (f.follows && settings[f.key] !== undefined && !f.follows.values.some((u) => u.value === settings[f.key])) {
            typed.current.add(f.key);
          }
        }
        const limits: Limits = {};
        for (const field of KIND_LIMIT_FIELDS) limits[field] = editing.limits[field] ?? null;
        values.limits = limits;
        const set = (f: api.SettingField) => settings[f.key] !== undefined || config.secretsSet.includes(f.key);
        setGroupsOn(Object.fromEntries(groups.map((g) => [g.key, kind.fields.some((f) => f.group?.key === g.key && set(f))])));
        setStored({ settings, secretsSet: config.secretsSet });
        form.setFieldsValue(values);
      })
      .catch((reason) => setError(api.toCommandError(reason).message));
  }, [kind, editing, form]);

  if (!kind) return null;
  const secretSet = (key: string) => stored?.secretsSet.includes(key) ?? false;
  const shown = (f: api.SettingField) => !f.group || groupsOn[f.group.key] === true;

  /** A new choice brings the usual value of each field that follows it, unless the user typed one of their own; a setting given turns on the switch that goes with it. */
  const onValuesChange = (changed: Values, all: Values) => {
    for (const key of Object.keys(changed)) {
      const f = kind.fields.find((g) => g.key === key);
      if (f?.follows) {
        const usuals = f.follows.values.map((v) => v.value);
        const text = asText(f, changed[key]);
        if (text && !usuals.includes(text)) typed.current.add(key);
        else typed.current.delete(key);
      }
      // A switch that goes with this setting comes on when it is given (signing with its secret).
      if (f && asText(f, changed[key])) {
        for (const sw of kind.fields.filter((g) => g.onWith === key)) form.setFieldValue(sw.key, true);
      }
      for (const follower of kind.fields.filter((g) => g.follows?.key === key)) {
        if (typed.current.has(follower.key)) continue;
        const usual = usualValue(follower, all, kind);
        if (usual !== undefined) form.setFieldValue(follower.key, toFormValue(follower, usual));
      }
    }
  };

  /** Each setting as the text saved: hidden and emptied ones empty, a value equal to the usual one empty too. */
  const settingsOf = (values: Values): Record<string, string> => {
    const settings: Record<string, string> = {};
    for (const f of kind.fields) {
      let text = shown(f) && !emptied[f.key] ? asText(f, values[f.key]) : "";
      if (text !== "" && text === usualValue(f, values, kind)) text = "";
      settings[f.key] = text;
    }
    return settings;
  };

  /** A value as it acts: an empty one that follows a choice is the usual value (a stored 465 with SSL/TLS is no change). */
  const effective = (f: api.SettingField, text: string, values: Values) =>
    text === "" ? (usualValue(f, values, kind) ?? "") : text;

  const limitsOf = (values: Values): api.ChannelLimits => {
    // Limits the form does not show (set from the CLI) are kept as they are.
    const limits: api.ChannelLimits = { ...(editing?.limits ?? {}) };
    for (const field of KIND_LIMIT_FIELDS) {
      const value = values.limits?.[field];
      if (typeof value === "number") limits[field] = value;
      else delete limits[field];
    }
    return limits;
  };

  const save = async () => {
    const values = await form.validateFields().catch(() => null);
    if (!values) return;
    const settings = settingsOf(values);
    const limits = limitsOf(values);
    setSaving(true);
    setError(undefined);
    try {
      if (editing) {
        // Only what changed: a secret left empty keeps its stored value.
        const changes: Record<string, string> = {};
        for (const f of kind.fields) {
          const text = settings[f.key];
          if (isSecret(f)) {
            // A hidden secret (its group switched off) is dropped with the setting it belongs to.
            if (text) changes[f.key] = text;
          } else if (effective(f, text, values) !== effective(f, stored?.settings[f.key] ?? "", values)) {
            changes[f.key] = text;
          }
        }
        const limitsChanged = KIND_LIMIT_FIELDS.some((f) => limits[f] !== editing.limits[f]);
        onSaved(
          await (limitsChanged
            ? api.updateKindChannel(editing.name, changes, limits)
            : api.updateKindChannel(editing.name, changes)),
        );
      } else {
        const given = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== ""));
        const anyLimit = KIND_LIMIT_FIELDS.some((f) => limits[f] !== undefined);
        const name = `${values.name ?? ""}`.trim();
        onSaved(
          await (anyLimit ? api.addKindChannel(kind.id, name, given, limits) : api.addKindChannel(kind.id, name, given)),
        );
      }
    } catch (reason) {
      const e = api.toCommandError(reason);
      const field = e.params?.field;
      const target = kind.fields.find((f) => f.key === field);
      if (field && e.code.startsWith("setting_") && target && shown(target)) {
        const why = language === "en" ? e.params?.reasonEn : e.params?.reasonZh;
        form.setFields([{ name: field, errors: [why ?? e.message] }]);
        if (target.advanced) setError(t("kinds.advancedRefused", { field: inLanguage(target.label, language) }));
      } else {
        setError(e.message);
      }
    } finally {
      setSaving(false);
    }
  };

  const item = (f: api.SettingField) => {
    const help = inLanguage(f.help, language);
    const required =
      (f.required && f.default == null && !(isSecret(f) && secretSet(f.key))) ||
      // A switched-on group asks for each of its fields; a stored secret may stay.
      (f.group !== undefined && !(isSecret(f) && secretSet(f.key) && !groupOwnerChanged(f)));
    // Clearing a stored value is offered as what an empty one means ("trust the public roots").
    const canEmpty = f.emptyMeans !== undefined && stored?.settings[f.key] !== undefined;
    const dropped = isSecret(f) && secretSet(f.key) && groupOwnerChanged(f);
    const owner = kind.fields.find((g) => g.key === f.tiedTo);
    return (
      <div key={f.key}>
        <Form.Item
          name={f.key}
          label={inLanguage(f.label, language)}
          extra={
            dropped && owner
              ? `${help} ${t("kinds.secretDropped", { field: inLanguage(owner.label, language) })}`
              : secretSet(f.key)
                ? `${help} ${t("kinds.secretKept")}`
                : f.type === "maskedUrl" && stored?.settings[f.key]?.includes(MASKED)
                  ? `${help} ${t("kinds.maskedKept")}`
                  : help
          }
          valuePropName={f.type === "switch" ? "checked" : "value"}
          rules={
            f.type === "headers"
              ? [
                  {
                    validator: (_, rows: HeaderRow[] | undefined) => {
                      const problem = headersProblem(rows);
                      return problem ? Promise.reject(new Error(t(problem.key, { row: problem.row }))) : Promise.resolve();
                    },
                  },
                ]
              : required
              ? [
                  {
                    required: true,
                    message: t("kinds.required", { field: inLanguage(f.label, language) }),
                    // Only text can be blank. (Any key beyond these two makes antd check the
                    // value as a string, which refuses a number.)
                    ...(f.type === "number" || f.type === "switch" || f.type === "choice" ? {} : { whitespace: true }),
                  },
                ]
              : []
          }
        >
          {widget(kind, f, language, usualValue(f, values ?? {}, kind), emptied[f.key] === true)}
        </Form.Item>
        {canEmpty && f.emptyMeans && (
          <Form.Item style={{ marginTop: -16 }}>
            <Checkbox
              data-testid={`kind-empty-${f.key}`}
              checked={emptied[f.key] === true}
              onChange={(e) => setEmptied((old) => ({ ...old, [f.key]: e.target.checked }))}
            >
              {inLanguage(f.emptyMeans, language)}
            </Checkbox>
          </Form.Item>
        )}
      </div>
    );
  };

  /** Whether the setting a secret belongs to (`tiedTo`, a password's user name) was changed in the form. */
  function groupOwnerChanged(f: api.SettingField): boolean {
    if (!f.tiedTo) return false;
    const owner = kind?.fields.find((g) => g.key === f.tiedTo);
    return owner !== undefined && asText(owner, values?.[owner.key]) !== (stored?.settings[owner.key] ?? "");
  }

  /** The fields in their order, a group's switch before its first field. */
  const section = (fields: api.SettingField[]) => {
    const out: ReactNode[] = [];
    const drawn = new Set<string>();
    for (const f of fields) {
      const g = f.group;
      if (g && !drawn.has(g.key)) {
        drawn.add(g.key);
        out.push(
          <Form.Item key={`group-${g.key}`} label={inLanguage(g.label, language)} extra={inLanguage(g.help, language)}>
            <Switch
              data-testid={`kind-group-${g.key}`}
              checked={groupsOn[g.key] === true}
              onChange={(on) => setGroupsOn((old) => ({ ...old, [g.key]: on }))}
            />
          </Form.Item>,
        );
      }
      if (shown(f)) out.push(item(f));
    }
    return out;
  };

  const advanced = kind.fields.filter((f) => f.advanced);

  return (
    <Modal
      open
      title={t(editing ? "kinds.editTitle" : "kinds.addTitle", {
        kind: inLanguage(kind.label, language),
        name: editing?.name ?? "",
      })}
      onCancel={onClose}
      onOk={save}
      okText={t("common.save")}
      okButtonProps={{ loading: saving, "data-testid": "kind-save" }}
      destroyOnHidden
      width={640}
    >
      <Typography.Paragraph type="secondary">{inLanguage(kind.description, language)}</Typography.Paragraph>
      {error && <Alert type="error" showIcon message={error} data-testid="kind-error" style={{ marginBottom: 16 }} />}
      <Form form={form} layout="vertical" data-testid="kind-form" onValuesChange={onValuesChange}>
        <Form.Item
          name="name"
          label={t("channels.name")}
          extra={t("kinds.nameHint")}
          rules={[{ required: true, whitespace: true, message: t("kinds.nameRequired") }]}
        >
          <Input data-testid="kind-field-name" maxLength={100} disabled={editing !== undefined} />
        </Form.Item>
        {section(kind.fields.filter((f) => !f.advanced))}
        <Collapse
          size="small"
          items={[
            {
              key: "advanced",
              label: <span data-testid="kind-advanced">{t("kinds.advanced")}</span>,
              forceRender: true,
              children: (
                <>
                  {section(advanced)}
                  <Typography.Text strong>{t("kinds.limits")}</Typography.Text>
                  <Typography.Paragraph type="secondary">{t("kinds.limitsHint")}</Typography.Paragraph>
                  <Row gutter={16}>
                    {KIND_LIMIT_FIELDS.map((field) => (
                      <Col key={field} span={12}>
                        <Form.Item name={["limits", field]} label={t(LIMIT_LABELS[field])}>
                          <InputNumber min={1} precision={0} style={{ width: "100%" }} data-testid={`kind-limit-${field}`} />
                        </Form.Item>
                      </Col>
                    ))}
                  </Row>
                </>
              ),
            },
          ]}
        />
      </Form>
    </Modal>
  );
}
