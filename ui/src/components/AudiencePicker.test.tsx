import { screen, waitFor } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import { makeContact } from "../test/fixtures";
import { db, groupsDb, resetApiMock } from "../test/mockGroupsApi";
import { renderApp } from "../test/render";
import { openSelectOption } from "../test/selectOption";

vi.mock("../api", () => import("../test/mockGroupsApi"));

const FARM: api.Rule = {
  kind: "all",
  rules: [{ kind: "condition", field: "department", op: "is", values: ["农学院"] }],
};

beforeEach(async () => {
  resetApiMock();
  db.contacts.push(
    makeContact({ id: 1, name: "张三", externalId: "2023001", email: "zs@example.edu.cn" }),
    makeContact({ id: 2, name: "李四", externalId: "2023002" }),
    makeContact({ id: 3, name: "王五", externalId: "2023003", department: "农学院", email: "ww@example.edu.cn" }),
    makeContact({ id: 4, name: "赵六", externalId: "2023004", department: "农学院", email: "zl@example.edu.cn" }),
  );
  const union = await api.createGroup({ name: "学生会" });
  await api.addGroupMembers(union.id, [1, 2, 3]);
  await api.createGroup({ name: "农学院学生", rule: FARM });
  vi.mocked(api.createGroup).mockClear();
  vi.mocked(api.addGroupMembers).mockClear();
});

/** Compose with the sandbox chosen; with `everyone`, everyone as the audience (no one is chosen at first). */
async function openCompose(everyone = false) {
  const view = renderApp("/compose");
  await screen.findByTestId("compose-channel-沙盒");
  await waitFor(() => expect(screen.getByTestId("compose-channel-沙盒")).toBeChecked());
  if (everyone) await view.user.click(screen.getByTestId("audience-all"));
  return view;
}

async function next(user: ReturnType<typeof renderApp>["user"], to: string) {
  await user.click(screen.getByTestId("compose-next"));
  await waitFor(() => expect(screen.getByTestId(`compose-step-${to}`)).toBeVisible());
}

async function choose(user: ReturnType<typeof renderApp>["user"], inputId: string, search: string, title: string) {
  await user.type(document.getElementById(inputId)!, search);
  const option = await waitFor(() => openSelectOption(title));
  await user.click(option);
}

