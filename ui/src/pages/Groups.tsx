import { FilterOutlined, PlusOutlined } from "@ant-design/icons";
import { App, Button, Drawer, Empty, Popconfirm, Space, Table, Tag, Typography, type TableColumnsType } from "antd";
import { useCallback, useState } from "react";
import * as api from "../api";
import { ErrorAlert } from "../components/ErrorAlert";
import { formatTime } from "../components/format";
import { GroupFormModal, type GroupFormTarget } from "../components/GroupFormModal";
import { GroupMembers } from "../components/GroupMembers";
import { PageHeader } from "../components/PageHeader";
import { describeRule } from "../components/RuleBuilder";
import { useLoader } from "../hooks/useLoader";
import { useT } from "../i18n";

export function GroupKindTag({ kind }: { kind: api.GroupKind }) {
  const t = useT();
  return kind === "rule" ? (
    <Tag color="purple">{t("groups.kindRule")}</Tag>
  ) : (
    <Tag color="blue">{t("groups.kindStatic")}</Tag>
  );
}

/** The Groups screen: list groups and rule groups (segments), create, edit, delete, see members. */
export default function Groups() {
  const t = useT();
  const { message } = App.useApp();
  const groups = useLoader(useCallback(() => api.listGroups(), []));
  const [editing, setEditing] = useState<GroupFormTarget | null>(null);
  const [openId, setOpenId] = useState<number | null>(null);
  const open = groups.data?.find((g) => g.id === openId) ?? null;

  const remove = async (group: api.Group) => {
    try {
      await api.deleteGroup(group.id);
      message.success(t("groups.deleted", { name: group.name }));
      if (openId === group.id) setOpenId(null);
      groups.reload(true);
    } catch (reason) {
      const text = t("groups.deleteFailed", { name: group.name, message: api.toCommandError(reason).message });
      message.error({ content: text, duration: 8 });
    }
  };

  const deleteButton = (group: api.Group) => (
    <Popconfirm
      title={t("groups.deleteConfirm", { name: group.name })}
      description={t("groups.deleteHint")}
      onConfirm={() => remove(group)}
      okText={t("groups.delete")}
      okButtonProps={{ danger: true, "data-testid": "group-delete-confirm" }}
      cancelText={t("common.cancel")}
    >
      <Button size="small" type="link" danger data-testid={`group-delete-${group.name}`}>
        {t("groups.delete")}
      </Button>
    </Popconfirm>
  );

  const columns: TableColumnsType<api.Group> = [
    {
      title: t("groups.name"),
      dataIndex: "name",
      render: (name: string, group) => (
        <Typography.Link onClick={() => setOpenId(group.id)} data-testid={`group-open-${name}`}>
          {name}
        </Typography.Link>
      ),
    },
    { title: t("groups.kind"), dataIndex: "kind", width: 90, render: (kind: api.GroupKind) => <GroupKindTag kind={kind} /> },
    {
      title: t("groups.description"),
      dataIndex: "description",
      render: (description: string | null, group) => (
        <>
          <div>{description || "—"}</div>
          {group.rule && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t("groups.ruleText", { rule: describeRule(group.rule, t) })}
            </Typography.Text>
          )}
        </>
      ),
    },
    {
      title: t("groups.members"),
      dataIndex: "members",
      width: 100,
      align: "right",
      render: (count: number, group) => <span data-testid={`group-count-${group.name}`}>{count}</span>,
    },
    { title: t("groups.updatedAt"), dataIndex: "updatedAt", width: 170, render: (at: string) => formatTime(at) },
    {
      title: t("common.actions"),
      key: "actions",
      width: 200,
      render: (_, group) => (
        <Space size={0}>
          <Button size="small" type="link" onClick={() => setOpenId(group.id)}>
            {t("groups.open")}
          </Button>
          <Button
            size="small"
            type="link"
            onClick={() => setEditing({ kind: group.kind, group })}
            data-testid={`group-edit-${group.name}`}
          >
            {t("groups.edit")}
          </Button>
          {deleteButton(group)}
        </Space>
      ),
    },
  ];

  return (
    <div>
      <PageHeader
        title={t("groups.title")}
        extra={
          <Space wrap>
            <Button icon={<PlusOutlined />} onClick={() => setEditing({ kind: "static" })} data-testid="group-new-static">
              {t("groups.newStatic")}
            </Button>
            <Button
              type="primary"
              icon={<FilterOutlined />}
              onClick={() => setEditing({ kind: "rule" })}
              data-testid="group-new-rule"
            >
              {t("groups.newRule")}
            </Button>
          </Space>
        }
      />
      <Typography.Paragraph type="secondary">{t("groups.intro")}</Typography.Paragraph>
      <ErrorAlert error={groups.error} onRetry={() => groups.reload()} />
      <Table<api.Group>
        rowKey="id"
        data-testid="groups-table"
        columns={columns}
        dataSource={groups.data ?? []}
        loading={groups.loading}
        pagination={false}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("groups.empty")} /> }}
      />
      {editing && (
        <GroupFormModal
          target={editing}
          onClose={() => setEditing(null)}
          onSaved={(group, created) => {
            setEditing(null);
            message.success(created ? t("groups.created", { name: group.name }) : t("groups.saved"));
            groups.reload(true);
            if (created) setOpenId(group.id);
          }}
        />
      )}
      <Drawer
        open={open !== null}
        onClose={() => setOpenId(null)}
        width={820}
        destroyOnHidden
        title={
          open && (
            <Space>
              <GroupKindTag kind={open.kind} />
              <span data-testid="group-drawer-title">
                {t(open.kind === "rule" ? "groups.matchesTitle" : "groups.membersTitle", { name: open.name })}
              </span>
              <Typography.Text type="secondary" data-testid="group-drawer-count">
                {t("groups.membersCount", { count: open.members })}
              </Typography.Text>
            </Space>
          )
        }
        extra={
          open && (
            <Space>
              <Button onClick={() => setEditing({ kind: open.kind, group: open })}>{t("groups.edit")}</Button>
              {deleteButton(open)}
            </Space>
          )
        }
      >
        {open && (
          <>
            {open.description && <Typography.Paragraph>{open.description}</Typography.Paragraph>}
            {open.rule && (
              <Typography.Paragraph type="secondary" data-testid="group-drawer-rule">
                {t("groups.ruleText", { rule: describeRule(open.rule, t) })}
              </Typography.Paragraph>
            )}
            <GroupMembers group={open} onChanged={() => groups.reload(true)} />
          </>
        )}
      </Drawer>
    </div>
  );
}
