import { Alert, Form, Input, Modal, Typography } from "antd";
import { useState } from "react";
import * as api from "../api";
import { useT } from "../i18n";
import { RuleBuilder, isComplete, toTopRule, type TopRule } from "./RuleBuilder";

type Values = { name: string; description?: string };

/** What the modal is for: a new list group, a new rule group, or editing `group`. */
export type GroupFormTarget = { kind: api.GroupKind; group?: api.Group };

/**
 * Creates or edits a group: its name and description, and for a rule group its conditions
 * (with the live count). Mount it only while open (`target` set) so it starts from the group.
 */
export function GroupFormModal({
  target,
  onClose,
  onSaved,
}: {
  target: GroupFormTarget;
  onClose: () => void;
  onSaved: (group: api.Group, created: boolean) => void;
}) {
  const t = useT();
  const { kind, group } = target;
  const [form] = Form.useForm<Values>();
  const [rule, setRule] = useState<TopRule>(() => toTopRule(group?.rule));
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string>();
  const [ruleProblem, setRuleProblem] = useState<string>();

  const save = async () => {
    const values = await form.validateFields().catch(() => null);
    if (!values) return;
    if (kind === "rule") {
      if (rule.rules.length === 0) return setRuleProblem(t("rule.required"));
      if (!isComplete(rule)) return setRuleProblem(t("rule.incomplete"));
    }
    setRuleProblem(undefined);
    setSaving(true);
    setError(undefined);
    const name = values.name.trim();
    const description = values.description?.trim() ?? "";
    try {
      const saved = group
        ? await api.updateGroup(group.id, { name, description, ...(kind === "rule" ? { rule } : {}) })
        : await api.createGroup({
            name,
            ...(description ? { description } : {}),
            ...(kind === "rule" ? { rule } : {}),
          });
      onSaved(saved, !group);
    } catch (reason) {
      setError(api.toCommandError(reason).message);
    } finally {
      setSaving(false);
    }
  };

  const title = group
    ? t("groups.editTitle")
    : kind === "rule"
      ? t("groups.createRuleTitle")
      : t("groups.createStaticTitle");
  return (
    <Modal
      open
      title={title}
      onCancel={onClose}
      onOk={save}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      confirmLoading={saving}
      okButtonProps={{ "data-testid": "group-save" }}
      width={kind === "rule" ? 860 : 520}
      // A rule takes a while to write: a click beside the dialog must not throw it away.
      maskClosable={false}
      destroyOnHidden
    >
      {error && <Alert type="error" showIcon message={error} data-testid="group-form-error" style={{ marginBottom: 16 }} />}
      <Form<Values>
        form={form}
        layout="vertical"
        initialValues={{ name: group?.name ?? "", description: group?.description ?? "" }}
      >
        <Form.Item
          name="name"
          label={t("groups.name")}
          rules={[{ required: true, whitespace: true, message: t("groups.nameRequired") }]}
        >
          <Input data-testid="group-name" maxLength={100} />
        </Form.Item>
        <Form.Item name="description" label={t("groups.description")}>
          <Input data-testid="group-description" maxLength={300} placeholder={t("groups.descriptionPlaceholder")} />
        </Form.Item>
      </Form>
      {kind === "rule" && (
        <>
          <Typography.Text strong>{t("groups.rule")}</Typography.Text>
          <div style={{ marginTop: 8 }}>
            <RuleBuilder value={rule} onChange={setRule} />
          </div>
          {ruleProblem && (
            <Typography.Text type="danger" data-testid="group-rule-problem">
              {ruleProblem}
            </Typography.Text>
          )}
        </>
      )}
    </Modal>
  );
}
