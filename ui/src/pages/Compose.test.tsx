import { screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import * as dialog from "../api/dialog";
import { makeChannel, makeContact, makeNotice } from "../test/fixtures";
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

async function openCompose(realStyles = false, route = "/compose") {
  const view = renderApp(route, { realStyles });
  await screen.findByTestId("compose-channel-沙盒");
  return view;
}

type User = ReturnType<typeof renderApp>["user"];

async function writeContent(user: User, title: string, body: string) {
  await user.type(screen.getByTestId("compose-title"), title);
  await user.type(screen.getByTestId("compose-body"), body);
}

/** 下一步, and waits for the step it leads to. */
async function next(user: User, to: "audience" | "channels" | "when") {
  await user.click(screen.getByTestId("compose-next"));
  await waitFor(() => expect(screen.getByTestId(`compose-step-${to}`)).toBeVisible());
}

/** From the content step: everyone, the channels as they are, now, then 核对. */
async function toReview(user: User) {
  await next(user, "audience");
  await user.click(screen.getByTestId("audience-all"));
  await next(user, "channels");
  await next(user, "when");
  await user.click(screen.getByTestId("compose-send"));
}

/** The input of the last draft saved. */
function lastSaved(): api.NewNotice {
  const calls = vi.mocked(api.saveDraft).mock.calls;
  return calls[calls.length - 1][1];
}

describe("Compose", () => {
  it("preselects the sandbox channel when it is the only one", async () => {
    await openCompose();
    await waitFor(() => expect(screen.getByTestId("compose-channel-沙盒")).toBeChecked());
  });

  it("puts the test ids on elements that can really be clicked (antd's CSS loaded)", async () => {
    // user-event refuses clicks on anything behind `pointer-events: none`, as a WebDriver would.
    const { user } = await openCompose(true);
    for (const id of ["compose-title", "compose-subject", "compose-body"]) {
      expect(["INPUT", "TEXTAREA"]).toContain(screen.getByTestId(id).tagName);
    }
    await user.click(screen.getByTestId("compose-urgent"));
    expect(screen.getByTestId("compose-urgent")).toHaveAttribute("aria-checked", "true");
    await writeContent(user, "通知", "正文");

    await next(user, "audience");
    const pick = screen.getByTestId("audience-pick");
    expect(pick.tagName).toBe("INPUT");
    await user.click(screen.getByTestId("audience-all"));
    expect(screen.getByTestId("audience-all")).toBeChecked();

    await next(user, "channels");
    const box = screen.getByTestId("compose-channel-沙盒");
    expect(box.tagName).toBe("INPUT");
    await waitFor(() => expect(box).toBeChecked());
    await user.click(box);
    expect(box).not.toBeChecked();
  }, 180000);

  it("checks each step before the next and says what is missing", async () => {
    db.channels = [makeChannel({ id: 1, name: "沙盒" }), makeChannel({ id: 2, name: "沙盒二" })];
    const { user } = await openCompose();
    expect(screen.getByTestId("compose-channel-沙盒")).not.toBeChecked();

    await user.click(screen.getByTestId("compose-next"));
    expect(await screen.findByText("请填写标题")).toBeInTheDocument();
    expect(screen.getByText("请填写正文")).toBeInTheDocument();
    expect(screen.getByTestId("compose-step-content")).toBeVisible();

    await writeContent(user, "期末考试安排", "请按时参加考试");
    await next(user, "audience");
    // No audience is chosen for the sender: everyone must be picked on purpose.
    expect(screen.getByTestId("audience-all")).not.toBeChecked();
    await user.click(screen.getByTestId("compose-next"));
    expect(await screen.findByTestId("compose-error")).toHaveTextContent("请选择通知对象");
    expect(screen.getByTestId("compose-step-audience")).toBeVisible();

    await user.click(screen.getByTestId("audience-all"));
    await next(user, "channels");
    await user.click(screen.getByTestId("compose-next"));
    expect(await screen.findByText("请至少选择一个渠道")).toBeInTheDocument();
    expect(screen.getByTestId("compose-step-channels")).toBeVisible();

    // Back loses nothing.
    await user.click(screen.getByTestId("compose-back"));
    await user.click(screen.getByTestId("compose-back"));
    expect(screen.getByTestId("compose-title")).toHaveValue("期末考试安排");
    expect(api.createNotice).not.toHaveBeenCalled();
    expect(api.sendNotice).not.toHaveBeenCalled();
  });

  it("saves a draft, reviews it, starts it and opens its run page", async () => {
    const { user } = await openCompose();
    await writeContent(user, "期末考试安排", "{{{{ name }}同学好");
    await waitFor(() => expect(screen.getByTestId("compose-saved")).toHaveTextContent("草稿已自动保存"), { timeout: 3000 });

    await toReview(user);
    // Nothing goes out before the review: the draft is checked against the whole audience.
    expect(await screen.findByTestId("review-recipients")).toHaveTextContent("2");
    expect(screen.getByTestId("review-send")).toHaveTextContent("确认发送给 2 人");
    expect(api.sendNotice).not.toHaveBeenCalled();
    await confirmReview(user);

    await waitFor(() => expect(api.sendNotice).toHaveBeenCalled());
    expect(lastSaved()).toEqual({
      title: "期末考试安排",
      body: "{{ name }}同学好",
      audience: "all",
      channelIds: [1],
      urgent: false,
      channelStrategy: "all",
      attachments: [],
      allowUnsubscribe: false,
    });
    // One draft, however often it was saved.
    expect(db.notices).toHaveLength(1);
    expect(api.sendNotice).toHaveBeenCalledWith(db.notices[0].id);
    const run = await vi.mocked(api.sendNotice).mock.results[0].value;
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent(`/runs/${run.id}`));
    expect(await screen.findByTestId("run-title")).toHaveTextContent("期末考试安排");
    expect(api.createNotice).not.toHaveBeenCalled();
  });

  it("sends to chosen contacts with a subject and as urgent", async () => {
    const { user } = await openCompose();
    await user.type(screen.getByTestId("compose-title"), "补考通知");
    await user.type(screen.getByTestId("compose-subject"), "关于补考");
    await user.type(screen.getByTestId("compose-body"), "请按时参加");
    await user.click(screen.getByTestId("compose-urgent"));

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

    await next(user, "audience");
    await user.click(screen.getByTestId("audience-pick"));
    await user.type(document.getElementById("audience-contacts-input")!, "李四");
    await waitFor(() => expect(api.listContacts).toHaveBeenLastCalledWith({ search: "李四", limit: 20 }));
    await user.click(await screen.findByTitle("李四 (2023002)"));
    await next(user, "channels");
    await user.click(screen.getByTestId("compose-allow-unsubscribe"));
    await user.click(screen.getByTestId("compose-strategy-fallback"));
    await next(user, "when");
    await user.click(screen.getByTestId("compose-send"));
    await confirmReview(user);

    await waitFor(() => expect(api.sendNotice).toHaveBeenCalled());
    expect(lastSaved()).toEqual({
      title: "补考通知",
      subject: "关于补考",
      body: "请按时参加",
      audience: "contacts:2",
      channelIds: [1],
      urgent: true,
      channelStrategy: "preferred_then_fallback",
      // The file the draft keeps already, by its kept name.
      attachments: ["attachments/x/0/补考安排.pdf"],
      allowUnsubscribe: true,
    });
  });

  it("shows the backend's message when saving fails, and stays on the step", async () => {
    vi.mocked(api.saveDraft).mockRejectedValue(new CommandError("busy", "数据库正忙"));
    const { user } = await openCompose();
    await writeContent(user, "通知", "正文");
    await user.click(screen.getByTestId("compose-next"));
    expect(await screen.findByTestId("compose-error")).toHaveTextContent("数据库正忙");
    expect(screen.getByTestId("compose-step-content")).toBeVisible();
    expect(screen.getByTestId("compose-saved")).toHaveTextContent("草稿未能保存：数据库正忙");
  });

  it("keeps one draft when only starting it failed", async () => {
    vi.mocked(api.sendNotice).mockRejectedValueOnce(new CommandError("busy", "数据库正忙"));
    const { user } = await openCompose();
    await writeContent(user, "通知", "正文");
    await toReview(user);
    await confirmReview(user);
    expect(await screen.findByTestId("review-error")).toHaveTextContent("数据库正忙");

    await user.click(screen.getByTestId("review-cancel"));
    await user.click(screen.getByTestId("compose-send"));
    await confirmReview(user);
    await waitFor(() => expect(api.sendNotice).toHaveBeenCalledTimes(2));
    expect(db.notices).toHaveLength(1);
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent(/^\/runs\/\d+$/));
  });

  it("refuses to send while someone would get a broken message, until they are left out", async () => {
    db.brokenFor.set(2, "没有正文用到的变量 `宿舍`");
    const { user } = await openCompose();
    await writeContent(user, "查寝通知", "{{{{ 宿舍 }}今晚查寝");
    await toReview(user);
    const broken = await screen.findByTestId("review-broken");
    expect(broken).toHaveTextContent("1 人会收到有问题的消息");
    expect(broken).toHaveTextContent("李四");
    expect(broken).toHaveTextContent("没有正文用到的变量 `宿舍`");
    expect(screen.getByTestId("review-send")).toBeDisabled();

    await user.click(screen.getByTestId("review-leave-out"));
    const id = db.notices[0].id;
    expect(api.leaveOut).toHaveBeenCalledWith(id, [2]);
    await waitFor(() => expect(screen.queryByTestId("review-broken")).not.toBeInTheDocument());
    expect(screen.getByTestId("review-recipients")).toHaveTextContent("1");
    await confirmReview(user);
    await waitFor(() => expect(api.sendNotice).toHaveBeenCalledWith(id));
  });

  it("sends a notice for group chats alone, which reach no one person", async () => {
    const { user } = await openCompose();
    await writeContent(user, "班会通知", "周三班会");
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
    await toReview(user);
    expect(await screen.findByText("确认发送到 1 个群")).toBeInTheDocument();
    expect(screen.queryByTestId("review-nobody")).not.toBeInTheDocument();
    await confirmReview(user);
    await waitFor(() => expect(api.sendNotice).toHaveBeenCalled());
  });

  it("asks for the number of recipients to be typed above 500 people", async () => {
    for (let id = 3; id <= 502; id++) db.contacts.push(makeContact({ id, name: `学生${id}`, externalId: `S${id}` }));
    const { user } = await openCompose();
    await writeContent(user, "全校通知", "明天停电");
    await toReview(user);
    expect(await screen.findByTestId("review-confirm")).toHaveTextContent("请输入人数 502 以确认");
    expect(screen.getByTestId("review-send")).toBeDisabled();
    await user.type(screen.getByTestId("review-confirm-input"), "501");
    expect(screen.getByTestId("review-send")).toBeDisabled();
    await user.clear(screen.getByTestId("review-confirm-input"));
    await user.type(screen.getByTestId("review-confirm-input"), "502");
    await user.click(screen.getByTestId("review-send"));
    await waitFor(() => expect(api.sendNotice).toHaveBeenCalled());
  });

  it("offers the variables by their Chinese names, marks an unknown one, and saves the notice's own values", async () => {
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

    await user.click(screen.getByTestId("compose-next"));
    await waitFor(() => expect(api.saveDraft).toHaveBeenCalled());
    expect(lastSaved()).toMatchObject({
      body: "{{ 姓名 }}同学：{{ 考试时间 }}，{{ 姓明 }}",
      values: { 考试时间: "12月20日 9:00" },
    });
  });

  it("marks a template's refusal on its field as it is typed, in Chinese, and stays on the step", async () => {
    const zh = "正文第 1 行第 4 列的变量 {{ 姓明 }} 无法识别（是否想写 {{ 姓名 }}？）";
    db.draftProblem = {
      code: "compose_unknown_variable",
      field: "body",
      message: "the body uses the variable `姓明` at line 1, column 4, which is not known",
      params: { field: "body", line: "1", column: "4", variable: "姓明", suggestion: "姓名", messageZh: zh, messageEn: "the body uses the variable `姓明`" },
    };
    const { user } = await openCompose();
    await writeContent(user, "通知", "{{{{ 姓明 }}");
    // Saved as typed, and marked without clicking anything.
    const body = screen.getByTestId("compose-body").closest(".ant-form-item") as HTMLElement;
    expect(await within(body).findByText(zh, {}, { timeout: 3000 })).toBeInTheDocument();

    await user.click(screen.getByTestId("compose-next"));
    expect(await screen.findByTestId("compose-error")).toHaveTextContent(zh);
    expect(screen.getByTestId("compose-step-content")).toBeVisible();
  });

  it("previews the notice beside the editor, rendered by the backend for the first person", async () => {
    const { user } = await openCompose();
    await writeContent(user, "期末考试安排", "{{{{ name }}同学好");
    const pane = screen.getByTestId("compose-live-preview");
    await waitFor(() => expect(within(pane).getByTestId("compose-live-preview-html")).toHaveAttribute("srcdoc", "<p>张三同学好</p>"), {
      timeout: 3000,
    });
    expect(pane).toHaveTextContent("张三");
    expect(within(pane).getByTestId("compose-live-preview-subject")).toHaveTextContent("期末考试安排");
    // Before an audience is chosen, the first of everyone.
    expect(api.previewNotice).toHaveBeenLastCalledWith(expect.objectContaining({ body: "{{ name }}同学好", audience: "" }));
  });

  it("shows in the preview why it cannot be rendered", async () => {
    vi.mocked(api.previewNotice).mockRejectedValue(
      new CommandError("compose_syntax", "syntax", { messageZh: "正文第 1 行第 1 列有模板错误：未闭合" }),
    );
    const { user } = await openCompose();
    await writeContent(user, "t", "{{{{ x");
    expect(await screen.findByTestId("compose-live-preview-error", {}, { timeout: 3000 })).toHaveTextContent(
      "正文第 1 行第 1 列有模板错误：未闭合",
    );
  });

  it("reopens a draft from the Notices list with everything as it was left", async () => {
    const { user, unmount } = await openCompose();
    await writeContent(user, "宿舍检查", "{{{{ 姓名 }}同学：周三检查");
    await user.click(screen.getByTestId("compose-value-add"));
    await user.type(screen.getByTestId("compose-value-key-0"), "检查时间");
    await user.type(screen.getByTestId("compose-value-0"), "周三 19:00");
    await next(user, "audience");
    await user.click(screen.getByTestId("audience-pick"));
    await user.type(document.getElementById("audience-contacts-input")!, "李四");
    await user.click(await screen.findByTitle("李四 (2023002)"));
    await waitFor(() => expect(lastSaved().audience).toBe("contacts:2"), { timeout: 3000 });
    unmount();

    const again = renderApp("/notices");
    const table = await screen.findByTestId("notices-table");
    const id = db.notices[0].id;
    expect(await within(table).findByText("草稿")).toBeInTheDocument();
    await again.user.click(screen.getByTestId(`notice-open-${id}`));
    expect(screen.getByTestId("location")).toHaveTextContent(`/compose?notice=${id}`);
    await waitFor(() => expect(screen.getByTestId("compose-title")).toHaveValue("宿舍检查"));
    expect(screen.getByTestId("compose-body")).toHaveValue("{{ 姓名 }}同学：周三检查");
    expect(screen.getByTestId("compose-value-0")).toHaveValue("周三 19:00");
    expect(screen.getByTestId("compose-step-audience")).toHaveTextContent("李四 (2023002)");

    // Going on writes over the same draft.
    await again.user.type(screen.getByTestId("compose-body"), "，请整理内务");
    await waitFor(() => expect(lastSaved().body).toBe("{{ 姓名 }}同学：周三检查，请整理内务"), { timeout: 3000 });
    expect(vi.mocked(api.saveDraft).mock.calls.at(-1)![0]).toBe(id);
    expect(db.notices).toHaveLength(1);
  });
});

