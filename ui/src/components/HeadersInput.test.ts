import { describe, expect, it } from "vitest";
import { makeWebhookKind } from "../test/fixtures";
import { headersProblem, headersText, rowsOf, secretByName } from "./HeadersInput";

const headers = makeWebhookKind().fields.find((f) => f.key === "headers")!;

describe("a headers setting in the form", () => {
  it("reads the stored object: a null value is a secret kept in the secret store", () => {
    expect(rowsOf({ Authorization: null, "X-Team": "office" })).toEqual([
      { name: "Authorization", value: "", secret: true, stored: true },
      { name: "X-Team", value: "office", secret: false },
    ]);
    expect(rowsOf(undefined)).toEqual([]);
    expect(rowsOf("text")).toEqual([]);
  });

  it("gives a stored secret back without a value (kept), and leaves out rows without a name", () => {
    const rows = [
      { name: "Authorization", value: "", secret: true, stored: true },
      { name: " X-Team ", value: " law ", secret: false },
      { name: "", value: "", secret: false },
    ];
    expect(JSON.parse(headersText(rows))).toEqual([
      { name: "Authorization", secret: true },
      { name: "X-Team", value: "law", secret: false },
    ]);
    expect(headersText([{ name: "", value: "", secret: false }])).toBe("");
    expect(headersText(undefined)).toBe("");
  });

  it("names the first row that cannot be saved", () => {
    expect(headersProblem([{ name: "", value: "x", secret: false }])).toEqual({ key: "kinds.headerNoName", row: 1 });
    expect(headersProblem([{ name: "X-A", value: "", secret: false }])).toEqual({ key: "kinds.headerNoValue", row: 1 });
    expect(
      headersProblem([
        { name: "X-A", value: "1", secret: false },
        { name: "x-a", value: "2", secret: false },
      ]),
    ).toEqual({ key: "kinds.headerTwice", row: 2 });
    expect(headersProblem([{ name: "Authorization", value: "", secret: true, stored: true }])).toBeUndefined();
    expect(headersProblem([{ name: "", value: "", secret: false }])).toBeUndefined();
  });

  it("calls a header secret by the names the schema gives", () => {
    for (const name of ["Authorization", "X-Api-Key", "x-signature", "SID"]) expect(secretByName(headers, name)).toBe(true);
    for (const name of ["X-Team", "Content-Type", "sidecar-x"]) expect(secretByName(headers, name)).toBe(false);
  });
});
