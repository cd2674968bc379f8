import { screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import { makeDelivery, makeNotice, makeRun } from "../test/fixtures";
import { db, emitRunProgress, resetApiMock, subscriberCount } from "../test/mockApi";
import { renderApp } from "../test/render";

vi.mock("../api", () => import("../test/mockApi"));

const running = makeRun({ id: 7, noticeTitle: "期末考试安排", status: "sending", total: 4, sent: 1, failed: 0, waiting: 3, finishedAt: null });

beforeEach(() => {
  resetApiMock();
  db.details.set(7, {
    run: running,
    notice: makeNotice({ title: "期末考试安排" }),
    deliveries: [
      makeDelivery({
        id: 1,
        contactName: "张三",
        status: "failed",
        attempts: 2,
        lastError: "mailbox full",
        attemptLog: [
          { id: 11, attemptNo: 1, startedAt: "2026-03-02T08:30:00.000Z", finishedAt: "2026-03-02T08:30:01.000Z", outcome: "retry", providerCode: "452", message: "try later", latencyMs: 812 },
          { id: 12, attemptNo: 2, startedAt: "2026-03-02T08:31:00.000Z", finishedAt: "2026-03-02T08:31:01.000Z", outcome: "permanent", providerCode: "552", message: "mailbox full", latencyMs: 640 },
        ],
      }),
      makeDelivery({ id: 2, contactName: "李四", status: "retry_wait", attempts: 1 }),
    ],
  });
});

describe("Run page", () => {
  it("shows the notice, its progress and the deliveries with their attempts", async () => {
    const { user } = renderApp("/runs/7");
    expect(await screen.findByTestId("run-title")).toHaveTextContent("期末考试安排");
    expect(screen.getByTestId("run-status")).toHaveTextContent("发送中");
    expect(screen.getByTestId("run-progress")).toHaveTextContent("25%");

    const table = screen.getByTestId("run-deliveries");
    const row = within(table).getByText("张三").closest("tr") as HTMLElement;
    expect(within(row).getByText("失败")).toBeInTheDocument();
    expect(within(row).getByText("mailbox full")).toBeInTheDocument();
    expect(within(table).getByText("等待重试")).toBeInTheDocument();

    await user.click(within(row).getByRole("button"));
    expect(await within(table).findByText("try later")).toBeInTheDocument();
    expect(within(table).getByText("永久失败")).toBeInTheDocument();
    expect(within(table).getByText("812")).toBeInTheDocument();
  });

  it("follows run:progress for this run only and re-reads the run when it completes", async () => {
    renderApp("/runs/7");
    await screen.findByTestId("run-title");
    await waitFor(() => expect(subscriberCount()).toBe(1));

    emitRunProgress({ run: makeRun({ id: 8, status: "sending", total: 100, sent: 99 }), ratePerSec: 1, etaSecs: 1 });
    expect(screen.getByTestId("run-progress")).toHaveTextContent("25%");

    emitRunProgress({ run: { ...running, sent: 3, waiting: 1 }, ratePerSec: 2.5, etaSecs: 90 });
    expect(screen.getByTestId("run-progress")).toHaveTextContent("75%");
    expect(screen.getByText("2.5 条/秒")).toBeInTheDocument();
    expect(screen.getByText(/预计剩余时间：1 分 30 秒/)).toBeInTheDocument();
    expect(api.runDetail).toHaveBeenCalledTimes(1);

    const done = { ...running, status: "completed" as const, sent: 3, failed: 1, waiting: 0, finishedAt: "2026-03-02T09:00:00.000Z" };
    db.details.set(7, { ...db.details.get(7)!, run: done });
    emitRunProgress({ run: done, ratePerSec: 0, etaSecs: null });
    expect(screen.getByTestId("run-status")).toHaveTextContent("已完成");
    expect(screen.getByTestId("run-progress")).toHaveTextContent("100%");
    await waitFor(() => expect(api.runDetail).toHaveBeenCalledTimes(2));
  });

  it("says so when the run does not exist", async () => {
    renderApp("/runs/999");
    expect(await screen.findByText("run 999 not found")).toBeInTheDocument();
  });
});
