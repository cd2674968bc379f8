import { screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import { makeAfterSend, makeChannel, makeDelivery, makeNotice, makeRobotKind, makeRun, makeSmtpKind } from "../test/fixtures";
import { CommandError, db, resetApiMock } from "../test/mockApi";
import { renderApp } from "../test/render";

vi.mock("../api", () => import("../test/mockApi"));

const SELF_PAUSED = "paused after 25 failed sends in a row; last error: 503 Service Unavailable";

beforeEach(() => {
  resetApiMock();
  db.channels = [
    makeChannel({ id: 1, name: "沙盒" }),
    makeChannel({ id: 2, name: "教务群", kind: "webhook", health: "degraded", consecutiveFailures: 3 }),
    makeChannel({
      id: 3,
      name: "学工群",
      kind: "webhook",
      paused: true,
      health: "paused",
      pausedReason: SELF_PAUSED,
      consecutiveFailures: 25,
    }),
  ];
});

/** "添加渠道", then the kind's card in the picker. */
async function pickKind(user: { click: (el: Element) => Promise<void> }, kind: string) {
  await user.click(screen.getByTestId("channel-add"));
  await user.click(await screen.findByTestId(`kind-pick-${kind}`));
}

function row(name: string): HTMLElement {
  return within(screen.getByTestId("channels-table")).getByText(name).closest("tr") as HTMLElement;
}

async function openChannels() {
  const view = renderApp("/channels");
  await within(await screen.findByTestId("channels-table")).findByText("学工群");
  return view;
}

describe("Channels health and controls", () => {
  it("shows each channel's health, failures in a row and the whole pause reason", async () => {
    await openChannels();
    const health = (name: string) => screen.getByTestId(`channel-health-${name}`);
    expect(health("沙盒")).toHaveTextContent("正常");
    expect(health("沙盒")).toHaveClass("ant-tag-green");
    expect(health("教务群")).toHaveTextContent("不稳定");
    expect(health("教务群")).toHaveClass("ant-tag-orange");
    expect(health("学工群")).toHaveTextContent("已暂停");
    expect(health("学工群")).toHaveClass("ant-tag-red");

    expect(screen.getByTestId("channel-failures-教务群")).toHaveTextContent("3");
    expect(screen.getByTestId("channel-failures-学工群")).toHaveTextContent("25");
    expect(screen.getByTestId("channel-reason-学工群")).toHaveTextContent(SELF_PAUSED);
    expect(within(row("教务群")).getByText("Webhook")).toBeInTheDocument();
    expect(within(row("沙盒")).getByText("沙盒（不真实发送）")).toBeInTheDocument();

    // Pause for running channels, resume for the paused one.
    expect(screen.getByTestId("channel-pause-沙盒")).toBeInTheDocument();
    expect(screen.getByTestId("channel-pause-教务群")).toBeInTheDocument();
    expect(screen.queryByTestId("channel-resume-教务群")).not.toBeInTheDocument();
    expect(screen.getByTestId("channel-resume-学工群")).toBeInTheDocument();
    expect(screen.queryByTestId("channel-pause-学工群")).not.toBeInTheDocument();
  });

  it("pauses a channel by hand and resumes it", async () => {
    const { user } = await openChannels();
    await user.click(screen.getByTestId("channel-pause-教务群"));
    expect(api.pauseChannel).toHaveBeenCalledWith("教务群");
    expect(await screen.findByText("已暂停渠道：教务群")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("channel-health-教务群")).toHaveTextContent("已暂停"));
    expect(screen.getByTestId("channel-reason-教务群")).toHaveTextContent("paused by hand");

    await user.click(screen.getByTestId("channel-resume-教务群"));
    expect(api.resumeChannel).toHaveBeenCalledWith("教务群");
    expect(await screen.findByText("已恢复渠道：教务群")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("channel-health-教务群")).toHaveTextContent("正常"));
    expect(screen.queryByTestId("channel-reason-教务群")).not.toBeInTheDocument();
    expect(screen.getByTestId("channel-failures-教务群")).toHaveTextContent("0");
  });

  it("resumes a channel that paused itself", async () => {
    const { user } = await openChannels();
    await user.click(screen.getByTestId("channel-resume-学工群"));
    expect(api.resumeChannel).toHaveBeenCalledWith("学工群");
    await waitFor(() => expect(screen.getByTestId("channel-pause-学工群")).toBeInTheDocument());
    expect(screen.queryByText(SELF_PAUSED)).not.toBeInTheDocument();
  });

  it("queues a channel's failed deliveries again and says how many", async () => {
    db.details.set(4, {
      run: makeRun({ id: 4, failed: 2, sent: 0, total: 2 }),
      notice: makeNotice(),
      deliveries: [
        makeDelivery({ id: 1, channelName: "学工群", status: "failed" }),
        makeDelivery({ id: 2, channelName: "学工群", status: "failed" }),
      ],
      afterSend: makeAfterSend(),
    });
    const { user } = await openChannels();
    await user.click(screen.getByTestId("channel-retry-failed-学工群"));
    expect(api.retryFailedChannel).toHaveBeenCalledWith(3);
    expect(await screen.findByText("已重新排队 2 条失败的投递")).toBeInTheDocument();

    await user.click(screen.getByTestId("channel-retry-failed-教务群"));
    expect(api.retryFailedChannel).toHaveBeenLastCalledWith(2);
    expect(await screen.findByText("没有需要重试的失败投递")).toBeInTheDocument();
  });

  it("shows the backend's message when an action fails", async () => {
    vi.mocked(api.pauseChannel).mockRejectedValueOnce(new CommandError("store", "database is locked"));
    const { user } = await openChannels();
    await user.click(screen.getByTestId("channel-pause-沙盒"));
    expect(await screen.findByText("database is locked")).toBeInTheDocument();
    expect(screen.getByTestId("channel-health-沙盒")).toHaveTextContent("正常");
  });
});

