import { screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import { makeAfterSend, makeNotice, makeRun } from "../test/fixtures";
import { db, emitRunProgress, resetApiMock } from "../test/mockApi";
import { renderApp } from "../test/render";

vi.mock("../api", () => import("../test/mockApi"));

beforeEach(() => {
  resetApiMock();
  db.runs = [
    makeRun({ id: 3, noticeId: 3, noticeTitle: "运动会报名", status: "sending", total: 40, sent: 10, failed: 2, waiting: 28, finishedAt: null }),
    makeRun({ id: 2, noticeId: 2, noticeTitle: "期末考试安排", status: "completed", total: 10, sent: 9, failed: 1 }),
    makeRun({ id: 1, noticeId: 1, noticeTitle: "讲座通知", status: "cancelled", total: 5, sent: 0 }),
  ];
});

describe("History", () => {
  it("lists runs newest first with translated status and counts", async () => {
    renderApp("/history");
    const table = await screen.findByTestId("history-table");
    await within(table).findByText("运动会报名");
    expect(screen.getByTestId("run-status-3")).toHaveTextContent("发送中");
    expect(screen.getByTestId("run-status-2")).toHaveTextContent("已完成");
    expect(screen.getByTestId("run-status-1")).toHaveTextContent("已取消");
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((r) => within(r).getAllByRole("cell")[0].textContent)).toEqual([
      "运动会报名",
      "期末考试安排",
      "讲座通知",
    ]);
    expect(within(rows[1]).getByText("100%")).toBeInTheDocument();
    expect(within(rows[0]).getByText("30%")).toBeInTheDocument();
  });

  it("shows English status labels in English", async () => {
    renderApp("/history", { language: "en" });
    expect(await screen.findByTestId("run-status-2")).toHaveTextContent("Completed");
    expect(screen.getByTestId("run-status-3")).toHaveTextContent("Sending");
  });

  it("refreshes when a run progresses", async () => {
    renderApp("/history");
    expect(await screen.findByTestId("run-status-3")).toHaveTextContent("发送中");
    const done = { ...db.runs[0], status: "completed" as const, sent: 38, failed: 2, waiting: 0 };
    db.runs[0] = done;
    emitRunProgress({ run: done, ratePerSec: 0, etaSecs: null });
    await waitFor(() => expect(screen.getByTestId("run-status-3")).toHaveTextContent("已完成"));
    expect(api.listRuns).toHaveBeenCalledTimes(2);
  });

  it("filters by title and opens a run's page on click", async () => {
    db.details.set(2, { run: db.runs[1], notice: makeNotice({ id: 2, title: "期末考试安排" }), deliveries: [], afterSend: makeAfterSend() });
    const { user } = renderApp("/history");
    const table = await screen.findByTestId("history-table");
    await within(table).findByText("运动会报名");
    await user.type(screen.getByTestId("history-search"), "期末");
    expect(within(table).queryByText("运动会报名")).not.toBeInTheDocument();
    await user.click(within(table).getByText("期末考试安排"));
    expect(screen.getByTestId("location")).toHaveTextContent("/runs/2");
    expect(await screen.findByTestId("run-title")).toHaveTextContent("期末考试安排");
  });

  it("shows only one notice's runs when opened from Notices", async () => {
    renderApp("/history?notice=1");
    const table = await screen.findByTestId("history-table");
    expect(await within(table).findByText("讲座通知")).toBeInTheDocument();
    expect(within(table).queryByText("运动会报名")).not.toBeInTheDocument();
  });
});
