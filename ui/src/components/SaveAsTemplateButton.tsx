import { Button, Form, Input, Modal, Typography, App } from "antd";
import { useState } from "react";
import * as api from "../api";
import { useT } from "../i18n";

/** What a template keeps of a notice (everything but its name). */
export type TemplateContent = Omit<api.TemplateInput, "name">;

/** A notice's content as a template keeps it (not its audience, channels or files). */
export function templateContentOf(n: api.NewNotice): TemplateContent {
  return { title: n.title, subject: n.subject, body: n.body, values: n.values, english: n.english };
}

/**
 * 保存为模板: asks a name and saves `content()` (null: nothing to save yet, e.g. the form does not
 * validate). An existing name becomes a new version of that template; its old content is kept.
 */
export function SaveAsTemplateButton({
  content,
  defaultName,
}: {
  content: () => Promise<TemplateContent | null> | TemplateContent | null;
  defaultName?: string;
}) {
  const t = useT();
  const { message } = App.useApp();
  const [open, setOpen] = useState<TemplateContent>();
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<{ name: string }>();

  const start = async () => {
    const c = await content();
    if (!c) return;
    form.setFieldsValue({ name: defaultName ?? c.title });
    setOpen(c);
  };

  const save = async () => {
    const { name } = await form.validateFields();
    if (!open) return;
    setSaving(true);
    try {
      const saved = await api.saveTemplate({ ...open, name: name.trim() });
      message.success(t("templates.savedVersion", { name: saved.name, version: saved.version }));
      setOpen(undefined);
    } catch (e) {
      message.error(api.toCommandError(e).message);
    } finally {
      setSaving(false);
    }
  };

  return (
    <>
      <Button onClick={() => void start()} data-testid="save-as-template">
        {t("templates.saveAs")}
      </Button>
      <Modal
        open={open !== undefined}
        title={t("templates.saveAs")}
        okText={t("templates.saveAs")}
        confirmLoading={saving}
        onOk={() => void save()}
        onCancel={() => setOpen(undefined)}
        destroyOnHidden
      >
        <Typography.Paragraph type="secondary">{t("templates.saveHint")}</Typography.Paragraph>
        <Form form={form} layout="vertical">
          <Form.Item
            name="name"
            label={t("templates.saveName")}
            rules={[{ required: true, whitespace: true, message: t("templates.saveNameRequired") }]}
          >
            <Input data-testid="template-name" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
