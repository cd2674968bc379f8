import { Collapse, Form, Input } from "antd";
import { useT } from "../i18n";

/**
 * Compose's optional English version: people whose contact language is English get it, the
 * rest the Chinese. Left empty, the notice has no English version.
 */
export function EnglishVersionFields() {
  const t = useT();
  return (
    <Collapse
      data-testid="compose-english"
      style={{ marginBottom: 24 }}
      items={[
        {
          key: "english",
          label: t("compose.english"),
          forceRender: true,
          children: (
            <>
              <Form.Item name={["english", "subject"]} label={t("compose.englishSubject")} extra={t("compose.englishSubjectHint")}>
                <Input data-testid="compose-english-subject" maxLength={200} />
              </Form.Item>
              <Form.Item
                name={["english", "body"]}
                label={t("compose.englishBody")}
                extra={t("compose.englishBodyHint")}
                style={{ marginBottom: 0 }}
              >
                <Input.TextArea data-testid="compose-english-body" rows={6} />
              </Form.Item>
            </>
          ),
        },
      ]}
    />
  );
}
