import { screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import { makeContact } from "../test/fixtures";
import { db, resetApiMock } from "../test/mockApi";
import { renderApp } from "../test/render";

vi.mock("../api", () => import("../test/mockApi"));

beforeEach(() => {
  resetApiMock();
  db.contacts.push(
    makeContact({ id: 1, name: "张三", externalId: "2023001", department: "计算机学院", email: "zs@example.edu.cn" }),
    makeContact({ id: 2, name: "李四", externalId: "2023002", className: "计科 2301", mobile: "13800000002" }),
  );
});

const table = () => screen.getByTestId("contacts-table");

describe("Contacts", () => {
  it("lists contacts with the total", async () => {
    renderApp("/contacts");
    expect(await within(table()).findByText("张三")).toBeInTheDocument();
    expect(within(table()).getByText("2023002")).toBeInTheDocument();
    expect(within(table()).getByText("计算机学院")).toBeInTheDocument();
    expect(within(table()).getByText("13800000002")).toBeInTheDocument();
    expect(screen.getByText("共 2 人")).toBeInTheDocument();
    expect(api.listContacts).toHaveBeenCalledWith({ search: undefined, limit: 20, offset: 0 });
  });

  it("searches on the server", async () => {
    const { user } = renderApp("/contacts");
    await within(table()).findByText("张三");
    await user.type(screen.getByTestId("contacts-search"), "李");
    await waitFor(() =>
      expect(api.listContacts).toHaveBeenLastCalledWith({ search: "李", limit: 20, offset: 0 }),
    );
    await waitFor(() => expect(within(table()).queryByText("张三")).not.toBeInTheDocument());
    expect(within(table()).getByText("李四")).toBeInTheDocument();
    expect(screen.getByText("共 1 人")).toBeInTheDocument();
  });

  it("adds a contact and shows the new row", async () => {
    const { user } = renderApp("/contacts");
    await within(table()).findByText("张三");
    await user.click(screen.getByTestId("contact-add"));
    await user.type(await screen.findByTestId("contact-name"), "王五");
    await user.type(screen.getByTestId("contact-external-id"), "T1001");
    await user.type(screen.getByTestId("contact-email"), "wangwu@example.edu.cn");
    await user.type(screen.getByTestId("contact-mobile"), "13900000003");
    await user.click(screen.getByTestId("contact-save"));

    await waitFor(() =>
      expect(api.addContact).toHaveBeenCalledWith({
        name: "王五",
        externalId: "T1001",
        email: "wangwu@example.edu.cn",
        mobile: "13900000003",
      }),
    );
    expect(await within(table()).findByText("王五")).toBeInTheDocument();
    expect(within(table()).getByText("T1001")).toBeInTheDocument();
    expect(screen.getByText("共 3 人")).toBeInTheDocument();
    expect(await screen.findByText("已添加联系人：王五")).toBeInTheDocument();
  });

  it("requires a name", async () => {
    const { user } = renderApp("/contacts");
    await within(table()).findByText("张三");
    await user.click(screen.getByTestId("contact-add"));
    await user.click(await screen.findByTestId("contact-save"));
    expect(await screen.findByText("请填写姓名")).toBeInTheDocument();
    expect(api.addContact).not.toHaveBeenCalled();
  });

  it("shows the backend's message when adding fails and keeps the form open", async () => {
    const { user } = renderApp("/contacts");
    await within(table()).findByText("张三");
    await user.click(screen.getByTestId("contact-add"));
    await user.type(await screen.findByTestId("contact-name"), "张三二");
    await user.type(screen.getByTestId("contact-external-id"), "2023001");
    await user.click(screen.getByTestId("contact-save"));

    expect(await screen.findByTestId("contact-error")).toHaveTextContent("学号/工号 2023001 已存在");
    expect(screen.getByTestId("contact-name")).toHaveValue("张三二");
  });

  it("offers the demo list when there are no contacts", async () => {
    db.contacts = [];
    vi.mocked(api.loadDemo).mockImplementationOnce(async () => {
      db.contacts.push(makeContact({ id: 9, name: "演示学生" }));
      return { added: 1, alreadyPresent: 0 };
    });
    const { user } = renderApp("/contacts");
    await user.click(await screen.findByTestId("contacts-demo-load"));
    expect(await within(table()).findByText("演示学生")).toBeInTheDocument();
    expect(await screen.findByText("已载入 1 位演示联系人")).toBeInTheDocument();
  });
});
