import { Button, Table, Tag, App, type TableColumnsType } from "antd";
import { useCallback, useState } from "react";
import { useNavigate } from "react-router-dom";
import * as api from "../api";
import { ErrorAlert } from "../components/ErrorAlert";
import { formatTime } from "../components/format";
import { PageHeader } from "../components/PageHeader";
import { TemplateDrawer, composeFromTemplatePath } from "../components/TemplateDrawer";
import { useLoader } from "../hooks/useLoader";
import { useT } from "../i18n";

/** The templates library: the built-ins and the user's own, each opened in a drawer. */
export default function Templates() {
  const t = useT();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const templates = useLoader(useCallback(() => api.listTemplates(), []));
  const [open, setOpen] = useState<api.Template>();

  const remove = async (template: api.Template) => {
    try {
      await api.deleteTemplate(template.id);
      message.success(t("templates.deleted"));
      setOpen(undefined);
      templates.reload();
    } catch (e) {
      message.error(api.toCommandError(e).message);
    }
  };

  const columns: TableColumnsType<api.Template> = [
    { title: t("templates.name"), dataIndex: "name" },
    {
      title: t("templates.kind"),
      dataIndex: "builtin",
      width: 100,
      render: (builtin: boolean) =>
        builtin ? <Tag color="blue">{t("templates.builtin")}</Tag> : <Tag>{t("templates.saved")}</Tag>,
    },
    { title: t("templates.noticeTitle"), dataIndex: "title" },
    { title: t("templates.version"), dataIndex: "version", width: 80 },
    { title: t("notices.createdAt"), dataIndex: "updatedAt", width: 180, render: formatTime },
    {
      key: "actions",
      width: 200,
      render: (_: unknown, tpl) => (
        <>
          <Button size="small" type="link" onClick={() => setOpen(tpl)} data-testid={`template-open-${tpl.id}`}>
            {t("templates.open")}
          </Button>
          <Button
            size="small"
            type="link"
            onClick={() => navigate(composeFromTemplatePath(tpl.id))}
            data-testid={`template-use-${tpl.id}`}
          >
            {t("templates.use")}
          </Button>
        </>
      ),
    },
  ];

  return (
    <>
      <PageHeader title={t("templates.title")} />
      <ErrorAlert error={templates.error} onRetry={() => templates.reload()} />
      <Table<api.Template>
        rowKey="id"
        columns={columns}
        dataSource={templates.data ?? []}
        loading={templates.loading}
        pagination={false}
        locale={{ emptyText: t("templates.empty") }}
        data-testid="templates-table"
      />
      <TemplateDrawer
        template={open}
        onClose={() => setOpen(undefined)}
        onUse={(tpl) => navigate(composeFromTemplatePath(tpl.id))}
        onDelete={(tpl) => void remove(tpl)}
      />
    </>
  );
}
