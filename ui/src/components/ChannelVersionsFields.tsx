import { Collapse, Form, Input } from "antd";
import type { Channel } from "../api";
import { useT } from "../i18n";
import { shownChannelName } from "./format";

/**
 * For each chosen channel, an optional body of its own (a short text for a chat app, a
 * summary for a group robot) and its English; empty, the channel sends the notice's body.
 */
export function ChannelVersionsFields({ channels }: { channels: Channel[] }) {
  const t = useT();
  if (channels.length === 0) return null;
  return (
    <Collapse
      data-testid="compose-channel-versions"
      style={{ marginBottom: 24 }}
      items={[
        {
          key: "versions",
          label: t("compose.channelVersions"),
          forceRender: true,
          children: (
            <>
              <p style={{ marginTop: 0 }}>{t("compose.channelVersionsHint")}</p>
              {channels.map((c) => (
                <div key={c.id}>
                  <Form.Item
                    name={["channelVersions", String(c.id), "body"]}
                    label={t("compose.channelVersionBody", { channel: shownChannelName(c.name, t) })}
                  >
                    <Input.TextArea data-testid={`compose-version-${c.name}`} rows={3} />
                  </Form.Item>
                  <Form.Item
                    name={["channelVersions", String(c.id), "englishBody"]}
                    label={t("compose.channelVersionEnglish", { channel: shownChannelName(c.name, t) })}
                  >
                    <Input.TextArea data-testid={`compose-version-english-${c.name}`} rows={2} />
                  </Form.Item>
                </div>
              ))}
            </>
          ),
        },
      ]}
    />
  );
}
