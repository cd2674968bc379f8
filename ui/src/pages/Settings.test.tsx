import { screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import { makeContact } from "../test/fixtures";
import { db, resetApiMock } from "../test/mockApi";
import { renderApp } from "../test/render";
import { openSelectOption } from "../test/selectOption";

vi.mock("../api", () => import("../test/mockApi"));

beforeEach(() => resetApiMock());

describe("Settings: me and the typed-confirmation threshold", () => {
  it("picks me with the contact picker and saves it", async () => {
    db.contacts = [
      makeContact({ id: 7, name: "王老师", externalId: "T001" }),
      makeContact({ id: 8, name: "李同学", externalId: "S1" }),
    ];
    const { user } = renderApp("/settings");
    const card = await screen.findByTestId("my-settings");
    expect(await within(card).findByText("我（测试发给谁）")).toBeInTheDocument();
    const picker = within(card).getByTestId("settings-me");
    await user.click(within(picker).getByRole("combobox"));
    await user.type(within(picker).getByRole("combobox"), "王");
    await waitFor(() => openSelectOption("王老师 (T001)"));
    await user.click(openSelectOption("王老师 (T001)"));
    await user.click(within(card).getByTestId("settings-me-save"));
    await waitFor(() => expect(api.setMe).toHaveBeenCalledWith(7));
    expect(await within(card).findByTestId("settings-me-saved")).toHaveTextContent("已保存");
    expect(db.me).toBe(7);
  });

  it("shows the saved me and threshold, and saves a new threshold", async () => {
    db.contacts = [makeContact({ id: 7, name: "王老师", externalId: "T001" })];
    db.me = 7;
    const { user } = renderApp("/settings");
    const card = await screen.findByTestId("my-settings");
    expect(await within(card).findByText("王老师 (T001)")).toBeInTheDocument();
    const threshold = within(card).getByTestId("settings-confirm-above");
    await waitFor(() => expect(threshold).toHaveValue("500"));
    await user.clear(threshold);
    await user.type(threshold, "1200");
    await user.click(within(card).getByTestId("settings-confirm-above-save"));
    await waitFor(() => expect(api.setConfirmAbove).toHaveBeenCalledWith(1200));
    expect(db.confirmAbove).toBe(1200);
    expect(await within(card).findByTestId("settings-threshold-saved")).toBeInTheDocument();
  });
});
