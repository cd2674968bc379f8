import { StyleProvider } from "@ant-design/cssinjs";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import { makeContact } from "../test/fixtures";
import { CommandError, db, resetApiMock } from "../test/mockApi";
import { AppProviders } from "./AppProviders";
import { UnsubscribeModal } from "./UnsubscribeModal";

vi.mock("../api", () => import("../test/mockApi"));

beforeEach(() => {
  resetApiMock();
  db.contacts = [
    makeContact({ id: 1, name: "王小明", externalId: "2024001", email: "wxm@example.edu.cn" }),
    makeContact({ id: 2, name: "李小红", externalId: "2024002", email: "lxh@example.edu.cn" }),
  ];
});

function renderModal() {
  const user = userEvent.setup({ delay: null });
  const onClose = vi.fn();
  const onRecorded = vi.fn();
  render(
    <StyleProvider container={document.createElement("div")}>
      <AppProviders>
        <UnsubscribeModal open onClose={onClose} onRecorded={onRecorded} />
      </AppProviders>
    </StyleProvider>,
  );
  return { user, onClose, onRecorded };
}

const MAIL = "发件人: 王小明 <wxm@example.edu.cn>\n主题: 退订\n\n也帮 stranger@example.org 退订";

describe("UnsubscribeModal", () => {
  it("shows who the pasted requests name and changes nothing until confirmed", async () => {
    const { user, onClose, onRecorded } = renderModal();
    expect(screen.getByTestId("unsubscribe-apply")).toBeDisabled();
    await user.click(screen.getByTestId("unsubscribe-text"));
    await user.paste(MAIL);
    await user.click(screen.getByTestId("unsubscribe-find"));

    const found = await screen.findByTestId("unsubscribe-found");
    expect(api.recordUnsubscribes).toHaveBeenLastCalledWith(MAIL, false);
    const row = within(found).getByText("王小明").closest("tr")!;
    expect(row).toHaveTextContent("2024001");
    expect(row).toHaveTextContent("将退订邮件");
    expect(within(found).queryByText("李小红")).not.toBeInTheDocument();
    expect(screen.getByTestId("unsubscribe-unknown")).toHaveTextContent("stranger@example.org");
    expect(screen.getByTestId("unsubscribe-apply")).toHaveTextContent("退订这 1 人的邮件");

    await user.click(screen.getByTestId("unsubscribe-apply"));
    await waitFor(() => expect(api.recordUnsubscribes).toHaveBeenLastCalledWith(MAIL, true));
    expect(await screen.findByText("已为 1 人退订邮件")).toBeInTheDocument();
    expect(onRecorded).toHaveBeenCalled();
    expect(onClose).toHaveBeenCalled();
  });

  it("says so when nothing in the text is an address, and offers nothing to confirm", async () => {
    const { user } = renderModal();
    await user.type(screen.getByTestId("unsubscribe-text"), "请帮我退订");
    await user.click(screen.getByTestId("unsubscribe-find"));
    expect(await screen.findByTestId("unsubscribe-none")).toHaveTextContent("没有找到邮箱地址");
    expect(screen.getByTestId("unsubscribe-apply")).toBeDisabled();
  });

  it("marks who already opted out, and shows the backend's message when recording fails", async () => {
    vi.mocked(api.recordUnsubscribes).mockResolvedValueOnce({
      matched: [
        { contactId: 1, name: "王小明", externalId: "2024001", address: "wxm@example.edu.cn", already: true },
        { contactId: 2, name: "李小红", externalId: "2024002", address: "lxh@example.edu.cn", already: false },
      ],
      unknown: [],
      own: ["office@example.edu.cn"],
      applied: false,
      optedOut: 0,
    });
    vi.mocked(api.recordUnsubscribes).mockRejectedValueOnce(new CommandError("store", "database is locked"));
    const { user, onClose } = renderModal();
    await user.type(screen.getByTestId("unsubscribe-text"), "wxm@example.edu.cn lxh@example.edu.cn");
    await user.click(screen.getByTestId("unsubscribe-find"));
    const found = await screen.findByTestId("unsubscribe-found");
    expect(within(found).getByText("王小明").closest("tr")).toHaveTextContent("已退订");
    expect(screen.getByTestId("unsubscribe-own")).toHaveTextContent("office@example.edu.cn");
    expect(screen.getByTestId("unsubscribe-apply")).toHaveTextContent("退订这 1 人的邮件");

    await user.click(screen.getByTestId("unsubscribe-apply"));
    expect(await screen.findByTestId("unsubscribe-error")).toHaveTextContent("database is locked");
    expect(onClose).not.toHaveBeenCalled();
  });
});
