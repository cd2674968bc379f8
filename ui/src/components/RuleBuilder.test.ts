import { describe, expect, it } from "vitest";
import type { Rule } from "../api";
import { translate } from "../i18n";
import { describeRule, isComplete, toTopRule } from "./RuleBuilder";

const zh = (key: Parameters<typeof translate>[1], vars?: Parameters<typeof translate>[2]) => translate("zh-CN", key, vars);

const RULE: Rule = {
  kind: "all",
  rules: [
    { kind: "condition", field: "department", op: "is", values: ["农学院", "理学院"] },
    {
      kind: "any",
      rules: [
        { kind: "condition", field: "grade", op: "startsWith", values: ["202"] },
        { kind: "condition", field: "attr.宿舍", op: "isEmpty", values: [] },
      ],
    },
  ],
};

describe("rule helpers", () => {
  it("writes a rule in the builder's words, a nested group in brackets", () => {
    expect(describeRule(RULE, zh)).toBe("院系 是 农学院、理学院 且 (年级 开头是 202 或 宿舍 为空)");
  });

  it("knows a rule is ready to count only when every condition that takes values has one", () => {
    expect(isComplete(RULE)).toBe(true);
    expect(isComplete({ kind: "condition", field: "tag", op: "contains", values: [] })).toBe(false);
    expect(isComplete({ kind: "any", rules: [] })).toBe(false);
  });

  it("always edits a top-level all/any", () => {
    expect(toTopRule({ kind: "condition", field: "role", op: "is", values: ["学生"] })).toEqual({
      kind: "all",
      rules: [{ kind: "condition", field: "role", op: "is", values: ["学生"] }],
    });
    expect(toTopRule(null).rules).toHaveLength(1);
  });
});
