import { Alert, Button, Card, Checkbox, Col, Form, Input, Radio, Row, Space, Steps, Switch, Typography } from "antd";
import { useCallback, useEffect, useState } from "react";
import type { NamePath } from "antd/es/form/interface";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import * as api from "../api";
import { AttachmentsField } from "../components/AttachmentsField";
import { AudiencePicker } from "../components/AudiencePicker";
import { ChannelVersionsFields } from "../components/ChannelVersionsFields";
import { DeliveryPreviewModal } from "../components/DeliveryPreviewModal";
import { EnglishVersionFields } from "../components/EnglishVersionFields";
import { ErrorAlert } from "../components/ErrorAlert";
import { formatTime, shownChannelName } from "../components/format";
import { LivePreview } from "../components/LivePreview";
import { PageHeader } from "../components/PageHeader";
import { ReviewModal } from "../components/ReviewModal";
import { SaveAsTemplateButton, templateContentOf } from "../components/SaveAsTemplateButton";
import { VariablesHelp } from "../components/VariablesHelp";
import { useDraft } from "../hooks/useDraft";
import { useLoader } from "../hooks/useLoader";
import { useLanguage, useT } from "../i18n";
import { useTemplatePrefill } from "./useTemplatePrefill";
import {
  COMPOSE_DEFAULTS,
  fromNotice,
  namesUsed,
  noticeValues,
  STEPS,
  stepOfField,
  toNewNotice,
  type ComposeValues,
} from "./composeForm";

const REVIEW = STEPS.length - 1;

/** A chosen person as the audience picker shows them. */
async function labelOf(contactId: number): Promise<string> {
  const c = await api.contactDetail(contactId);
  return c.externalId ? `${c.name} (${c.externalId})` : c.name;
}

/** Problems that say something is still to be filled in: shown when the step is left, not while typing. */
const NOT_YET = new Set(["compose_empty", "compose_no_audience", "compose_no_channels"]);

/**
 * Compose, step by step: 内容 → 对象 → 渠道 → 何时 → 核对. Each step is checked (by the backend's
 * own compose check, on a draft saved as the user writes) before the next; going back loses
 * nothing; the draft survives leaving the page and restarting, and is reopened from Notices.
 */
