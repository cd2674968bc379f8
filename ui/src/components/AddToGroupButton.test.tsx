import { StyleProvider } from "@ant-design/cssinjs";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import { makeContact } from "../test/fixtures";
import { db, groupsDb, resetApiMock } from "../test/mockGroupsApi";
import { renderApp } from "../test/render";
import { openSelectOption } from "../test/selectOption";
import { AddToGroupButton } from "./AddToGroupButton";
import { AppProviders } from "./AppProviders";

vi.mock("../api", () => import("../test/mockGroupsApi"));

beforeEach(() => {
  resetApiMock();
  db.contacts.push(makeContact({ id: 1, name: "张三" }), makeContact({ id: 2, name: "李四" }));
});

function renderButton(contactIds: number[], onDone = vi.fn()) {
  const user = userEvent.setup({ delay: null });
  render(
    <StyleProvider container={document.createElement("div")}>
      <AppProviders>
        <AddToGroupButton contactIds={contactIds} onDone={onDone} />
      </AppProviders>
    </StyleProvider>,
  );
  return { user, onDone };
}

describe("AddToGroupButton", () => {
  it("is disabled with nobody selected", () => {
    renderButton([]);
    expect(screen.getByTestId("add-to-group")).toBeDisabled();
  });

  it("adds the selected people to an existing list group and says how many were new", async () => {
    const group = await api.createGroup({ name: "学生会" });
    await api.addGroupMembers(group.id, [1]);
    await api.createGroup({ name: "农学院", rule: { kind: "condition", field: "department", op: "is", values: ["农学院"] } });
    const { user, onDone } = renderButton([1, 2]);

    await user.click(screen.getByTestId("add-to-group"));
    await user.type(document.getElementById("add-to-group-select-input")!, "学生");
    await user.click(await waitFor(() => openSelectOption("学生会（1 人）")));
    // A rule group cannot be added to, so it is not offered.
    expect(screen.queryByTitle("农学院（0 人）")).not.toBeInTheDocument();
    await user.click(screen.getByTestId("add-to-group-ok"));

    expect(await screen.findByTestId("add-to-group-result")).toHaveTextContent(
      "已把 1 人加入“学生会”，1 人原本已在其中。",
    );
    expect(api.addGroupMembers).toHaveBeenLastCalledWith(group.id, [1, 2]);
    await user.click(screen.getByTestId("add-to-group-ok"));
    expect(onDone).toHaveBeenCalled();
  });

  it("creates a group from a typed name, then adds the people to it", async () => {
    const { user } = renderButton([2]);
    await user.click(screen.getByTestId("add-to-group"));
    const dialog = await screen.findByRole("dialog");
    expect(dialog).toHaveTextContent("把所选的 1 人加入分组");

    await user.click(screen.getByTestId("add-to-group-ok"));
    expect(await screen.findByTestId("add-to-group-error")).toHaveTextContent("请选择分组或输入新分组的名称");

    await user.type(document.getElementById("add-to-group-select-input")!, "毕业班");
    await user.click(await waitFor(() => openSelectOption("新建分组“毕业班”")));
    await user.click(within(dialog).getByTestId("add-to-group-ok"));

    expect(await screen.findByTestId("add-to-group-result")).toHaveTextContent("已把 1 人加入“毕业班”");
    expect(api.createGroup).toHaveBeenCalledWith({ name: "毕业班" });
    expect(groupsDb.groups.map((g) => g.name)).toEqual(["毕业班"]);
  });

  it("is offered for the people selected on the Contacts screen", async () => {
    const { user } = renderApp("/contacts");
    const table = await screen.findByTestId("contacts-table");
    await within(table).findByText("李四");
    expect(screen.queryByTestId("add-to-group")).not.toBeInTheDocument();
    const boxes = within(table).getAllByRole("checkbox");
    await user.click(boxes[boxes.length - 2]);
    await user.click(boxes[boxes.length - 1]);

    await user.click(screen.getByTestId("add-to-group"));
    await user.type(document.getElementById("add-to-group-select-input")!, "学生干部");
    await user.click(await waitFor(() => openSelectOption("新建分组“学生干部”")));
    await user.click(screen.getByTestId("add-to-group-ok"));

    expect(await screen.findByTestId("add-to-group-result")).toHaveTextContent("已把 2 人加入“学生干部”");
    expect(groupsDb.members.get(groupsDb.groups[0].id)).toEqual(new Set([1, 2]));
  });
});
