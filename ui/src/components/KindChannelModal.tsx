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
  onClose,
  onSaved,
}: {
  kind: api.KindInfo | undefined;
  onClose: () => void;
  onSaved: (channel: api.Channel) => void;
}) {
  const t = useT();
  const { language } = useLanguage();
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string>();

  useEffect(() => {
    if (kind) {
      form.resetFields();
      form.setFieldsValue(defaults(kind));
      setError(undefined);
    }
  }, [kind, form]);

  if (!kind) return null;

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
      onSaved(await api.addKindChannel(kind.id, `${values.name ?? ""}`, settings));
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
      title={t("kinds.addTitle", { kind: inLanguage(kind.label, language) })}
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
          <Input data-testid="kind-field-name" maxLength={100} />
        </Form.Item>
        {kind.fields.map((f) => (
          <Form.Item
            key={f.key}
            name={f.key}
            label={inLanguage(f.label, language)}
            extra={inLanguage(f.help, language)}
            valuePropName={f.type === "switch" ? "checked" : "value"}
            rules={
              f.required && f.default == null
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
