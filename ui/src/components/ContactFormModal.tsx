import { Alert, Form, Input, Modal } from "antd";
import * as api from "../api";
import { useModalForm } from "../hooks/useModalForm";
import { useT, type MessageKey } from "../i18n";

type Values = Required<api.NewContact>;

const OPTIONAL_FIELDS: { name: keyof Values; label: MessageKey; testId?: string; type?: "email" }[] = [
  { name: "externalId", label: "contacts.externalId", testId: "contact-external-id" },
  { name: "email", label: "contacts.email", testId: "contact-email", type: "email" },
  { name: "mobile", label: "contacts.mobile", testId: "contact-mobile" },
  { name: "department", label: "contacts.department", testId: "contact-department" },
  { name: "className", label: "contacts.className", testId: "contact-class" },
  { name: "grade", label: "contacts.grade", testId: "contact-grade" },
  { name: "role", label: "contacts.role", testId: "contact-role" },
];

/** Blank optional fields are left out so the backend stores NULL, not "". */
function toNewContact(values: Partial<Values>): api.NewContact {
  const input: api.NewContact = { name: (values.name ?? "").trim() };
  for (const { name } of OPTIONAL_FIELDS) {
    const value = values[name]?.trim();
    if (value) input[name] = value;
  }
  return input;
}

export function ContactFormModal({
  open,
  onClose,
  onSaved,
}: {
  open: boolean;
  onClose: () => void;
  onSaved: (contact: api.Contact) => void;
}) {
  const t = useT();
  const { form, saving, error, save, cancel } = useModalForm<Partial<Values>, api.Contact>({
    open,
    submit: (values) => api.addContact(toNewContact(values)),
    onSaved,
    onClose,
  });

  return (
    <Modal
      open={open}
      title={t("contacts.addTitle")}
      onCancel={cancel}
      onOk={save}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      confirmLoading={saving}
      okButtonProps={{ "data-testid": "contact-save" }}
      destroyOnHidden
    >
      {error && (
        <Alert type="error" showIcon message={error} data-testid="contact-error" style={{ marginBottom: 16 }} />
      )}
      <Form form={form} layout="vertical" preserve={false}>
        <Form.Item
          name="name"
          label={t("contacts.name")}
          rules={[{ required: true, whitespace: true, message: t("contacts.nameRequired") }]}
        >
          <Input data-testid="contact-name" maxLength={100} />
        </Form.Item>
        {OPTIONAL_FIELDS.map((field) => (
          <Form.Item
            key={field.name}
            name={field.name}
            label={t(field.label)}
            rules={field.type === "email" ? [{ type: "email", message: t("contacts.emailInvalid") }] : undefined}
          >
            <Input data-testid={field.testId} maxLength={200} />
          </Form.Item>
        ))}
      </Form>
    </Modal>
  );
}