async function openWebhookForm() {
  const view = await openChannels();
  await pickKind(view.user, "webhook");
  await screen.findByTestId("webhook-name");
  return view;
}

/** The one argument of the only addWebhookChannel call. */
function sentInput(): api.NewWebhookChannel {
  expect(api.addWebhookChannel).toHaveBeenCalledTimes(1);
  return vi.mocked(api.addWebhookChannel).mock.calls[0][0];
}

describe("Add webhook channel", () => {
  it("requires a name and an http(s) URL", async () => {
    const { user } = await openWebhookForm();
    await user.click(screen.getByTestId("webhook-save"));
    expect(await screen.findByText("请填写渠道名称")).toBeInTheDocument();
    // antd brings each field's message in (and out) with its own animation: wait for each.
    expect(await screen.findByText("请填写地址")).toBeInTheDocument();

    await user.type(screen.getByTestId("webhook-name"), "学院群");
    await user.type(screen.getByTestId("webhook-url"), "hooks.example.org/herald");
    await user.click(screen.getByTestId("webhook-save"));
    expect(await screen.findByText("地址必须以 http:// 或 https:// 开头")).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByText("请填写渠道名称")).not.toBeInTheDocument());
    expect(api.addWebhookChannel).not.toHaveBeenCalled();
  });

  it("checks the header lines and says which line is wrong", async () => {
    const { user } = await openWebhookForm();
    await user.type(screen.getByTestId("webhook-name"), "学院群");
    await user.type(screen.getByTestId("webhook-url"), "https://hooks.example.org/herald");
    const headers = screen.getByTestId("webhook-headers");

    await user.type(headers, "X-Tenant: law{Enter}Authorization Bearer abc");
    await user.click(screen.getByTestId("webhook-save"));
    expect(await screen.findByText("第 2 行应写成“名称: 值”")).toBeInTheDocument();

    await user.clear(headers);
    await user.type(headers, "X Tenant: law");
    expect(await screen.findByText("第 1 行：“X Tenant”不是合法的请求头名称")).toBeInTheDocument();

    await user.clear(headers);
    await user.type(headers, "X-Tenant: law{Enter}x-tenant: med");
    expect(await screen.findByText("第 2 行：请求头 x-tenant 重复了")).toBeInTheDocument();
    expect(api.addWebhookChannel).not.toHaveBeenCalled();

    await user.clear(headers);
    await user.type(headers, "X-Tenant: law");
    await user.click(screen.getByTestId("webhook-save"));
    await waitFor(() => expect(api.addWebhookChannel).toHaveBeenCalledTimes(1));
    expect(sentInput().headers).toEqual({ "X-Tenant": "law" });
  });

  it("sends the channel with the limits filled in and no secret when none is given", async () => {
    const { user } = await openWebhookForm();
    expect(screen.getByText(/\|tojson/)).toHaveTextContent("recipient.name, recipient.address, subject, body");
    expect(screen.getByText(/保存在系统的密钥存储中，不会写入数据库/)).toBeInTheDocument();

    await user.type(screen.getByTestId("webhook-name"), " 学院群 ");
    await user.type(screen.getByTestId("webhook-url"), "https://hooks.example.org/herald");
    await user.type(screen.getByTestId("webhook-headers"), "Authorization: Bearer abc123{Enter}{Enter}X-Tenant: law");
    await user.click(screen.getByTestId("webhook-body-template"));
    await user.paste('{"text": {{ subject|tojson }}, "to": {{ recipient.address|tojson }}}');
    await user.type(screen.getByTestId("webhook-timeout"), "5000");
    await user.click(screen.getByTestId("webhook-limits"));
    await user.type(await screen.findByTestId("webhook-limit-perSecond"), "5");
    await user.type(screen.getByTestId("webhook-limit-pauseAfterFailures"), "10");

    await user.click(screen.getByTestId("webhook-save"));

    await waitFor(() => expect(api.addWebhookChannel).toHaveBeenCalled());
    expect(sentInput()).toStrictEqual({
      name: "学院群",
      url: "https://hooks.example.org/herald",
      method: "POST",
      headers: { Authorization: "Bearer abc123", "X-Tenant": "law" },
      bodyTemplate: '{"text": {{ subject|tojson }}, "to": {{ recipient.address|tojson }}}',
      timeoutMs: 5000,
      limits: { perSecond: 5, pauseAfterFailures: 10 },
    });
    expect(await screen.findByText("已添加渠道：学院群")).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByTestId("webhook-name")).not.toBeInTheDocument());
    expect(await within(screen.getByTestId("channels-table")).findByText("学院群")).toBeInTheDocument();
    expect(api.listChannels).toHaveBeenCalledTimes(2);
  });

  it("offers a switch for each typed header whose name does not look like a credential, and sends the marked ones", async () => {
    const { user } = await openWebhookForm();
    await user.type(screen.getByTestId("webhook-name"), "钉钉群");
    await user.type(screen.getByTestId("webhook-url"), "https://oapi.dingtalk.com/robot/send?access_token=abc");
    expect(screen.getByText(/access_token、key、sign/)).toBeInTheDocument();
    expect(screen.queryByTestId("webhook-mark-secret")).not.toBeInTheDocument();
    await user.type(screen.getByTestId("webhook-headers"), "Authorization: Bearer abc123{Enter}X-Tenant: law");
    const marks = await screen.findByTestId("webhook-mark-secret");
    // Authorization is kept secret by its name alone: only X-Tenant is offered.
    expect(within(marks).queryByText("Authorization")).not.toBeInTheDocument();
    await user.click(within(marks).getByText("X-Tenant"));
    await user.click(screen.getByTestId("webhook-save"));
    await waitFor(() => expect(api.addWebhookChannel).toHaveBeenCalled());
    expect(sentInput()).toMatchObject({
      headers: { Authorization: "Bearer abc123", "X-Tenant": "law" },
      secretHeaders: ["X-Tenant"],
    });
  });

  it("sends the signing secret and the method chosen, and no limits when none are filled", async () => {
    const { user } = await openWebhookForm();
    await user.type(screen.getByTestId("webhook-name"), "教务系统");
    await user.type(screen.getByTestId("webhook-url"), "http://10.0.0.5:8080/in");
    await user.click(screen.getByRole("combobox"));
    await user.click(await screen.findByTitle("PUT"));
    const secret = screen.getByTestId("webhook-secret");
    expect(secret).toHaveAttribute("type", "password");
    await user.type(secret, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

    await user.click(screen.getByTestId("webhook-save"));

    await waitFor(() => expect(api.addWebhookChannel).toHaveBeenCalled());
    expect(sentInput()).toStrictEqual({
      name: "教务系统",
      url: "http://10.0.0.5:8080/in",
      method: "PUT",
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    });
  });

  it("shows the backend's message in the form and keeps what was typed", async () => {
    vi.mocked(api.addWebhookChannel).mockRejectedValueOnce(
      new CommandError("invalid", "headers.Host: is Herald's or HTTP's own and cannot be set"),
    );
    const { user } = await openWebhookForm();
    await user.type(screen.getByTestId("webhook-name"), "学院群");
    await user.type(screen.getByTestId("webhook-url"), "https://hooks.example.org/herald");
    await user.type(screen.getByTestId("webhook-headers"), "Host: example.org");
    await user.click(screen.getByTestId("webhook-save"));

    expect(await screen.findByTestId("webhook-error")).toHaveTextContent(
      "headers.Host: is Herald's or HTTP's own and cannot be set",
    );
    expect(screen.getByTestId("webhook-name")).toHaveValue("学院群");
    expect(api.listChannels).toHaveBeenCalledTimes(1);
  });
});

