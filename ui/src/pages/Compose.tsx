import { Alert, App, Button, Card, Checkbox, Form, Input, Radio, Space, Switch, Typography } from "antd";
import { useCallback, useEffect, useRef, useState } from "react";
import { useNavigate } from "react-router-dom";
import * as api from "../api";
import { AudiencePicker, audienceChosen, type AudienceValue } from "../components/AudiencePicker";
import { ErrorAlert } from "../components/ErrorAlert";
import { PageHeader } from "../components/PageHeader";
import { PreviewModal } from "../components/PreviewModal";
import { ReviewModal } from "../components/ReviewModal";
import { useLoader } from "../hooks/useLoader";
import { useLanguage, useT } from "../i18n";
import { AttachmentsField } from "../components/AttachmentsField";
import { VariablesHelp } from "../components/VariablesHelp";
import { COMPOSE_DEFAULTS, namesUsed, noticeValues, toNewNotice, type ComposeValues } from "./composeForm";
import { shownChannelName } from "../components/format";
import { SaveAsTemplateButton, templateContentOf } from "../components/SaveAsTemplateButton";
import { useTemplatePrefill } from "./useTemplatePrefill";

export default function Compose() {
  const t = useT();
  const { language } = useLanguage();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const [form] = Form.useForm<ComposeValues>();
  useTemplatePrefill(form);
  const channelIds = Form.useWatch("channelIds", form);
  const values = Form.useWatch("values", form);
  const subject = Form.useWatch("subject", form);
  const body = Form.useWatch("body", form);
  const channels = useLoader(useCallback(() => api.listChannels(), []));
  const enabled = (channels.data ?? []).filter((c) => c.enabled);
  const [busy, setBusy] = useState<"preview" | "send" | null>(null);
  const [error, setError] = useState<string>();
  const [preview, setPreview] = useState<api.Preview | null>(null);
  const [reviewing, setReviewing] = useState<number>();
  // A notice created by a send whose start then failed: retrying must not create it twice.
  const created = useRef<number | null>(null);

  const onlyChannel = enabled.length === 1 ? enabled[0] : undefined;
  useEffect(() => {
    if (onlyChannel?.kind === "sandbox" && !form.getFieldValue("channelIds")?.length) {
      form.setFieldsValue({ channelIds: [onlyChannel.id] });
    }
  }, [onlyChannel, form]);

  const fail = (reason: unknown) => {
    const e = api.toCommandError(reason);
    // A template's refusal comes in both languages, with its field: shown on that field too.
    const text = (language === "en" ? e.params.messageEn : e.params.messageZh) ?? e.message;
    const field = e.params.field;
    if (e.code.startsWith("compose_") && (field === "subject" || field === "body")) {
      form.setFields([{ name: field, errors: [text] }]);
      form.scrollToField(field, { behavior: "smooth", block: "center" });
    }
    setError(text);
    message.error(text);
  };

  const showPreview = async () => {
    const values = await form.validateFields(["title", "body"]).catch(() => null);
    if (!values) return;
    setBusy("preview");
    setError(undefined);
    try {
      setPreview(await api.previewNotice(toNewNotice({ ...COMPOSE_DEFAULTS, ...form.getFieldsValue(true) })));
    } catch (reason) {
      fail(reason);
    } finally {
      setBusy(null);
    }
  };

  // 核对 comes before every send: the notice is saved as a draft and checked against its
  // whole audience; only the review's button sends it.
  const review = async () => {
    const values = await form.validateFields().catch(() => {
      form.scrollToField(form.getFieldsError().find((f) => f.errors.length > 0)?.name ?? "title", {
        behavior: "smooth",
        block: "center",
      });
      return null;
    });
    if (!values) return;
    setBusy("send");
    setError(undefined);
    try {
      const noticeId = created.current ?? (await api.createNotice(toNewNotice(values))).id;
      created.current = noticeId;
      setReviewing(noticeId);
    } catch (reason) {
      fail(reason);
    } finally {
      setBusy(null);
    }
  };

  const send = async (noticeId: number) => {
    const run = await api.sendNotice(noticeId);
    navigate(`/runs/${run.id}`);
  };

  return (
    <div style={{ maxWidth: 860 }}>
      <PageHeader title={t("compose.title")} />
      <ErrorAlert error={channels.error} onRetry={() => channels.reload()} />
      <Card>
        <Form<ComposeValues>
          form={form}
          layout="vertical"
          initialValues={COMPOSE_DEFAULTS}
          onValuesChange={() => {
            created.current = null;
          }}
        >
          <Form.Item name="title" label={t("compose.noticeTitle")} rules={[{ required: true, whitespace: true, message: t("compose.titleRequired") }]}>
            <Input data-testid="compose-title" maxLength={200} />
          </Form.Item>
          <Form.Item name="subject" label={t("compose.subject")} extra={t("compose.subjectHint")}>
            <Input data-testid="compose-subject" maxLength={200} />
          </Form.Item>
          <Form.Item
            name="body"
            label={t("compose.body")}
            rules={[{ required: true, whitespace: true, message: t("compose.bodyRequired") }]}
            extra={t("compose.bodyHint", { example: "{{ 姓名 }}" })}
          >
            <Input.TextArea data-testid="compose-body" rows={10} />
          </Form.Item>
          <Form.Item label={t("compose.values")} extra={t("compose.valuesHint")}>
            <Form.List name="values">
              {(rows, { add, remove }) => (
                <>
                  {rows.map((row, i) => (
                    <Space key={row.key} style={{ display: "flex", marginBottom: 8 }}>
                      <Form.Item name={[row.name, "key"]} noStyle>
                        <Input placeholder={t("compose.valueName")} data-testid={`compose-value-key-${i}`} style={{ width: 180 }} />
                      </Form.Item>
                      <Form.Item name={[row.name, "value"]} noStyle>
                        <Input placeholder={t("compose.valueValue")} data-testid={`compose-value-${i}`} style={{ width: 320 }} />
                      </Form.Item>
                      <Button onClick={() => remove(row.name)} data-testid={`compose-value-remove-${i}`}>
                        {t("compose.valueRemove")}
                      </Button>
                    </Space>
                  ))}
                  <Button onClick={() => add({ key: "", value: "" })} data-testid="compose-value-add">
                    {t("compose.valueAdd")}
                  </Button>
                </>
              )}
            </Form.List>
          </Form.Item>
          <Form.Item>
            <VariablesHelp
              values={noticeValues(values)}
              used={namesUsed(subject, body)}
              onInsert={(text) => form.setFieldValue("body", `${form.getFieldValue("body") ?? ""}${text}`)}
            />
          </Form.Item>
          <Form.Item
            name="channelIds"
            label={t("compose.channels")}
            rules={[{ type: "array", min: 1, required: true, message: t("compose.channelsRequired") }]}
            extra={channels.data && enabled.length === 0 ? t("compose.noChannels") : undefined}
          >
            <Checkbox.Group>
              {enabled.map((channel) => (
                <Checkbox key={channel.id} value={channel.id} data-testid={`compose-channel-${channel.name}`}>
                  {shownChannelName(channel.name, t)}
                </Checkbox>
              ))}
            </Checkbox.Group>
          </Form.Item>
          <Form.Item name="channelStrategy" label={t("compose.strategy")} extra={t("compose.strategyHint")}>
            <Radio.Group>
              <Radio value="all" data-testid="compose-strategy-all">
                {t("compose.strategyAll")}
              </Radio>
              <Radio value="preferred_then_fallback" data-testid="compose-strategy-fallback">
                {t("compose.strategyFallback")}
              </Radio>
            </Radio.Group>
          </Form.Item>
          <Form.Item
            name="audience"
            label={t("compose.audience")}
            rules={[
              {
                validator: (_, value: AudienceValue | undefined) =>
                  audienceChosen(value) ? Promise.resolve() : Promise.reject(new Error(t("audience.required"))),
              },
            ]}
          >
            <AudiencePicker channelIds={channelIds ?? []} />
          </Form.Item>
          <Form.Item name="attachments" label={t("compose.attachments")} extra={t("compose.attachmentsHint")}>
            <AttachmentsField />
          </Form.Item>
          <Form.Item name="urgent" label={t("compose.urgent")} valuePropName="checked" extra={t("compose.urgentHint")}>
            <Switch data-testid="compose-urgent" />
          </Form.Item>
          <Form.Item
            name="allowUnsubscribe"
            label={t("compose.allowUnsubscribe")}
            valuePropName="checked"
            extra={t("compose.allowUnsubscribeHint")}
          >
            <Switch data-testid="compose-allow-unsubscribe" />
          </Form.Item>
          {/* Next to the buttons, where the eye is when it appears. */}
          {error && (
            <Alert type="error" showIcon message={error} data-testid="compose-error" style={{ marginBottom: 16 }} />
          )}
          <Space>
            <Button onClick={showPreview} loading={busy === "preview"} disabled={busy === "send"} data-testid="compose-preview">
              {t("compose.preview")}
            </Button>
            <Button type="primary" onClick={review} loading={busy === "send"} disabled={busy === "preview"} data-testid="compose-send">
              {t("compose.review")}
            </Button>
            <SaveAsTemplateButton content={async () => (await form.validateFields(["title", "body"]).catch(() => null)) && templateContentOf(toNewNotice(form.getFieldsValue(true)))} />
          </Space>
        </Form>
      </Card>
      <Typography.Paragraph type="secondary" style={{ marginTop: 12 }}>
        {t("compose.sendHint")}
      </Typography.Paragraph>
      <PreviewModal preview={preview} onClose={() => setPreview(null)} />
      <ReviewModal noticeId={reviewing} onClose={() => setReviewing(undefined)} onSend={send} />
    </div>
  );
}
