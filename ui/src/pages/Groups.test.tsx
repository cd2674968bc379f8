import { screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import { makeContact } from "../test/fixtures";
import { CommandError, db, groupsDb, resetApiMock } from "../test/mockGroupsApi";
import { renderApp } from "../test/render";
import { openSelectOption } from "../test/selectOption";

vi.mock("../api", () => import("../test/mockGroupsApi"));

beforeEach(() => {
  resetApiMock();
  db.contacts.push(
    makeContact({ id: 1, name: "张三", externalId: "2023001", department: "农学院", grade: "2023" }),
    makeContact({ id: 2, name: "李四", externalId: "2023002", department: "农学院", grade: "2024" }),
    makeContact({ id: 3, name: "王五", externalId: "2023003", department: "理学院", grade: "2024" }),
  );
});

async function openGroups() {
  const view = renderApp("/groups");
  await waitFor(() => expect(api.listGroups).toHaveBeenCalled());
  return view;
}

function comboboxIn(testId: string): HTMLElement {
  return within(screen.getByTestId(testId)).getByRole("combobox");
}

/** Types a value into a tags select, ending it with a comma as one would in a list. */
async function addTag(user: ReturnType<typeof renderApp>["user"], testId: string, value: string) {
  await user.type(comboboxIn(testId), `${value},`);
}

describe("Groups", () => {
  it("is in the menu after Contacts", async () => {
    await openGroups();
    const items = screen.getAllByRole("menuitem").map((item) => item.textContent);
    expect(items.indexOf("分组")).toBe(items.indexOf("联系人") + 1);
    expect(await screen.findByText(/还没有分组/)).toBeInTheDocument();
  });

  it("creates a rule group, counting who it matches while the rule is written", async () => {
    const { user } = await openGroups();
    await user.click(screen.getByTestId("group-new-rule"));
    await user.type(await screen.findByTestId("group-name"), "农学院学生");

    // A condition without a value is not counted yet.
    expect(await screen.findByTestId("rule-count-incomplete")).toBeInTheDocument();
    // The values contacts have now are offered, with how many have each.
    await user.click(comboboxIn("rule-row-0-values"));
    expect(await screen.findByText("理学院（1 人）")).toBeInTheDocument();
    await user.click(await waitFor(() => openSelectOption("农学院（2 人）")));
    expect(screen.getByTestId("rule-row-0-values")).toHaveTextContent(/^农学院$/);
    await waitFor(() => expect(screen.getByTestId("rule-count")).toHaveTextContent("当前匹配 2 人"));

    // A nested group: (grade is 2024 or 2023) — still 2.
    await user.click(screen.getByTestId("rule-add-group"));
    await user.click(comboboxIn("rule-row-1-0-field"));
    await user.click(await screen.findByTitle("年级"));
    await addTag(user, "rule-row-1-0-values", "2024");
    await waitFor(() => expect(screen.getByTestId("rule-count")).toHaveTextContent("当前匹配 1 人"));

    // The backend's complaint is shown where the rule is written.
    // A value typed without Enter is kept when the field is left.
    vi.mocked(api.countRule).mockRejectedValueOnce(new CommandError("invalid", "年级“20x4”不是一个年份"));
    await user.type(comboboxIn("rule-row-1-0-values"), "20x4");
    await user.click(screen.getByTestId("group-name"));
    expect(await screen.findByTestId("rule-count-error")).toHaveTextContent("年级“20x4”不是一个年份");

    await user.click(screen.getByTestId("group-save"));
    await waitFor(() => expect(api.createGroup).toHaveBeenCalled());
    expect(api.createGroup).toHaveBeenCalledWith({
      name: "农学院学生",
      rule: {
        kind: "all",
        rules: [
          { kind: "condition", field: "department", op: "is", values: ["农学院"] },
          { kind: "any", rules: [{ kind: "condition", field: "grade", op: "is", values: ["2024", "20x4"] }] },
        ],
      },
    });
    // The new group opens with who it matches now.
    expect(await screen.findByTestId("group-drawer-title")).toHaveTextContent("“农学院学生”目前包含的人");
    expect(screen.getByTestId("group-drawer-rule")).toHaveTextContent("条件：院系 是 农学院 且 年级 是 2024、20x4");
    const members = await screen.findByTestId("group-members-table");
    await waitFor(() => expect(members).toHaveTextContent("李四"));
    expect(members).not.toHaveTextContent("张三");
    expect(screen.queryByTestId("group-paste")).not.toBeInTheDocument();
    expect(screen.getByTestId("group-count-农学院学生")).toHaveTextContent("1");
  });

  it("adds pasted 学号/工号 to a list group and names the ones that match no one", async () => {
    const group = await api.createGroup({ name: "学生会", description: "校学生会干部" });
    await api.addGroupMembers(group.id, [1]);
    const { user } = await openGroups();
    await user.click(await screen.findByTestId("group-open-学生会"));
    const table = await screen.findByTestId("group-members-table");
    await waitFor(() => expect(table).toHaveTextContent("张三"));

    await user.click(screen.getByTestId("group-paste-add"));
    expect(await screen.findByTestId("group-paste-error")).toHaveTextContent("请先粘贴学号/工号");

    await user.click(screen.getByTestId("group-paste-text"));
    await user.paste("2023001\n2023002\t2023009\n");
    await user.click(screen.getByTestId("group-paste-add"));

    expect(api.addGroupMembersByExternalIds).toHaveBeenCalledWith(group.id, "2023001\n2023002\t2023009\n");
    const result = await screen.findByTestId("group-paste-result");
    expect(result).toHaveTextContent("新加入 1 人，1 人原本已在分组中。");
    expect(result).toHaveTextContent("以下 1 个学号/工号找不到对应的联系人");
    expect(screen.getByTestId("group-paste-unknown")).toHaveTextContent("2023009");
    // What matched no one stays in the box, to be corrected.
    expect(screen.getByTestId("group-paste-text")).toHaveValue("2023009");
    await waitFor(() => expect(table).toHaveTextContent("李四"));
    expect(screen.getByTestId("group-drawer-count")).toHaveTextContent("2 人");

    // Removing the selected members.
    const row = within(table).getByText("张三").closest("tr")!;
    await user.click(within(row).getByRole("checkbox"));
    await user.click(screen.getByTestId("group-members-remove"));
    await user.click(await screen.findByRole("button", { name: "是" }));
    await waitFor(() => expect(api.removeGroupMembers).toHaveBeenCalledWith(group.id, [1]));
    await waitFor(() => expect(table).not.toHaveTextContent("张三"));
  });

  it("renames a group and asks before deleting it", async () => {
    const group = await api.createGroup({ name: "学生会" });
    const { user } = await openGroups();
    await user.click(await screen.findByTestId("group-edit-学生会"));
    const name = await screen.findByTestId("group-name");
    await user.clear(name);
    await user.type(name, "校学生会");
    await user.type(screen.getByTestId("group-description"), "干部名单");
    await user.click(screen.getByTestId("group-save"));
    await waitFor(() =>
      expect(api.updateGroup).toHaveBeenCalledWith(group.id, { name: "校学生会", description: "干部名单" }),
    );
    await screen.findByTestId("group-open-校学生会");

    // A group a draft uses is not deleted, and the message says why.
    groupsDb.inUse.add(group.id);
    await user.click(screen.getByTestId("group-delete-校学生会"));
    expect(await screen.findByText("删除分组“校学生会”？")).toBeInTheDocument();
    expect(screen.getByText("只删除分组，联系人本身不会被删除。")).toBeInTheDocument();
    await user.click(screen.getByTestId("group-delete-confirm"));
    expect(await screen.findByText(/^无法删除分组“校学生会”：.*正被草稿或定时通知使用/)).toBeInTheDocument();
    expect(screen.getByTestId("group-open-校学生会")).toBeInTheDocument();

    groupsDb.inUse.clear();
    await user.click(screen.getByTestId("group-delete-校学生会"));
    const confirms = await screen.findAllByTestId("group-delete-confirm");
    await user.click(confirms[confirms.length - 1]);
    await waitFor(() => expect(screen.queryByTestId("group-open-校学生会")).not.toBeInTheDocument());
    expect(api.deleteGroup).toHaveBeenCalledTimes(2);
  });
});