const CONFIG: api.WebhookChannelConfig = {
  url: "https://hooks.example.org/jw",
  method: "PUT",
  headers: { "X-Team": "office" },
  secretHeaders: ["Authorization"],
  secretQuery: [],
  bodyTemplate: '{"text": {{ subject|tojson }}}',
  timeoutMs: 5000,
  signing: true,
  hasSecret: true,
};

async function openEditForm() {
  const view = await openChannels();
  await view.user.click(screen.getByTestId("channel-edit-教务群"));
  await screen.findByTestId("webhook-url");
  return view;
}

/** The arguments of the only updateWebhookChannel call. */
function sentUpdate(): [string, api.UpdateWebhookChannel] {
  expect(api.updateWebhookChannel).toHaveBeenCalledTimes(1);
  return vi.mocked(api.updateWebhookChannel).mock.calls[0];
}

describe("Edit webhook channel", () => {
  beforeEach(() => {
    db.channels = db.channels.map((c) =>
      c.name === "教务群" ? { ...c, limits: { perMinute: 60, maxBatch: 10 } } : c,
    );
    db.webhookConfigs.set("教务群", CONFIG);
  });

  it("is offered on webhook channels (and e-mail ones), not the sandbox", async () => {
    await openChannels();
    expect(screen.getByTestId("channel-edit-教务群")).toHaveTextContent("编辑");
    expect(screen.getByTestId("channel-edit-学工群")).toBeInTheDocument();
    expect(screen.queryByTestId("channel-edit-沙盒")).not.toBeInTheDocument();
  });

  it("opens the creation form filled with the channel, the secret empty with a hint", async () => {
    await openEditForm();
    expect(api.webhookChannelConfig).toHaveBeenCalledWith("教务群");
    expect(screen.getByText("编辑 Webhook 渠道：教务群")).toBeInTheDocument();
    expect(screen.getByTestId("webhook-name")).toHaveValue("教务群");
    expect(screen.getByTestId("webhook-name")).toBeDisabled();
    expect(screen.getByTestId("webhook-url")).toHaveValue("https://hooks.example.org/jw");
    expect(screen.getByTitle("PUT")).toBeInTheDocument();
    expect(screen.getByTestId("webhook-headers")).toHaveValue("X-Team: office");
    expect(screen.getByTestId("webhook-body-template")).toHaveValue('{"text": {{ subject|tojson }}}');
    expect(screen.getByTestId("webhook-timeout")).toHaveValue("5000");
    expect(screen.getByTestId("webhook-limit-perMinute")).toHaveValue("60");
    expect(screen.getByTestId("webhook-secret")).toHaveValue("");
    expect(screen.getByText(/留空则保留当前密钥/)).toBeInTheDocument();
    expect(screen.getByRole("checkbox", { name: "Authorization" })).toBeChecked();
    expect(screen.getByRole("checkbox", { name: "删除签名密钥（请求不再签名）" })).not.toBeChecked();
  });

  it("saves a new URL and a new secret, keeping the stored header and limits the form lacks", async () => {
    const { user } = await openEditForm();
    const url = screen.getByTestId("webhook-url");
    await user.clear(url);
    await user.type(url, "https://hooks.example.org/jw2");
    await user.type(screen.getByTestId("webhook-secret"), "whsec_bmV3LXNlY3JldA==");
    await user.click(screen.getByTestId("webhook-save"));

    await waitFor(() => expect(api.updateWebhookChannel).toHaveBeenCalled());
    expect(sentUpdate()).toStrictEqual([
      "教务群",
      {
        url: "https://hooks.example.org/jw2",
        method: "PUT",
        bodyTemplate: '{"text": {{ subject|tojson }}}',
        headers: { "X-Team": "office" },
        timeoutMs: 5000,
        secret: "whsec_bmV3LXNlY3JldA==",
        limits: { perMinute: 60, maxBatch: 10 },
      },
    ]);
    expect(api.addWebhookChannel).not.toHaveBeenCalled();
    expect(await screen.findByText("已更新渠道：教务群")).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByTestId("webhook-url")).not.toBeInTheDocument());
    expect(api.listChannels).toHaveBeenCalledTimes(2);
  });

  it("removes the secret, a stored header and a typed one, and clears the template and a limit", async () => {
    const { user } = await openEditForm();
    await user.click(screen.getByRole("checkbox", { name: "删除签名密钥（请求不再签名）" }));
    expect(screen.getByTestId("webhook-secret")).toBeDisabled();
    await user.click(screen.getByRole("checkbox", { name: "Authorization" }));
    await user.clear(screen.getByTestId("webhook-headers"));
    await user.type(screen.getByTestId("webhook-headers"), "X-Api-Key: k-123");
    await user.clear(screen.getByTestId("webhook-body-template"));
    await user.clear(screen.getByTestId("webhook-limit-perMinute"));
    await user.click(screen.getByTestId("webhook-save"));

    await waitFor(() => expect(api.updateWebhookChannel).toHaveBeenCalled());
    const [name, input] = sentUpdate();
    expect(name).toBe("教务群");
    expect(input).toStrictEqual({
      url: "https://hooks.example.org/jw",
      method: "PUT",
      bodyTemplate: "",
      headers: { "X-Api-Key": "k-123" },
      removeHeaders: ["X-Team", "Authorization"],
      timeoutMs: 5000,
      removeSecret: true,
      limits: { maxBatch: 10 },
    });
    await waitFor(() => expect(db.webhookConfigs.get("教务群")?.hasSecret).toBe(false));
    expect(db.webhookConfigs.get("教务群")?.secretHeaders).toEqual(["X-Api-Key"]);
  });

  it("shows the backend's message in the form and keeps what was typed", async () => {
    vi.mocked(api.updateWebhookChannel).mockRejectedValueOnce(
      new CommandError("invalid", "secret: the signing secret is not base64 (after the optional whsec_ prefix)"),
    );
    const { user } = await openEditForm();
    await user.type(screen.getByTestId("webhook-secret"), "whsec_bad*");
    await user.click(screen.getByTestId("webhook-save"));
    expect(await screen.findByTestId("webhook-error")).toHaveTextContent("secret: the signing secret is not base64");
    expect(screen.getByTestId("webhook-url")).toHaveValue("https://hooks.example.org/jw");
    expect(api.listChannels).toHaveBeenCalledTimes(1);
  });

  it("opens an empty form to add a channel after an edit was cancelled", async () => {
    const { user } = await openEditForm();
    await user.click(screen.getByTestId("webhook-cancel"));
    await waitFor(() => expect(screen.queryByTestId("webhook-url")).not.toBeInTheDocument());
    await pickKind(user, "webhook");
    expect(await screen.findByTestId("webhook-name")).toHaveValue("");
    expect(screen.queryByText(/编辑 Webhook 渠道/)).not.toBeInTheDocument();
    expect(screen.getByTestId("webhook-name")).toBeEnabled();
    expect(screen.getByTestId("webhook-url")).toHaveValue("");
    expect(screen.queryByTestId("webhook-remove-secret")).not.toBeInTheDocument();
    expect(screen.getByText(/保存在系统的密钥存储中，不会写入数据库/)).toBeInTheDocument();
  });

  it("says so when the channel's settings cannot be loaded", async () => {
    vi.mocked(api.webhookChannelConfig).mockRejectedValueOnce(new CommandError("secret_store", "secrets.json is damaged"));
    const { user } = await openChannels();
    await user.click(screen.getByTestId("channel-edit-教务群"));
    expect(await screen.findByText("secrets.json is damaged")).toBeInTheDocument();
    expect(screen.getByTestId("webhook-save")).toBeDisabled();
  });
});