describe("AudiencePicker in Compose", () => {
  it("builds the spec from groups, a rule group and a person left out", async () => {
    const { user } = await openCompose();
    await user.type(screen.getByTestId("compose-title"), "学生会例会");
    await user.type(screen.getByTestId("compose-body"), "请准时参加");
    await next(user, "audience");
    await user.click(screen.getByTestId("audience-pick"));
    await choose(user, "audience-groups-input", "学生会", "学生会（3 人）");
    await choose(user, "audience-groups-input", "农学院", "农学院学生（2 人）");
    await choose(user, "audience-exclude-contacts-input", "李四", "李四 (2023002)");

    // 张三, 王五 (in both groups, counted once), 赵六; 李四 left out.
    await waitFor(() => expect(screen.getByTestId("audience-preview-people")).toHaveTextContent("共 3 人"));
    await next(user, "channels");
    await next(user, "when");
    await user.click(screen.getByTestId("compose-send"));

    await screen.findByTestId("review-recipients");
    const [union, farm] = groupsDb.groups;
    expect(vi.mocked(api.saveDraft).mock.calls.at(-1)![1].audience).toBe(
      `group:#${union.id}; group:#${farm.id}; -contacts:2`,
    );
    expect(api.previewAudience).toHaveBeenLastCalledWith(`group:#${union.id}; group:#${farm.id}; -contacts:2`, [1]);
  });

  it("shows how many people each channel reaches, and who cannot be reached", async () => {
    await openCompose(true);
    await waitFor(() => expect(api.previewAudience).toHaveBeenLastCalledWith("all", [1]));
    expect(await screen.findByTestId("audience-preview-channel-沙盒")).toHaveTextContent(
      "沙盒：可送达 3，无地址 1，地址无效 0，已退订 0",
    );
    expect(screen.getByTestId("audience-preview-people")).toHaveTextContent("共 4 人");
    expect(screen.getByTestId("audience-preview-unreachable")).toHaveTextContent("无法送达 1 人");
    expect(screen.getByTestId("audience-preview-sample")).toHaveTextContent("张三、李四、王五、赵六");
    expect(screen.getByTestId("chart")).toBeInTheDocument();
  });

  /** The preview as the backend gives it when the chosen channel is a robot that @-mentions the audience. */
  function asMentioningRobot(mentions: number, refused: boolean) {
    vi.mocked(api.previewAudience).mockImplementation(async (spec, ids) => ({
      spec,
      description: spec,
      people: 4,
      unreachable: 0,
      sample: [],
      channels: ids.map((id) => ({
        channelId: id,
        channelName: "沙盒",
        kind: "dingtalk_robot",
        reachable: 1,
        noAddress: 0,
        invalidAddress: 0,
        optedOut: 0,
        group: true,
        mentions,
        mentionsRefused: refused,
        mentionLimit: 100,
      })),
    }));
  }

  it("says how many of the audience a group robot will @-mention", async () => {
    asMentioningRobot(3, false);
    await openCompose(true);
    expect(await screen.findByTestId("audience-preview-channel-沙盒")).toHaveTextContent(
      "沙盒：群消息，发 1 条到群里，@ 其中 3 人",
    );
    expect(screen.queryByTestId("audience-preview-mentions-refused-沙盒")).toBeNull();
  });

  it("warns before sending when the audience is more than one group message may @-mention", async () => {
    asMentioningRobot(3000, true);
    await openCompose(true);
    expect(await screen.findByTestId("audience-preview-mentions-refused-沙盒")).toHaveTextContent(
      "这次有 3000 人可 @，超过一条群消息最多 @ 的 100 人",
    );
  });

  it("says plainly when nobody can be reached, or nobody is chosen", async () => {
    const { user } = await openCompose();
    await user.click(screen.getByTestId("audience-pick"));
    expect(screen.getByTestId("audience-preview")).toHaveTextContent("选择分组或联系人后，这里会显示人数。");
    await choose(user, "audience-contacts-input", "李四", "李四 (2023002)");
    expect(await screen.findByText("所选渠道一个人也送达不了：请换一个渠道，或先补全联系人的地址。")).toBeInTheDocument();

    await choose(user, "audience-exclude-contacts-input", "李四", "李四 (2023002)");
    await waitFor(() => expect(api.previewAudience).toHaveBeenLastCalledWith("contacts:2; -contacts:2", [1]));
    expect(await screen.findByTestId("audience-preview-nobody")).toHaveTextContent("没有任何人会收到这条通知");
  });

  it("ignores an answer that arrives after a newer one", async () => {
    let releaseFirst: (preview: api.AudiencePreview) => void = () => undefined;
    vi.mocked(api.previewAudience).mockImplementationOnce(
      (spec) =>
        new Promise((resolve) => {
          releaseFirst = resolve;
          expect(spec).toBe("all");
        }),
    );
    const { user } = await openCompose(true);
    await waitFor(() => expect(api.previewAudience).toHaveBeenCalledWith("all", [1]));
    await user.click(screen.getByTestId("audience-pick"));
    await choose(user, "audience-contacts-input", "张三", "张三 (2023001)");
    await waitFor(() => expect(screen.getByTestId("audience-preview-people")).toHaveTextContent("共 1 人"));

    releaseFirst({ spec: "all", description: "all", people: 99, channels: [], unreachable: 99, sample: [] });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(screen.getByTestId("audience-preview-people")).toHaveTextContent("共 1 人");
    expect(screen.getByTestId("audience-preview")).toHaveAttribute("data-loading", "false");
  });

  it("shows the backend's message when the audience cannot be worked out", async () => {
    vi.mocked(api.previewAudience).mockImplementation(async () => {
      throw { code: "invalid", message: "分组 #9 不存在" };
    });
    await openCompose(true);
    expect(await screen.findByTestId("audience-preview-error")).toHaveTextContent("分组 #9 不存在");
  });
});
