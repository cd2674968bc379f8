import { Card, Col, Modal, Row, Spin, Typography } from "antd";
import { useCallback } from "react";
import * as api from "../api";
import { useLoader } from "../hooks/useLoader";
import { useLanguage, useT, type MessageKey } from "../i18n";
import { ErrorAlert } from "./ErrorAlert";
import { inLanguage } from "./KindChannelModal";

const PLATFORM_ORDER = ["dingtalk", "wecom", "feishu", "email", "http", "sms", "local"];

const PLATFORM_LABELS: Record<string, MessageKey> = {
  dingtalk: "kinds.platformDingtalk",
  wecom: "kinds.platformWecom",
  feishu: "kinds.platformFeishu",
  email: "kinds.platformEmail",
  http: "kinds.platformHttp",
  sms: "kinds.platformSms",
  local: "kinds.platformLocal",
};

/** "添加渠道": every kind this version can add, grouped by platform. */
export function KindPicker({ open, onClose, onPick }: { open: boolean; onClose: () => void; onPick: (kind: api.KindInfo) => void }) {
  const t = useT();
  const { language } = useLanguage();
  const kinds = useLoader(useCallback(() => (open ? api.channelKinds() : Promise.resolve([])), [open]));
  const entries = (kinds.data ?? []).map((k) => ({
    key: k.id,
    platform: k.platform,
    title: inLanguage(k.label, language),
    description: inLanguage(k.description, language),
    kind: k,
  }));
  const platforms = PLATFORM_ORDER.filter((p) => entries.some((e) => e.platform === p));
  return (
    <Modal open={open} title={t("kinds.pickTitle")} onCancel={onClose} footer={null} width={760} destroyOnHidden>
      <ErrorAlert error={kinds.error} onRetry={() => kinds.reload()} />
      <Spin spinning={kinds.loading}>
        {platforms.map((platform) => (
          <div key={platform} style={{ marginBottom: 16 }}>
            <Typography.Title level={5}>{t(PLATFORM_LABELS[platform] ?? "kinds.platformOther")}</Typography.Title>
            <Row gutter={[12, 12]}>
              {entries
                .filter((e) => e.platform === platform)
                .map((e) => (
                  <Col span={12} key={e.key}>
                    <Card
                      hoverable
                      size="small"
                      title={e.title}
                      onClick={() => onPick(e.kind)}
                      data-testid={`kind-pick-${e.key}`}
                    >
                      <Typography.Text type="secondary">{e.description}</Typography.Text>
                    </Card>
                  </Col>
                ))}
            </Row>
          </div>
        ))}
      </Spin>
    </Modal>
  );
}