describe("E-mail channels", () => {
  beforeEach(() => {
    db.kinds = [makeRobotKind(), makeSmtpKind()];
  });

  it("adds an e-mail channel through the generated form and offers a test e-mail on it alone", async () => {
    const { user } = await openChannels();
    expect(screen.queryByTestId("channel-test-教务群")).not.toBeInTheDocument();
    expect(screen.queryByTestId("channel-test-沙盒")).not.toBeInTheDocument();

    await pickKind(user, "smtp");
    expect(await screen.findByText("添加电子邮件（SMTP）")).toBeInTheDocument();
    await user.type(screen.getByTestId("kind-field-name"), "教务处邮箱");
    await user.type(screen.getByTestId("kind-field-host"), "relay.intranet");
    await user.click(screen.getByTestId("kind-group-login"));
    await user.type(screen.getByTestId("kind-field-from-address"), "jw@school.edu.cn");
    await user.click(screen.getByTestId("kind-save"));

    expect(await screen.findByText("已添加渠道：教务处邮箱")).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByTestId("kind-field-name")).not.toBeInTheDocument());
    await user.click(await screen.findByTestId("channel-test-教务处邮箱"));
    expect(await screen.findByText("发送测试邮件：教务处邮箱")).toBeInTheDocument();
    expect(await screen.findByTestId("channel-test-settings")).toHaveTextContent("relay.intranet:587");
    await user.type(screen.getByTestId("channel-test-to"), "zhang@school.edu.cn");
    await user.click(screen.getByTestId("channel-test-send"));
    expect(await screen.findByTestId("channel-test-reply")).toHaveTextContent("250 2.0.0 Ok: queued as 4F2A1");
    expect(api.testChannel).toHaveBeenCalledWith("教务处邮箱", "zhang@school.edu.cn");

    await user.click(screen.getByTestId("channel-test-close"));
    await waitFor(() => expect(screen.queryByTestId("channel-test-to")).not.toBeInTheDocument());
  });

  it("opens the e-mail form on an e-mail channel's settings, saves a change and reloads the list", async () => {
    db.channels = [...db.channels, makeChannel({ id: 4, name: "教务处邮箱", kind: "smtp" })];
    db.kindSettings.set("教务处邮箱", {
      host: "relay.intranet",
      security: "none",
      "from-address": "jw@school.edu.cn",
      "pool-size": "4",
      "timeout-ms": "30000",
    });
    const { user } = await openChannels();
    expect(screen.getByTestId("channel-edit-教务处邮箱")).toHaveTextContent("编辑");
    await user.click(screen.getByTestId("channel-edit-教务处邮箱"));
    expect(await screen.findByText("编辑电子邮件（SMTP）：教务处邮箱")).toBeInTheDocument();
    expect(api.kindChannelConfig).toHaveBeenCalledWith("教务处邮箱");
    expect(api.webhookChannelConfig).not.toHaveBeenCalled();
    await waitFor(() => expect(screen.getByTestId("kind-field-host")).toHaveValue("relay.intranet"));
    expect(screen.getByTestId("kind-group-login")).not.toBeChecked();
    expect(screen.getByTestId("kind-field-port")).toHaveValue("25");
    await user.type(screen.getByTestId("kind-field-from-name"), "教务处");
    const listed = vi.mocked(api.listChannels).mock.calls.length;
    await user.click(screen.getByTestId("kind-save"));

    expect(await screen.findByText("已更新渠道：教务处邮箱")).toBeInTheDocument();
    expect(api.updateKindChannel).toHaveBeenCalledWith("教务处邮箱", { "from-name": "教务处" });
    await waitFor(() => expect(screen.queryByTestId("kind-field-host")).not.toBeInTheDocument());
    expect(vi.mocked(api.listChannels).mock.calls.length).toBeGreaterThan(listed);

    // The add button opens an empty form again afterwards.
    await pickKind(user, "smtp");
    expect(await screen.findByText("添加电子邮件（SMTP）")).toBeInTheDocument();
    expect(screen.getByTestId("kind-field-name")).toHaveValue("");
    expect(screen.getByTestId("kind-field-name")).toBeEnabled();
  });
});

