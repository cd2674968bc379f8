import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, MinusCircleOutlined, PlusOutlined } from "@ant-design/icons";
import {
  Alert,
  Button,
  Checkbox,
  Divider,
  Drawer,
  Form,
  Input,
  Popconfirm,
  Select,
  Space,
  Spin,
  Switch,
  Tag,
  Typography,
} from "antd";
import { useCallback, useLayoutEffect, useState } from "react";
import * as api from "../api";
import { useKindLabel } from "../hooks/useKindLabel";
import { useLoader } from "../hooks/useLoader";
import { useT, type MessageKey } from "../i18n";
import { ErrorAlert } from "./ErrorAlert";

/** A test id for props typed without `data-*` attributes. */
const testId = (id: string) => ({ "data-testid": id }) as Record<string, string>;

/** The address kinds a contact can have, in the order the backend lists them. */
const ADDRESS_KINDS = ["email", "mobile", "wecom", "dingtalk", "feishu"] as const;
type AddressKind = (typeof ADDRESS_KINDS)[number];

const ADDRESS_LABELS: Record<AddressKind, MessageKey> = {
  email: "contacts.email",
  mobile: "contacts.mobile",
  wecom: "contact.address.wecom",
  dingtalk: "contact.address.dingtalk",
  feishu: "contact.address.feishu",
};

/**
 * The receiving methods a person can prefer or refuse: every kind of the registry, the kinds
 * the app makes itself, and whatever the contact already names (an import may name a kind
 * this version has no channel for).
 */
function receivingKinds(kinds: api.KindInfo[] | undefined, named: string[]): string[] {
  const all = [...(kinds ?? []).map((k) => k.id), "webhook", "sandbox", ...named];
  return all.filter((k, i) => all.indexOf(k) === i);
}

type Values = {
  name: string;
  externalId?: string;
  role?: string;
  department?: string;
  className?: string;
  grade?: string;
  language: string;
  tags: string[];
  addresses: Record<AddressKind, string | undefined>;
  markValid: Partial<Record<AddressKind, boolean>>;
  optedOut: string[];
  attributes: { key?: string; value?: string }[];
};

function toValues(d: api.ContactDetail): Values {
  const addresses = Object.fromEntries(ADDRESS_KINDS.map((k) => [k, undefined])) as Values["addresses"];
  for (const a of d.addresses) if (a.kind in addresses) addresses[a.kind as AddressKind] = a.address;
  return {
    name: d.name,
    externalId: d.externalId ?? undefined,
    role: d.role ?? undefined,
    department: d.department ?? undefined,
    className: d.className ?? undefined,
    grade: d.grade ?? undefined,
    language: d.language,
    tags: d.tags,
    addresses,
    markValid: {},
    optedOut: d.optedOut,
    attributes: Object.entries(d.attributes).map(([key, value]) => ({ key, value })),
  };
}

const blank = (s: string | undefined) => (s?.trim() ? s.trim() : null);

function toEdit(d: api.ContactDetail, v: Values, preferred: string[]): api.ContactEdit {
  return {
    updatedAt: d.updatedAt,
    name: v.name.trim(),
    externalId: blank(v.externalId),
    role: blank(v.role),
    department: blank(v.department),
    className: blank(v.className),
    grade: blank(v.grade),
    language: v.language,
    tags: v.tags,
    addresses: ADDRESS_KINDS.filter((k) => v.addresses[k]?.trim()).map((kind) => ({
      kind,
      address: v.addresses[kind]!.trim(),
      markValid: v.markValid[kind] ?? false,
    })),
    preferred,
    optedOut: v.optedOut,
    attributes: Object.fromEntries(
      (v.attributes ?? []).filter((a) => a.key?.trim()).map((a) => [a.key!.trim(), a.value?.trim() ?? ""]),
    ),
  };
}

