import { Select } from "antd";
import { useCallback, useState } from "react";
import * as api from "../api";
import { useDebouncedValue } from "../hooks/useDebouncedValue";
import { useLoader } from "../hooks/useLoader";
import { useT } from "../i18n";

export type PickedContact = { value: number; label: string };

const SEARCH_LIMIT = 20;

export function contactLabel(contact: api.Contact): string {
  return contact.externalId ? `${contact.name} (${contact.externalId})` : contact.name;
}

type Props = {
  value?: PickedContact[];
  onChange?: (value: PickedContact[]) => void;
  id?: string;
  "data-testid"?: string;
};

/**
 * Searches on the server: an office's list can hold tens of thousands of people.
 * `labelInValue` keeps each chosen person's name even after the search moves on.
 */
export function ContactPicker({ value, onChange, id, ...rest }: Props) {
  const t = useT();
  const [search, setSearch] = useState("");
  const query = useDebouncedValue(search.trim(), 250);
  const results = useLoader(
    useCallback(() => api.listContacts({ search: query || undefined, limit: SEARCH_LIMIT }), [query]),
  );
  return (
    <Select<PickedContact[]>
      mode="multiple"
      labelInValue
      showSearch
      filterOption={false}
      id={id}
      value={value}
      onChange={(next) => onChange?.(next)}
      onSearch={setSearch}
      loading={results.loading}
      placeholder={t("compose.pickPlaceholder")}
      notFoundContent={results.error ? results.error.message : t("compose.pickNone")}
      options={(results.data?.items ?? []).map((c) => ({ value: c.id, label: contactLabel(c) }))}
      style={{ width: "100%" }}
      {...rest}
    />
  );
}
