import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Flex, Select, Space, Spin, Typography } from "antd";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import * as api from "../api";
import { useDebouncedValue } from "../hooks/useDebouncedValue";
import { useLoader } from "../hooks/useLoader";
import { useT, type MessageKey, type Translate } from "../i18n";

type Match = "all" | "any";
type ConditionRule = Extract<api.Rule, { kind: "condition" }>;
/** What the builder edits: a top-level all/any whose rules are conditions or one level of all/any groups. */
export type TopRule = { kind: Match; rules: api.Rule[] };

const FIELDS: { value: string; key: MessageKey }[] = [
  { value: "department", key: "rule.field.department" },
  { value: "class", key: "rule.field.class" },
  { value: "grade", key: "rule.field.grade" },
  { value: "role", key: "rule.field.role" },
  { value: "tag", key: "rule.field.tag" },
  { value: "language", key: "rule.field.language" },
  { value: "name", key: "rule.field.name" },
  { value: "externalId", key: "rule.field.externalId" },
  { value: "group", key: "rule.field.group" },
];

const OPS: { value: api.RuleOp; key: MessageKey }[] = [
  { value: "is", key: "rule.op.is" },
  { value: "isNot", key: "rule.op.isNot" },
  { value: "contains", key: "rule.op.contains" },
  { value: "startsWith", key: "rule.op.startsWith" },
  { value: "isEmpty", key: "rule.op.isEmpty" },
  { value: "isNotEmpty", key: "rule.op.isNotEmpty" },
];

/** Which list of the contacts' distinct values (with counts) suggests values for a field. */
const FACETS: Record<string, keyof api.ContactFacets> = {
  department: "departments",
  class: "classes",
  grade: "grades",
  role: "roles",
  tag: "tags",
  language: "languages",
};

type Suggestion = { value: string; label: string };

export function takesValues(op: api.RuleOp): boolean {
  return op !== "isEmpty" && op !== "isNotEmpty";
}

export function newCondition(): ConditionRule {
  return { kind: "condition", field: "department", op: "is", values: [] };
}

/** The rule as the builder shows it: always a top-level all/any. */
export function toTopRule(rule: api.Rule | null | undefined): TopRule {
  if (!rule) return { kind: "all", rules: [newCondition()] };
  if (rule.kind === "condition") return { kind: "all", rules: [rule] };
  return { kind: rule.kind, rules: rule.rules };
}

/** Whether every condition has what it needs (a field, and values where the operator takes them). */
export function isComplete(rule: api.Rule): boolean {
  if (rule.kind === "condition") {
    return rule.field.trim() !== "" && (!takesValues(rule.op) || rule.values.length > 0);
  }
  return rule.rules.length > 0 && rule.rules.every(isComplete);
}

/** The rule in words, as the builder names fields and operators: 院系 是 农学院 且 (年级 是 2023、2024). */
export function describeRule(rule: api.Rule, t: Translate, nested = false): string {
  if (rule.kind === "condition") {
    const field = FIELDS.find((f) => f.value === rule.field);
    const name = field ? t(field.key) : rule.field.replace(/^attr\./, "");
    const op = OPS.find((o) => o.value === rule.op);
    return [name, op ? t(op.key) : rule.op, takesValues(rule.op) ? rule.values.join("、") : ""].join(" ").trim();
  }
  const text = rule.rules.map((r) => describeRule(r, t, true)).join(t(rule.kind === "all" ? "rule.and" : "rule.or"));
  return nested && rule.rules.length > 1 ? `(${text})` : text;
}

