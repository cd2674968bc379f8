import { DeleteOutlined, LockOutlined, PlusOutlined } from "@ant-design/icons";
import { Button, Checkbox, Input, Space, Tooltip } from "antd";
import type { ChangeEvent } from "react";
import type * as api from "../api";
import { useT } from "../i18n";

/** One header row of a headers setting as the form holds it. */
export type HeaderRow = {
  name: string;
  value: string;
  /** Marked secret by the user (a name that looks like a credential is secret anyway). */
  secret: boolean;
  /** Its secret value is in the secret store: left empty, it is kept. */
  stored?: boolean;
};

/** Whether the backend keeps a header's value secret by its name (the schema's `secretNames`). */
export function secretByName(field: api.SettingField, name: string): boolean {
  const lower = name.trim().toLowerCase();
  const names = field.secretNames;
  return names !== undefined && (names.parts.some((p) => lower.includes(p)) || names.names.includes(lower));
}

/**
 * A stored headers setting (`{name: value}`, `null` for one whose value is in the secret
 * store) as rows.
 */
export function rowsOf(stored: unknown): HeaderRow[] {
  if (!stored || typeof stored !== "object" || Array.isArray(stored)) return [];
  return Object.entries(stored as Record<string, unknown>).map(([name, value]) =>
    typeof value === "string" ? { name, value, secret: false } : { name, value: "", secret: true, stored: true },
  );
}

/**
 * Rows as the setting's text, a JSON list of `SettingHeader`s ("" for none): a stored secret
 * left empty goes without a value, which keeps it.
 */
export function headersText(rows: HeaderRow[] | undefined): string {
  const named = (rows ?? []).filter((r) => r.name.trim() !== "");
  if (named.length === 0) return "";
  return JSON.stringify(
    named.map((r): api.SettingHeader => {
      const header: api.SettingHeader = { name: r.name.trim(), secret: r.secret };
      if (r.value.trim() !== "" || !r.stored) header.value = r.value.trim();
      return header;
    }),
  );
}

/** Why rows cannot be saved, as a message key with the row's number, or undefined. */
export function headersProblem(
  rows: HeaderRow[] | undefined,
): { key: "kinds.headerNoName" | "kinds.headerNoValue" | "kinds.headerTwice"; row: number } | undefined {
  const seen = new Set<string>();
  for (const [i, r] of (rows ?? []).entries()) {
    const name = r.name.trim();
    const row = i + 1;
    if (!name && r.value.trim()) return { key: "kinds.headerNoName", row };
    if (!name) continue;
    if (!r.value.trim() && !r.stored) return { key: "kinds.headerNoValue", row };
    if (seen.has(name.toLowerCase())) return { key: "kinds.headerTwice", row };
    seen.add(name.toLowerCase());
  }
  return undefined;
}

/**
 * A headers setting: a row per header (name, value, "机密"), with buttons to add and remove.
 * A secret value is typed hidden and never shown again; a name that looks like a credential
 * is secret without asking, and a header once secret stays secret.
 */
export function HeadersInput({
  field,
  value,
  onChange,
}: {
  field: api.SettingField;
  value?: HeaderRow[];
  onChange?: (rows: HeaderRow[]) => void;
}) {
  const t = useT();
  const rows = value ?? [];
  const set = (i: number, change: Partial<HeaderRow>) =>
    onChange?.(rows.map((r, j) => (j === i ? { ...r, ...change } : r)));
  const id = `kind-header-${field.key}`;
  return (
    <div data-testid={`kind-field-${field.key}`}>
      {rows.map((r, i) => {
        const byName = secretByName(field, r.name);
        const secret = r.secret || byName;
        const valueProps = {
          "data-testid": `${id}-value-${i}`,
          value: r.value,
          placeholder: r.stored ? t("kinds.secretKept") : t("kinds.headerValue"),
          onChange: (e: ChangeEvent<HTMLInputElement>) => set(i, { value: e.target.value }),
          style: { flex: 1 },
        };
        return (
          <Space.Compact key={i} style={{ display: "flex", marginBottom: 8 }}>
            <Input
              data-testid={`${id}-name-${i}`}
              value={r.name}
              placeholder={t("kinds.headerName")}
              // The name of a stored secret stays: its value is filed under it.
              disabled={r.stored}
              onChange={(e) => set(i, { name: e.target.value })}
              style={{ width: 200 }}
            />
            {secret ? (
              <Input.Password {...valueProps} autoComplete="off" visibilityToggle={false} prefix={<LockOutlined />} />
            ) : (
              <Input {...valueProps} />
            )}
            <Tooltip title={byName ? t("kinds.headerSecretByName") : t("kinds.headerSecretHint")}>
              <Checkbox
                data-testid={`${id}-secret-${i}`}
                checked={secret}
                disabled={byName || r.stored}
                onChange={(e) => set(i, { secret: e.target.checked })}
                style={{ padding: "5px 8px" }}
              >
                {t("kinds.headerSecret")}
              </Checkbox>
            </Tooltip>
            <Button
              data-testid={`${id}-remove-${i}`}
              icon={<DeleteOutlined />}
              aria-label={t("kinds.headerRemove")}
              onClick={() => onChange?.(rows.filter((_, j) => j !== i))}
            />
          </Space.Compact>
        );
      })}
      <Button
        data-testid={`${id}-add`}
        icon={<PlusOutlined />}
        onClick={() => onChange?.([...rows, { name: "", value: "", secret: false }])}
      >
        {t("kinds.headerAdd")}
      </Button>
    </div>
  );
}
