import { UsergroupAddOutlined } from "@ant-design/icons";
import { Alert, Button, Modal, Select, Typography } from "antd";
import { useCallback, useState } from "react";
import * as api from "../api";
import { useLoader } from "../hooks/useLoader";
import { useT } from "../i18n";

const NEW = "new:";

type Done = { name: string; change: api.MembersChange };

/**
 * "加入分组" for a selection of contacts: pick a list group, or type a new group's name (it is
 * created first), then the people are added and what happened is shown.
 */
export function AddToGroupButton({ contactIds, onDone }: { contactIds: number[]; onDone?: () => void }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button
        icon={<UsergroupAddOutlined />}
        disabled={contactIds.length === 0}
        onClick={() => setOpen(true)}
        data-testid="add-to-group"
      >
        {t("groups.addToGroup")}
      </Button>
      {open && (
        <AddToGroupModal
          contactIds={contactIds}
          onClose={(changed) => {
            setOpen(false);
            if (changed) onDone?.();
          }}
        />
      )}
    </>
  );
}

function AddToGroupModal({ contactIds, onClose }: { contactIds: number[]; onClose: (changed: boolean) => void }) {
  const t = useT();
  const groups = useLoader(useCallback(() => api.listGroups(), []));
  const lists = (groups.data ?? []).filter((g) => g.kind === "static");
  const [search, setSearch] = useState("");
  const [choice, setChoice] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<Done>();

  // The name being typed, or the new name already chosen (the search box empties on choosing).
  const newName = search.trim() || (choice?.startsWith(NEW) ? choice.slice(NEW.length) : "");
  const options = [
    ...lists.map((g) => ({ value: `id:${g.id}`, label: t("audience.groupOption", { name: g.name, count: g.members }) })),
    ...(newName && !lists.some((g) => g.name === newName)
      ? [{ value: `${NEW}${newName}`, label: t("groups.createNamed", { name: newName }) }]
      : []),
  ];

  const add = async () => {
    if (!choice) return setError(t("groups.chooseRequired"));
    setBusy(true);
    setError(undefined);
    try {
      const group = choice.startsWith(NEW)
        ? await api.createGroup({ name: choice.slice(NEW.length) })
        : lists.find((g) => `id:${g.id}` === choice);
      if (!group) throw new Error(t("groups.chooseRequired"));
      const change = await api.addGroupMembers(group.id, contactIds);
      setDone({ name: group.name, change });
    } catch (reason) {
      setError(api.toCommandError(reason).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open
      title={t("groups.addToGroupTitle", { count: contactIds.length })}
      onCancel={() => onClose(done !== undefined)}
      onOk={done ? () => onClose(true) : add}
      okText={done ? t("groups.done") : t("groups.add")}
      cancelButtonProps={done ? { style: { display: "none" } } : undefined}
      cancelText={t("common.cancel")}
      confirmLoading={busy}
      okButtonProps={{ "data-testid": "add-to-group-ok" }}
      destroyOnHidden
    >
      {done ? (
        <Alert
          type="success"
          showIcon
          data-testid="add-to-group-result"
          message={t("groups.addResult", { added: done.change.changed, already: done.change.unchanged, name: done.name })}
        />
      ) : (
        <>
          <Typography.Paragraph type="secondary">{t("groups.chooseGroup")}</Typography.Paragraph>
          <Select
            showSearch
            style={{ width: "100%" }}
            value={choice}
            onChange={(value: string) => {
              setChoice(value);
              setError(undefined);
            }}
            searchValue={search}
            onSearch={setSearch}
            filterOption={(input, option) =>
              String(option?.value ?? "").startsWith(NEW) ||
              String(option?.label ?? "").toLowerCase().includes(input.trim().toLowerCase())
            }
            loading={groups.loading}
            options={options}
            placeholder={t("groups.chooseGroup")}
            data-testid="add-to-group-select"
            id="add-to-group-select-input"
          />
          {(error || groups.error) && (
            <Alert
              type="error"
              showIcon
              style={{ marginTop: 12 }}
              data-testid="add-to-group-error"
              message={error ?? groups.error?.message}
            />
          )}
        </>
      )}
    </Modal>
  );
}
