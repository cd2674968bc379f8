import { Button, Select, Space, Table, Typography, type TableColumnsType, type TableProps } from "antd";
import type { SortOrder } from "antd/es/table/interface";
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import * as api from "../api";
import { useT, type MessageKey } from "../i18n";
import { ErrorAlert } from "./ErrorAlert";
import { formatMobile } from "./format";

/** Rows per request: a screenful many times over, small enough to answer in a few ms. */
export const BLOCK_SIZE = 200;
/** The table's fixed height; rows outside it are not rendered (antd's virtual table). */
const SCROLL_Y = 560;

/** The filters the toolbar offers, all exact matches chosen from the facets. */
export type ContactFilters = Pick<
  api.ContactQuery,
  "department" | "grade" | "className" | "role" | "tag" | "language"
>;

/** A row not loaded yet: it stands in the sparse list until its block arrives. */
type Placeholder = { id: number; placeholder: true; index: number };
type Row = api.Contact | Placeholder;

const isPlaceholder = (row: Row): row is Placeholder => "placeholder" in row;

const dash = (value: string | null) => value ?? "—";

/**
 * `total` rows loaded from the server in blocks of BLOCK_SIZE as they come into view. A new
 * `query` starts over (a generation number makes answers to the old one be ignored), so a slow
 * block of the previous filter never lands in the new list.
 */
export function useContactBlocks(query: api.ContactQuery) {
  const [rows, setRows] = useState<Row[] | undefined>();
  const [error, setError] = useState<api.CommandError>();
  const generation = useRef(0);
  const requested = useRef(new Set<number>());
  const rowsRef = useRef<Row[]>([]);

  const fetchBlock = useCallback(
    (block: number) => {
      const mine = generation.current;
      requested.current.add(block);
      api.listContacts({ ...query, limit: BLOCK_SIZE, offset: block * BLOCK_SIZE }).then(
        (page) => {
          if (mine !== generation.current) return;
          let next = rowsRef.current;
          if (next.length !== page.total) {
            // The first answer, or the list grew or shrank meanwhile: size it to the new total.
            next = Array.from({ length: page.total }, (_, i): Row =>
              next[i] && !isPlaceholder(next[i]) ? next[i] : { id: -(i + 1), placeholder: true, index: i },
            );
          } else {
            next = next.slice();
          }
          page.items.forEach((item, i) => {
            if (block * BLOCK_SIZE + i < next.length) next[block * BLOCK_SIZE + i] = item;
          });
          rowsRef.current = next;
          setRows(next);
          setError(undefined);
        },
        (reason: unknown) => {
          if (mine !== generation.current) return;
          requested.current.delete(block);
          setError(api.toCommandError(reason));
        },
      );
    },
    [query],
  );

  const restart = useCallback(() => {
    generation.current += 1;
    requested.current = new Set();
    fetchBlock(0);
  }, [fetchBlock]);

  useEffect(() => {
    rowsRef.current = [];
    setRows(undefined);
    restart();
  }, [restart]);

  /** Asks for the block holding row `index`, once. */
  const ensure = useCallback(
    (index: number) => {
      const block = Math.floor(index / BLOCK_SIZE);
      if (!requested.current.has(block)) fetchBlock(block);
    },
    [fetchBlock],
  );

  /** Replaces one loaded contact in place (after an edit), without reloading the list. */
  const patch = useCallback((contact: api.Contact) => {
    const at = rowsRef.current.findIndex((r) => r.id === contact.id);
    if (at < 0) return;
    const next = rowsRef.current.slice();
    next[at] = contact;
    rowsRef.current = next;
    setRows(next);
  }, []);

  return { rows, total: rows?.length, error, ensure, restart, patch };
}

/** Stands where a row will be; asks for its block when the virtual table shows it. */
function RowPlaceholder({ index, ensure }: { index: number; ensure: (index: number) => void }) {
  useEffect(() => ensure(index), [index, ensure]);
  return (
    <Typography.Text type="secondary" data-testid="contact-row-loading">
      …
    </Typography.Text>
  );
}

const SORTABLE: Record<string, api.ContactSort> = {
  name: "name",
  externalId: "externalId",
  department: "department",
  className: "className",
  grade: "grade",
};

const FILTERS: { key: keyof ContactFilters; facet: keyof api.ContactFacets; label: MessageKey }[] = [
  { key: "department", facet: "departments", label: "contacts.department" },
  { key: "grade", facet: "grades", label: "contacts.grade" },
  { key: "className", facet: "classes", label: "contacts.className" },
  { key: "role", facet: "roles", label: "contacts.role" },
  { key: "tag", facet: "tags", label: "contacts.tag" },
  { key: "language", facet: "languages", label: "contacts.language" },
];

/**
 * The contacts list for any number of people: filters from the facets, sort by column header,
 * rows loaded as they scroll into view, checkboxes kept across blocks and filter changes.
 * `selectionActions` renders what can be done with the chosen ids (e.g. add them to a group).
 */
