import { describe, expect, it } from "vitest";
import { translate } from "../i18n";
import { formatAudience, formatMobile } from "./format";

const zh = (key: Parameters<typeof translate>[1], vars?: Parameters<typeof translate>[2]) =>
  translate("zh-CN", key, vars);
const en = (key: Parameters<typeof translate>[1], vars?: Parameters<typeof translate>[2]) =>
  translate("en", key, vars);

describe("formatAudience", () => {
  it("says the old forms as before", () => {
    expect(formatAudience("all", zh)).toBe("所有联系人");
    expect(formatAudience("contacts:3,5,8", zh)).toBe("指定联系人（3 人）");
  });

  it("names groups by the text the core fills in, with exclusions", () => {
    const spec = "group:#3; contacts:12; -group:#7";
    const text = "group:农学院2024级; contacts:12; -group:已毕业";
    expect(formatAudience(spec, zh, text)).toBe("分组「农学院2024级」、指定联系人（1 人），排除 分组「已毕业」");
    expect(formatAudience(spec, en, text)).toBe("group “农学院2024级”, Chosen contacts (1), except group “已毕业”");
    expect(formatAudience("all; -rule:grade = 2021", zh, "all; -rule:grade = 2021")).toBe(
      "所有联系人，排除 条件：grade = 2021",
    );
  });
});

describe("formatMobile", () => {
  it("groups a mainland number 3-4-4 however it was written, and leaves others as stored", () => {
    expect(formatMobile("+8613800002202")).toBe("138 0000 2202");
    expect(formatMobile("13800002202")).toBe("138 0000 2202");
    expect(formatMobile("0086 138-0000-2202")).toBe("138 0000 2202");
    expect(formatMobile("+447700900123")).toBe("+447700900123");
    expect(formatMobile("010-12345678")).toBe("010-12345678");
  });
});
