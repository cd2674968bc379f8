import { screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import { makeAppInfo, makeChannel, makeContact, makeNotice, makeRobotKind, makeSandboxMessage } from "../test/fixtures";
import { db, resetApiMock } from "../test/mockApi";
import { renderApp } from "../test/render";

vi.mock("../api", () => import("../test/mockApi"));

beforeEach(() => resetApiMock());

describe("Channels", () => {
  it("names the built-in sandbox in the UI's language, and other channels as their owners did", async () => {
    db.channels = [makeChannel({ id: 1, name: "sandbox" }), makeChannel({ id: 2, name: "sandbox-2", kind: "webhook" })];
    renderApp("/channels");
    const channels = await screen.findByTestId("channels-table");
    expect(await within(channels).findByText("沙盒")).toBeInTheDocument();
    expect(within(channels).getByText("sandbox-2")).toBeInTheDocument();
    expect(within(channels).queryByText("sandbox")).toBeNull();
  });

  it("lists channels and the sandbox inbox, whose messages expand to their body", async () => {
    // A kind is named by the backend's description of it; the sandbox by the catalogue.
    db.kinds = [...db.kinds, { ...makeRobotKind(), id: "smtp", label: { zh: "电子邮件（SMTP）", en: "E-mail (SMTP)" } }];
    db.channels = [
      makeChannel({ id: 1, name: "沙盒" }),
      makeChannel({ id: 2, name: "学院邮箱", kind: "smtp", enabled: false, paused: true, pausedReason: "认证失败", health: "paused" }),
    ];
    db.sandbox = [
      makeSandboxMessage({
        recipient: "张三 <zs@example.edu.cn>",
        subject: "期末考试安排",
        body: "张三同学好，考试在**周五**。",
        html: "<p>张三同学好，考试在<strong>周五</strong>。</p>",
      }),
    ];
    const { user } = renderApp("/channels");
    const channels = await screen.findByTestId("channels-table");
    expect(await within(channels).findByText("学院邮箱")).toBeInTheDocument();
    expect(await within(channels).findByText("电子邮件（SMTP）")).toBeInTheDocument();
    expect(within(channels).getByText("沙盒（不真实发送）")).toBeInTheDocument();
    expect(within(channels).getByText("认证失败")).toBeInTheDocument();
    expect(within(channels).getByText("正常")).toBeInTheDocument();

    const inbox = screen.getByTestId("sandbox-inbox");
    const row = (await within(inbox).findByText("张三 <zs@example.edu.cn>")).closest("tr") as HTMLElement;
    await user.click(within(row).getByRole("button"));
    // As a mail client shows it (the backend's rendering), and the Markdown it came as.
    expect(await within(inbox).findByTestId("sandbox-html-1")).toHaveAttribute("srcdoc", "<p>张三同学好，考试在<strong>周五</strong>。</p>");
    expect(within(inbox).getByTestId("sandbox-source-1")).toHaveTextContent("张三同学好，考试在**周五**。");

    await user.click(screen.getByTestId("sandbox-refresh"));
    await waitFor(() => expect(api.listSandboxMessages).toHaveBeenCalledTimes(2));
    expect(screen.getByText(/邮件渠道通过您单位的邮件服务器/)).toBeInTheDocument();
  });
});

describe("Notices", () => {
  it("lists notices with channel names, audience and a link to their runs", async () => {
    db.notices = [makeNotice({ id: 4, title: "讲座通知", audience: "contacts:1,2,3", status: "sent", channelIds: [1] })];
    const { user } = renderApp("/notices");
    const table = await screen.findByTestId("notices-table");
    expect(await within(table).findByText("讲座通知")).toBeInTheDocument();
    expect(within(table).getByText("指定联系人（3 人）")).toBeInTheDocument();
    expect(await within(table).findByText("沙盒")).toBeInTheDocument();
    expect(screen.queryByTestId("notice-attachments-4")).not.toBeInTheDocument();
    expect(screen.queryByTestId("notice-unsubscribe-4")).not.toBeInTheDocument();
    await user.click(screen.getByTestId("notice-runs-4"));
    expect(screen.getByTestId("location")).toHaveTextContent("/history?notice=4");
  });

  it("marks a notice's attachments and whether it lets people opt out", async () => {
    const file = { size: 1024, contentType: "application/pdf", file: "attachments/1" };
    db.notices = [
      makeNotice({
        id: 5,
        title: "讲座预告",
        allowUnsubscribe: true,
        attachments: [
          { ...file, name: "海报.pdf" },
          { ...file, name: "议程.pdf" },
        ],
      }),
    ];
    renderApp("/notices");
    expect(await screen.findByTestId("notice-attachments-5")).toHaveTextContent("2");
    expect(screen.getByTestId("notice-unsubscribe-5")).toHaveTextContent("可退订");
  });
});

describe("A notice's preview for one person", () => {
  it("shows what the person picked gets on the channel picked, or why they get nothing", async () => {
    db.notices = [makeNotice({ id: 4, title: "讲座通知", subject: "讲座通知", body: "{{ name }}同学：周五讲座。", channelIds: [1] })];
    db.contacts = [
      makeContact({ id: 1, name: "张三", externalId: "2024001", email: "zs@example.edu.cn" }),
      makeContact({ id: 2, name: "李四", externalId: "2024002", email: "ls@bounce.invalid" }),
    ];
    const { user } = renderApp("/notices");
    await user.click(await screen.findByTestId("notice-preview-4"));
    await user.click(within(await screen.findByTestId("preview-channel")).getByRole("combobox"));
    await user.click(await screen.findByTitle("沙盒"));
    const person = within(screen.getByTestId("preview-person")).getByRole("combobox");
    await user.type(person, "2024001");
    await user.click(await screen.findByText("张三 (2024001)"));
    expect(await screen.findByTestId("preview-part-markdown")).toHaveTextContent("张三同学：周五讲座。");
    expect(screen.getByTestId("preview-part-subject")).toHaveTextContent("讲座通知");
    expect(api.previewDelivery).toHaveBeenLastCalledWith(4, "沙盒", "#1");

    await user.type(person, "李四");
    await user.click(await screen.findByText("李四 (2024002)"));
    expect(await screen.findByTestId("preview-problem")).toHaveTextContent("此人在这个渠道上收不到");
    expect(screen.queryByTestId("preview-part-markdown")).not.toBeInTheDocument();
  });
});

describe("Schedules", () => {
  it("says plainly that reminders are not built yet", () => {
    renderApp("/schedules");
    expect(screen.getByTestId("schedules-coming")).toHaveTextContent("即将推出");
    expect(screen.queryByRole("table")).not.toBeInTheDocument();
  });
});

describe("Settings", () => {
  it("shows the facts about this installation", async () => {
    db.info = makeAppInfo({ version: "0.3.1", databasePath: "/data/herald.db" });
    renderApp("/settings");
    const facts = await screen.findByTestId("settings-facts");
    expect(facts).toHaveTextContent("0.3.1");
    expect(facts).toHaveTextContent("/data/herald.db");
    expect(facts).toHaveTextContent("本窗口正在负责发送");
    expect(facts).toHaveTextContent("保存在系统钥匙串中（herald-0123456789ab）");
  });

  it("shows the file that keeps secrets when no keyring is used", async () => {
    db.info = makeAppInfo({ secrets: { kind: "file", path: "/data/secrets.json", reason: "no OS keyring" } });
    renderApp("/settings");
    const facts = await screen.findByTestId("settings-facts");
    expect(facts).toHaveTextContent("未使用系统钥匙串");
    expect(facts).toHaveTextContent("/data/secrets.json");
  });
});