describe("Notices", () => {
  it("filters by stage and title, and deletes a draft", async () => {
    db.notices = [
      makeNotice({ id: 7, title: "补考通知", status: "draft", stage: "draft" }),
      makeNotice({ id: 8, title: "期末考试安排", stage: "sending", lastRun: { id: 30, status: "sending" } }),
      makeNotice({ id: 9, title: "期中考试安排", stage: "sent", lastRun: { id: 31, status: "completed" } }),
    ];
    const { user } = renderApp("/notices");
    const table = await screen.findByTestId("notices-table");
    await within(table).findByText("补考通知");
    await user.click(within(screen.getByTestId("notices-stage")).getByText(/发送中/));
    await waitFor(() => expect(within(table).queryByText("补考通知")).not.toBeInTheDocument());
    expect(within(table).getByText("期末考试安排")).toBeInTheDocument();
    expect(within(table).queryByText("期中考试安排")).not.toBeInTheDocument();

    await user.click(within(screen.getByTestId("notices-stage")).getByText("全部"));
    await user.type(screen.getByTestId("notices-search"), "期中");
    await waitFor(() => expect(within(table).queryByText("期末考试安排")).not.toBeInTheDocument());
    // A sent notice opens at its latest run.
    await user.click(screen.getByTestId("notice-open-9"));
    expect(screen.getByTestId("location")).toHaveTextContent("/runs/31");
  });

  it("deletes a draft after asking", async () => {
    db.notices = [makeNotice({ id: 7, title: "补考通知", status: "draft", stage: "draft" })];
    const { user } = renderApp("/notices");
    await user.click(await screen.findByTestId("notice-delete-7"));
    await user.click(await screen.findByRole("button", { name: /确\s*定|OK/ }));
    await waitFor(() => expect(api.deleteDraft).toHaveBeenCalledWith(7));
    expect(await screen.findByText("还没有通知")).toBeInTheDocument();
  });

  it("says a sent notice can no longer be edited when opened in Compose", async () => {
    db.notices = [makeNotice({ id: 9, title: "期中考试安排", lastRun: { id: 31, status: "completed" } })];
    renderApp("/compose?notice=9");
    expect(await screen.findByTestId("compose-not-draft")).toHaveTextContent("“期中考试安排”已经发出，不能再修改");
  });
});
