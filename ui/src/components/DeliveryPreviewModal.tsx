import { Alert, Collapse, Empty, Form, Modal, Select, Spin, Typography } from "antd";
import { useEffect, useState } from "react";
import * as api from "../api";
import { useKindLabel } from "../hooks/useKindLabel";
import { useT } from "../i18n";
import { ContactPicker, type PickedContact } from "./ContactPicker";
import { shownChannelName } from "./format";

/** One part of the message as it goes out: the subject as a line, HTML drawn, the rest as written. */
function Part({ part }: { part: api.WirePart }) {
  const t = useT();
  const id = `preview-part-${part.kind}`;
  switch (part.kind) {
    case "subject":
      return (
        <Typography.Title level={5} data-testid={id}>
          {part.content}
        </Typography.Title>
      );
    case "html":
      // Drawn as the mail client would, and sandboxed: nothing in it runs.
      return (
        <iframe
          title={t("preview.html")}
          data-testid={id}
          sandbox=""
          srcDoc={part.content}
          style={{ width: "100%", height: 420, border: "1px solid #f0f0f0", borderRadius: 6 }}
        />
      );
    case "json":
      return (
        <Collapse
          size="small"
          items={[
            {
              key: "json",
              label: t("preview.json"),
              children: (
                <pre data-testid={id} style={{ whiteSpace: "pre-wrap", wordBreak: "break-all", margin: 0 }}>
                  {part.content}
                </pre>
              ),
            },
          ]}
        />
      );
    default:
      return (
        <div style={{ marginBottom: 12 }}>
          <Typography.Text type="secondary">{t(part.kind === "text" ? "preview.text" : "preview.markdown")}</Typography.Text>
          <pre
            data-testid={id}
            style={{ whiteSpace: "pre-wrap", background: "#fafafa", padding: 12, borderRadius: 6, margin: "4px 0 0" }}
          >
            {part.content}
          </pre>
        </div>
      );
  }
}

/**
 * A notice exactly as one person gets it on one of its channels (a group chat's message as the
 * group sees it, mentions included), made by the code that sends it.
 */
export function DeliveryPreviewModal({
  notice,
  channels,
  onClose,
}: {
  notice: api.Notice | undefined;
  channels: api.Channel[];
  onClose: () => void;
}) {
  const t = useT();
  const own = channels.filter((c) => notice?.channelIds.includes(c.id));
  const [channel, setChannel] = useState<string>();
  const [person, setPerson] = useState<PickedContact[]>([]);
  const [shown, setShown] = useState<api.DeliveryPreview>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(false);
  const { kinds } = useKindLabel();
  const picked = own.find((c) => c.name === channel);
  // A group chat's message is the same for everyone: no one to pick.
  const group = kinds?.find((k) => k.id === picked?.kind)?.recipients.to === "group";

  useEffect(() => {
    setChannel(undefined);
    setPerson([]);
    setShown(undefined);
    setError(undefined);
  }, [notice]);

  useEffect(() => {
    setShown(undefined);
    if (!notice || !channel || (!group && person.length === 0)) return;
    let current = true;
    setLoading(true);
    setError(undefined);
    const contact = person.length > 0 ? `#${person[0].value}` : undefined;
    api
      .previewDelivery(notice.id, channel, contact)
      .then((p) => current && setShown(p))
      .catch((reason) => {
        if (!current) return;
        setShown(undefined);
        setError(api.toCommandError(reason).message);
      })
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, [notice, channel, person, group]);

  if (!notice) return null;
  return (
    <Modal
      open
      title={t("preview.title", { title: notice.title })}
      onCancel={onClose}
      footer={null}
      width={760}
      destroyOnHidden
    >
      <Typography.Paragraph type="secondary">{t("preview.hint")}</Typography.Paragraph>
      <Form layout="vertical">
        <Form.Item label={t("preview.channel")}>
          <Select
            data-testid="preview-channel"
            value={channel}
            onChange={setChannel}
            placeholder={t("preview.channelPlaceholder")}
            options={own.map((c) => ({ value: c.name, label: shownChannelName(c.name, t) }))}
          />
        </Form.Item>
        {!group && (
          <Form.Item label={t("preview.person")} extra={t("preview.personHint")}>
            <ContactPicker data-testid="preview-person" value={person} onChange={(v) => setPerson(v.slice(-1))} />
          </Form.Item>
        )}
      </Form>
      {error && <Alert type="error" showIcon message={error} data-testid="preview-error" />}
      <Spin spinning={loading}>
        {shown && (
          <div data-testid="preview-message">
            <Typography.Paragraph>
              {t("preview.to", { recipient: shown.recipient, address: shown.address ?? "" })}{" "}
              <span data-testid="preview-language">
                {t(shown.language === "en" ? "preview.versionEn" : "preview.versionZh")}
              </span>
            </Typography.Paragraph>
            {shown.problem ? (
              <Alert
                type="warning"
                showIcon
                data-testid="preview-problem"
                message={shown.problem.code === "no_address" ? t("preview.noAddress") : t("preview.broken")}
                description={shown.problem.reason}
              />
            ) : (
              shown.parts.map((part, i) => <Part key={i} part={part} />)
            )}
            {shown.attachments.length > 0 && (
              <Typography.Paragraph type="secondary">
                {t("preview.attachments", { names: shown.attachments.join("、") })}
              </Typography.Paragraph>
            )}
          </div>
        )}
        {!shown && !error && !loading && <Empty description={t("preview.pick")} />}
      </Spin>
    </Modal>
  );
}
