import { Descriptions, Modal, Typography } from "antd";
import type { Preview } from "../api";
import { useT } from "../i18n";

export function PreviewModal({ preview, onClose }: { preview: Preview | null; onClose: () => void }) {
  const t = useT();
  return (
    <Modal
      open={preview !== null}
      title={t("compose.previewTitle")}
      onCancel={onClose}
      onOk={onClose}
      cancelButtonProps={{ style: { display: "none" } }}
      okText={t("common.close")}
      width={720}
    >
      {preview && (
        <div data-testid="compose-preview-result">
          <Descriptions column={1} size="small" bordered>
            <Descriptions.Item label={t("compose.previewRecipient")}>
              {preview.contactName}
            </Descriptions.Item>
            <Descriptions.Item label={t("compose.previewAudience")}>
              {t("compose.previewAudienceSize", { count: preview.audienceSize })}
            </Descriptions.Item>
            <Descriptions.Item label={t("compose.subject")}>{preview.subject}</Descriptions.Item>
          </Descriptions>
          <Typography.Paragraph
            style={{
              whiteSpace: "pre-wrap",
              marginTop: 16,
              padding: 12,
              background: "#fafafa",
              border: "1px solid #f0f0f0",
              borderRadius: 6,
            }}
            data-testid="compose-preview-body"
          >
            {preview.body}
          </Typography.Paragraph>
        </div>
      )}
    </Modal>
  );
}
