import { describe, expect, it } from "vitest";
import { makeChannel } from "../test/fixtures";
import {
  isHttpUrl,
  looksLikeCredential,
  parseHeaders,
  toNewWebhookChannel,
  toUpdateWebhookChannel,
  toWebhookValues,
} from "./webhookForm";

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

describe("secret headers and query values", () => {
  it("sends the typed headers marked secret, by their typed names, and knows credential names", () => {
    const input = toNewWebhookChannel({
      name: "hook",
      url: "https://oapi.dingtalk.com/robot/send?access_token=abc",
      headers: "X-Custom: v1\nX-Team: law",
      markSecret: ["x-custom", "X-Gone"],
    });
    expect(input.secretHeaders).toStrictEqual(["X-Custom"]);
    expect(toNewWebhookChannel({ name: "h", url: "https://x.org", headers: "X-Team: law" })).not.toHaveProperty(
      "secretHeaders",
    );
    for (const name of ["Authorization", "X-Api-Pass", "X-Session-Id", "X-Pwd", "sign"]) {
      expect(looksLikeCredential(name)).toBe(true);
    }
    for (const name of ["X-Team", "Content-Type", "X-Custom"]) expect(looksLikeCredential(name)).toBe(false);
  });

  it("sends a masked URL back as shown, so the stored values are kept, and marks headers on edit", () => {
    const config = {
      url: "https://oapi.dingtalk.com/robot/send?access_token=********",
      method: "POST",
      headers: { "X-Team": "law" },
      secretHeaders: [],
      secretQuery: ["access_token"],
      bodyTemplate: null,
      timeoutMs: 10000,
      signing: false,
      hasSecret: false,
    };
    const channel = makeChannel({ kind: "webhook", name: "hook" });
    const values = { ...toWebhookValues(channel, config), headers: "X-Team: law\nX-Tenant: t-1", markSecret: ["X-Tenant"] };
    const input = toUpdateWebhookChannel(values, config, channel.limits);
    expect(input.url).toBe("https://oapi.dingtalk.com/robot/send?access_token=********");
    expect(input.secretHeaders).toStrictEqual(["X-Tenant"]);
  });
});

describe("toUpdateWebhookChannel", () => {
  const config = {
    url: "https://example.org/h",
    method: "POST",
    headers: { "X-Team": "law" },
    secretHeaders: ["Authorization", "X-Api-Key"],
    secretQuery: [],
    bodyTemplate: null,
    timeoutMs: 10000,
    signing: true,
    hasSecret: true,
  };
  const channel = makeChannel({ kind: "webhook", name: "hook", limits: { perSecond: 5, retryMaxSecs: 600 } });

  it("sends the form back unchanged when nothing was touched", () => {
    const values = toWebhookValues(channel, config);
    expect(values.headers).toBe("X-Team: law");
    expect(toUpdateWebhookChannel(values, config, channel.limits)).toStrictEqual({
      url: "https://example.org/h",
      method: "POST",
      bodyTemplate: "",
      headers: { "X-Team": "law" },
      timeoutMs: 10000,
      limits: { perSecond: 5, retryMaxSecs: 600 },
    });
  });

  it("replaces a stored header written again, whatever its case, and removes those left out", () => {
    const values = {
      ...toWebhookValues(channel, config),
      headers: "authorization: Bearer new",
      keepSecretHeaders: ["Authorization"],
      secret: "  ",
    };
    const input = toUpdateWebhookChannel(values, config, channel.limits);
    expect(input.headers).toStrictEqual({ authorization: "Bearer new" });
    expect(input.removeHeaders).toStrictEqual(["X-Team", "X-Api-Key"]);
    expect(input).not.toHaveProperty("secret");
    expect(input).not.toHaveProperty("removeSecret");
  });
});
