import { BellOutlined, RollbackOutlined, SyncOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Flex, Popconfirm, Space, Statistic, Tooltip, Typography } from "antd";
import { Link } from "react-router-dom";
import type { RunAfterSend } from "../api";
import { useT } from "../i18n";
import { formatTime } from "./format";
import { ReadStatusChart } from "./ReadStatusChart";

export type AfterSendAction = "recall" | "reads" | "remind";

type Props = {
  afterSend: RunAfterSend;
  /** The action under way on the page, if any: the others wait for it. */
  busy: string | null;
  onAction: (action: AfterSendAction) => Promise<void>;
};

const STAT_STYLE = { minWidth: 90 };

/**
 * 撤回, 刷新已读 and 提醒未读 for a run: each shown where the run's channels allow it, with
 * a confirmation that says what will happen (how many, and the platform's time limit).
 */
export function AfterSendPanel({ afterSend, busy, onAction }: Props) {
  const t = useT();
  const { recall, reads, reminders } = afterSend;
  const button = (action: AfterSendAction) => ({
    loading: busy === action,
    disabled: busy !== null && busy !== action,
  });
  const canRecall = recall.cancellable + recall.recallable + recall.inFlight > 0;
  const cannotAtAll = !canRecall && recall.notRecallable > 0 && recall.recalled === 0;

  const recallText = (
    <Space direction="vertical" size={2} style={{ maxWidth: 380 }} data-testid="after-recall-text">
      {recall.recallable > 0 && <span>{t("afterSend.recallWillRecall", { count: recall.recallable })}</span>}
      {recall.cancellable > 0 && <span>{t("afterSend.recallWillCancel", { count: recall.cancellable })}</span>}
      {recall.recallable > 0 && recall.windowHours !== null && (
        <span>
          {t("afterSend.recallWindow", { hours: recall.windowHours, time: formatTime(recall.recallableUntil) })}
        </span>
      )}
      {recall.inFlight > 0 && <span>{t("afterSend.recallInFlight", { count: recall.inFlight })}</span>}
      {recall.notRecallable > 0 && <span>{t("afterSend.recallCannot", { count: recall.notRecallable })}</span>}
    </Space>
  );

  return (
    <Card title={t("afterSend.title")} size="small" data-testid="after-send">
      <Space direction="vertical" size="middle" style={{ width: "100%" }}>
        <Flex wrap gap={12} align="center">
          {canRecall && (
            <Popconfirm
              title={t("afterSend.recallConfirmTitle")}
              description={recallText}
              okText={t("afterSend.recallConfirmOk")}
              cancelText={t("afterSend.recallConfirmBack")}
              okButtonProps={{ danger: true, "data-testid": "after-recall-confirm" }}
              cancelButtonProps={{ "data-testid": "after-recall-back" }}
              onConfirm={() => onAction("recall")}
            >
              <Button danger icon={<RollbackOutlined />} data-testid="after-recall" {...button("recall")}>
                {t("afterSend.recall")}
              </Button>
            </Popconfirm>
          )}
          {recall.recalled > 0 && (
            <Typography.Text type="secondary" data-testid="after-recalled">
              {t("afterSend.recalledCount", { count: recall.recalled })}
            </Typography.Text>
          )}
          {reads.reported && (
            <Button icon={<SyncOutlined />} onClick={() => onAction("reads")} data-testid="after-refresh-reads" {...button("reads")}>
              {t("afterSend.refreshReads")}
            </Button>
          )}
          {reads.reported && (
            <Tooltip title={reads.unread > 0 ? undefined : t("afterSend.noUnreadHint")}>
              <span>
                <Popconfirm
                  title={t("afterSend.remindConfirmTitle")}
                  description={
                    <div style={{ maxWidth: 380 }}>{t("afterSend.remindConfirmText", { count: reads.unread })}</div>
                  }
                  okText={t("afterSend.remindOk")}
                  cancelText={t("afterSend.recallConfirmBack")}
                  okButtonProps={{ "data-testid": "after-remind-confirm" }}
                  onConfirm={() => onAction("remind")}
                  disabled={reads.unread === 0}
                >
                  <Button
                    icon={<BellOutlined />}
                    data-testid="after-remind"
                    {...button("remind")}
                    disabled={reads.unread === 0 || (busy !== null && busy !== "remind")}
                  >
                    {t("afterSend.remind")}
                  </Button>
                </Popconfirm>
              </span>
            </Tooltip>
          )}
        </Flex>
        {cannotAtAll && (
          <Alert
            type="info"
            showIcon
            data-testid="after-not-recallable"
            message={t("afterSend.notRecallable")}
            description={
              <ul style={{ margin: 0, paddingInlineStart: 18 }}>
                {recall.notes.map((n) => (
                  <li key={`${n.channel}-${n.reason}`}>
                    {n.channel}（{n.count}）：{n.reason}
                  </li>
                ))}
              </ul>
            }
          />
        )}
        {reads.reported ? (
          <Flex wrap gap={24} align="center">
            <ReadStatusChart reads={reads} />
            <Space direction="vertical">
              <Flex wrap gap={24}>
                <Statistic
                  style={STAT_STYLE}
                  title={t("afterSend.read")}
                  value={reads.read}
                  valueStyle={{ color: "#3f8600" }}
                  data-testid="reads-read"
                />
                <Statistic
                  style={STAT_STYLE}
                  title={t("afterSend.unread")}
                  value={reads.unread}
                  valueStyle={reads.unread ? { color: "#d46b08" } : undefined}
                  data-testid="reads-unread"
                />
                <Statistic style={STAT_STYLE} title={t("afterSend.unknown")} value={reads.unknown} data-testid="reads-unknown" />
              </Flex>
              <Typography.Text type="secondary" data-testid="reads-checked">
                {reads.checkedAt
                  ? t("afterSend.checkedAt", { time: formatTime(reads.checkedAt) })
                  : t("afterSend.neverChecked")}
              </Typography.Text>
            </Space>
          </Flex>
        ) : (
          <Typography.Text type="secondary" data-testid="reads-not-reported">
            {t("afterSend.noReadsHint")}
          </Typography.Text>
        )}
        {reminders.length > 0 && (
          <Typography.Text data-testid="after-reminders">
            {t("afterSend.reminders")}{" "}
            {reminders.map((id, i) => (
              <span key={id}>
                {i > 0 && "、"}
                <Link to={`/runs/${id}`}>{t("run.runLink", { id })}</Link>
              </span>
            ))}
          </Typography.Text>
        )}
      </Space>
    </Card>
  );
}
