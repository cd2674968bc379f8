import { describe, expect, it } from "vitest";
import { AudienceSpecError, buildAudienceSpec, hasAudience, newSelection, parseAudienceSpec } from "./audienceSpec";

const EVERYONE = Object.freeze(newSelection());
const NOBODY = Object.freeze(newSelection(false));

describe("audience specs", () => {
  it("writes everyone as all", () => {
    expect(buildAudienceSpec(EVERYONE)).toBe("all");
  });

  it("writes inclusions, then exclusions, groups by id and contacts as one list", () => {
    const spec = buildAudienceSpec({
      everyone: false,
      includeGroups: [3, 5],
      includeContacts: [12],
      excludeGroups: [7],
      excludeContacts: [9, 10],
    });
    expect(spec).toBe("group:#3; group:#5; contacts:12; -group:#7; -contacts:9,10");
  });

  it("keeps exclusions from everyone, and drops repeated ids", () => {
    expect(buildAudienceSpec({ ...EVERYONE, excludeGroups: [7, 7], excludeContacts: [9] })).toBe(
      "all; -group:#7; -contacts:9",
    );
    expect(buildAudienceSpec({ ...NOBODY, includeContacts: [2, 2, 4] })).toBe("contacts:2,4");
  });

  it("reads back what it writes", () => {
    const selection = {
      everyone: false,
      includeGroups: [3, 5],
      includeContacts: [12, 14],
      excludeGroups: [7],
      excludeContacts: [9],
    };
    expect(parseAudienceSpec(buildAudienceSpec(selection))).toEqual(selection);
    expect(parseAudienceSpec("all")).toEqual(EVERYONE);
    expect(parseAudienceSpec("")).toEqual(EVERYONE);
  });

  it("reads older and looser specs: spaces, several contact lists, upper case", () => {
    expect(parseAudienceSpec(" contacts:1, 2 ;contacts:2,3;  -group: #4 ")).toEqual({
      ...NOBODY,
      includeContacts: [1, 2, 3],
      excludeGroups: [4],
    });
    expect(parseAudienceSpec("ALL; -contacts:5")).toEqual({ ...EVERYONE, excludeContacts: [5] });
  });

  it("names the item it does not understand", () => {
    expect(() => parseAudienceSpec("group:#3; grade:2024")).toThrow(AudienceSpecError);
    expect(() => parseAudienceSpec("group:学生会")).toThrow(/group:学生会/);
    expect(() => parseAudienceSpec("contacts:1,x")).toThrow(/contacts:1,x/);
    expect(() => parseAudienceSpec("contacts:")).toThrow(AudienceSpecError);
  });

  it("knows when a selection names no one to send to", () => {
    expect(hasAudience(EVERYONE)).toBe(true);
    expect(hasAudience({ ...NOBODY, excludeGroups: [1] })).toBe(false);
    expect(hasAudience({ ...NOBODY, includeGroups: [1] })).toBe(true);
  });
});
