import { StyleProvider } from "@ant-design/cssinjs";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import { makeChannel } from "../test/fixtures";
import * as dialog from "../api/dialog";
import { caFiles, CommandError, db, resetApiMock } from "../test/mockApi";
import { AppProviders } from "./AppProviders";
import { SmtpChannelModal } from "./SmtpChannelModal";

vi.mock("../api", () => import("../test/mockApi"));
// Native dialogs cannot run here: each test says what the user picks.
vi.mock("../api/dialog", () => ({ chooseFileToOpen: vi.fn(), chooseFileToSave: vi.fn() }));

beforeEach(() => {
  resetApiMock();
});

function renderModal(editing?: api.Channel) {
  const user = userEvent.setup({ delay: null });
  const onSaved = vi.fn();
  const onClose = vi.fn();
  render(
    <StyleProvider container={document.createElement("div")}>
      <AppProviders>
        <SmtpChannelModal open editing={editing} onClose={onClose} onSaved={onSaved} />
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

  it("reads the CA certificate from a chosen file, and says why a wrong file cannot be used", async () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n";
    caFiles.set("/certs/campus-ca.cer", pem);
    const { user } = renderModal();
    await user.click(screen.getByTestId("smtp-advanced"));

    vi.mocked(dialog.chooseFileToOpen).mockResolvedValueOnce("/certs/notes.txt");
    await user.click(screen.getByTestId("smtp-ca-file"));
    expect(await screen.findByTestId("smtp-ca-file-error")).toHaveTextContent("无法读取这个证书文件");
    expect(screen.getByTestId("smtp-ca-file-error")).toHaveTextContent("holds no certificate");
    expect(screen.getByTestId("smtp-ca-pem")).toHaveValue("");

    vi.mocked(dialog.chooseFileToOpen).mockResolvedValueOnce("/certs/campus-ca.cer");
    await user.click(screen.getByTestId("smtp-ca-file"));
    await waitFor(() => expect(screen.getByTestId("smtp-ca-pem")).toHaveValue(pem));
    expect(screen.queryByTestId("smtp-ca-file-error")).not.toBeInTheDocument();
    expect(api.readCaFile).toHaveBeenLastCalledWith("/certs/campus-ca.cer");

    // Cancelling the dialog changes nothing.
    vi.mocked(dialog.chooseFileToOpen).mockResolvedValueOnce(null);
    await user.click(screen.getByTestId("smtp-ca-file"));
    expect(screen.getByTestId("smtp-ca-pem")).toHaveValue(pem);
    expect(api.readCaFile).toHaveBeenCalledTimes(2);
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

const CHANNEL = makeChannel({ id: 7, name: "教务处邮箱", kind: "smtp", limits: { perMinute: 30, concurrency: 2 } });

const CONFIG: api.SmtpChannelConfig = {
  name: "教务处邮箱",
  host: "smtp.exmail.qq.com",
  port: 2465,
  security: "tls",
  username: "jw@school.edu.cn",
  hasPassword: true,
  fromAddress: "jw@school.edu.cn",
  fromName: "教务处",
  replyTo: null,
  hasCa: true,
  poolSize: 2,
  timeoutMs: 30000,
};

/** Opens the form on CHANNEL and waits for its settings. */
async function renderEdit() {
  db.channels = [CHANNEL];
  db.smtpConfigs.set(CHANNEL.name, CONFIG);
  const view = renderModal(CHANNEL);
  await waitFor(() => expect(screen.getByTestId("smtp-host")).toHaveValue("smtp.exmail.qq.com"));
  // The login fields appear a render later, once the form's watch sees the login switch on.
  await waitFor(() => expect(screen.getByTestId("smtp-username")).toHaveValue("jw@school.edu.cn"));
  return view;
}

/** The arguments of the only updateSmtpChannel call. */
function sentUpdate(): [string, api.UpdateSmtpChannel] {
  expect(api.updateSmtpChannel).toHaveBeenCalledTimes(1);
  return vi.mocked(api.updateSmtpChannel).mock.calls[0];
}

describe("SmtpChannelModal, editing", () => {
  it("opens with the channel's settings, the password and CA empty with what empty means", async () => {
    const { user } = await renderEdit();
    expect(api.smtpChannelConfig).toHaveBeenCalledWith("教务处邮箱");
    expect(screen.getByText("编辑邮件渠道：教务处邮箱")).toBeInTheDocument();
    expect(screen.getByTestId("smtp-name")).toHaveValue("教务处邮箱");
    expect(screen.getByTestId("smtp-name")).toBeDisabled();
    expect(port()).toHaveValue("2465");
    expect(screen.getByRole("radio", { name: "SSL/TLS（465）" })).toBeChecked();
    expect(screen.getByTestId("smtp-login")).toBeChecked();
    expect(screen.getByTestId("smtp-username")).toHaveValue("jw@school.edu.cn");
    expect(screen.getByTestId("smtp-password")).toHaveValue("");
    expect(screen.getByText("留空则保留已保存的密码")).toBeInTheDocument();
    expect(screen.getByTestId("smtp-from-address")).toHaveValue("jw@school.edu.cn");
    expect(screen.getByTestId("smtp-from-name")).toHaveValue("教务处");
    expect(screen.getByTestId("smtp-reply-to")).toHaveValue("");
    expect(screen.getByTestId("smtp-pool-size")).toHaveValue("2");
    await user.click(screen.getByTestId("smtp-advanced"));
    expect(screen.getByTestId("smtp-ca-pem")).toHaveValue("");
    expect(screen.getByText("已设置 CA 证书（留空保留，勾选“改用公共证书”清除）")).toBeInTheDocument();
    expect(screen.getByTestId("smtp-public-roots")).not.toBeChecked();
    expect(screen.getByTestId("smtp-limit-perMinute")).toHaveValue("30");
  });

  it("sends a changed host alone: the untouched password, CA, port and limits are kept", async () => {
    const { user, onSaved } = await renderEdit();
    await user.clear(screen.getByTestId("smtp-host"));
    await user.type(screen.getByTestId("smtp-host"), "smtp.school.edu.cn");
    await user.click(screen.getByTestId("smtp-save"));

    await waitFor(() => expect(api.updateSmtpChannel).toHaveBeenCalled());
    expect(sentUpdate()).toStrictEqual(["教务处邮箱", { host: "smtp.school.edu.cn" }]);
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith(expect.objectContaining({ name: "教务处邮箱" })));
    expect(db.smtpConfigs.get("教务处邮箱")).toMatchObject({ hasPassword: true, hasCa: true });
  });

  it("turns the login off with an empty user name", async () => {
    const { user } = await renderEdit();
    await user.click(screen.getByTestId("smtp-login"));
    expect(screen.queryByTestId("smtp-password")).not.toBeInTheDocument();
    await user.click(screen.getByTestId("smtp-save"));

    await waitFor(() => expect(api.updateSmtpChannel).toHaveBeenCalled());
    expect(sentUpdate()).toStrictEqual(["教务处邮箱", { username: "" }]);
  });

  it("sends a new password, cleared sender name, the public roots and new limits", async () => {
    const { user } = await renderEdit();
    await user.type(screen.getByTestId("smtp-password"), "n3w pass");
    await user.clear(screen.getByTestId("smtp-from-name"));
    await user.click(screen.getByTestId("smtp-advanced"));
    await user.click(screen.getByTestId("smtp-public-roots"));
    expect(screen.getByTestId("smtp-ca-pem")).toBeDisabled();
    await user.clear(screen.getByTestId("smtp-limit-perMinute"));
    await user.type(screen.getByTestId("smtp-limit-perMinute"), "20");
    await user.click(screen.getByTestId("smtp-save"));

    await waitFor(() => expect(api.updateSmtpChannel).toHaveBeenCalled());
    expect(sentUpdate()).toStrictEqual([
      "教务处邮箱",
      // The concurrency the form does not show stays as it was.
      { password: "n3w pass", fromName: "", caPem: "", limits: { perMinute: 20, concurrency: 2 } },
    ]);
  });

  it("asks for a password when the user name changes, since the stored one was the old user's", async () => {
    const { user } = await renderEdit();
    await user.clear(screen.getByTestId("smtp-username"));
    await user.type(screen.getByTestId("smtp-username"), "office@school.edu.cn");
    expect(screen.getByText(/用户名改了，原来的密码不再使用/)).toBeInTheDocument();
    await user.click(screen.getByTestId("smtp-save"));
    expect(await screen.findByText("请填写密码或授权码")).toBeInTheDocument();
    expect(api.updateSmtpChannel).not.toHaveBeenCalled();
  });

  it("shows the core's message when it refuses the change", async () => {
    vi.mocked(api.updateSmtpChannel).mockRejectedValueOnce(
      new CommandError("conflict", "the channel was changed meanwhile; open it again and repeat the edit"),
    );
    const { user, onSaved } = await renderEdit();
    await user.clear(screen.getByTestId("smtp-host"));
    await user.type(screen.getByTestId("smtp-host"), "smtp.school.edu.cn");
    await user.click(screen.getByTestId("smtp-save"));

    const error = await screen.findByTestId("smtp-error");
    expect(error).toHaveTextContent("未能保存邮件渠道");
    expect(error).toHaveTextContent("the channel was changed meanwhile; open it again and repeat the edit");
    expect(onSaved).not.toHaveBeenCalled();
  });
});
