import { screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import { makeAfterSend, makeDelivery, makeNotice, makeRun } from "../test/fixtures";
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
    afterSend: makeAfterSend(),
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

/** Run 7 as sent on a Feishu app channel: what it can recall, who has read it. */
function setFeishuRun(afterSend: Partial<api.RunAfterSend>, deliveries?: api.DeliveryView[]) {
  const detail = db.details.get(7)!;
  db.details.set(7, {
    ...detail,
    run: { ...detail.run, ...completedWithFailures, failed: 0, retrying: 0, sent: 2, waiting: 1, total: 3, status: "sending" },
    deliveries: deliveries ?? [
      makeDelivery({ id: 1, contactName: "张三", channelName: "学校飞书", readCheckedAt: "2026-03-02T09:00:00.000Z", readAt: "2026-03-02T08:50:00.000Z" }),
      makeDelivery({ id: 2, contactName: "李四", channelName: "学校飞书", readCheckedAt: "2026-03-02T09:00:00.000Z" }),
      makeDelivery({ id: 3, contactName: "王五", channelName: "学校飞书", status: "queued", sentAt: null }),
    ],
    afterSend: makeAfterSend(afterSend),
  });
}

const RECALLABLE = {
  cancellable: 1,
  recallable: 2,
  notRecallable: 1,
  recalled: 0,
  inFlight: 0,
  windowHours: 24,
  recallableUntil: "2026-03-03T08:30:00.000Z",
  notes: [{ channel: "学工群", count: 1, reason: "robot messages in a group chat cannot be recalled" }],
};

const READS = { reported: true, read: 1, unread: 1, unknown: 0, checkedAt: "2026-03-02T09:00:00.000Z" };

describe("Run page: recall, read status and reminders", () => {
  it("recalls only after the user confirms how many will be recalled and cancelled, within which window", async () => {
    setFeishuRun({ recall: RECALLABLE });
    const { user } = renderApp("/runs/7");
    await user.click(await screen.findByTestId("after-recall"));
    const text = await screen.findByTestId("after-recall-text");
    expect(text).toHaveTextContent("将撤回 2 条已发出的消息");
    expect(text).toHaveTextContent("将取消 1 条尚未发出的投递");
    expect(text).toHaveTextContent("消息只能在发出后 24 小时内撤回");
    expect(text).toHaveTextContent("另有 1 条无法撤回");
    await user.click(screen.getByTestId("after-recall-back"));
    expect(api.recallRun).not.toHaveBeenCalled();

    await user.click(screen.getByTestId("after-recall"));
    await user.click(await screen.findByTestId("after-recall-confirm"));
    expect(api.recallRun).toHaveBeenCalledWith(7);
    // The robot's message could not be recalled: the message says so, and where to look.
    expect(
      await screen.findByText("已撤回 2 条，已取消 1 条未发出的投递；1 条未能撤回，原因见投递明细"),
    ).toBeInTheDocument();
    // Re-read: both sent deliveries show as recalled, the queued one cancelled, nothing left to recall.
    const table = screen.getByTestId("run-deliveries");
    await waitFor(() => expect(within(table).getAllByText("已撤回")).toHaveLength(2));
    expect(within(table).getByText("已取消")).toBeInTheDocument();
    expect(screen.queryByTestId("after-recall")).not.toBeInTheDocument();
    expect(screen.getByTestId("after-recalled")).toHaveTextContent("已撤回 2 条");
  });

  it("says why a robot's run cannot be recalled, and offers no recall", async () => {
    setFeishuRun(
      {
        recall: {
          ...RECALLABLE,
          cancellable: 0,
          recallable: 0,
          windowHours: null,
          recallableUntil: null,
          notes: [{ channel: "学工群", count: 1, reason: "robot messages in a group chat cannot be recalled" }],
        },
      },
      [makeDelivery({ id: 1, contactName: "群：学工群", channelName: "学工群" })],
    );
    renderApp("/runs/7");
    const alert = await screen.findByTestId("after-not-recallable");
    expect(alert).toHaveTextContent("这次发送的消息无法撤回");
    expect(alert).toHaveTextContent("学工群（1）：robot messages in a group chat cannot be recalled");
    expect(screen.queryByTestId("after-recall")).not.toBeInTheDocument();
    expect(screen.getByTestId("reads-not-reported")).toHaveTextContent("不提供已读状态");
    expect(screen.queryByTestId("after-remind")).not.toBeInTheDocument();
  });

  it("shows who has read it, refreshes the read status and reminds the unread with a new run", async () => {
    setFeishuRun({ reads: READS });
    const { user } = renderApp("/runs/7");
    expect(await screen.findByTestId("reads-read")).toHaveTextContent("1");
    expect(screen.getByTestId("reads-unread")).toHaveTextContent("1");
    expect(screen.getByTestId("reads-checked")).toHaveTextContent("已读状态更新于");
    const table = screen.getByTestId("run-deliveries");
    const row = (name: string) => within(table).getByText(name).closest("tr") as HTMLElement;
    expect(within(row("张三")).getByText("已读")).toBeInTheDocument();
    expect(within(row("李四")).getByText("未读")).toBeInTheDocument();
    expect(within(row("王五")).getAllByText("—").length).toBeGreaterThan(0);

    await user.click(screen.getByTestId("after-refresh-reads"));
    expect(api.refreshReads).toHaveBeenCalledWith(7);
    expect(await screen.findByText("已读 1 人，未读 1 人")).toBeInTheDocument();

    await user.click(screen.getByTestId("after-remind"));
    expect(await screen.findByText(/再给仍未读的人（目前 1 人）发送一条简短提醒/)).toBeInTheDocument();
    await user.click(screen.getByTestId("after-remind-confirm"));
    expect(api.remindUnread).toHaveBeenCalledWith(7);
    expect(await screen.findByText("已开始向 1 人发送提醒")).toBeInTheDocument();
    // The first run stays on screen, linking to its reminder; the reminder links back.
    const reminders = await screen.findByTestId("after-reminders");
    expect(screen.getByTestId("run-status")).toHaveTextContent("发送中");
    await user.click(within(reminders).getByText("第 101 次发送"));
    expect(await screen.findByTestId("run-reminder-of")).toHaveTextContent("第 7 次发送");
  });

  it("offers no reminder while no one is known to be unread", async () => {
    setFeishuRun({ reads: { ...READS, read: 2, unread: 0 } });
    renderApp("/runs/7");
    expect(await screen.findByTestId("after-remind")).toBeDisabled();
    expect(screen.getByTestId("after-refresh-reads")).not.toBeDisabled();
  });

  it("words a refusal in the user's language and says what to do", async () => {
    setFeishuRun({ reads: READS });
    vi.mocked(api.refreshReads).mockRejectedValueOnce(
      new CommandError("reads_unavailable", "the read status of run 7 could not be checked: Feishu said 230027", {
        field: "run",
        runId: "7",
        reasons: "1 on 学校飞书: Feishu said 230027",
      }),
    );
    const { user } = renderApp("/runs/7");
    await user.click(await screen.findByTestId("after-refresh-reads"));
    expect(
      await screen.findByText("未能查询已读状态：1 on 学校飞书: Feishu said 230027。请检查网络和渠道设置后再试。"),
    ).toBeInTheDocument();
  });
});
