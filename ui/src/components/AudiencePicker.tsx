import { Alert, Card, Flex, Radio, Select, Spin, Typography } from "antd";
import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import * as api from "../api";
import { buildAudienceSpec, hasAudience, type AudienceSelection } from "../api/audienceSpec";
import { useDebouncedValue } from "../hooks/useDebouncedValue";
import { useLoader } from "../hooks/useLoader";
import { useT, type Translate } from "../i18n";
import { AudienceReachChart } from "./AudienceReachChart";
import { ContactPicker, type PickedContact } from "./ContactPicker";
import { shownChannelName } from "./format";

/** What the picker edits: an audience selection, with each chosen person's label kept for display. */
export type AudienceValue = {
  everyone: boolean;
  includeGroups: number[];
  includeContacts: PickedContact[];
  excludeGroups: number[];
  excludeContacts: PickedContact[];
};

export function everyoneValue(): AudienceValue {
  return { everyone: true, includeGroups: [], includeContacts: [], excludeGroups: [], excludeContacts: [] };
}

export function toSelection(value: AudienceValue): AudienceSelection {
  return {
    everyone: value.everyone,
    includeGroups: value.everyone ? [] : value.includeGroups,
    includeContacts: value.everyone ? [] : value.includeContacts.map((c) => c.value),
    excludeGroups: value.excludeGroups,
    excludeContacts: value.excludeContacts.map((c) => c.value),
  };
}

/** The spec the notice will store for `value`. */
export function audienceSpecOf(value: AudienceValue | undefined): string {
  return buildAudienceSpec(toSelection(value ?? everyoneValue()));
}

/** Whether `value` names anyone to send to (exclusions alone do not). */
export function audienceChosen(value: AudienceValue | undefined): boolean {
  return hasAudience(toSelection(value ?? everyoneValue()));
}

const SAMPLE_NAMES = 6;

type Props = {
  value?: AudienceValue;
  onChange?: (value: AudienceValue) => void;
  /** The channels chosen on the form: the preview says what each of them reaches. */
  channelIds: number[];
};

/**
 * Who a notice goes to: everyone, or groups, rule groups and individual people; minus groups and
 * people left out. Below it a live preview: how many different people, and per channel how many
 * it reaches and why the rest cannot be reached.
 */
export function AudiencePicker({ value = everyoneValue(), onChange, channelIds }: Props) {
  const t = useT();
  const groups = useLoader(useCallback(() => api.listGroups(), []));
  const set = (change: Partial<AudienceValue>) => onChange?.({ ...value, ...change });
  const groupOptions = (groups.data ?? []).map((g) => ({
    value: g.id,
    label: t("audience.groupOption", { name: g.name, count: g.members }),
  }));
  const groupSelect = (ids: number[], change: (ids: number[]) => void, placeholder: string, testId: string) => (
    <Select<number[]>
      mode="multiple"
      style={{ width: "100%" }}
      value={ids}
      onChange={change}
      options={groupOptions}
      optionFilterProp="label"
      loading={groups.loading}
      placeholder={placeholder}
      notFoundContent={groups.error ? groups.error.message : undefined}
      data-testid={testId}
      id={`${testId}-input`}
    />
  );

  return (
    <Flex vertical gap={12} data-testid="audience-picker">
      <Radio.Group value={value.everyone ? "all" : "pick"} onChange={(e) => set({ everyone: e.target.value === "all" })}>
        <Radio value="all" data-testid="audience-all">
          {t("audience.everyone")}
        </Radio>
        <Radio value="pick" data-testid="audience-pick">
          {t("audience.choose")}
        </Radio>
      </Radio.Group>
      {!value.everyone && (
        <Flex vertical gap={8}>
          <Labelled label={t("audience.groups")}>
            {groupSelect(value.includeGroups, (includeGroups) => set({ includeGroups }), t("audience.groupsPlaceholder"), "audience-groups")}
          </Labelled>
          <Labelled label={t("audience.individuals")}>
            <ContactPicker
              id="audience-contacts-input"
              data-testid="audience-contacts"
              value={value.includeContacts}
              onChange={(includeContacts) => set({ includeContacts })}
            />
          </Labelled>
        </Flex>
      )}
      <Labelled label={t("audience.exclude")}>
        <Flex vertical gap={8} style={{ width: "100%" }}>
          {groupSelect(
            value.excludeGroups,
            (excludeGroups) => set({ excludeGroups }),
            t("audience.excludeGroupsPlaceholder"),
            "audience-exclude-groups",
          )}
          <ContactPicker
            id="audience-exclude-contacts-input"
            data-testid="audience-exclude-contacts"
            value={value.excludeContacts}
            onChange={(excludeContacts) => set({ excludeContacts })}
          />
        </Flex>
      </Labelled>
      <AudiencePreviewCard spec={audienceChosen(value) ? audienceSpecOf(value) : null} channelIds={channelIds} />
    </Flex>
  );
}

function Labelled({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Flex gap={8} align="start">
      <Typography.Text type="secondary" style={{ width: 84, flex: "none", lineHeight: "32px" }}>
        {label}
      </Typography.Text>
      <div style={{ flex: 1, minWidth: 0 }}>{children}</div>
    </Flex>
  );
}

type PreviewState =
  | { state: "idle" }
  | { state: "loading"; last?: api.AudiencePreview }
  | { state: "done"; preview: api.AudiencePreview }
  | { state: "error"; message: string };

