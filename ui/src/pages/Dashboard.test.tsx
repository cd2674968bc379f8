import { screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import { makeAppInfo, makeChannel, makeRun, makeStats } from "../test/fixtures";
import { CommandError, db, emitRunProgress, resetApiMock } from "../test/mockGroupsApi";
import { renderApp } from "../test/render";

// The next step opens Compose, which asks for groups and audience previews too.
vi.mock("../api", () => import("../test/mockGroupsApi"));

beforeEach(() => resetApiMock());

function figure(label: string): HTMLElement {
  const title = screen.getByText(label, { selector: ".ant-statistic-title" });
  return title.closest(".ant-statistic") as HTMLElement;
}

describe("Dashboard", () => {
  it("shows the figures and recent runs", async () => {
    db.stats = makeStats({
      contacts: 1234,
      notices: 7,
      sentToday: 88,
      failedToday: 3,
      recentRuns: [makeRun({ id: 5, noticeTitle: "期末考试安排", status: "sending", finishedAt: null })],
    });
    renderApp("/");
    expect(await screen.findByText("期末考试安排")).toBeInTheDocument();
    expect(figure("联系人")).toHaveTextContent("1,234");
    expect(figure("今日已发送")).toHaveTextContent("88");
    expect(figure("今日失败")).toHaveTextContent("3");
    expect(screen.getByTestId("run-status-5")).toHaveTextContent("发送中");
    expect(screen.queryByTestId("demo-offer")).not.toBeInTheDocument();
  });

  it("says there is no data yet instead of drawing empty axes, and draws the days once there are sends", async () => {
    db.stats = makeStats({ sentByDay: [{ day: "2026-12-06", sent: 0, failed: 0 }] });
    const view = renderApp("/");
    expect(await screen.findByTestId("sent-by-day-empty")).toHaveTextContent("暂无数据");
    expect(screen.queryByTestId("chart")).toBeNull();
    view.unmount();

    db.stats = makeStats({ sentByDay: [{ day: "2026-12-06", sent: 30, failed: 2 }] });
    renderApp("/");
    expect(await screen.findByTestId("chart")).toBeInTheDocument();
    expect(screen.queryByTestId("sent-by-day-empty")).toBeNull();
  });

  it("offers the demo contacts and loads them", async () => {
    db.info = makeAppInfo({ offerDemo: true });
    const { user } = renderApp("/");
    const offer = await screen.findByTestId("demo-offer");
    expect(within(offer).getByText("还没有联系人")).toBeInTheDocument();
    await waitFor(() => expect(figure("联系人")).toHaveTextContent("0"));

    await user.click(screen.getByTestId("demo-load"));

    expect(api.loadDemo).toHaveBeenCalledTimes(1);
    expect(await screen.findByText("已载入 12 位演示联系人")).toBeInTheDocument();
    await waitFor(() => expect(figure("联系人")).toHaveTextContent("12"));
    await waitFor(() => expect(screen.queryByTestId("demo-offer")).not.toBeInTheDocument());

    // With people and no notice yet, the next step is writing one.
    const next = await screen.findByTestId("next-step-compose");
    expect(next).toHaveTextContent("下一步：写第一条通知");
    await user.click(within(next).getByTestId("next-step-compose-go"));
    expect(await screen.findByTestId("compose-title")).toBeInTheDocument();
  });

  it("suggests no next step once a notice exists", async () => {
    db.stats = makeStats({ contacts: 12, notices: 1 });
    renderApp("/");
    await waitFor(() => expect(figure("联系人")).toHaveTextContent("12"));
    expect(screen.queryByTestId("next-step-compose")).toBeNull();
  });

  it("shows the backend's message when the demo cannot load", async () => {
    db.info = makeAppInfo({ offerDemo: true });
    vi.mocked(api.loadDemo).mockRejectedValueOnce(new CommandError("store", "磁盘已满"));
    const { user } = renderApp("/");
    await user.click(await screen.findByTestId("demo-load"));
    expect(await screen.findByText("磁盘已满")).toBeInTheDocument();
    expect(screen.getByTestId("demo-offer")).toBeInTheDocument();
  });

  it("warns when another process is sending from this database", async () => {
    db.info = makeAppInfo({ dispatcher: { runningHere: false, otherHolder: "herald-cli pid 4242 on office-pc" } });
    renderApp("/");
    const warning = await screen.findByTestId("dispatcher-elsewhere");
    expect(warning).toHaveTextContent("herald-cli pid 4242 on office-pc");
    expect(warning).toHaveTextContent("本窗口不会发送");
  });

  it("refreshes the figures on run progress, at most twice a second", async () => {
    renderApp("/");
    await waitFor(() => expect(api.dashboardStats).toHaveBeenCalledTimes(1));
    db.stats = makeStats({ sentToday: 5 });
    const run = makeRun({ status: "sending" });
    for (let i = 0; i < 10; i++) emitRunProgress({ run, ratePerSec: 10, etaSecs: 1 });
    await waitFor(() => expect(figure("今日已发送")).toHaveTextContent("5"));
    // One at once, then at most one trailing call for the burst.
    await new Promise((r) => setTimeout(r, 700));
    expect(vi.mocked(api.dashboardStats).mock.calls.length).toBeLessThanOrEqual(3);
  });

  it("warns about paused channels with their reasons and links to Channels", async () => {
    db.channels = [
      makeChannel({ id: 1, name: "沙盒" }),
      makeChannel({
        id: 2,
        name: "学工群",
        kind: "webhook",
        paused: true,
        health: "paused",
        pausedReason: "paused after 25 failed sends in a row; last error: 503 Service Unavailable",
      }),
      makeChannel({ id: 3, name: "教务群", kind: "webhook", paused: true, health: "paused", pausedReason: "paused by hand" }),
      makeChannel({ id: 4, name: "不稳定群", kind: "webhook", health: "degraded", consecutiveFailures: 2 }),
    ];
    const { user } = renderApp("/");
    const alert = await screen.findByTestId("paused-channels-alert");
    expect(alert).toHaveTextContent("2 个渠道已暂停");
    expect(alert).toHaveTextContent("学工群：paused after 25 failed sends in a row; last error: 503 Service Unavailable");
    expect(alert).toHaveTextContent("教务群：paused by hand");
    expect(alert).not.toHaveTextContent("沙盒");
    expect(alert).not.toHaveTextContent("不稳定群");

    await user.click(within(alert).getByTestId("paused-channels-link"));
    expect(screen.getByTestId("location")).toHaveTextContent("/channels");
  });

  it("shows no paused-channel warning while every channel runs, and shows one once a channel pauses itself", async () => {
    renderApp("/");
    await waitFor(() => expect(api.listChannels).toHaveBeenCalledTimes(1));
    await screen.findByText("最近发送");
    expect(screen.queryByTestId("paused-channels-alert")).not.toBeInTheDocument();

    db.channels = [makeChannel({ paused: true, health: "paused", pausedReason: "paused after 3 failed sends in a row" })];
    emitRunProgress({ run: makeRun({ status: "sending" }), ratePerSec: 1, etaSecs: 10 });
    expect(await screen.findByTestId("paused-channels-alert")).toHaveTextContent("沙盒：paused after 3 failed sends in a row");
  });

  it("shows the rate and time left of a sending run from its progress events", async () => {
    db.stats = makeStats({
      recentRuns: [
        makeRun({ id: 5, noticeTitle: "期末考试安排", status: "sending", finishedAt: null }),
        makeRun({ id: 6, noticeTitle: "讲座通知", status: "completed" }),
      ],
    });
    renderApp("/");
    await screen.findByText("期末考试安排");
    expect(screen.queryByTestId("run-rate-5")).not.toBeInTheDocument();

    emitRunProgress({ run: makeRun({ id: 5, status: "sending" }), ratePerSec: 2.5, etaSecs: 90 });
    emitRunProgress({ run: makeRun({ id: 6, status: "completed" }), ratePerSec: 0, etaSecs: null });
    expect(await screen.findByTestId("run-rate-5")).toHaveTextContent("2.5 条/秒 · 剩余 1 分 30 秒");
    expect(screen.queryByTestId("run-rate-6")).not.toBeInTheDocument();
  });
});