export function ContactsTable({
  search,
  facets,
  reloadKey,
  onOpen,
  emptyText,
  selectionActions,
  patched,
}: {
  search: string;
  /** The values to offer in the filter dropdowns (`contactFacets`). */
  facets: api.ContactFacets | undefined;
  /** Bump to load again from the start (after an import, an add or a deletion). */
  reloadKey: number;
  onOpen: (contact: api.Contact) => void;
  emptyText: ReactNode;
  selectionActions?: (ids: number[]) => ReactNode;
  /** A contact changed by an edit, shown in place without a reload. */
  patched?: api.Contact;
}) {
  const t = useT();
  const [filters, setFilters] = useState<ContactFilters>({});
  const [sort, setSort] = useState<{ sort: api.ContactSort; descending: boolean }>();
  const [selected, setSelected] = useState<number[]>([]);

  const query = useMemo<api.ContactQuery>(() => {
    const q: api.ContactQuery = { search: search || undefined, ...sort };
    for (const { key } of FILTERS) if (filters[key]) q[key] = filters[key];
    return q;
    // reloadKey makes a new query object, which starts the list over.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search, filters, sort, reloadKey]);
  const { rows, total, error, ensure, restart, patch } = useContactBlocks(query);

  useEffect(() => {
    if (patched) patch(patched);
  }, [patched, patch]);

  const sortOrder = (key: string): SortOrder =>
    sort && sort.sort === SORTABLE[key] ? (sort.descending ? "descend" : "ascend") : null;

  const cell = (key: keyof api.Contact) => (value: string | null, row: Row) =>
    isPlaceholder(row)
      ? key === "name"
        ? <RowPlaceholder index={row.index} ensure={ensure} />
        : null
      : dash(key === "mobile" && value ? formatMobile(value) : value);

  const column = (key: keyof api.Contact, label: MessageKey, width?: number) => ({
    key,
    dataIndex: key,
    title: t(label),
    width,
    // No `ellipsis`: its clipped cells read as hidden to WebDriver, which then finds no text in
    // the table (the E2E tests read it); a long address wraps instead.
    render: cell(key),
    // An address reads as one piece: e-mail and mobiles never break across lines.
    ...(key === "email" || key === "mobile" ? { onCell: () => ({ style: { whiteSpace: "nowrap" as const } }) } : {}),
    ...(SORTABLE[key]
      ? { sorter: true, sortOrder: sortOrder(key), sortDirections: ["ascend", "descend"] as SortOrder[] }
      : {}),
  });

  const columns: TableColumnsType<Row> = [
    column("name", "contacts.name", 120),
    column("externalId", "contacts.externalId", 130),
    column("department", "contacts.department"),
    column("className", "contacts.className"),
    column("grade", "contacts.grade", 90),
    column("role", "contacts.role", 90),
    column("email", "contacts.email"),
    column("mobile", "contacts.mobile", 150),
  ];

  const onChange: TableProps<Row>["onChange"] = (_pagination, _filters, sorter) => {
    const s = Array.isArray(sorter) ? sorter[0] : sorter;
    const field = typeof s?.columnKey === "string" ? SORTABLE[s.columnKey] : undefined;
    setSort(field && s.order ? { sort: field, descending: s.order === "descend" } : undefined);
  };

  const languageLabel = (value: string) =>
    value === "zh-CN" ? t("contact.languageZh") : value === "en" ? t("contact.languageEn") : value;

  return (
    <>
      <Space wrap style={{ marginBottom: 12 }} data-testid="contacts-filters">
        {FILTERS.map(({ key, facet, label }) => (
          <Select
            key={key}
            allowClear
            showSearch
            placeholder={t(label)}
            value={filters[key] ?? undefined}
            onChange={(value?: string) => setFilters((f) => ({ ...f, [key]: value }))}
            options={(facets?.[facet] ?? []).map((f) => ({
              value: f.value,
              label: `${key === "language" ? languageLabel(f.value) : f.value}（${f.count}）`,
            }))}
            style={{ minWidth: 140 }}
            popupMatchSelectWidth={false}
            data-testid={`contacts-filter-${key}`}
          />
        ))}
      </Space>
      <Space style={{ marginBottom: 8, minHeight: 32 }} data-testid="contacts-selection">
        <Typography.Text type="secondary" data-testid="contacts-total">
          {total === undefined ? t("contacts.loading") : t("contacts.total", { total })}
        </Typography.Text>
        {selected.length > 0 && (
          <>
            <Typography.Text strong data-testid="contacts-selected">
              {t("contacts.selected", { count: selected.length })}
            </Typography.Text>
            <Button type="link" size="small" onClick={() => setSelected([])} data-testid="contacts-clear-selection">
              {t("contacts.clearSelection")}
            </Button>
            {selectionActions?.(selected)}
          </>
        )}
      </Space>
      <ErrorAlert error={error} onRetry={restart} testId="contacts-error" />
      <Table<Row>
        virtual
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={rows ?? []}
        loading={rows === undefined && !error}
        pagination={false}
        scroll={{ y: SCROLL_Y }}
        onChange={onChange}
        showSorterTooltip={false}
        data-testid="contacts-table"
        rowSelection={{
          selectedRowKeys: selected,
          preserveSelectedRowKeys: true,
          // Select-all would only take the rows loaded so far, which is not what it says.
          hideSelectAll: true,
          columnWidth: 48,
          getCheckboxProps: (row) => ({ disabled: isPlaceholder(row) }),
          onChange: (keys) => setSelected(keys as number[]),
        }}
        onRow={(row) => ({
          onClick: (event) => {
            // A click on the checkbox selects; anywhere else on the row opens the contact.
            if ((event.target as HTMLElement).closest(".ant-table-selection-column")) return;
            if (!isPlaceholder(row)) onOpen(row);
          },
          style: { cursor: isPlaceholder(row) ? "default" : "pointer" },
          ...(isPlaceholder(row) ? {} : ({ "data-testid": `contact-row-${row.id}` } as Record<string, string>)),
        })}
        locale={{ emptyText: search || Object.values(filters).some(Boolean) ? t("contacts.noMatch") : emptyText }}
      />
    </>
  );
}
