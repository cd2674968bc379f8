import { screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import { makeContact } from "../test/fixtures";
import { db, resetApiMock } from "../test/mockApi";
import { renderApp } from "../test/render";
import { catalogKeys, LANGUAGE_STORAGE_KEY, translate } from ".";

vi.mock("../api", () => import("../test/mockApi"));

beforeEach(() => resetApiMock());

describe("catalogues", () => {
  it("hold the same keys in both languages", () => {
    expect(catalogKeys("en").sort()).toEqual(catalogKeys("zh-CN").sort());
  });

  it("fill placeholders and leave unknown ones alone", () => {
    expect(translate("zh-CN", "contacts.total", { total: 42 })).toBe("共 42 人");
    expect(translate("en", "contacts.total", { total: 42 })).toBe("42 in all");
    expect(translate("en", "contacts.total")).toBe("{total} in all");
    expect(translate("en", "compose.bodyHint", { example: "{{ name }}", variables: "name" })).toContain(
      "{{ name }}",
    );
  });
});

describe("language switch", () => {
  it("starts in Chinese and switches every text to English", async () => {
    const { user } = renderApp("/schedules");
    const nav = screen.getByRole("menu");
    expect(within(nav).getByText("仪表盘")).toBeInTheDocument();
    expect(screen.getByText("Herald 通知台")).toBeInTheDocument();
    expect(screen.getByText(/当前版本还不支持定时和周期提醒/)).toBeInTheDocument();

    await user.click(screen.getByTestId("lang-en"));

    expect(within(nav).getByText("Dashboard")).toBeInTheDocument();
    expect(within(nav).getByText("History")).toBeInTheDocument();
    expect(within(nav).queryByText("仪表盘")).not.toBeInTheDocument();
    expect(screen.getByText(/not built yet in this version/)).toBeInTheDocument();
    expect(window.localStorage.getItem(LANGUAGE_STORAGE_KEY)).toBe("en");
    expect(api.setLanguage).toHaveBeenCalledWith("en");
  });

  it("starts in the language chosen last time", async () => {
    window.localStorage.setItem(LANGUAGE_STORAGE_KEY, "en");
    renderApp("/settings");
    expect(await screen.findByText("About this installation")).toBeInTheDocument();
    expect(within(screen.getByRole("menu")).getByText("Contacts")).toBeInTheDocument();
  });

  it("switches antd's own texts too", async () => {
    db.contacts.push(makeContact());
    const { user } = renderApp("/contacts");
    // An empty filter dropdown says so in antd's text, which follows ConfigProvider's locale.
    const openFilter = () => user.click(within(screen.getByTestId("contacts-filter-department")).getByRole("combobox"));
    expect(await screen.findByText("共 1 人")).toBeInTheDocument();
    await openFilter();
    expect((await screen.findAllByText("暂无数据")).length).toBeGreaterThan(0);
    await user.click(screen.getByTestId("lang-en"));
    expect(await screen.findByText("1 in all")).toBeInTheDocument();
    await openFilter();
    expect((await screen.findAllByText("No data")).length).toBeGreaterThan(0);
    expect(screen.getByPlaceholderText("Search name, ID, e-mail or mobile")).toBeInTheDocument();
  });
});
