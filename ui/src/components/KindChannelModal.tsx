import { Alert, Form, Input, InputNumber, Modal, Select, Switch, Typography } from "antd";
import { useEffect, useState } from "react";
import * as api from "../api";
import { useLanguage, useT } from "../i18n";

/** A text of the schema in the UI's language. */
export function inLanguage(text: api.Bilingual, language: string): string {
  return language === "en" ? text.en : text.zh;
}

type Values = Record<string, string | number | boolean | undefined> & { name?: string };

/** The widget a setting's type calls for; secrets are never shown once typed. */
function widget(field: api.SettingField, language: string) {
  const id = `kind-field-${field.key}`;
  switch (field.type) {
    case "secret":
    case "secretUrl":
    case "password":
      return <Input.Password data-testid={id} autoComplete="off" visibilityToggle={false} />;
    case "number":
      return <InputNumber data-testid={id} min={field.min} max={field.max} style={{ width: 200 }} />;
    case "switch":
      return <Switch data-testid={id} />;
    case "choice":
      return (
        <Select
          data-testid={id}
          style={{ width: 240 }}
          options={field.options.map((o) => ({ value: o.value, label: inLanguage(o.label, language) }))}
        />
      );
    case "fileText":
      return <Input.TextArea data-testid={id} rows={4} />;
    default:
      return <Input data-testid={id} />;
  }
}

/** The form's first values: each setting's default. */
function defaults(kind: api.KindInfo): Values {
  const values: Values = {};
  for (const f of kind.fields) {
    if (f.default == null) continue;
    values[f.key] = f.type === "number" ? Number(f.default) : f.type === "switch" ? f.default === "true" : f.default;
  }
  return values;
}

/**
 * Adds a channel of any kind described by a settings schema: the form is made from the kind's
 * fields (label, help, type, required or default), and a setting the backend refuses is marked
 * on its own field with the reason in the user's language.
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

  useEffect(() => {
    if (!kind) return;
    form.resetFields();
    setError(undefined);
    setStored(undefined);
    if (!editing) {
      form.setFieldsValue(defaults(kind));
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
          settings[f.key] = `${v}`;
          values[f.key] = f.type === "number" ? Number(v) : f.type === "switch" ? v === true || v === "true" : `${v}`;
        }
        setStored({ settings, secretsSet: config.secretsSet });
        form.setFieldsValue(values);
      })
      .catch((reason) => setError(api.toCommandError(reason).message));
  }, [kind, editing, form]);

  if (!kind) return null;
  const secretSet = (key: string) => stored?.secretsSet.includes(key) ?? false;

  const save = async () => {
    const values = await form.validateFields().catch(() => null);
    if (!values) return;
    const settings: Record<string, string> = {};
    for (const f of kind.fields) {
      const v = values[f.key];
      if (v !== undefined && v !== null && `${v}`.trim() !== "") settings[f.key] = `${v}`;
    }
    setSaving(true);
    setError(undefined);
    try {
      if (editing) {
        // Only what changed: a secret left empty keeps its stored value.
        const changes: Record<string, string> = {};
        for (const f of kind.fields) {
          const typed = settings[f.key] ?? "";
          if (f.type === "secret" || f.type === "secretUrl" || f.type === "password") {
            if (typed) changes[f.key] = typed;
          } else if (typed !== (stored?.settings[f.key] ?? "")) {
            changes[f.key] = typed;
          }
        }
        onSaved(await api.updateKindChannel(editing.name, changes));
      } else {
        onSaved(await api.addKindChannel(kind.id, `${values.name ?? ""}`, settings));
      }
    } catch (reason) {
      const e = api.toCommandError(reason);
      const field = e.params?.field;
      if (field && e.code.startsWith("setting_") && kind.fields.some((f) => f.key === field)) {
        const why = language === "en" ? e.params?.reasonEn : e.params?.reasonZh;
        form.setFields([{ name: field, errors: [why ?? e.message] }]);
      } else {
        setError(e.message);
      }
    } finally {
      setSaving(false);
    }
  };

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
      <Form form={form} layout="vertical" data-testid="kind-form">
        <Form.Item
          name="name"
          label={t("channels.name")}
          extra={t("kinds.nameHint")}
          rules={[{ required: true, whitespace: true, message: t("kinds.nameRequired") }]}
        >
          <Input data-testid="kind-field-name" maxLength={100} disabled={editing !== undefined} />
        </Form.Item>
        {kind.fields.map((f) => (
          <Form.Item
            key={f.key}
            name={f.key}
            label={inLanguage(f.label, language)}
            extra={
              secretSet(f.key) ? `${inLanguage(f.help, language)} ${t("kinds.secretKept")}` : inLanguage(f.help, language)
            }
            valuePropName={f.type === "switch" ? "checked" : "value"}
            rules={
              f.required && f.default == null && !secretSet(f.key)
                ? [{ required: true, message: t("kinds.required", { field: inLanguage(f.label, language) }) }]
                : []
            }
          >
            {widget(f, language)}
          </Form.Item>
        ))}
      </Form>
    </Modal>
  );
}
