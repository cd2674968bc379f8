import { screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import {
  makeAfterSend,
  makeChannel,
  makeDelivery,
  makeNotice,
  makeRobotKind,
  makeRun,
  makeSmtpKind,
  makeWebhookKind,
} from "../test/fixtures";
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

describe("Webhook channels, through the form made from the kind's settings", () => {
  const STORED_HEADERS = JSON.stringify([
    { name: "Authorization", value: "Bearer t0ken", secret: false },
    { name: "X-Team", value: "office", secret: false },
  ]);

  beforeEach(() => {
    db.kinds = [...db.kinds, makeWebhookKind()];
    db.channels = db.channels.map((c) => (c.name === "教务群" ? { ...c, limits: { perMinute: 60, maxBatch: 10 } } : c));
    db.kindSettings.set("教务群", {
      url: "https://hooks.example.org/jw?access_token=********&x=1",
      method: "PUT",
      headers: STORED_HEADERS,
      "timeout-ms": "5000",
      signing: "true",
      secret: "whsec_b2xk",
    });
  });

  it("adds a webhook with its headers, a secret that turns signing on, and a limit", async () => {
    const { user } = await openChannels();
    await pickKind(user, "webhook");
    await user.type(await screen.findByTestId("kind-field-name"), "学院接口");
    await user.type(screen.getByTestId("kind-field-url"), "https://hooks.example.org/in");
    await user.click(screen.getByTestId("kind-header-headers-add"));
    await user.type(screen.getByTestId("kind-header-headers-name-0"), "Authorization");
    // A name that looks like a credential is secret without asking: hidden, and the mark fixed.
    expect(screen.getByTestId("kind-header-headers-value-0")).toHaveAttribute("type", "password");
    expect(screen.getByTestId("kind-header-headers-secret-0")).toBeChecked();
    expect(screen.getByTestId("kind-header-headers-secret-0")).toBeDisabled();
    await user.type(screen.getByTestId("kind-header-headers-value-0"), "Bearer abc");
    await user.click(screen.getByTestId("kind-header-headers-add"));
    await user.type(screen.getByTestId("kind-header-headers-name-1"), "X-Tenant");
    await user.type(screen.getByTestId("kind-header-headers-value-1"), "law");
    await user.click(screen.getByTestId("kind-header-headers-secret-1"));
    expect(screen.getByTestId("kind-field-signing")).not.toBeChecked();
    await user.type(screen.getByTestId("kind-field-secret"), "whsec_bmV3");
    expect(screen.getByTestId("kind-field-signing")).toBeChecked();
    await user.click(screen.getByTestId("kind-advanced"));
    await user.type(await screen.findByTestId("kind-limit-perSecond"), "5");
    await user.click(screen.getByTestId("kind-save"));

    await waitFor(() => expect(api.addKindChannel).toHaveBeenCalledTimes(1));
    const [kind, name, settings, limits] = vi.mocked(api.addKindChannel).mock.calls[0];
    expect([kind, name, limits]).toEqual(["webhook", "学院接口", { perSecond: 5 }]);
    expect(settings).toEqual({
      url: "https://hooks.example.org/in",
      method: "POST",
      headers: expect.any(String),
      "timeout-ms": "10000",
      signing: "true",
      secret: "whsec_bmV3",
    });
    expect(JSON.parse(settings.headers)).toEqual([
      { name: "Authorization", value: "Bearer abc", secret: false },
      { name: "X-Tenant", value: "law", secret: true },
    ]);
    expect(await screen.findByText("已添加渠道：学院接口")).toBeInTheDocument();
  });

  it("says which header is wrong and sends nothing", async () => {
    const { user } = await openChannels();
    await pickKind(user, "webhook");
    await user.type(await screen.findByTestId("kind-field-name"), "学院接口");
    await user.type(screen.getByTestId("kind-field-url"), "https://hooks.example.org/in");
    await user.click(screen.getByTestId("kind-header-headers-add"));
    await user.type(screen.getByTestId("kind-header-headers-value-0"), "office");
    await user.click(screen.getByTestId("kind-save"));
    expect(await screen.findByText("第 1 个请求头缺少名称")).toBeInTheDocument();
    await user.type(screen.getByTestId("kind-header-headers-name-0"), "X-Team");
    await user.click(screen.getByTestId("kind-header-headers-add"));
    await user.type(screen.getByTestId("kind-header-headers-name-1"), "x-team");
    await user.type(screen.getByTestId("kind-header-headers-value-1"), "other");
    await user.click(screen.getByTestId("kind-save"));
    expect(await screen.findByText("第 2 个请求头与前面的重名")).toBeInTheDocument();
    expect(api.addKindChannel).not.toHaveBeenCalled();
  });

  it("opens on the stored settings: the URL masked, secret headers kept, and sends only what changed", async () => {
    const { user } = await openChannels();
    await user.click(screen.getByTestId("channel-edit-教务群"));
    await waitFor(() => expect(screen.getByTestId("kind-field-url")).toHaveValue("https://hooks.example.org/jw?access_token=********&x=1"));
    expect(screen.getByText(/保留 \*\*\*\*\*\*\*\* 即保留已存的值/)).toBeInTheDocument();
    // The credential header comes back without its value, its name fixed.
    expect(screen.getByTestId("kind-header-headers-name-0")).toHaveValue("Authorization");
    expect(screen.getByTestId("kind-header-headers-name-0")).toBeDisabled();
    expect(screen.getByTestId("kind-header-headers-value-0")).toHaveValue("");
    expect(screen.getByTestId("kind-header-headers-value-0")).toHaveAttribute("placeholder", "已保存；留空则保留原值。");
    expect(screen.getByTestId("kind-header-headers-value-1")).toHaveValue("office");
    expect(screen.getByTestId("kind-field-signing")).toBeChecked();

    // Nothing changed: only the header edited goes back, the secret one without a value.
    await user.clear(screen.getByTestId("kind-header-headers-value-1"));
    await user.type(screen.getByTestId("kind-header-headers-value-1"), "law");
    await user.click(screen.getByTestId("kind-save"));
    await waitFor(() => expect(api.updateKindChannel).toHaveBeenCalledTimes(1));
    const [name, changes, limits] = vi.mocked(api.updateKindChannel).mock.calls[0];
    expect(name).toBe("教务群");
    expect(limits).toBeUndefined();
    expect(Object.keys(changes)).toEqual(["headers"]);
    expect(JSON.parse(changes.headers)).toEqual([
      { name: "Authorization", secret: true },
      { name: "X-Team", value: "law", secret: false },
    ]);
  });

  it("removes a stored header by its row and turns signing off by its switch", async () => {
    const { user } = await openChannels();
    await user.click(screen.getByTestId("channel-edit-教务群"));
    await waitFor(() => expect(screen.getByTestId("kind-header-headers-name-0")).toHaveValue("Authorization"));
    await user.click(screen.getByTestId("kind-header-headers-remove-0"));
    await user.click(screen.getByTestId("kind-field-signing"));
    await user.click(screen.getByTestId("kind-save"));
    await waitFor(() => expect(api.updateKindChannel).toHaveBeenCalledTimes(1));
    const changes = vi.mocked(api.updateKindChannel).mock.calls[0][1];
    expect(changes.signing).toBe("false");
    expect(JSON.parse(changes.headers)).toEqual([{ name: "X-Team", value: "office", secret: false }]);
  });

  it("says so when the channel's settings cannot be loaded", async () => {
    vi.mocked(api.kindChannelConfig).mockRejectedValueOnce(new CommandError("secret_store", "secrets.json is damaged"));
    const { user } = await openChannels();
    await user.click(screen.getByTestId("channel-edit-教务群"));
    expect(await screen.findByText("secrets.json is damaged")).toBeInTheDocument();
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
    // Grouped by platform.
    expect(await screen.findByText("钉钉")).toBeInTheDocument();
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
