import { Alert, Button, Descriptions, Drawer, List, Popconfirm, Space, Tag, Typography } from "antd";
import { useCallback } from "react";
import * as api from "../api";
import { useLoader } from "../hooks/useLoader";
import { useT } from "../i18n";
import { formatTime } from "./format";

/** Where Compose opens prefilled from a template: it reads `?template=ID`. */
export const composeFromTemplatePath = (templateId: number) => `/compose?template=${templateId}`;

function Text({ children }: { children: string }) {
  return (
    <Typography.Paragraph style={{ whiteSpace: "pre-wrap", marginBottom: 0 }} data-testid="template-text">
      {children}
    </Typography.Paragraph>
  );
}

/** One template: its content in both languages, its values, its earlier versions; 用此模板, 删除. */
export function TemplateDrawer({
  template,
  onClose,
  onUse,
  onDelete,
}: {
  template: api.Template | undefined;
  onClose: () => void;
  onUse: (t: api.Template) => void;
  onDelete: (t: api.Template) => void;
}) {
  const t = useT();
  const id = template?.id;
  const versions = useLoader(
    useCallback(
      () => (id === undefined ? Promise.resolve([] as api.TemplateVersion[]) : api.templateVersions(id)),
      [id],
    ),
  );
  const values = Object.entries(template?.values ?? {});

  return (
    <Drawer
      open={template !== undefined}
      onClose={onClose}
      width={640}
      title={template?.name}
      extra={
        template && (
          <Space>
            {!template.builtin && (
              <Popconfirm title={t("templates.deleteConfirm", { name: template.name })} onConfirm={() => onDelete(template)}>
                <Button danger data-testid="template-delete">
                  {t("templates.delete")}
                </Button>
              </Popconfirm>
            )}
            <Button type="primary" onClick={() => onUse(template)} data-testid="template-use">
              {t("templates.use")}
            </Button>
          </Space>
        )
      }
      data-testid="template-drawer"
    >
      {template && (
        <Space direction="vertical" style={{ width: "100%" }} size="middle">
          {template.builtin && <Alert type="info" showIcon message={t("templates.builtinHint")} />}
          <Descriptions column={1} size="small" bordered>
            <Descriptions.Item label={t("templates.noticeTitle")}>{template.title}</Descriptions.Item>
            <Descriptions.Item label={t("templates.subject")}>{template.subject ?? template.title}</Descriptions.Item>
            <Descriptions.Item label={t("templates.body")}>
              <Text>{template.body}</Text>
            </Descriptions.Item>
            {values.length > 0 && (
              <Descriptions.Item label={t("templates.values")}>
                {values.map(([k, v]) => (
                  <div key={k}>
                    <Tag>{k}</Tag>
                    {v}
                  </div>
                ))}
              </Descriptions.Item>
            )}
            {template.english && (
              <Descriptions.Item label={t("templates.english")}>
                {template.english.subject && <Typography.Text strong>{template.english.subject}</Typography.Text>}
                <Text>{template.english.body}</Text>
              </Descriptions.Item>
            )}
          </Descriptions>
          {!template.builtin && (
            <>
              <Typography.Title level={5} style={{ margin: 0 }}>
                {t("templates.versions")} · {t("templates.current", { version: template.version })}
              </Typography.Title>
              <List
                size="small"
                bordered
                loading={versions.loading}
                dataSource={versions.data ?? []}
                locale={{ emptyText: t("templates.noVersions") }}
                data-testid="template-versions"
                renderItem={(v) => (
                  <List.Item>
                    <List.Item.Meta
                      title={t("templates.versionLabel", { version: v.version, time: formatTime(v.savedAt) })}
                      description={v.title}
                    />
                  </List.Item>
                )}
              />
            </>
          )}
        </Space>
      )}
    </Drawer>
  );
}
