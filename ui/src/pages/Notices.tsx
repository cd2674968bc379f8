import { PaperClipOutlined } from "@ant-design/icons";
import { Button, Space, Table, Tag, Tooltip, type TableColumnsType } from "antd";
import { useCallback, useMemo, useState } from "react";
import { Link } from "react-router-dom";
import * as api from "../api";
import { DeliveryPreviewModal } from "../components/DeliveryPreviewModal";
import { ErrorAlert } from "../components/ErrorAlert";
import { formatAudience, formatTime } from "../components/format";
import { PageHeader } from "../components/PageHeader";
import { NoticeReuseButtons } from "../components/NoticeReuseButtons";
import { NoticeStatusTag } from "../components/StatusTag";
import { useLoader } from "../hooks/useLoader";
import { useT } from "../i18n";

export default function Notices() {
  const t = useT();
  const notices = useLoader(useCallback(() => api.listNotices(), []));
  const channels = useLoader(useCallback(() => api.listChannels(), []));
  const [previewing, setPreviewing] = useState<api.Notice>();
  const channelNames = useMemo(
    () => new Map((channels.data ?? []).map((c) => [c.id, c.name])),
    [channels.data],
  );

  const columns: TableColumnsType<api.Notice> = [
    {
      title: t("notices.noticeTitle"),
      dataIndex: "title",
      render: (_: unknown, n) => (
        <Space size={4} wrap>
          <span>{n.title}</span>
          {n.attachments.length > 0 && (
            <Tooltip title={n.attachments.map((a) => a.name).join("、")}>
              <Tag icon={<PaperClipOutlined />} data-testid={`notice-attachments-${n.id}`}>
                {n.attachments.length}
              </Tag>
            </Tooltip>
          )}
          {n.allowUnsubscribe && <Tag data-testid={`notice-unsubscribe-${n.id}`}>{t("notices.allowsUnsubscribe")}</Tag>}
        </Space>
      ),
    },
    {
      title: t("notices.status"),
      dataIndex: "status",
      width: 110,
      render: (_: unknown, n) => <NoticeStatusTag status={n.status} />,
    },
    {
      title: t("notices.channels"),
      dataIndex: "channelIds",
      render: (ids: number[]) =>
        ids.map((id) => <Tag key={id}>{channelNames.get(id) ?? `#${id}`}</Tag>),
    },
    {
      title: t("notices.audience"),
      dataIndex: "audience",
      render: (audience: string, n) => formatAudience(audience, t, n.audienceText),
    },
    { title: t("notices.createdAt"), dataIndex: "createdAt", render: formatTime, width: 180 },
    {
      title: t("notices.runs"),
      key: "runs",
      width: 320,
      render: (_: unknown, n) => (
        <Space size="small">
          <Button size="small" onClick={() => setPreviewing(n)} data-testid={`notice-preview-${n.id}`}>
            {t("notices.preview")}
          </Button>
          <Link to={`/history?notice=${n.id}`} data-testid={`notice-runs-${n.id}`}>
            {t("notices.viewRuns")}
          </Link>
          <NoticeReuseButtons notice={n} />
        </Space>
      ),
    },
  ];

  return (
    <>
      <PageHeader
        title={t("notices.title")}
        extra={
          <Link to="/compose">
            <Button type="primary">{t("notices.compose")}</Button>
          </Link>
        }
      />
      <ErrorAlert error={notices.error} onRetry={() => notices.reload()} />
      <Table<api.Notice>
        rowKey="id"
        columns={columns}
        dataSource={notices.data ?? []}
        loading={notices.loading}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: t("notices.empty") }}
        data-testid="notices-table"
      />
      <DeliveryPreviewModal notice={previewing} channels={channels.data ?? []} onClose={() => setPreviewing(undefined)} />
    </>
  );
}
