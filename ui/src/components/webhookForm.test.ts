import { describe, expect, it } from "vitest";
import { isHttpUrl, parseHeaders, toNewWebhookChannel } from "./webhookForm";

describe("parseHeaders", () => {
  it("reads Name: value lines, trims them and skips blank lines", () => {
    expect(parseHeaders("Authorization: Bearer abc:123\n\n  X-Tenant :  law-school  \r\n")).toEqual({
      headers: { Authorization: "Bearer abc:123", "X-Tenant": "law-school" },
    });
    expect(parseHeaders("")).toEqual({ headers: {} });
  });

  it("names the first bad line and why", () => {
    expect(parseHeaders("X-A: 1\nAuthorization Bearer abc")).toEqual({
      problem: { key: "webhook.headerLineInvalid", line: 2, name: "" },
    });
    expect(parseHeaders(": no name")).toMatchObject({ problem: { key: "webhook.headerLineInvalid", line: 1 } });
    expect(parseHeaders("X-Empty:")).toMatchObject({ problem: { key: "webhook.headerLineInvalid", line: 1 } });
    expect(parseHeaders("X Token: 1")).toEqual({
      problem: { key: "webhook.headerNameInvalid", line: 1, name: "X Token" },
    });
    expect(parseHeaders("X-Token: 1\n\nx-token: 2")).toEqual({
      problem: { key: "webhook.headerDuplicate", line: 3, name: "x-token" },
    });
  });
});

describe("isHttpUrl", () => {
  it("accepts http and https only", () => {
    expect(isHttpUrl("https://hooks.example.org/herald")).toBe(true);
    expect(isHttpUrl(" HTTP://10.0.0.5:8080/in ")).toBe(true);
    expect(isHttpUrl("ftp://example.org")).toBe(false);
    expect(isHttpUrl("hooks.example.org")).toBe(false);
    expect(isHttpUrl("https://")).toBe(false);
    expect(isHttpUrl("https://exa mple.org")).toBe(false);
  });
});

describe("toNewWebhookChannel", () => {
  it("leaves out every blank optional field", () => {
    expect(
      toNewWebhookChannel({
        name: " 学院群 ",
        url: " https://example.org/h ",
        method: "POST",
        headers: "\n",
        bodyTemplate: "  ",
        timeoutMs: null,
        secret: "   ",
        limits: { perSecond: null, perMinute: undefined },
      }),
    ).toStrictEqual({ name: "学院群", url: "https://example.org/h", method: "POST" });
  });

  it("keeps what was filled, limits included", () => {
    expect(
      toNewWebhookChannel({
        name: "hook",
        url: "https://example.org/h",
        method: "PUT",
        headers: "X-Token: t1",
        bodyTemplate: '{"text": {{ body|tojson }}}',
        timeoutMs: 5000,
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        limits: { perMinute: 60, pauseAfterFailures: 10, concurrency: null },
      }),
    ).toStrictEqual({
      name: "hook",
      url: "https://example.org/h",
      method: "PUT",
      headers: { "X-Token": "t1" },
      bodyTemplate: '{"text": {{ body|tojson }}}',
      timeoutMs: 5000,
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      limits: { perMinute: 60, pauseAfterFailures: 10 },
    });
  });
});