/** One condition: field, operator, values (typed freely, with suggestions where known). */
function ConditionRow({
  condition,
  fields,
  suggestions,
  onChange,
  onRemove,
  testId,
}: {
  condition: ConditionRule;
  fields: Fields;
  suggestions: (field: string) => Suggestion[];
  onChange: (next: ConditionRule) => void;
  onRemove: () => void;
  testId: string;
}) {
  const t = useT();
  const [typing, setTyping] = useState("");
  const known = fields.some((f) => f.value === condition.field);
  const options = known ? fields : [...fields, { value: condition.field, label: condition.field }];
  return (
    <Flex gap={8} align="start" data-testid={testId}>
      <Select
        style={{ width: 160 }}
        value={condition.field}
        options={options}
        showSearch
        optionFilterProp="label"
        onChange={(field: string) => onChange({ ...condition, field, values: [] })}
        data-testid={`${testId}-field`}
        aria-label={t("rule.fieldLabel")}
      />
      <Select
        style={{ width: 120 }}
        value={condition.op}
        options={OPS.map((op) => ({ value: op.value, label: t(op.key) }))}
        onChange={(op: api.RuleOp) => onChange({ ...condition, op, values: takesValues(op) ? condition.values : [] })}
        data-testid={`${testId}-op`}
        aria-label={t("rule.opLabel")}
      />
      {takesValues(condition.op) ? (
        <Select
          mode="tags"
          style={{ flex: 1, minWidth: 200 }}
          value={condition.values}
          tokenSeparators={[",", "，", "、"]}
          options={suggestions(condition.field)}
          // A chosen value shows as itself, not with its count.
          optionLabelProp="value"
          placeholder={t("rule.valuesPlaceholder")}
          onChange={(values: string[]) => onChange({ ...condition, values })}
          onSearch={setTyping}
          // A value typed but not yet confirmed with Enter is kept when the field is left.
          onBlur={() => {
            const value = typing.trim();
            if (value && !condition.values.includes(value)) onChange({ ...condition, values: [...condition.values, value] });
            setTyping("");
          }}
          data-testid={`${testId}-values`}
          aria-label={t("rule.valuesLabel")}
        />
      ) : (
        <div style={{ flex: 1 }} />
      )}
      <Button
        icon={<DeleteOutlined />}
        onClick={onRemove}
        title={t("rule.removeCondition")}
        aria-label={t("rule.removeCondition")}
        data-testid={`${testId}-remove`}
      />
    </Flex>
  );
}

function MatchSelect({ value, onChange, testId }: { value: Match; onChange: (m: Match) => void; testId: string }) {
  const t = useT();
  return (
    <Space size={6} wrap>
      <Typography.Text>{t("rule.matchBefore")}</Typography.Text>
      <Select
        style={{ width: 96 }}
        value={value}
        onChange={onChange}
        options={[
          { value: "all", label: t("rule.matchAll") },
          { value: "any", label: t("rule.matchAny") },
        ]}
        data-testid={testId}
      />
      <Typography.Text>{t("rule.matchAfter")}</Typography.Text>
    </Space>
  );
}

type Fields = { value: string; label: string }[];

/**
 * The rules of one all/any: condition rows, and at the top level (no `ids.group`) groups of
 * conditions with their own all/any, each a nested list.
 */
function RuleList({
  value,
  onChange,
  fields,
  suggestions,
  ids,
}: {
  value: TopRule;
  onChange: (next: TopRule) => void;
  fields: Fields;
  suggestions: (field: string) => Suggestion[];
  /** Test id prefixes; `nested` set for a list inside a group. */
  ids: { row: string; add: string; nested?: boolean };
}) {
  const t = useT();
  const setRule = (index: number, next: api.Rule | null) => {
    const rules = [...value.rules];
    if (next) rules[index] = next;
    else rules.splice(index, 1);
    onChange({ ...value, rules });
  };
  const add = (rule: api.Rule) => onChange({ ...value, rules: [...value.rules, rule] });

  return (
    <>
      {value.rules.map((rule, index) =>
        rule.kind === "condition" ? (
          <ConditionRow
            key={index}
            condition={rule}
            fields={fields}
            suggestions={suggestions}
            onChange={(next) => setRule(index, next)}
            onRemove={() => setRule(index, null)}
            testId={`${ids.row}${index}`}
          />
        ) : ids.nested ? (
          <Typography.Text key={index} type="secondary">
            {t("rule.tooDeep")}
          </Typography.Text>
        ) : (
          <Card
            key={index}
            size="small"
            data-testid={`rule-group-${index}`}
            title={
              <MatchSelect
                value={rule.kind}
                onChange={(kind) => setRule(index, { kind, rules: rule.rules })}
                testId={`rule-group-${index}-match`}
              />
            }
            extra={
              <Button size="small" type="text" danger onClick={() => setRule(index, null)}>
                {t("rule.removeGroup")}
              </Button>
            }
          >
            <Flex vertical gap={8}>
              <RuleList
                value={rule}
                onChange={(next) => setRule(index, next)}
                fields={fields}
                suggestions={suggestions}
                ids={{ row: `rule-row-${index}-`, add: `rule-group-${index}-add`, nested: true }}
              />
            </Flex>
          </Card>
        ),
      )}
      <Space wrap>
        <Button size={ids.nested ? "small" : "middle"} icon={<PlusOutlined />} onClick={() => add(newCondition())} data-testid={ids.add}>
          {t("rule.addCondition")}
        </Button>
        {!ids.nested && (
          <Button
            icon={<PlusOutlined />}
            onClick={() => add({ kind: value.kind === "all" ? "any" : "all", rules: [newCondition()] })}
            data-testid="rule-add-group"
          >
            {t("rule.addGroup")}
          </Button>
        )}
      </Space>
    </>
  );
}