describe("Channels of kinds described by their schema", () => {
  it("adds a DingTalk robot through the form made from its settings, then tests it in its group", async () => {
    const { user } = await openChannels();
    await user.click(screen.getByTestId("channel-add"));
    // Grouped by platform, with the webhook (a form of its own) among them.
    expect(await screen.findByText("钉钉")).toBeInTheDocument();
    expect(screen.getByTestId("kind-pick-webhook")).toBeInTheDocument();
    await user.click(screen.getByTestId("kind-pick-dingtalk_robot"));
    expect(await screen.findByText("添加钉钉群机器人")).toBeInTheDocument();
    // Each setting with its label and help; the choice starts at its default.
    expect(screen.getByText("加签密钥")).toBeInTheDocument();
    expect(screen.getByText("复制的 Webhook，含 access_token。")).toBeInTheDocument();
    expect(screen.getByTestId("kind-field-webhook")).toHaveAttribute("type", "password");

    // Required settings are asked for before anything is sent.
    await user.click(screen.getByTestId("kind-save"));
    expect(await screen.findByText("请填写渠道名称")).toBeInTheDocument();
    expect(await screen.findByText("请填写Webhook 地址")).toBeInTheDocument();
    expect(api.addKindChannel).not.toHaveBeenCalled();

    await user.type(screen.getByTestId("kind-field-name"), "辅导员群");
    await user.type(screen.getByTestId("kind-field-webhook"), "https://oapi.dingtalk.com/robot/send?access_token=abc");
    await user.type(screen.getByTestId("kind-field-secret"), "SEC123456789abc");
    await user.click(screen.getByTestId("kind-save"));
    await waitFor(() =>
      expect(api.addKindChannel).toHaveBeenCalledWith("dingtalk_robot", "辅导员群", {
        webhook: "https://oapi.dingtalk.com/robot/send?access_token=abc",
        secret: "SEC123456789abc",
        mention: "none",
      }),
    );
    expect(await screen.findByText("已添加渠道：辅导员群")).toBeInTheDocument();
    await within(screen.getByTestId("channels-table")).findByText("辅导员群");

    await user.click(screen.getByTestId("channel-test-辅导员群"));
    expect(api.testChannel).toHaveBeenCalledWith("辅导员群");
    expect(await screen.findByText("测试消息已发到 辅导员群，请到群里查看")).toBeInTheDocument();
  });

  it("marks the setting the backend refused, with its reason, and keeps what was typed", async () => {
    db.refusedSettings.set(
      "dingtalk_robot",
      new CommandError("setting_invalid", "secret: a signing secret starts with SEC", {
        field: "secret",
        reasonZh: "加签密钥以 SEC 开头，请从机器人安全设置中复制",
        reasonEn: "a signing secret starts with SEC",
      }),
    );
    const { user } = await openChannels();
    await pickKind(user, "dingtalk_robot");
    await user.type(await screen.findByTestId("kind-field-name"), "年级群");
    await user.type(screen.getByTestId("kind-field-webhook"), "https://oapi.dingtalk.com/robot/send?access_token=abc");
    await user.type(screen.getByTestId("kind-field-secret"), "nope");
    await user.click(screen.getByTestId("kind-save"));
    expect(await screen.findByText("加签密钥以 SEC 开头，请从机器人安全设置中复制")).toBeInTheDocument();
    expect(screen.getByTestId("kind-field-name")).toHaveValue("年级群");
    expect(within(screen.getByTestId("channels-table")).queryByText("年级群")).not.toBeInTheDocument();
  });
});

