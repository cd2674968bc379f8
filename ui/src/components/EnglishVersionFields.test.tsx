import { screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import { channelVersionsOf, englishOf } from "../pages/composeForm";
import { makeContact } from "../test/fixtures";
import { db, resetApiMock } from "../test/mockGroupsApi";
import { renderApp } from "../test/render";

vi.mock("../api", () => import("../test/mockGroupsApi"));
vi.mock("../api/dialog", () => ({ chooseFilesToOpen: vi.fn(), chooseFileToOpen: vi.fn(), chooseFileToSave: vi.fn() }));

beforeEach(() => {
  resetApiMock();
  db.contacts.push(
    makeContact({ id: 1, name: "张三", externalId: "2023001", language: "zh-CN" }),
    makeContact({ id: 2, name: "Li Lei", externalId: "2023002", language: "en" }),
  );
});

async function openCompose() {
  const view = renderApp("/compose");
  await screen.findByTestId("compose-channel-沙盒");
  await waitFor(() => expect(screen.getByTestId("compose-channel-沙盒")).toBeChecked());
  return view;
}

type User = ReturnType<typeof renderApp>["user"];

async function next(user: User, to: string) {
  await user.click(screen.getByTestId("compose-next"));
  await waitFor(() => expect(screen.getByTestId(`compose-step-${to}`)).toBeVisible());
}

/** The input of the last draft saved. */
function lastSaved(): api.NewNotice {
  const calls = vi.mocked(api.saveDraft).mock.calls;
  return calls[calls.length - 1][1];
}

describe("English version and channels' own versions", () => {
  it("are saved with the notice, and the review says how many get each version", async () => {
    const { user } = await openCompose();
    await user.type(screen.getByTestId("compose-title"), "期末考试");
    await user.type(screen.getByTestId("compose-body"), "同学们好");
    await user.click(within(screen.getByTestId("compose-english")).getByText("英文版本（可选）"));
    await user.type(screen.getByTestId("compose-english-subject"), "Final exam");
    await user.type(screen.getByTestId("compose-english-body"), "Hello {{{{ name }}");
    await next(user, "audience");
    await user.click(screen.getByTestId("audience-all"));
    // A channel's own text is written where the channel is chosen.
    await next(user, "channels");
    await user.click(within(screen.getByTestId("compose-channel-versions")).getByText("各渠道专用内容（可选）"));
    await user.type(screen.getByTestId("compose-version-沙盒"), "考试通知，详见邮件");
    await next(user, "when");
    await user.click(screen.getByTestId("compose-send"));

    expect(await screen.findByTestId("review-versions")).toHaveTextContent("中文 1 人，英文 1 人");
    expect(lastSaved()).toEqual(
      expect.objectContaining({
        english: { subject: "Final exam", body: "Hello {{ name }}" },
        channelVersions: [{ channelId: 1, body: "考试通知，详见邮件" }],
      }),
    );
  });

  it("sends no version when their fields are left empty", async () => {
    const { user } = await openCompose();
    await user.type(screen.getByTestId("compose-title"), "通知");
    await user.type(screen.getByTestId("compose-body"), "正文");
    await next(user, "audience");
    await user.click(screen.getByTestId("audience-all"));
    await next(user, "channels");
    await next(user, "when");
    await user.click(screen.getByTestId("compose-send"));
    await screen.findByTestId("review-recipients");
    const sent = lastSaved();
    expect(sent.english).toBeUndefined();
    expect(sent.channelVersions).toBeUndefined();
    expect(screen.queryByTestId("review-versions")).not.toBeInTheDocument();
  });

  it("puts a refusal of the English body on its field", async () => {
    const text = "英文正文第 2 行第 9 列的变量 rooom 无法识别";
    db.draftProblem = {
      code: "compose_unknown_variable",
      field: "english.body",
      message: "the english.body uses `rooom`",
      params: { field: "english.body", line: "2", column: "9", messageZh: text, messageEn: "the english.body uses `rooom`" },
    };
    const { user } = await openCompose();
    await user.type(screen.getByTestId("compose-title"), "通知");
    await user.type(screen.getByTestId("compose-body"), "正文");
    await user.click(within(screen.getByTestId("compose-english")).getByText("英文版本（可选）"));
    await user.type(screen.getByTestId("compose-english-body"), "Dear student,\nroom {{{{ rooom }}");
    await user.click(screen.getByTestId("compose-next"));
    const field = screen.getByTestId("compose-english-body").closest(".ant-form-item") as HTMLElement;
    expect(await within(field).findByText(text)).toBeInTheDocument();
    expect(screen.getByTestId("compose-step-content")).toBeVisible();
  });
});

describe("the form's versions as the backend takes them", () => {
  it("leave out empty texts and channels no longer chosen", () => {
    expect(englishOf(undefined)).toBeUndefined();
    expect(englishOf({ subject: " ", body: "  " })).toBeUndefined();
    expect(englishOf({ subject: "", body: "Hi" })).toEqual({ body: "Hi" });
    expect(englishOf({ subject: " Exam ", body: "Hi" })).toEqual({ subject: "Exam", body: "Hi" });
    expect(
      channelVersionsOf({ "1": { body: "短", englishBody: " " }, "2": { body: "群", englishBody: "Group" }, "3": { body: "" } }, [1, 3]),
    ).toEqual([{ channelId: 1, body: "短" }]);
    expect(channelVersionsOf({ "2": { body: "群", englishBody: "Group" } }, [2])).toEqual([
      { channelId: 2, body: "群", englishBody: "Group" },
    ]);
  });
});
