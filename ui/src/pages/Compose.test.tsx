import { screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import * as dialog from "../api/dialog";
import { makeChannel, makeContact } from "../test/fixtures";
import { CommandError, db, resetApiMock } from "../test/mockGroupsApi";
import { renderApp } from "../test/render";

vi.mock("../api", () => import("../test/mockGroupsApi"));
// Native dialogs cannot run here (nor under WebDriver): each test says what the user picks.
vi.mock("../api/dialog", () => ({ chooseFilesToOpen: vi.fn(), chooseFileToOpen: vi.fn(), chooseFileToSave: vi.fn() }));

beforeEach(() => {
  resetApiMock();
  db.contacts.push(
    makeContact({ id: 1, name: "张三", externalId: "2023001" }),
    makeContact({ id: 2, name: "李四", externalId: "2023002" }),
  );
});

/** 核对: waits for the whole-audience check, then sends from the review. */
async function confirmReview(user: { click: (el: Element) => Promise<void> }) {
  const send = await screen.findByTestId("review-send");
  await waitFor(() => expect(send).toBeEnabled());
  await user.click(send);
}

async function openCompose(realStyles = false) {
  const view = renderApp("/compose", { realStyles });
  await screen.findByTestId("compose-channel-沙盒");
  return view;
}

describe("Compose", () => {
  it("preselects the sandbox channel when it is the only one", async () => {
    await openCompose();
    await waitFor(() => expect(screen.getByTestId("compose-channel-沙盒")).toBeChecked());
  });

  it("puts the test ids on elements that can really be clicked (antd's CSS loaded)", async () => {
    // user-event refuses clicks on anything behind `pointer-events: none`, as a WebDriver would.
    const { user } = await openCompose(true);
    const box = screen.getByTestId("compose-channel-沙盒");
    expect(box.tagName).toBe("INPUT");
    await waitFor(() => expect(box).toBeChecked());
    await user.click(box);
    expect(box).not.toBeChecked();

    const pick = screen.getByTestId("audience-pick");
    expect(pick.tagName).toBe("INPUT");
    await user.click(pick);
    expect(pick).toBeChecked();
    await user.click(screen.getByTestId("audience-all"));
    expect(screen.getByTestId("audience-all")).toBeChecked();

    await user.click(screen.getByTestId("compose-urgent"));
    expect(screen.getByTestId("compose-urgent")).toHaveAttribute("aria-checked", "true");
    for (const id of ["compose-title", "compose-subject", "compose-body"]) {
      expect(["INPUT", "TEXTAREA"]).toContain(screen.getByTestId(id).tagName);
    }
  }, 180000);

  it("refuses to send without title, body and a channel, and says why", async () => {
    db.channels = [makeChannel({ id: 1, name: "沙盒" }), makeChannel({ id: 2, name: "沙盒二" })];
    const { user } = await openCompose();
    expect(screen.getByTestId("compose-channel-沙盒")).not.toBeChecked();

    await user.click(screen.getByTestId("compose-send"));

    expect(await screen.findByText("请填写标题")).toBeInTheDocument();
    expect(screen.getByText("请填写正文")).toBeInTheDocument();
    expect(screen.getByText("请至少选择一个渠道")).toBeInTheDocument();
    expect(api.createNotice).not.toHaveBeenCalled();
    expect(api.sendNotice).not.toHaveBeenCalled();
  });

  it("creates the notice, starts it and opens its run page", async () => {
    const { user } = await openCompose();
    await user.type(screen.getByTestId("compose-title"), "期末考试安排");
    await user.type(screen.getByTestId("compose-body"), "{{{{ name }}同学好");
    expect(screen.getByTestId("audience-all")).toBeChecked();

    await user.click(screen.getByTestId("compose-send"));
    // Nothing goes out before the review: the draft is checked against the whole audience.
    expect(await screen.findByTestId("review-recipients")).toHaveTextContent("2");
    expect(screen.getByTestId("review-send")).toHaveTextContent("确认发送给 2 人");
    expect(api.sendNotice).not.toHaveBeenCalled();
    await confirmReview(user);

    await waitFor(() => expect(api.sendNotice).toHaveBeenCalled());
    expect(api.createNotice).toHaveBeenCalledWith({
      title: "期末考试安排",
      body: "{{ name }}同学好",
      audience: "all",
      channelIds: [1],
      urgent: false,
      channelStrategy: "all",
      attachments: [],
      allowUnsubscribe: false,
    });
    const notice = await vi.mocked(api.createNotice).mock.results[0].value;
    expect(api.sendNotice).toHaveBeenCalledWith(notice.id);
    const run = await vi.mocked(api.sendNotice).mock.results[0].value;
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent(`/runs/${run.id}`));
    expect(await screen.findByTestId("run-title")).toHaveTextContent("期末考试安排");
    expect(screen.getByTestId("run-progress")).toBeInTheDocument();
  });

  it("sends to chosen contacts with a subject and as urgent", async () => {
    const { user } = await openCompose();
    await user.type(screen.getByTestId("compose-title"), "补考通知");
    await user.type(screen.getByTestId("compose-subject"), "关于补考");
    await user.type(screen.getByTestId("compose-body"), "请按时参加");
    await user.click(screen.getByTestId("compose-urgent"));
    await user.click(screen.getByTestId("compose-allow-unsubscribe"));
    await user.click(screen.getByTestId("compose-strategy-fallback"));
    await user.click(screen.getByTestId("audience-pick"));
    expect(screen.getByTestId("audience-pick")).toBeChecked();

    // Files from the native dialog, listed by name; one removed, one chosen twice kept once.
    vi.mocked(dialog.chooseFilesToOpen).mockResolvedValueOnce(["/home/jw/补考安排.pdf", "/home/jw/旧名单.xlsx"]);
    await user.click(screen.getByTestId("compose-attachments-add"));
    const files = await screen.findByTestId("compose-attachments");
    expect(files).toHaveTextContent("补考安排.pdf");
    expect(files).not.toHaveTextContent("/home/jw");
    await user.click(within(files).getAllByRole("button", { name: /移除/ })[1]);
    expect(files).not.toHaveTextContent("旧名单.xlsx");
    vi.mocked(dialog.chooseFilesToOpen).mockResolvedValueOnce(["/home/jw/补考安排.pdf"]);
    await user.click(screen.getByTestId("compose-attachments-add"));
    expect(within(files).getAllByText(/\.pdf|\.xlsx/)).toHaveLength(1);

    // Sending with nobody chosen is refused.
    await user.click(screen.getByTestId("compose-send"));
    expect(await screen.findByText("请至少选择一个分组或一位联系人")).toBeInTheDocument();
    expect(api.createNotice).not.toHaveBeenCalled();

    await user.type(document.getElementById("audience-contacts-input")!, "李四");
    await waitFor(() =>
      expect(api.listContacts).toHaveBeenLastCalledWith({ search: "李四", limit: 20 }),
    );
    await user.click(await screen.findByTitle("李四 (2023002)"));
    await user.click(screen.getByTestId("compose-send"));
    await confirmReview(user);

    await waitFor(() => expect(api.sendNotice).toHaveBeenCalled());
    expect(api.createNotice).toHaveBeenCalledWith({
      title: "补考通知",
      subject: "关于补考",
      body: "请按时参加",
      audience: "contacts:2",
      channelIds: [1],
      urgent: true,
      channelStrategy: "preferred_then_fallback",
      attachments: ["/home/jw/补考安排.pdf"],
      allowUnsubscribe: true,
    });
  });

  it("shows the backend's message when creating fails, and stays on the form", async () => {
    vi.mocked(api.createNotice).mockRejectedValueOnce(
      new CommandError("compose", "模板中有未知变量：nmae"),
    );
    const { user } = await openCompose();
    await user.type(screen.getByTestId("compose-title"), "通知");
    await user.type(screen.getByTestId("compose-body"), "{{{{ nmae }}");
    await user.click(screen.getByTestId("compose-send"));

    expect(await screen.findByTestId("compose-error")).toHaveTextContent("模板中有未知变量：nmae");
    expect(api.sendNotice).not.toHaveBeenCalled();
    expect(screen.getByTestId("location")).toHaveTextContent("/compose");
  });

  it("does not create the notice twice when only starting it failed", async () => {
    vi.mocked(api.sendNotice).mockRejectedValueOnce(new CommandError("busy", "数据库正忙"));
    const { user } = await openCompose();
    await user.type(screen.getByTestId("compose-title"), "通知");
    await user.type(screen.getByTestId("compose-body"), "正文");
    await user.click(screen.getByTestId("compose-send"));
    await confirmReview(user);
    expect(await screen.findByTestId("review-error")).toHaveTextContent("数据库正忙");

    await user.click(screen.getByTestId("review-cancel"));
    await user.click(screen.getByTestId("compose-send"));
    await confirmReview(user);
    await waitFor(() => expect(api.sendNotice).toHaveBeenCalledTimes(2));
    expect(api.createNotice).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent(/^\/runs\/\d+$/));
  });

  it("refuses to send while someone would get a broken message, until they are left out", async () => {
    db.brokenFor.set(2, "没有正文用到的变量 `宿舍`");
    const { user } = await openCompose();
    await user.type(screen.getByTestId("compose-title"), "查寝通知");
    await user.type(screen.getByTestId("compose-body"), "{{{{ 宿舍 }}今晚查寝");
    await user.click(screen.getByTestId("compose-send"));
    const broken = await screen.findByTestId("review-broken");
    expect(broken).toHaveTextContent("1 人会收到有问题的消息");
    expect(broken).toHaveTextContent("李四");
    expect(broken).toHaveTextContent("没有正文用到的变量 `宿舍`");
    expect(screen.getByTestId("review-send")).toBeDisabled();

    await user.click(screen.getByTestId("review-leave-out"));
    const notice = await vi.mocked(api.createNotice).mock.results[0].value;
    expect(api.leaveOut).toHaveBeenCalledWith(notice.id, [2]);
    await waitFor(() => expect(screen.queryByTestId("review-broken")).not.toBeInTheDocument());
    expect(screen.getByTestId("review-recipients")).toHaveTextContent("1");
    await confirmReview(user);
    await waitFor(() => expect(api.sendNotice).toHaveBeenCalledWith(notice.id));
  });

  it("sends a notice for group chats alone, which reach no one person", async () => {
    const { user } = await openCompose();
    await user.type(screen.getByTestId("compose-title"), "班会通知");
    await user.type(screen.getByTestId("compose-body"), "周三班会");
    vi.mocked(api.checkNotice).mockImplementationOnce(async (noticeId) => ({
      noticeId,
      people: 2,
      recipients: 0,
      channels: [
        {
          channelId: 1,
          channelName: "辅导员群",
          kind: "dingtalk_robot",
          group: true,
          willGet: 1,
          noAddress: 0,
          invalidAddress: 0,
          optedOut: 0,
          otherChannel: 0,
          broken: 0,
          versions: { zh: 0, en: 0 },
          figures: [],
        },
      ],
      languages: [{ language: "zh-CN", people: 2 }],
      versions: { zh: 0, en: 0 },
      brokenPeople: 0,
      brokenMessages: 0,
      broken: [],
      listLimit: 1000,
      ok: true,
    }));
    await user.click(screen.getByTestId("compose-send"));
    expect(await screen.findByText("确认发送到 1 个群")).toBeInTheDocument();
    expect(screen.queryByTestId("review-nobody")).not.toBeInTheDocument();
    await confirmReview(user);
    await waitFor(() => expect(api.sendNotice).toHaveBeenCalled());
  });

  it("asks for the number of recipients to be typed above 500 people", async () => {
    for (let id = 3; id <= 502; id++) db.contacts.push(makeContact({ id, name: `学生${id}`, externalId: `S${id}` }));
    const { user } = await openCompose();
    await user.type(screen.getByTestId("compose-title"), "全校通知");
    await user.type(screen.getByTestId("compose-body"), "明天停电");
    await user.click(screen.getByTestId("compose-send"));
    expect(await screen.findByTestId("review-confirm")).toHaveTextContent("请输入人数 502 以确认");
    expect(screen.getByTestId("review-send")).toBeDisabled();
    await user.type(screen.getByTestId("review-confirm-input"), "501");
    expect(screen.getByTestId("review-send")).toBeDisabled();
    await user.clear(screen.getByTestId("review-confirm-input"));
    await user.type(screen.getByTestId("review-confirm-input"), "502");
    await user.click(screen.getByTestId("review-send"));
    await waitFor(() => expect(api.sendNotice).toHaveBeenCalled());
  });

  it("offers the variables by their Chinese names, marks an unknown one, and sends the notice's own values", async () => {
    const { user } = await openCompose();
    await user.type(screen.getByTestId("compose-title"), "考试安排");
    await user.click(await screen.findByTestId("compose-variable-name"));
    expect(screen.getByTestId("compose-body")).toHaveValue("{{ 姓名 }}");
    await user.type(screen.getByTestId("compose-body"), "同学：{{{{ 考试时间 }}，{{{{ 姓明 }}");
    expect(await screen.findByTestId("compose-unknown-variables")).toHaveTextContent("考试时间、姓明");

    await user.click(screen.getByTestId("compose-value-add"));
    await user.type(screen.getByTestId("compose-value-key-0"), "考试时间");
    await user.type(screen.getByTestId("compose-value-0"), "12月20日 9:00");
    await waitFor(() => expect(screen.getByTestId("compose-unknown-variables")).toHaveTextContent("姓明"));
    expect(screen.getByTestId("compose-unknown-variables")).not.toHaveTextContent("考试时间");
    expect(await screen.findByTestId("compose-variable-考试时间")).toBeInTheDocument();

    await user.click(screen.getByTestId("compose-send"));
    await waitFor(() => expect(api.createNotice).toHaveBeenCalled());
    expect(vi.mocked(api.createNotice).mock.calls[0][0]).toMatchObject({
      body: "{{ 姓名 }}同学：{{ 考试时间 }}，{{ 姓明 }}",
      values: { 考试时间: "12月20日 9:00" },
    });
  });

  it("puts a template's refusal on its field, in Chinese, with its line and column", async () => {
    vi.mocked(api.createNotice).mockRejectedValueOnce(
      new CommandError("compose_unknown_variable", "the body uses `姓明` on line 1, column 3", {
        field: "body",
        line: "1",
        column: "3",
        messageZh: "正文第 1 行第 3 列的变量 姓明 不存在；是不是 姓名？",
        messageEn: "the body uses `姓明` on line 1, column 3",
      }),
    );
    const { user } = await openCompose();
    await user.type(screen.getByTestId("compose-title"), "通知");
    await user.type(screen.getByTestId("compose-body"), "{{{{ 姓明 }}");
    await user.click(screen.getByTestId("compose-send"));
    expect(await screen.findByTestId("compose-error")).toHaveTextContent("正文第 1 行第 3 列的变量 姓明 不存在；是不是 姓名？");
    // Also under the body itself.
    const body = screen.getByTestId("compose-body").closest(".ant-form-item") as HTMLElement;
    expect(await within(body).findByText("正文第 1 行第 3 列的变量 姓明 不存在；是不是 姓名？")).toBeInTheDocument();
  });

  it("previews the rendering for the first recipient with the audience size", async () => {
    const { user } = await openCompose();
    await user.type(screen.getByTestId("compose-title"), "期末考试安排");
    await user.type(screen.getByTestId("compose-body"), "{{{{ name }}同学好");
    await user.click(screen.getByTestId("compose-preview"));

    const result = await screen.findByTestId("compose-preview-result");
    expect(within(result).getByText("张三")).toBeInTheDocument();
    expect(within(result).getByText("2 人")).toBeInTheDocument();
    expect(within(result).getByText("期末考试安排")).toBeInTheDocument();
    expect(within(result).getByTestId("compose-preview-body")).toHaveTextContent("张三同学好");
    expect(api.previewNotice).toHaveBeenCalledWith(
      expect.objectContaining({ title: "期末考试安排", body: "{{ name }}同学好", audience: "all" }),
    );
    expect(api.createNotice).not.toHaveBeenCalled();
  });

  it("shows a preview error such as an unknown variable", async () => {
    vi.mocked(api.previewNotice).mockRejectedValueOnce(
      new CommandError("compose", "unknown template variable `nmae`"),
    );
    const { user } = await openCompose();
    await user.type(screen.getByTestId("compose-title"), "t");
    await user.type(screen.getByTestId("compose-body"), "b");
    await user.click(screen.getByTestId("compose-preview"));
    expect(await screen.findByTestId("compose-error")).toHaveTextContent(
      "unknown template variable `nmae`",
    );
  });
});