/**
 * Asks the backend who `spec` reaches on `channelIds` once both have stopped changing for a
 * moment; an answer to an older question is dropped, so a slow one never overwrites a newer one.
 */
export function useAudiencePreview(spec: string | null, channelIds: number[]): PreviewState {
  const key = JSON.stringify({ spec, channelIds });
  const settled = useDebouncedValue(key, 300);
  const [result, setResult] = useState<PreviewState>({ state: "idle" });
  const latest = useRef(0);

  useEffect(() => {
    const request = ++latest.current;
    const question = JSON.parse(settled) as { spec: string | null; channelIds: number[] };
    if (question.spec === null) {
      setResult({ state: "idle" });
      return;
    }
    setResult((before) => ({
      state: "loading",
      last: before.state === "done" ? before.preview : before.state === "loading" ? before.last : undefined,
    }));
    api.previewAudience(question.spec, question.channelIds).then(
      (preview) => {
        if (request === latest.current) setResult({ state: "done", preview });
      },
      (reason: unknown) => {
        if (request === latest.current) setResult({ state: "error", message: api.toCommandError(reason).message });
      },
    );
  }, [settled]);

  return result;
}

function AudiencePreviewCard({ spec, channelIds }: { spec: string | null; channelIds: number[] }) {
  const t = useT();
  const result = useAudiencePreview(spec, channelIds);
  const preview = result.state === "done" ? result.preview : result.state === "loading" ? result.last : undefined;
  const loading = result.state === "loading";

  let body: ReactNode;
  if (spec === null) {
    body = <Typography.Text type="secondary">{t("audience.chooseFirst")}</Typography.Text>;
  } else if (result.state === "error") {
    body = (
      <Alert type="error" showIcon message={t("audience.failed")} description={result.message} data-testid="audience-preview-error" />
    );
  } else if (!preview) {
    body = <Spin size="small" />;
  } else {
    body = <PreviewFigures preview={preview} channelIds={channelIds} />;
  }

  return (
    <Card
      size="small"
      title={t("audience.previewTitle")}
      extra={loading && <Spin size="small" />}
      data-testid="audience-preview"
      data-loading={loading ? "true" : "false"}
    >
      {body}
    </Card>
  );
}

function PreviewFigures({ preview, channelIds }: { preview: api.AudiencePreview; channelIds: number[] }) {
  const t = useT();
  const names = preview.sample.slice(0, SAMPLE_NAMES).map((c) => c.name).join("、");
  const more = preview.people > Math.min(preview.sample.length, SAMPLE_NAMES);
  return (
    <Flex vertical gap={8}>
      <Flex gap={12} align="baseline" wrap>
        <Typography.Text strong style={{ fontSize: 20 }} data-testid="audience-preview-people">
          {t("audience.people", { count: preview.people })}
        </Typography.Text>
        <Typography.Text type="secondary">{t("audience.peopleHint")}</Typography.Text>
      </Flex>
      {preview.people === 0 ? (
        <Alert type="warning" showIcon message={t("audience.nobody")} data-testid="audience-preview-nobody" />
      ) : channelIds.length === 0 || preview.channels.length === 0 ? (
        <Typography.Text type="secondary">{t("audience.noChannels")}</Typography.Text>
      ) : (
        <>
          <AudienceReachChart channels={preview.channels} />
          {preview.channels.map((c) => (
            <Typography.Text key={c.channelId} type="secondary" data-testid={`audience-preview-channel-${c.channelName}`}>
              {c.group
                ? groupLine(c, t)
                : t("audience.channelLine", {
                    channel: shownChannelName(c.channelName, t),
                    reachable: c.reachable,
                    noAddress: c.noAddress,
                    invalid: c.invalidAddress,
                    optedOut: c.optedOut,
                  })}
            </Typography.Text>
          ))}
          <Reach preview={preview} />
        </>
      )}
      {names && (
        <Typography.Text type="secondary" data-testid="audience-preview-sample">
          {t("audience.sample", { names: more ? t("audience.sampleMore", { names }) : names })}
        </Typography.Text>
      )}
    </Flex>
  );
}

/** A group channel's line: its one message, and whom it @-mentions by name, if anyone. */
function groupLine(c: api.ChannelReach, t: Translate): ReactNode {
  const line = t("audience.groupLine", { channel: shownChannelName(c.channelName, t) });
  if (c.mentions === null) return line;
  if (c.mentionsRefused) {
    return (
      <>
        {line}
        <Alert
          type="error"
          showIcon
          style={{ marginTop: 4 }}
          message={t("audience.mentionsRefused", { count: c.mentions, limit: c.mentionLimit, channel: shownChannelName(c.channelName, t) })}
          data-testid={`audience-preview-mentions-refused-${c.channelName}`}
        />
      </>
    );
  }
  return `${line}${t("audience.mentions", { count: c.mentions })}`;
}

function Reach({ preview }: { preview: api.AudiencePreview }) {
  const t = useT();
  if (preview.unreachable >= preview.people) {
    return <Alert type="error" showIcon message={t("audience.nobodyReachable")} data-testid="audience-preview-unreachable" />;
  }
  if (preview.unreachable > 0) {
    return (
      <Alert
        type="warning"
        showIcon
        message={t("audience.unreachable", { count: preview.unreachable })}
        description={t("audience.unreachableHint")}
        data-testid="audience-preview-unreachable"
      />
    );
  }
  return (
    <Typography.Text type="success" data-testid="audience-preview-unreachable">
      {t("audience.allReachable")}
    </Typography.Text>
  );
}