describe("A test through a channel that writes to each person", () => {
  it("asks whom to, and shows the platform's acceptance or its refusal", async () => {
    db.kinds = [...db.kinds, { ...makeRobotKind(), id: "wecom_app", recipients: { to: "person", address: "wecom" } }];
    db.channels = [...db.channels, makeChannel({ id: 9, name: "企业微信", kind: "wecom_app" })];
    db.kindSettings.set("企业微信", {});
    const { user } = await openChannels();
    await user.click(await screen.findByTestId("channel-test-企业微信"));
    await user.click(await screen.findByTestId("kind-test-send"));
    expect(await screen.findByText("请填写对方的账号")).toBeInTheDocument();
    await user.type(screen.getByTestId("kind-test-to"), "lisi");
    await user.click(screen.getByTestId("kind-test-send"));
    expect(await screen.findByTestId("kind-test-ok")).toBeInTheDocument();
    expect(api.testChannel).toHaveBeenCalledWith("企业微信", "lisi");

    db.testReplies.set("企业微信", { ok: false, reply: "WeCom said 60020 not allow to access from your ip: add it under 企业可信IP" });
    await user.click(screen.getByTestId("kind-test-send"));
    expect(await screen.findByTestId("kind-test-reason")).toHaveTextContent("企业可信IP");
  });
});

