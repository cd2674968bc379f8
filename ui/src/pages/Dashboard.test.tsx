import { screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import { makeAppInfo, makeRun, makeStats } from "../test/fixtures";
import { CommandError, db, emitRunProgress, resetApiMock } from "../test/mockApi";
import { renderApp } from "../test/render";

vi.mock("../api", () => import("../test/mockApi"));

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
});
