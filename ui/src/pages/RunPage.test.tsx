import { screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import { makeDelivery, makeNotice, makeRun } from "../test/fixtures";
import { CommandError, db, emitRunProgress, resetApiMock, subscriberCount } from "../test/mockApi";
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
    // The title shows "loading" until the detail arrives.
    await waitFor(() => expect(screen.getByTestId("run-title")).toHaveTextContent("期末考试安排"));
    expect(screen.getByTestId("run-status")).toHaveTextContent("发送中");
    expect(screen.getByTestId("run-progress")).toHaveTextContent("25%");

    const table = screen.getByTestId("run-deliveries");
    const row = within(table).getByText("张三").closest("tr") as HTMLElement;
    expect(within(row).getByText("失败")).toBeInTheDocument();
    expect(within(row).getByText("mailbox full")).toBeInTheDocument();
    expect(within(table).getByText("等待重试")).toBeInTheDocument();

    await user.click(within(row).getByRole("button", { name: "展开行" }));
    expect(await within(table).findByText("try later")).toBeInTheDocument();
    expect(within(table).getByText("永久失败")).toBeInTheDocument();
    expect(within(table).getByText("812")).toBeInTheDocument();
  });

  it("follows run:progress for this run only and re-reads the run when it completes", async () => {
    renderApp("/runs/7");
    await screen.findByTestId("run-status");
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

/** Sets run 7's summary, keeping its notice and deliveries. */
function setRun(over: Partial<api.RunSummary>) {
  const detail = db.details.get(7)!;
  db.details.set(7, { ...detail, run: { ...detail.run, ...over } });
}

const completedWithFailures = {
  status: "completed" as const,
  sent: 2,
  failed: 1,
  waiting: 0,
  retrying: 1,
  finishedAt: "2026-03-02T09:00:00.000Z",
};

const CONTROLS = ["run-pause", "run-resume", "run-cancel", "run-retry-failed"];

function shownControls(): string[] {
  return CONTROLS.filter((id) => screen.queryByTestId(id) !== null);
}

describe("Run page controls", () => {
  it("offers only what the run's state allows", async () => {
    renderApp("/runs/7");
    await screen.findByTestId("run-status");
    expect(shownControls()).toEqual(["run-pause", "run-cancel"]);

    emitRunProgress({ run: { ...running, status: "paused" }, ratePerSec: 0, etaSecs: null });
    expect(shownControls()).toEqual(["run-resume", "run-cancel"]);
    expect(screen.getByText(/已暂停：点击“继续发送”后接着发送/)).toBeInTheDocument();

    emitRunProgress({ run: { ...running, ...completedWithFailures }, ratePerSec: 0, etaSecs: null });
    expect(shownControls()).toEqual(["run-retry-failed"]);

    emitRunProgress({ run: { ...running, status: "cancelled", failed: 1, cancelled: 2 }, ratePerSec: 0, etaSecs: null });
    expect(shownControls()).toEqual([]);
  });

  it("pauses and resumes the run, showing the new state at once", async () => {
    const { user } = renderApp("/runs/7");
    await user.click(await screen.findByTestId("run-pause"));
    expect(api.pauseRun).toHaveBeenCalledWith(7);
    await waitFor(() => expect(screen.getByTestId("run-status")).toHaveTextContent("已暂停"));
    expect(await screen.findByText("已暂停发送")).toBeInTheDocument();
    expect(screen.queryByTestId("run-pause")).not.toBeInTheDocument();
    await waitFor(() => expect(api.runDetail).toHaveBeenCalledTimes(2));

    await user.click(screen.getByTestId("run-resume"));
    expect(api.resumeRun).toHaveBeenCalledWith(7);
    await waitFor(() => expect(screen.getByTestId("run-status")).toHaveTextContent("发送中"));
    expect(await screen.findByText("已继续发送")).toBeInTheDocument();
    expect(screen.getByTestId("run-pause")).toBeInTheDocument();
    await waitFor(() => expect(api.runDetail).toHaveBeenCalledTimes(3));
  });

  it("cancels only after the user confirms that unsent deliveries will not be sent", async () => {
    const { user } = renderApp("/runs/7");
    await user.click(await screen.findByTestId("run-cancel"));
    expect(await screen.findByText("还没有发出的投递将不会再发送，已经发出的消息无法撤回。")).toBeInTheDocument();
    await user.click(screen.getByTestId("run-cancel-back"));
    expect(api.cancelRun).not.toHaveBeenCalled();
    expect(screen.getByTestId("run-status")).toHaveTextContent("发送中");

    await user.click(screen.getByTestId("run-cancel"));
    await user.click(await screen.findByTestId("run-cancel-confirm"));

    expect(api.cancelRun).toHaveBeenCalledTimes(1);
    expect(api.cancelRun).toHaveBeenCalledWith(7);
    await waitFor(() => expect(screen.getByTestId("run-status")).toHaveTextContent("已取消"));
    expect(await screen.findByText("已取消发送")).toBeInTheDocument();
    // The 3 waiting deliveries were cancelled; nothing is left to pause or cancel.
    expect(screen.getByTestId("run-cancelled")).toHaveTextContent("3");
    expect(shownControls()).toEqual([]);
    const table = screen.getByTestId("run-deliveries");
    await waitFor(() => expect(within(table).getByText("已取消")).toBeInTheDocument());
  });

  it("queues a run's failed deliveries again and says how many", async () => {
    setRun(completedWithFailures);
    const { user } = renderApp("/runs/7");
    await user.click(await screen.findByTestId("run-retry-failed"));

    expect(api.retryFailedRun).toHaveBeenCalledWith(7);
    expect(await screen.findByText("已重新排队 1 条失败的投递")).toBeInTheDocument();
    // The run sends again: its counts may go back, and the deliveries are re-read.
    await waitFor(() => expect(screen.getByTestId("run-status")).toHaveTextContent("发送中"));
    expect(screen.queryByTestId("run-retry-failed")).not.toBeInTheDocument();
    const row = within(screen.getByTestId("run-deliveries")).getByText("张三").closest("tr") as HTMLElement;
    expect(within(row).getByText("排队中")).toBeInTheDocument();
  });

  it("says so when there was nothing to retry", async () => {
    setRun(completedWithFailures);
    vi.mocked(api.retryFailedRun).mockResolvedValueOnce(0);
    const { user } = renderApp("/runs/7");
    await user.click(await screen.findByTestId("run-retry-failed"));
    expect(await screen.findByText("没有需要重试的失败投递")).toBeInTheDocument();
  });

  it("retries one failed delivery from its row", async () => {
    setRun(completedWithFailures);
    const { user } = renderApp("/runs/7");
    const table = await screen.findByTestId("run-deliveries");
    await within(table).findByText("张三");
    // Only the failed delivery has the action; the one waiting for its retry does not.
    expect(screen.getByTestId("delivery-retry-1")).toHaveTextContent("重试");
    expect(screen.queryByTestId("delivery-retry-2")).not.toBeInTheDocument();

    await user.click(screen.getByTestId("delivery-retry-1"));

    expect(api.retryFailedDelivery).toHaveBeenCalledWith(1);
    expect(api.retryFailedRun).not.toHaveBeenCalled();
    expect(await screen.findByText("已重新排队 1 条失败的投递")).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByTestId("delivery-retry-1")).not.toBeInTheDocument());
    const row = within(table).getByText("张三").closest("tr") as HTMLElement;
    expect(within(row).getByText("排队中")).toBeInTheDocument();
  });

  it("offers no retry in a cancelled run, whose deliveries would never be sent", async () => {
    setRun({ ...completedWithFailures, status: "cancelled", cancelled: 1 });
    renderApp("/runs/7");
    await within(await screen.findByTestId("run-deliveries")).findByText("张三");
    expect(screen.queryByTestId("run-retry-failed")).not.toBeInTheDocument();
    expect(screen.queryByTestId("delivery-retry-1")).not.toBeInTheDocument();
  });

  it("shows the backend's message when an action fails, and re-reads the run", async () => {
    vi.mocked(api.pauseRun).mockRejectedValueOnce(
      new CommandError("invalid", "run 7 is not sending, so it cannot be paused"),
    );
    setRun({ status: "sending" });
    const { user } = renderApp("/runs/7");
    await user.click(await screen.findByTestId("run-pause"));
    expect(await screen.findByText("run 7 is not sending, so it cannot be paused")).toBeInTheDocument();
    await waitFor(() => expect(api.runDetail).toHaveBeenCalledTimes(2));
    expect(screen.getByTestId("run-pause")).not.toBeDisabled();
  });
});
