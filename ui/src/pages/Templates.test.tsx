import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router-dom";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import { AppProviders } from "../components/AppProviders";
import { SaveAsTemplateButton } from "../components/SaveAsTemplateButton";
import { makeNotice } from "../test/fixtures";
import { db, resetApiMock, templatesDb } from "../test/mockTemplatesApi";
import { renderApp } from "../test/render";
import { ROUTER_FUTURE } from "../routerFuture";

vi.mock("../api", () => import("../test/mockTemplatesApi"));

beforeEach(() => {
  resetApiMock();
});

const location = () => screen.getByTestId("location").textContent;

describe("Templates", () => {
  it("lists the built-ins, shows one in both languages, and starts Compose from it", async () => {
    const { user } = renderApp("/templates");
    const table = await screen.findByTestId("templates-table");
    expect(await within(table).findByTestId("template-open-2")).toBeInTheDocument();
    expect(within(table).getAllByText("会议通知")).toHaveLength(2);
    expect(within(table).getAllByText("内置")).toHaveLength(2);
    expect(screen.getAllByRole("menuitem").map((i) => i.textContent)).toContain("模板");

    await user.click(screen.getByTestId("template-open-1"));
    const drawer = await screen.findByTestId("template-drawer");
    expect(within(drawer).getByText("Dear {{ 姓名 }}, your exam is at {{ 考试时间 }}.")).toBeInTheDocument();
    expect(within(drawer).getByText(/内置模板不能修改或删除/)).toBeInTheDocument();
    expect(within(drawer).queryByTestId("template-delete")).toBeNull();
    await user.click(within(drawer).getByTestId("template-use"));
    await waitFor(() => expect(location()).toBe("/compose?template=1"));
    // Compose opens with the template's content and values.
    await waitFor(() => expect(screen.getByLabelText("标题")).toHaveValue("考试安排"));
    expect(screen.getByDisplayValue("植物生理学")).toBeInTheDocument();
  });

  it("shows a saved template's earlier versions and deletes it", async () => {
    await api.saveTemplate({ name: "补考", title: "补考安排", body: "第一版" });
    await api.saveTemplate({ name: "补考", title: "补考安排（更新）", body: "第二版" });
    const saved = templatesDb.templates.find((t) => t.name === "补考")!;
    const { user } = renderApp("/templates");
    await user.click(await screen.findByTestId(`template-open-${saved.id}`));
    const drawer = await screen.findByTestId("template-drawer");
    expect(within(drawer).getByText("当前第 2 版", { exact: false })).toBeInTheDocument();
    const versions = await within(drawer).findByTestId("template-versions");
    expect(await within(versions).findByText("补考安排")).toBeInTheDocument();
    expect(within(versions).getByText(/第 1 版/)).toBeInTheDocument();

    await user.click(within(drawer).getByTestId("template-delete"));
    await user.click(await screen.findByRole("button", { name: /OK|确\s*定/ }));
    await waitFor(() => expect(api.deleteTemplate).toHaveBeenCalledWith(saved.id));
    await waitFor(() => expect(screen.queryByTestId(`template-open-${saved.id}`)).toBeNull());
  });
});

describe("Notices: new notices from existing ones", () => {
  it("copies a notice as a new draft and opens it in Compose", async () => {
    db.notices.push(makeNotice({ id: 5, title: "会议通知", status: "draft" }));
    const { user } = renderApp("/notices");
    expect(await screen.findByText("会议通知")).toBeInTheDocument();
    expect(screen.queryByTestId("notice-resend-5")).toBeNull();
    await user.click(screen.getByTestId("notice-duplicate-5"));
    await waitFor(() => expect(api.duplicateNotice).toHaveBeenCalledWith(5));
    await waitFor(() => expect(location()).toBe("/compose?notice=6"));
  });

  it("makes a draft for those a sent notice did not reach and says who is left out", async () => {
    db.notices.push(makeNotice({ id: 5, title: "缴费提醒", status: "sent" }));
    templatesDb.noAddress = 1;
    const { user } = renderApp("/notices");
    await user.click(await screen.findByTestId("notice-resend-5"));
    await waitFor(() => expect(api.resendUnreached).toHaveBeenCalledWith(5));
    expect(await screen.findByText("已为 2 位未送达的人创建新草稿")).toBeInTheDocument();
    expect(await screen.findByText("另有 1 人在这些渠道上没有可用地址，未包含在内。")).toBeInTheDocument();
    await waitFor(() => expect(location()).toBe("/compose?notice=6"));
  });
});

describe("SaveAsTemplateButton", () => {
  it("asks a name and saves the content, not the audience", async () => {
    const user = userEvent.setup({ delay: null });
    render(
      <AppProviders>
        <MemoryRouter future={ROUTER_FUTURE}>
          <SaveAsTemplateButton
            content={() => ({ title: "期末考试", body: "{{ 姓名 }}：考试", values: { 考场: "301" } })}
          />
        </MemoryRouter>
      </AppProviders>,
    );
    await user.click(screen.getByTestId("save-as-template"));
    const name = await screen.findByTestId("template-name");
    expect(name).toHaveValue("期末考试");
    await user.clear(name);
    await user.type(name, "我的考试通知");
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "保存为模板" }));
    await waitFor(() =>
      expect(api.saveTemplate).toHaveBeenCalledWith({
        name: "我的考试通知",
        title: "期末考试",
        body: "{{ 姓名 }}：考试",
        values: { 考场: "301" },
      }),
    );
    expect(await screen.findByText("已保存模板“我的考试通知”（第 1 版）")).toBeInTheDocument();
  });
});