/**
 * Edits a segment's rule: match all (AND) or any (OR) of a list of conditions, where a list item
 * may itself be a group of conditions with its own all/any (one level deep). Shows below it how
 * many people the rule matches now (see `RuleCount`).
 */
export function RuleBuilder({ value, onChange }: { value: TopRule; onChange: (next: TopRule) => void }) {
  const t = useT();
  const attributes = useLoader(useCallback(() => api.listAttributeNames(), []));
  const groups = useLoader(useCallback(() => api.listGroups(), []));
  const facets = useLoader(useCallback(() => api.contactFacets(), []));

  const fields = useMemo(
    () => [
      ...FIELDS.map((f) => ({ value: f.value, label: t(f.key) })),
      ...(attributes.data ?? []).map((name) => ({ value: `attr.${name}`, label: name })),
    ],
    [attributes.data, t],
  );
  // The values people have now, with how many have each, so a secretary picks rather than types.
  const suggestions = useCallback(
    (field: string): Suggestion[] => {
      const option = (value: string, count: number) => ({ value, label: t("rule.valueOption", { value, count }) });
      if (field === "group") return (groups.data ?? []).map((g) => option(g.name, g.members));
      const facet = FACETS[field];
      return facet && facets.data ? facets.data[facet].map((f) => option(f.value, f.count)) : [];
    },
    [groups.data, facets.data, t],
  );

  return (
    <div data-testid="rule-builder">
      <Flex vertical gap={8}>
        <MatchSelect value={value.kind} onChange={(kind) => onChange({ ...value, kind })} testId="rule-match" />
        <RuleList
          value={value}
          onChange={onChange}
          fields={fields}
          suggestions={suggestions}
          ids={{ row: "rule-row-", add: "rule-add" }}
        />
        <RuleCount rule={value} />
      </Flex>
    </div>
  );
}

type Count = { state: "idle" | "incomplete" | "loading" } | { state: "done"; count: number } | { state: "error"; message: string };

/**
 * "当前匹配 N 人": the rule counted by the backend once it has stopped changing for a moment;
 * an answer to an older version of the rule is dropped.
 */
export function RuleCount({ rule }: { rule: TopRule }) {
  const t = useT();
  const text = JSON.stringify(rule);
  const settled = useDebouncedValue(text, 400);
  const [count, setCount] = useState<Count>({ state: "idle" });
  const latest = useRef(0);

  useEffect(() => {
    const request = ++latest.current;
    const current = JSON.parse(settled) as TopRule;
    if (!isComplete(current)) {
      setCount({ state: "incomplete" });
      return;
    }
    setCount({ state: "loading" });
    api.countRule(current).then(
      (n) => {
        if (request === latest.current) setCount({ state: "done", count: n });
      },
      (reason: unknown) => {
        if (request === latest.current) setCount({ state: "error", message: api.toCommandError(reason).message });
      },
    );
  }, [settled]);

  const pending = text !== settled || count.state === "loading";
  if (count.state === "error") {
    return (
      <Alert
        type="error"
        showIcon
        data-testid="rule-count-error"
        message={t("rule.countFailed")}
        description={count.message}
      />
    );
  }
  if (count.state === "incomplete") {
    return (
      <Typography.Text type="secondary" data-testid="rule-count-incomplete">
        {t("rule.incomplete")}
      </Typography.Text>
    );
  }
  return (
    <Space data-testid="rule-count">
      <Typography.Text strong>
        {count.state === "done" ? t("rule.count", { count: count.count }) : t("rule.counting")}
      </Typography.Text>
      {pending && <Spin size="small" />}
    </Space>
  );
}
