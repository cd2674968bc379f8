import { Alert, Card, Empty, Spin, Typography } from "antd";
import { useEffect, useState } from "react";
import * as api from "../api";
import { useDebouncedValue } from "../hooks/useDebouncedValue";
import { useLanguage, useT } from "../i18n";

/**
 * Beside the editor: the notice for the first person of its audience, as their e-mail shows it,
 * made by the backend's own renderer (the exact message on every channel is in the review's
 * preview). Asked again once typing pauses; an older answer never overwrites a newer one.
 */
export function LivePreview({ input }: { input: api.NewNotice }) {
  const t = useT();
  const { language } = useLanguage();
  // By content: the form hands a new object on every render, the same text most times.
  const settled = useDebouncedValue(JSON.stringify(input), 500);
  const [shown, setShown] = useState<{ preview?: api.Preview; error?: string; loading: boolean }>({ loading: false });
  const empty = input.body.trim() === "";

  useEffect(() => {
    const asked = JSON.parse(settled) as api.NewNotice;
    if (asked.body.trim() === "") return;
    let current = true;
    setShown((s) => ({ ...s, loading: true }));
    api.previewNotice(asked).then(
      (preview) => current && setShown({ preview, loading: false }),
      (reason) => {
        if (!current) return;
        const e = api.toCommandError(reason);
        const text = (language === "en" ? e.params.messageEn : e.params.messageZh) ?? e.message;
        setShown((s) => ({ ...s, error: text, preview: undefined, loading: false }));
      },
    );
    return () => {
      current = false;
    };
  }, [settled, language]);

  return (
    <Card
      size="small"
      title={t("compose.livePreview")}
      extra={shown.loading ? <Spin size="small" /> : null}
      data-testid="compose-live-preview"
      styles={{ body: { padding: 0 } }}
    >
      {empty ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("compose.livePreviewEmpty")} style={{ padding: 24 }} />
      ) : shown.error ? (
        <Alert type="warning" showIcon message={shown.error} data-testid="compose-live-preview-error" style={{ margin: 12 }} />
      ) : shown.preview ? (
        <>
          <div style={{ padding: "8px 12px", borderBottom: "1px solid #f0f0f0" }}>
            <Typography.Text type="secondary">
              {t("compose.livePreviewFor", { name: shown.preview.contactName, count: shown.preview.audienceSize })}
            </Typography.Text>
            <div>
              <Typography.Text strong data-testid="compose-live-preview-subject">
                {shown.preview.subject}
              </Typography.Text>
            </div>
          </div>
          {/* The e-mail's own HTML, in a frame that runs no script and reaches nothing. */}
          <iframe
            title={t("compose.livePreview")}
            sandbox=""
            srcDoc={shown.preview.html}
            data-testid="compose-live-preview-html"
            style={{ width: "100%", height: 420, border: 0 }}
          />
        </>
      ) : null}
    </Card>
  );
}
