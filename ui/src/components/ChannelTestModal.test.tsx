import { StyleProvider } from "@ant-design/cssinjs";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import { makeChannel, makeSmtpKind } from "../test/fixtures";
import { CommandError, db, resetApiMock } from "../test/mockApi";
import { AppProviders } from "./AppProviders";
import { ChannelTestModal, failureHint } from "./ChannelTestModal";

vi.mock("../api", () => import("../test/mockApi"));

const CHANNEL = makeChannel({ id: 7, name: "教务处邮箱", kind: "smtp" });

/** As the backend stores it: public settings with their values (defaults filled), the password only as set. */
const SETTINGS: Record<string, string> = {
  host: "smtp.school.edu.cn",
  security: "starttls",
  username: "jw@school.edu.cn",
  password: "secret",
  "from-address": "jw@school.edu.cn",
  "from-name": "教务处",
  "pool-size": "4",
  "timeout-ms": "30000",
};

beforeEach(() => {
  resetApiMock();
  db.channels = [CHANNEL];
  db.kinds = [makeSmtpKind()];
  db.kindSettings.set(CHANNEL.name, SETTINGS);
});

function renderModal() {
  const user = userEvent.setup({ delay: null });
  const onClose = vi.fn();
  render(
    <StyleProvider container={document.createElement("div")}>
      <AppProviders>
        <ChannelTestModal channel={CHANNEL} onClose={onClose} />
      </AppProviders>
    </StyleProvider>,
  );
  return { user, onClose };
}

async function send(user: ReturnType<typeof userEvent.setup>, to: string) {
  await user.type(screen.getByTestId("channel-test-to"), to);
  await user.click(screen.getByTestId("channel-test-send"));
}

describe("ChannelTestModal", () => {
  it("shows the channel's settings, never a password, only whether one is saved", async () => {
    renderModal();
    const settings = await screen.findByTestId("channel-test-settings");
    expect(api.kindChannelConfig).toHaveBeenCalledWith("教务处邮箱");
    expect(settings).toHaveTextContent("smtp.school.edu.cn:587");
    expect(settings).toHaveTextContent("STARTTLS（推荐，587）");
    expect(settings).toHaveTextContent("jw@school.edu.cn已保存密码");
    expect(settings).toHaveTextContent("教务处 <jw@school.edu.cn>");
    expect(settings).toHaveTextContent("连接数4");
  });

  it("sends to the address typed and shows the server's reply in green", async () => {
    let finish: (r: api.ChannelTestResult) => void = () => undefined;
    vi.mocked(api.testChannel).mockImplementationOnce(() => new Promise((resolve) => (finish = resolve)));
    const { user } = renderModal();
    await send(user, " zhang@school.edu.cn ");

    expect(api.testChannel).toHaveBeenCalledWith("教务处邮箱", "zhang@school.edu.cn");
    expect(await screen.findByTestId("channel-test-sending")).toBeInTheDocument();
    // antd turns the loading look on in an effect: wait for it.
    await waitFor(() => expect(screen.getByTestId("channel-test-send")).toHaveClass("ant-btn-loading"));
    finish({ ok: true, reply: "250 2.0.0 Ok: queued as 4F2A1" });

    const ok = await screen.findByTestId("channel-test-ok");
    expect(ok).toHaveClass("ant-alert-success");
    expect(ok).toHaveTextContent("发送成功");
    expect(screen.getByTestId("channel-test-reply")).toHaveTextContent("250 2.0.0 Ok: queued as 4F2A1");
    expect(screen.queryByTestId("channel-test-sending")).not.toBeInTheDocument();
  });

  it("shows a refused test in red with the reason and what to check", async () => {
    db.testReplies.set("教务处邮箱", {
      ok: false,
      reply:
        "the mail server refused the login (permanent error (535): 5.7.8 Authentication failed): check the user name and password, then resume the channel",
    });
    const { user } = renderModal();
    await send(user, "zhang@school.edu.cn");

    const failed = await screen.findByTestId("channel-test-failed");
    expect(failed).toHaveClass("ant-alert-error");
    expect(failed).toHaveTextContent("发送失败");
    expect(screen.getByTestId("channel-test-reply")).toHaveTextContent("5.7.8 Authentication failed");
    expect(screen.getByTestId("channel-test-hint")).toHaveTextContent("请检查用户名和密码");
  });

  it("asks for a valid address before sending", async () => {
    const { user } = renderModal();
    await user.click(screen.getByTestId("channel-test-send"));
    expect(await screen.findByText("请填写收件地址")).toBeInTheDocument();
    await send(user, "zhang at school");
    expect(await screen.findByText(/请填写正确的邮箱地址/)).toBeInTheDocument();
    expect(api.testChannel).not.toHaveBeenCalled();
  });

  it("shows the backend's error when the test cannot start", async () => {
    vi.mocked(api.testChannel).mockRejectedValueOnce(
      new CommandError("invalid", "its password is missing from the secret store: set it again"),
    );
    const { user } = renderModal();
    await send(user, "zhang@school.edu.cn");
    expect(await screen.findByTestId("channel-test-error")).toHaveTextContent(
      "its password is missing from the secret store: set it again",
    );
  });

  it("reads what to check from the reason", () => {
    expect(failureHint("TLS with smtp.school.edu.cn:465 failed (invalid peer certificate: UnknownIssuer)")).toBe(
      "channelTest.hintTls",
    );
    expect(failureHint("cannot reach smtp.school.edu.cn:587: Connection refused (os error 111)")).toBe(
      "channelTest.hintConnect",
    );
    expect(failureHint("permanent error (550): 5.1.1 <nobody@school.edu.cn>: Recipient address rejected")).toBe(
      "channelTest.hintAddress",
    );
    expect(failureHint("zhang at school is not an e-mail address a test message can go to")).toBe(
      "channelTest.hintAddress",
    );
    expect(failureHint("permanent error (554): 5.7.1 Message rejected as spam")).toBe("channelTest.hintOther");
  });
});
