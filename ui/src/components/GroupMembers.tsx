import { Alert, App, Button, Empty, Flex, Input, Popconfirm, Table, Typography, type TableColumnsType } from "antd";
import { useCallback, useState } from "react";
import * as api from "../api";
import { useDebouncedValue } from "../hooks/useDebouncedValue";
import { useLoader } from "../hooks/useLoader";
import { useT } from "../i18n";
import { ErrorAlert } from "./ErrorAlert";

const dash = (value: string | null) => value ?? "—";

/**
 * A group's people: for a list group its members, with search, removal of the selected and
 * adding by pasted 学号/工号; for a rule group who it matches now, read-only. `onChanged` tells
 * the page that the member count moved.
 */
export function GroupMembers({ group, onChanged }: { group: api.Group; onChanged: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const editable = group.kind === "static";
  const [search, setSearch] = useState("");
  const query = useDebouncedValue(search.trim(), 300);
  const [page, setPage] = useState({ current: 1, pageSize: 20 });
  const [selected, setSelected] = useState<number[]>([]);
  const [removing, setRemoving] = useState(false);

  const members = useLoader(
    useCallback(
      () =>
        api.groupMembers(group.id, {
          search: query || undefined,
          limit: page.pageSize,
          offset: (page.current - 1) * page.pageSize,
        }),
      // `group.members` moves when people are added elsewhere: read the page again then.
      // eslint-disable-next-line react-hooks/exhaustive-deps
      [group.id, group.members, query, page],
    ),
  );

  const remove = async () => {
    setRemoving(true);
    try {
      const change = await api.removeGroupMembers(group.id, selected);
      message.success(t("groups.removed", { count: change.changed }));
      setSelected([]);
      onChanged();
    } catch (reason) {
      message.error(api.toCommandError(reason).message);
    } finally {
      setRemoving(false);
    }
  };

  const columns: TableColumnsType<api.Contact> = [
    { title: t("contacts.name"), dataIndex: "name" },
    { title: t("contacts.externalId"), dataIndex: "externalId", render: dash },
    { title: t("contacts.department"), dataIndex: "department", render: dash },
    { title: t("contacts.className"), dataIndex: "className", render: dash },
    { title: t("contacts.grade"), dataIndex: "grade", render: dash },
  ];

  return (
    <Flex vertical gap={12}>
      {!editable && <Alert type="info" showIcon message={t("groups.matchesHint")} />}
      <Flex gap={8} wrap justify="space-between">
        <Input.Search
          allowClear
          style={{ maxWidth: 360 }}
          placeholder={t("groups.search")}
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
            setPage((p) => ({ ...p, current: 1 }));
          }}
          data-testid="group-members-search"
        />
        {editable && (
          <Popconfirm
            title={t("groups.removeConfirm", { count: selected.length })}
            onConfirm={remove}
            okText={t("common.yes")}
            cancelText={t("common.no")}
            disabled={selected.length === 0}
          >
            <Button danger disabled={selected.length === 0} loading={removing} data-testid="group-members-remove">
              {t("groups.removeSelected", { count: selected.length })}
            </Button>
          </Popconfirm>
        )}
      </Flex>
      <ErrorAlert error={members.error} onRetry={() => members.reload()} />
      <Table<api.Contact>
        rowKey="id"
        size="small"
        data-testid="group-members-table"
        columns={columns}
        dataSource={members.data?.items ?? []}
        loading={members.loading}
        rowSelection={
          editable
            ? { selectedRowKeys: selected, onChange: (keys) => setSelected(keys.map(Number)), preserveSelectedRowKeys: true }
            : undefined
        }
        locale={{
          emptyText: (
            <Empty
              image={Empty.PRESENTED_IMAGE_SIMPLE}
              description={editable ? t("groups.noMembers") : t("groups.noMatches")}
            />
          ),
        }}
        pagination={{
          current: page.current,
          pageSize: page.pageSize,
          total: members.data?.total ?? 0,
          showSizeChanger: true,
          onChange: (current, pageSize) => setPage({ current, pageSize }),
        }}
      />
      {editable && <PasteIds group={group} onChanged={onChanged} />}
    </Flex>
  );
}

/** The "粘贴学号/工号" box: adds the contacts with those ids and says what became of each. */
function PasteIds({ group, onChanged }: { group: api.Group; onChanged: () => void }) {
  const t = useT();
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<api.MembersChange>();
  const [error, setError] = useState<string>();

  const add = async () => {
    if (!text.trim()) return setError(t("groups.pasteEmpty"));
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      const change = await api.addGroupMembersByExternalIds(group.id, text);
      setResult(change);
      // Keep what matched no one, so it can be corrected and added again.
      setText(change.unknown.join("\n"));
      if (change.changed > 0) onChanged();
    } catch (reason) {
      setError(api.toCommandError(reason).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Flex vertical gap={8} data-testid="group-paste">
      <Typography.Text strong>{t("groups.paste")}</Typography.Text>
      <Typography.Text type="secondary">{t("groups.pasteHint")}</Typography.Text>
      <Input.TextArea
        rows={4}
        value={text}
        onChange={(e) => setText(e.target.value)}
        placeholder={t("groups.pastePlaceholder")}
        data-testid="group-paste-text"
      />
      <div>
        <Button type="primary" onClick={add} loading={busy} data-testid="group-paste-add">
          {t("groups.pasteAdd")}
        </Button>
      </div>
      {error && <Alert type="error" showIcon message={error} data-testid="group-paste-error" />}
      {result && (
        <Alert
          data-testid="group-paste-result"
          type={result.unknown.length > 0 ? "warning" : "success"}
          showIcon
          message={t("groups.pasteResult", { added: result.changed, already: result.unchanged })}
          description={
            result.unknown.length > 0 && (
              <>
                <div>{t("groups.pasteUnknown", { count: result.unknown.length })}</div>
                <Typography.Text code data-testid="group-paste-unknown">
                  {result.unknown.join("、")}
                </Typography.Text>
              </>
            )
          }
        />
      )}
    </Flex>
  );
}