describe("Editing a channel of a kind described by its schema", () => {
  it("opens on the stored settings, keeps secrets left empty, and sends only what changed", async () => {
    db.channels = [...db.channels, makeChannel({ id: 8, name: "辅导员群", kind: "dingtalk_robot" })];
    db.kindSettings.set("辅导员群", {
      webhook: "https://oapi.dingtalk.com/robot/send?access_token=abc",
      secret: "SECold",
      mention: "none",
    });
    const { user } = await openChannels();
    await user.click(await screen.findByTestId("channel-edit-辅导员群"));
    expect(await screen.findByText("编辑钉钉群机器人：辅导员群")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("kind-field-name")).toHaveValue("辅导员群"));
    expect(screen.getByTestId("kind-field-name")).toBeDisabled();
    // Secrets never come back: empty, with a word that the stored one stays.
    expect(screen.getByTestId("kind-field-webhook")).toHaveValue("");
    expect(screen.getAllByText(/已保存；留空则保留原值。/)).toHaveLength(2);

    await user.type(screen.getByTestId("kind-field-secret"), "SECnew123456789");
    await user.click(screen.getByTestId("kind-save"));
    await waitFor(() => expect(api.updateKindChannel).toHaveBeenCalledWith("辅导员群", { secret: "SECnew123456789" }));
    expect(await screen.findByText("已更新渠道：辅导员群")).toBeInTheDocument();
    expect(db.kindSettings.get("辅导员群")?.webhook).toBe("https://oapi.dingtalk.com/robot/send?access_token=abc");
  });
});
