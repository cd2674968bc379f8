import { PaperClipOutlined } from "@ant-design/icons";
import { App, Button, Flex, Input, Popconfirm, Segmented, Space, Table, Tag, Tooltip, type TableColumnsType } from "antd";
import { useCallback, useMemo, useState } from "react";
import { Link } from "react-router-dom";
import * as api from "../api";
import { DeliveryPreviewModal } from "../components/DeliveryPreviewModal";
import { ErrorAlert } from "../components/ErrorAlert";
import { formatAudience, formatTime } from "../components/format";
import { PageHeader } from "../components/PageHeader";
import { NoticeReuseButtons } from "../components/NoticeReuseButtons";
import { NoticeStageTag } from "../components/StatusTag";
import { useLoader } from "../hooks/useLoader";
import { useT } from "../i18n";

const STAGES = ["draft", "scheduled", "sending", "sent"] as const;

/** Where a notice opens: a draft in Compose, to go on writing; a sent one at its latest run. */
export function noticeLink(n: api.Notice): string | undefined {
  if (n.status === "draft") return `/compose?notice=${n.id}`;
  return n.lastRun ? `/runs/${n.lastRun.id}` : undefined;
}

export default function Notices() {
  const t = useT();
  const { message } = App.useApp();
  const notices = useLoader(useCallback(() => api.listNotices(), []));
  const [stage, setStage] = useState<api.NoticeStage | "all">("all");
  const [search, setSearch] = useState("");
  const channels = useLoader(useCallback(() => api.listChannels(), []));
  const [previewing, setPreviewing] = useState<api.Notice>();
  const channelNames = useMemo(
    () => new Map((channels.data ?? []).map((c) => [c.id, c.name])),
    [channels.data],
  );

  const deleteDraft = async (n: api.Notice) => {
    try {
      await api.deleteDraft(n.id);
      message.success(t("notices.deleted"));
    } catch (reason) {
      message.error(api.toCommandError(reason).message);
    }
    notices.reload();
  };

  const shown = useMemo(() => {
    const words = search.trim().toLowerCase();
    return (notices.data ?? []).filter(
      (n) => (stage === "all" || n.stage === stage) && (words === "" || n.title.toLowerCase().includes(words)),
    );
  }, [notices.data, stage, search]);

  const columns: TableColumnsType<api.Notice> = [
    {
      title: t("notices.noticeTitle"),
      dataIndex: "title",
      render: (_: unknown, n) => (
        <Space size={4} wrap>
          {noticeLink(n) ? (
            <Link to={noticeLink(n)!} data-testid={`notice-open-${n.id}`}>
              {n.title || t("notices.untitled")}
            </Link>
          ) : (
            <span>{n.title}</span>
          )}
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
      render: (_: unknown, n) => <NoticeStageTag stage={n.stage} />,
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
    { title: t("notices.savedAt"), dataIndex: "updatedAt", render: formatTime, width: 180 },
    {
      title: t("notices.runs"),
      key: "runs",
      width: 320,
      render: (_: unknown, n) => (
        <Space size="small" wrap>
          <Button size="small" onClick={() => setPreviewing(n)} data-testid={`notice-preview-${n.id}`}>
            {t("notices.preview")}
          </Button>
          {n.status === "draft" ? (
            <Popconfirm
              title={t("notices.deleteDraftConfirm", { title: n.title || t("notices.untitled") })}
              onConfirm={() => void deleteDraft(n)}
            >
              <Button size="small" danger data-testid={`notice-delete-${n.id}`}>
                {t("notices.deleteDraft")}
              </Button>
            </Popconfirm>
          ) : (
            <Link to={`/history?notice=${n.id}`} data-testid={`notice-runs-${n.id}`}>
              {t("notices.viewRuns")}
            </Link>
          )}
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
      <Flex gap={12} wrap style={{ marginBottom: 12 }}>
        <Segmented<api.NoticeStage | "all">
          value={stage}
          onChange={setStage}
          data-testid="notices-stage"
          options={[
            { value: "all", label: t("notices.filterAll") },
            ...STAGES.map((s) => ({
              value: s,
              label: `${t(`status.notice.${s}`)} ${(notices.data ?? []).filter((n) => n.stage === s).length}`,
            })),
          ]}
        />
        <Input.Search
          allowClear
          placeholder={t("notices.search")}
          style={{ width: 260 }}
          onChange={(e) => setSearch(e.target.value)}
          data-testid="notices-search"
        />
      </Flex>
      <Table<api.Notice>
        rowKey="id"
        columns={columns}
        dataSource={shown}
        loading={notices.loading}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: t("notices.empty") }}
        data-testid="notices-table"
      />
      <DeliveryPreviewModal notice={previewing} channels={channels.data ?? []} onClose={() => setPreviewing(undefined)} />
    </>
  );
}