/** Which form field a backend message is about (`addresses.email: …` → the e-mail input). */
function fieldOf(message: string): { name: string[]; text: MessageKey } | undefined {
  const field = message.split(":")[0];
  if (field === "addresses.email") return { name: ["addresses", "email"], text: "contact.invalidEmail" };
  if (field === "addresses.mobile") return { name: ["addresses", "mobile"], text: "contact.invalidMobile" };
  if (field.startsWith("addresses.")) return { name: ["addresses", field.slice(10)], text: "contact.invalidAddress" };
  if (field === "name") return { name: ["name"], text: "contacts.nameRequired" };
  if (field === "attributes") return { name: ["attributes"], text: "contact.invalidAttribute" };
  return undefined;
}

/** The preferred receiving methods in order, with buttons to move and remove, and one to add. */
function PreferredOrder({
  value,
  onChange,
  kinds,
  label,
}: {
  value: string[];
  onChange: (next: string[]) => void;
} & ReturnType<typeof useKindLabel>) {
  const t = useT();
  const move = (from: number, to: number) => {
    const next = value.slice();
    const [item] = next.splice(from, 1);
    next.splice(to, 0, item);
    onChange(next);
  };
  return (
    <div data-testid="contact-preferred">
      {value.length === 0 && <Typography.Text type="secondary">{t("contact.preferredNone")}</Typography.Text>}
      {value.map((kind, i) => (
        <Space key={kind} style={{ display: "flex", marginBottom: 4 }} data-testid={`contact-preferred-${kind}`}>
          <Typography.Text style={{ width: 24, display: "inline-block" }}>{i + 1}.</Typography.Text>
          <Typography.Text style={{ width: 140, display: "inline-block" }}>{label(kind)}</Typography.Text>
          <Button
            size="small"
            icon={<ArrowUpOutlined />}
            disabled={i === 0}
            onClick={() => move(i, i - 1)}
            aria-label={t("contact.moveUp")}
            data-testid={`contact-preferred-up-${kind}`}
          />
          <Button
            size="small"
            icon={<ArrowDownOutlined />}
            disabled={i === value.length - 1}
            onClick={() => move(i, i + 1)}
            aria-label={t("contact.moveDown")}
          />
          <Button
            size="small"
            icon={<MinusCircleOutlined />}
            onClick={() => onChange(value.filter((k) => k !== kind))}
            aria-label={t("contact.remove")}
          />
        </Space>
      ))}
      <Select
        placeholder={t("contact.preferredAdd")}
        value={null}
        onChange={(kind: string) => onChange([...value, kind])}
        options={receivingKinds(kinds, [])
          .filter((k) => !value.includes(k))
          .map((k) => ({ value: k, label: label(k) }))}
        style={{ width: 220, marginTop: 4 }}
        data-testid="contact-preferred-add"
      />
    </div>
  );
}

/**
 * Everything about one contact, editable: fields, tags, language, each address with its
 * "invalid" mark (and a switch to mark it valid again), preferred order, opt-outs, attributes.
 * Saving sends the version it read; if someone changed the contact meanwhile, it says so and
 * offers to load it again. Deleting asks first.
 */
