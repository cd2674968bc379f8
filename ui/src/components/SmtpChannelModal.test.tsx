import { StyleProvider } from "@ant-design/cssinjs";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import { CommandError, resetApiMock } from "../test/mockApi";
import { AppProviders } from "./AppProviders";
import { SmtpChannelModal } from "./SmtpChannelModal";

vi.mock("../api", () => import("../test/mockApi"));

beforeEach(() => {
  resetApiMock();
});

function renderModal() {
  const user = userEvent.setup({ delay: null });
  const onSaved = vi.fn();
  const onClose = vi.fn();
  render(
    <StyleProvider container={document.createElement("div")}>
      <AppProviders>
        <SmtpChannelModal open onClose={onClose} onSaved={onSaved} />
      </AppProviders>
    </StyleProvider>,
  );
  return { user, onSaved, onClose };
}

/** The one argument of the only addSmtpChannel call. */
function sentInput(): api.NewSmtpChannel {
  expect(api.addSmtpChannel).toHaveBeenCalledTimes(1);
  return vi.mocked(api.addSmtpChannel).mock.calls[0][0];
}

const port = () => screen.getByTestId("smtp-port");

describe("SmtpChannelModal", () => {
  it("fills the usual port for the security chosen, unless a port was typed", async () => {
    const { user } = renderModal();
    expect(port()).toHaveValue("587");
    await user.click(screen.getByText("SSL/TLS（465）"));
    expect(port()).toHaveValue("465");
    await user.click(screen.getByText("不加密（仅限本机或内网中继）"));
    expect(port()).toHaveValue("25");
    expect(screen.getByText(/以明文在网络上传输/)).toBeInTheDocument();

    // Cleared: the placeholder says which port an empty field means.
    await user.clear(port());
    expect(port()).toHaveAttribute("placeholder", "25");
    await user.click(screen.getByText("STARTTLS（推荐，587）"));
    expect(port()).toHaveValue("587");

    await user.clear(port());
    await user.type(port(), "2525");
    await user.click(screen.getByText("SSL/TLS（465）"));
    expect(port()).toHaveValue("2525");
  });

  it("says what is missing or wrong, in words, and sends nothing", async () => {
    const { user } = renderModal();
    await user.click(screen.getByTestId("smtp-save"));
    expect(await screen.findByText("请填写渠道名称")).toBeInTheDocument();
    // antd brings each field's message in with its own animation: wait for all of them.
    expect(await screen.findByText("请填写邮件服务器的地址（发信服务器，SMTP）")).toBeInTheDocument();
    expect(await screen.findByText("请填写登录用户名（通常是完整的邮箱地址）")).toBeInTheDocument();
    expect(await screen.findByText("请填写密码或授权码")).toBeInTheDocument();
    expect(await screen.findByText("请填写发件人地址")).toBeInTheDocument();

    await user.type(screen.getByTestId("smtp-host"), "smtp://mail.school.edu.cn");
    await user.type(screen.getByTestId("smtp-from-address"), "教务处 <jw@school.edu.cn>");
    await user.type(screen.getByTestId("smtp-reply-to"), "office at school");
    await user.clear(port());
    await user.type(port(), "70000");
    await user.clear(screen.getByTestId("smtp-pool-size"));
    await user.type(screen.getByTestId("smtp-pool-size"), "40");
    await user.click(screen.getByTestId("smtp-save"));
    expect(await screen.findByText(/只填写服务器名称/)).toBeInTheDocument();
    await waitFor(() => expect(screen.getAllByText(/请填写正确的邮箱地址/)).toHaveLength(2));
    expect(await screen.findByText(/端口应是 1 到 65535 之间的整数/)).toBeInTheDocument();
    expect(await screen.findByText("连接数应是 1 到 32 之间的整数")).toBeInTheDocument();

    // The login fields go away when no login is needed.
    await user.click(screen.getByTestId("smtp-login"));
    expect(screen.queryByTestId("smtp-password")).not.toBeInTheDocument();
    expect(api.addSmtpChannel).not.toHaveBeenCalled();
  });

  it("checks a pasted CA certificate", async () => {
    const { user } = renderModal();
    await user.click(screen.getByTestId("smtp-advanced"));
    await user.type(screen.getByTestId("smtp-ca-pem"), "not a certificate");
    await user.click(screen.getByTestId("smtp-save"));
    expect(await screen.findByText(/请粘贴完整的证书文本/)).toBeInTheDocument();
  });

  it("sends the channel as typed: login, security, port, names, CA and limits", async () => {
    const { user, onSaved } = renderModal();
    expect(screen.getByText(/密码保存在系统的密钥存储中，不会写入数据库/)).toBeInTheDocument();
    await user.type(screen.getByTestId("smtp-name"), " 教务处邮箱 ");
    await user.type(screen.getByTestId("smtp-host"), "smtp.exmail.qq.com");
    await user.click(screen.getByText("SSL/TLS（465）"));
    await user.type(screen.getByTestId("smtp-username"), "jw@school.edu.cn");
    const password = screen.getByTestId("smtp-password");
    expect(password).toHaveAttribute("type", "password");
    await user.type(password, " s3cret pass");
    await user.type(screen.getByTestId("smtp-from-address"), "jw@school.edu.cn");
    await user.type(screen.getByTestId("smtp-from-name"), "教务处");
    await user.type(screen.getByTestId("smtp-reply-to"), "office@school.edu.cn");
    await user.clear(screen.getByTestId("smtp-pool-size"));
    await user.type(screen.getByTestId("smtp-pool-size"), "2");
    await user.click(screen.getByTestId("smtp-advanced"));
    await user.click(screen.getByTestId("smtp-ca-pem"));
    await user.paste("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    await user.type(screen.getByTestId("smtp-limit-perMinute"), "30");
    expect(screen.queryByTestId("smtp-limit-concurrency")).not.toBeInTheDocument();

    await user.click(screen.getByTestId("smtp-save"));

    await waitFor(() => expect(api.addSmtpChannel).toHaveBeenCalled());
    expect(sentInput()).toStrictEqual({
      name: "教务处邮箱",
      host: "smtp.exmail.qq.com",
      port: 465,
      security: "tls",
      username: "jw@school.edu.cn",
      password: " s3cret pass",
      fromAddress: "jw@school.edu.cn",
      fromName: "教务处",
      replyTo: "office@school.edu.cn",
      caPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
      poolSize: 2,
      limits: { perMinute: 30 },
    });
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith(expect.objectContaining({ name: "教务处邮箱", kind: "smtp" })));
  });

  it("leaves the login out for a relay, and an empty port to the backend's default", async () => {
    const { user } = renderModal();
    await user.type(screen.getByTestId("smtp-name"), "内网中继");
    await user.type(screen.getByTestId("smtp-host"), "relay.intranet");
    await user.click(screen.getByText("不加密（仅限本机或内网中继）"));
    await user.clear(port());
    await user.click(screen.getByTestId("smtp-login"));
    await user.type(screen.getByTestId("smtp-from-address"), "noreply@school.edu.cn");
    await user.click(screen.getByTestId("smtp-save"));

    await waitFor(() => expect(api.addSmtpChannel).toHaveBeenCalled());
    expect(sentInput()).toStrictEqual({
      name: "内网中继",
      host: "relay.intranet",
      port: 0,
      security: "none",
      fromAddress: "noreply@school.edu.cn",
      poolSize: 4,
    });
  });

  it("shows the backend's message and keeps what was typed", async () => {
    vi.mocked(api.addSmtpChannel).mockRejectedValueOnce(
      new CommandError("invalid", "the CA certificate cannot be read: no certificate found"),
    );
    const { user, onSaved } = renderModal();
    await user.type(screen.getByTestId("smtp-name"), "教务处邮箱");
    await user.type(screen.getByTestId("smtp-host"), "mail.school.edu.cn");
    await user.click(screen.getByTestId("smtp-login"));
    await user.type(screen.getByTestId("smtp-from-address"), "jw@school.edu.cn");
    await user.click(screen.getByTestId("smtp-save"));

    const error = await screen.findByTestId("smtp-error");
    expect(error).toHaveTextContent("未能添加邮件渠道");
    expect(error).toHaveTextContent("the CA certificate cannot be read: no certificate found");
    expect(screen.getByTestId("smtp-name")).toHaveValue("教务处邮箱");
    expect(onSaved).not.toHaveBeenCalled();
  });
});
