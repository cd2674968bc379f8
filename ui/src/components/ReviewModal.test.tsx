import { StyleProvider } from "@ant-design/cssinjs";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import { makeChannel, makeContact, makeNotice } from "../test/fixtures";
import { db, resetApiMock } from "../test/mockApi";
import { AppProviders } from "./AppProviders";
import { ReviewModal } from "./ReviewModal";

vi.mock("../api", () => import("../test/mockApi"));

beforeEach(() => resetApiMock());

function openReview() {
  const user = userEvent.setup({ delay: null });
  render(
    <StyleProvider container={document.createElement("div")}>
      <AppProviders>
        <ReviewModal noticeId={1} onClose={() => undefined} onSend={async () => undefined} />
      </AppProviders>
    </StyleProvider>,
  );
  return user;
}

describe("ReviewModal", () => {
  beforeEach(() => {
    db.channels = [
      makeChannel({ id: 1, name: "sandbox" }),
      makeChannel({ id: 2, name: "辅导员群", kind: "wecom_robot" }),
    ];
    db.contacts = [1, 2, 3].map((id) => makeContact({ id, name: `学生${id}`, externalId: `S${id}` }));
    db.notices = [makeNotice({ id: 1, audience: "contacts:1,2,3", channelIds: [1, 2] })];
  });

  it("asks for the number to be typed above the threshold set in Settings", async () => {
    db.confirmAbove = 2;
    openReview();
    expect(await screen.findByTestId("review-confirm")).toHaveTextContent("3");
    expect(screen.getByTestId("review-send")).toBeDisabled();
  });

  it("does not ask below the threshold", async () => {
    openReview();
    expect(await screen.findByTestId("review-recipients")).toHaveTextContent("3");
    expect(screen.queryByTestId("review-confirm")).not.toBeInTheDocument();
  });

  it("says where to set me when a test is asked for before me is set", async () => {
    const user = openReview();
    await user.click(await screen.findByTestId("test-send-button"));
    expect(await screen.findByTestId("test-send-error")).toHaveTextContent("请到“设置”中选择您自己的联系人");
  });

  it("sends a test to me and shows each channel's result", async () => {
    db.contacts[0] = makeContact({ id: 1, name: "王老师", externalId: "T001", email: "wang@example.edu.cn" });
    db.me = 1;
    const user = openReview();
    await user.click(await screen.findByTestId("test-send-button"));
    await waitFor(() => expect(api.sendTest).toHaveBeenCalledWith(1));
    const result = await screen.findByTestId("test-send-result");
    expect(result).toHaveTextContent("测试已发给 王老师");
    expect(within(result).getByTestId("test-send-channel-sandbox")).toHaveTextContent("沙盒");
    expect(within(result).getByTestId("test-send-channel-sandbox")).toHaveTextContent("已发往 wang@example.edu.cn");
    expect(within(result).getByTestId("test-send-channel-辅导员群")).toHaveTextContent("测试不发到群里");
  });
});