export function ContactEditDrawer({
  contactId,
  onClose,
  onSaved,
  onDeleted,
  tagOptions,
}: {
  contactId: number | undefined;
  onClose: () => void;
  onSaved: (contact: api.ContactDetail) => void;
  onDeleted: (id: number) => void;
  tagOptions?: string[];
}) {
  const t = useT();
  const [form] = Form.useForm<Values>();
  const detail = useLoader(
    useCallback(
      () => (contactId === undefined ? Promise.resolve(undefined) : api.contactDetail(contactId)),
      [contactId],
    ),
  );
  const d = detail.data;
  const [preferred, setPreferred] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<{ message: string; stale?: boolean }>();

  // Before paint: resetFields remounts every field (rc-field-form keys them by a reset count), so
  // in a plain effect the fields would first show empty and then be replaced under the cursor.
  useLayoutEffect(() => {
    if (!d) return;
    form.resetFields();
    form.setFieldsValue(toValues(d));
    setPreferred(d.preferred);
    setError(undefined);
  }, [d, form]);

  const addresses = Form.useWatch("addresses", form);
  const kindLabels = useKindLabel();
  // The stored opt-outs, so a kind this version does not make still shows and stays ticked.
  const optedOut = d?.optedOut ?? [];

  const save = async () => {
    if (!d) return;
    let values: Values;
    try {
      values = await form.validateFields();
    } catch {
      return;
    }
    setSaving(true);
    setError(undefined);
    try {
      const result = await api.updateContact(d.id, toEdit(d, { ...form.getFieldsValue(true), ...values }, preferred));
      onSaved(result.contact);
    } catch (reason) {
      const e = api.toCommandError(reason);
      if (e.code === "conflict") {
        // Two conflicts can refuse an edit: the contact changed since it was read (its version
        // moved on), or the 学号/工号 is another person's. The version tells them apart.
        const now = await api.contactDetail(d.id).catch(() => undefined);
        if (!now || now.updatedAt !== d.updatedAt) {
          setError({ message: t("contact.stale"), stale: true });
        } else {
          const externalId = values.externalId?.trim() ?? "";
          form.setFields([{ name: "externalId", errors: [t("contact.externalIdTaken", { externalId })] }]);
          setError({ message: t("contact.externalIdTaken", { externalId }) });
        }
      } else {
        const field = fieldOf(e.message);
        if (field) form.setFields([{ name: field.name as never, errors: [t(field.text)] }]);
        setError({ message: field ? t(field.text) : e.message });
      }
    } finally {
      setSaving(false);
    }
  };

  const remove = async () => {
    if (!d) return;
    setError(undefined);
    try {
      await api.deleteContacts([d.id]);
      onDeleted(d.id);
    } catch (reason) {
      const e = api.toCommandError(reason);
      setError({ message: e.code === "conflict" ? t("contact.deleteHasHistory") : e.message });
    }
  };

  return (
    <Drawer
      open={contactId !== undefined}
      onClose={onClose}
      width={560}
      title={d ? t("contact.editTitle", { name: d.name }) : t("contact.editTitleLoading")}
      destroyOnHidden
      data-testid="contact-drawer"
      extra={
        <Space>
          <Button onClick={onClose} data-testid="contact-drawer-cancel">
            {t("common.cancel")}
          </Button>
          <Button type="primary" onClick={save} loading={saving} disabled={!d} data-testid="contact-drawer-save">
            {t("common.save")}
          </Button>
        </Space>
      }
      footer={
        d && (
          <Popconfirm
            title={t("contact.deleteConfirm", { name: d.name })}
            description={t("contact.deleteConfirmDetail")}
            okText={t("contact.delete")}
            okButtonProps={{ danger: true, ...testId("contact-delete-ok") }}
            cancelText={t("common.cancel")}
            onConfirm={remove}
          >
            <Button danger icon={<DeleteOutlined />} data-testid="contact-delete">
              {t("contact.delete")}
            </Button>
          </Popconfirm>
        )
      }
    >
      <ErrorAlert error={detail.error} onRetry={() => detail.reload()} />
      {!d && !detail.error && <Spin />}
      {error && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          message={error.message}
          data-testid="contact-drawer-error"
          action={
            error.stale && (
              <Button size="small" onClick={() => detail.reload()} data-testid="contact-reload">
                {t("contact.reload")}
              </Button>
            )
          }
        />
      )}
      {d && (
        <Form<Values> form={form} layout="vertical" requiredMark={false}>
          <Form.Item name="name" label={t("contacts.name")} rules={[{ required: true, whitespace: true, message: t("contacts.nameRequired") }]}>
            <Input data-testid="contact-edit-name" />
          </Form.Item>
          <div style={{ display: "flex", gap: 8 }}>
            <Form.Item name="externalId" label={t("contacts.externalId")} style={{ flex: 1 }}>
              <Input data-testid="contact-edit-external-id" />
            </Form.Item>
            <Form.Item name="role" label={t("contacts.role")} style={{ flex: 1 }}>
              <Input data-testid="contact-edit-role" />
            </Form.Item>
          </div>
          <Form.Item name="department" label={t("contacts.department")}>
            <Input data-testid="contact-edit-department" />
          </Form.Item>
          <div style={{ display: "flex", gap: 8 }}>
            <Form.Item name="className" label={t("contacts.className")} style={{ flex: 1 }}>
              <Input data-testid="contact-edit-class" />
            </Form.Item>
            <Form.Item name="grade" label={t("contacts.grade")} style={{ flex: 1 }}>
              <Input data-testid="contact-edit-grade" />
            </Form.Item>
          </div>
          <Form.Item name="language" label={t("contacts.language")}>
            <Select
              data-testid="contact-edit-language"
              options={[
                { value: "zh-CN", label: t("contact.languageZh") },
                { value: "en", label: t("contact.languageEn") },
                ...(d.language !== "zh-CN" && d.language !== "en" ? [{ value: d.language, label: d.language }] : []),
              ]}
            />
          </Form.Item>
          <Form.Item name="tags" label={t("contacts.tag")} extra={t("contact.tagsHelp")}>
            <Select
              mode="tags"
              data-testid="contact-edit-tags"
              options={(tagOptions ?? []).map((tag) => ({ value: tag, label: tag }))}
              tokenSeparators={[",", "，", "、"]}
            />
          </Form.Item>

          <Divider orientation="left">{t("contact.addresses")}</Divider>
          {ADDRESS_KINDS.map((kind) => {
            const stored = d.addresses.find((a) => a.kind === kind);
            const unchanged = stored && (addresses?.[kind] ?? stored.address) === stored.address;
            return (
              <Form.Item key={kind} label={t(ADDRESS_LABELS[kind])} style={{ marginBottom: 12 }}>
                <Form.Item name={["addresses", kind]} noStyle>
                  <Input data-testid={`contact-edit-address-${kind}`} allowClear />
                </Form.Item>
                {stored?.invalid && unchanged && (
                  <Space style={{ marginTop: 6 }} wrap>
                    <Tag color="red" data-testid={`contact-invalid-${kind}`}>
                      {t("contact.invalid", { reason: stored.invalidReason ?? t("contact.invalidNoReason") })}
                    </Tag>
                    <Form.Item name={["markValid", kind]} valuePropName="checked" noStyle>
                      <Switch size="small" data-testid={`contact-mark-valid-${kind}`} />
                    </Form.Item>
                    <Typography.Text type="secondary">{t("contact.markValid")}</Typography.Text>
                  </Space>
                )}
                {stored?.invalid && !unchanged && (
                  <Typography.Text type="secondary" style={{ display: "block", marginTop: 4 }}>
                    {t("contact.invalidWillClear")}
                  </Typography.Text>
                )}
              </Form.Item>
            );
          })}

          <Divider orientation="left">{t("contact.receiving")}</Divider>
          <Form.Item label={t("contact.preferred")} extra={t("contact.preferredHelp")}>
            <PreferredOrder value={preferred} onChange={setPreferred} {...kindLabels} />
          </Form.Item>
          <Form.Item name="optedOut" label={t("contact.optedOut")} extra={t("contact.optedOutHelp")}>
            <Checkbox.Group
              data-testid="contact-opted-out"
              options={receivingKinds(kindLabels.kinds, optedOut).map((k) => ({ value: k, label: kindLabels.label(k) }))}
            />
          </Form.Item>

          <Divider orientation="left">{t("contact.attributes")}</Divider>
          <Typography.Paragraph type="secondary">{t("contact.attributesHelp")}</Typography.Paragraph>
          <Form.List name="attributes">
            {(fields, { add, remove: drop }) => (
              <>
                {fields.map((field) => (
                  <Space key={field.key} style={{ display: "flex", marginBottom: 8 }} align="baseline">
                    <Form.Item name={[field.name, "key"]} noStyle>
                      <Input placeholder={t("contact.attributeName")} data-testid={`contact-attr-key-${field.name}`} />
                    </Form.Item>
                    <Form.Item name={[field.name, "value"]} noStyle>
                      <Input placeholder={t("contact.attributeValue")} data-testid={`contact-attr-value-${field.name}`} />
                    </Form.Item>
                    <Button
                      type="text"
                      icon={<MinusCircleOutlined />}
                      onClick={() => drop(field.name)}
                      aria-label={t("contact.remove")}
                    />
                  </Space>
                ))}
                <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ key: "", value: "" })} data-testid="contact-attr-add">
                  {t("contact.attributeAdd")}
                </Button>
              </>
            )}
          </Form.List>
        </Form>
      )}
    </Drawer>
  );
}