export default function Compose() {
  const t = useT();
  const { language } = useLanguage();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const opened = Number(params.get("notice")) || undefined;
  const [form] = Form.useForm<ComposeValues>();
  useTemplatePrefill(form);
  const channelIds = Form.useWatch("channelIds", form);
  const values = Form.useWatch("values", form);
  const subject = Form.useWatch("subject", form);
  const body = Form.useWatch("body", form);
  const title = Form.useWatch("title", form);
  const channels = useLoader(useCallback(() => api.listChannels(), []));
  const enabled = (channels.data ?? []).filter((c) => c.enabled);
  const [step, setStep] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [loadError, setLoadError] = useState<api.CommandError>();
  const [notDraft, setNotDraft] = useState<api.Notice>();
  const [loaded, setLoaded] = useState(opened === undefined);
  const [previewing, setPreviewing] = useState<api.Notice>();
  const [shownProblem, setShownProblem] = useState<string>();

  const problemText = (p: { message: string; params: Record<string, string | undefined> }) =>
    (language === "en" ? p.params.messageEn : p.params.messageZh) ?? p.message;

  /** A problem of this step or an earlier one, on its field (and scrolled to). */
  const showProblem = (p: api.DraftProblem, scroll: boolean) => {
    const text = problemText(p);
    if (p.field) {
      const name = p.field.split(".") as NamePath;
      form.setFields([{ name, errors: [text] }]);
      setShownProblem(p.field);
      if (scroll) form.scrollToField(name, { behavior: "smooth", block: "center" });
    }
    setError(text);
  };

  const clearProblem = () => {
    if (shownProblem) form.setFields([{ name: shownProblem.split(".") as NamePath, errors: [] }]);
    setShownProblem(undefined);
    setError(undefined);
  };

  const draft = useDraft((saved, sent) => {
    // Files are copied once: from now on the draft names its own copies.
    const files: string[] = form.getFieldValue("attachments") ?? [];
    if (JSON.stringify(files) === JSON.stringify(sent.attachments ?? [])) {
      form.setFieldValue("attachments", saved.notice.attachments.map((a) => a.file));
    }
    // While typing, a mistake in what is written shows at once (an unknown variable); what is
    // merely not filled in yet waits for the step to be left.
    const p = saved.problem;
    if (p && !NOT_YET.has(p.code) && stepOfField(p.field) <= step) showProblem(p, false);
    else if (!p || p.field !== shownProblem) clearProblem();
  });

  const onlyChannel = enabled.length === 1 ? enabled[0] : undefined;
  useEffect(() => {
    if (loaded && onlyChannel?.kind === "sandbox" && !form.getFieldValue("channelIds")?.length) {
      form.setFieldsValue({ channelIds: [onlyChannel.id] });
    }
  }, [onlyChannel, form, loaded]);

  // A draft opened from the Notices list: its values back into the form.
  const { adopt } = draft;
  useEffect(() => {
    if (opened === undefined) return;
    let current = true;
    (async () => {
      const notice = await api.getNotice(opened);
      if (!current) return;
      if (notice.status !== "draft") {
        setNotDraft(notice);
        return;
      }
      const restored = await fromNotice(notice, labelOf);
      if (!current) return;
      form.setFieldsValue(restored);
      adopt(notice);
      setLoaded(true);
    })().catch((reason) => current && setLoadError(api.toCommandError(reason)));
    return () => {
      current = false;
    };
  }, [opened, form, adopt]);

  const input = () => toNewNotice({ ...COMPOSE_DEFAULTS, ...form.getFieldsValue(true) } as ComposeValues);

  const onValuesChange = () => {
    if (!loaded) return;
    const now = input();
    // An untouched page is no draft.
    if (draft.id === undefined && now.title === "" && now.body.trim() === "") return;
    draft.schedule(now);
  };

  const goTo = async (target: number) => {
    if (target <= step) {
      setStep(target);
      return;
    }
    // Forward: every step up to the target is checked, here and by the backend.
    const fields = STEPS.slice(0, Math.min(target, REVIEW)).flatMap((s) => [...s.fields]);
    const checked = await form.validateFields(fields).catch(() => {
      const first = form.getFieldsError().find((f) => f.errors.length > 0);
      if (first) {
        setStep(stepOfField(String(first.name[0])));
        form.scrollToField(first.name, { behavior: "smooth", block: "center" });
      }
      return null;
    });
    if (!checked) return;
    setBusy(true);
    setError(undefined);
    try {
      const saved = await draft.flush(input());
      const p = saved.problem;
      if (p && stepOfField(p.field) < target) {
        setStep(stepOfField(p.field));
        showProblem(p, true);
        return;
      }
      clearProblem();
      setStep(target);
    } catch (reason) {
      setError(api.toCommandError(reason).message);
    } finally {
      setBusy(false);
    }
  };

  const send = async (noticeId: number) => {
    const run = await api.sendNotice(noticeId);
    navigate(`/runs/${run.id}`);
  };

  // Leaving people out in the review changes the draft's audience: the form follows it.
  const closeReview = async () => {
    setStep(REVIEW - 1);
    if (draft.id === undefined) return;
    const notice = await api.getNotice(draft.id).catch(() => undefined);
    if (notice?.status === "draft") {
      const restored = await fromNotice(notice, labelOf);
      form.setFieldValue("audience", restored.audience);
    }
  };

  if (notDraft) {
    return (
      <div style={{ maxWidth: 860 }}>
        <PageHeader title={t("compose.title")} />
        <Alert
          type="info"
          showIcon
          data-testid="compose-not-draft"
          message={t("compose.notDraft", { title: notDraft.title })}
          action={
            notDraft.lastRun ? (
              <Link to={`/runs/${notDraft.lastRun.id}`}>
                <Button size="small">{t("notices.openRun")}</Button>
              </Link>
            ) : undefined
          }
        />
      </div>
    );
  }

  const chosenChannels = (channels.data ?? []).filter((c) => (channelIds ?? []).includes(c.id));

  return (
    <div style={{ maxWidth: 1200 }}>
      <PageHeader
        title={t("compose.title")}
        extra={
          <Typography.Text type="secondary" data-testid="compose-saved">
            {draft.saving
              ? t("compose.saving")
              : draft.error
                ? t("compose.saveFailed", { reason: draft.error.message })
                : draft.savedAt
                  ? t("compose.savedAt", { time: formatTime(draft.savedAt) })
                  : t("compose.notSavedYet")}
          </Typography.Text>
        }
      />
      <ErrorAlert error={channels.error ?? loadError} onRetry={() => channels.reload()} />
      <Steps
        current={step}
        onChange={(target) => void goTo(target)}
        style={{ marginBottom: 16 }}
        data-testid="compose-steps"
        items={STEPS.map((s) => ({
          title: <span data-testid={`compose-step-link-${s.key}`}>{t(`compose.step.${s.key}`)}</span>,
          disabled: busy || !loaded,
        }))}
      />
      <Card>
        <Form<ComposeValues>
          form={form}
          layout="vertical"
          initialValues={COMPOSE_DEFAULTS}
          onValuesChange={onValuesChange}
          disabled={!loaded}
        >
          <div hidden={step !== 0} data-testid="compose-step-content">
            <Row gutter={24}>
              <Col xs={24} lg={14}>
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
                  <Input.TextArea data-testid="compose-body" rows={12} />
                </Form.Item>
                <EnglishVersionFields />
                <Form.Item>
                  <VariablesHelp
                    values={noticeValues(values)}
                    used={namesUsed(subject, body)}
                    onInsert={(text) => {
                      form.setFieldValue("body", `${form.getFieldValue("body") ?? ""}${text}`);
                      onValuesChange();
                    }}
                  />
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
                              <Input placeholder={t("compose.valueValue")} data-testid={`compose-value-${i}`} style={{ width: 280 }} />
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
                <Form.Item name="attachments" label={t("compose.attachments")} extra={t("compose.attachmentsHint")}>
                  <AttachmentsField />
                </Form.Item>
                <Form.Item name="urgent" label={t("compose.urgent")} valuePropName="checked" extra={t("compose.urgentHint")}>
                  <Switch data-testid="compose-urgent" />
                </Form.Item>
              </Col>
              <Col xs={24} lg={10}>
                <LivePreview input={toNewNotice({ ...COMPOSE_DEFAULTS, title: title ?? "", subject, body: body ?? "", values } as ComposeValues)} />
              </Col>
            </Row>
          </div>
          <div hidden={step !== 1} data-testid="compose-step-audience">
            <Form.Item
              name="audience"
              label={t("compose.audience")}
              extra={t("compose.audienceHint")}
            >
              <AudiencePicker channelIds={channelIds ?? []} />
            </Form.Item>
          </div>
          <div hidden={step !== 2} data-testid="compose-step-channels">
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
            <ChannelVersionsFields channels={chosenChannels} />
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
              name="allowUnsubscribe"
              label={t("compose.allowUnsubscribe")}
              valuePropName="checked"
              extra={t("compose.allowUnsubscribeHint")}
            >
              <Switch data-testid="compose-allow-unsubscribe" />
            </Form.Item>
          </div>
          <div hidden={step !== 3} data-testid="compose-step-when">
            <Form.Item label={t("compose.when")} extra={t("compose.whenHint")}>
              <Radio.Group value="now">
                <Radio value="now" data-testid="compose-when-now">
                  {t("compose.whenNow")}
                </Radio>
              </Radio.Group>
            </Form.Item>
            <Button
              onClick={() => draft.id !== undefined && void api.getNotice(draft.id).then(setPreviewing)}
              disabled={draft.id === undefined || chosenChannels.length === 0}
              data-testid="compose-preview"
            >
              {t("compose.previewEach")}
            </Button>
          </div>
          {/* Next to the buttons, where the eye is when it appears. */}
          {error && (
            <Alert type="error" showIcon message={error} data-testid="compose-error" style={{ margin: "16px 0" }} />
          )}
          <Space style={{ marginTop: 8 }}>
            {step > 0 && (
              <Button onClick={() => setStep(step - 1)} disabled={busy} data-testid="compose-back">
                {t("compose.back")}
              </Button>
            )}
            {step < REVIEW - 1 ? (
              <Button type="primary" onClick={() => void goTo(step + 1)} loading={busy} data-testid="compose-next">
                {t("compose.next")}
              </Button>
            ) : (
              <Button type="primary" onClick={() => void goTo(REVIEW)} loading={busy} data-testid="compose-send">
                {t("compose.review")}
              </Button>
            )}
            <SaveAsTemplateButton
              content={async () =>
                (await form.validateFields(["title", "body"]).catch(() => null)) &&
                templateContentOf(toNewNotice({ ...COMPOSE_DEFAULTS, ...form.getFieldsValue(true) } as ComposeValues))
              }
            />
          </Space>
        </Form>
      </Card>
      <Typography.Paragraph type="secondary" style={{ marginTop: 12 }}>
        {t("compose.sendHint")}
      </Typography.Paragraph>
      <ReviewModal noticeId={step === REVIEW ? draft.id : undefined} onClose={() => void closeReview()} onSend={send} />
      <DeliveryPreviewModal notice={previewing} channels={chosenChannels} onClose={() => setPreviewing(undefined)} />
    </div>
  );
}
