import { StyleProvider } from "@ant-design/cssinjs";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import * as dialog from "../api/dialog";
import { makeChannel, makeRobotKind, makeSmtpKind } from "../test/fixtures";
import { CommandError, db, resetApiMock, settingFiles } from "../test/mockApi";
import { AppProviders } from "./AppProviders";
import { KindChannelModal } from "./KindChannelModal";

vi.mock("../api", () => import("../test/mockApi"));
// Native dialogs cannot run here: each test says what the user picks.
vi.mock("../api/dialog", () => ({ chooseFileToOpen: vi.fn(), chooseFileToSave: vi.fn() }));

const SMTP = makeSmtpKind();

beforeEach(() => {
  resetApiMock();
  db.kinds = [SMTP];
});

function renderModal(editing?: api.Channel) {
  const user = userEvent.setup({ delay: null });
  const onSaved = vi.fn();
  const onClose = vi.fn();
  render(
    <StyleProvider container={document.createElement("div")}>
      <AppProviders>
        <KindChannelModal kind={SMTP} editing={editing} onClose={onClose} onSaved={onSaved} />
      </AppProviders>
    </StyleProvider>,
  );
  return { user, onSaved, onClose };
}

const field = (key: string) => screen.getByTestId(`kind-field-${key}`);
const port = () => field("port");

/** The arguments of the only addKindChannel call. */
function sentAdd() {
  expect(api.addKindChannel).toHaveBeenCalledTimes(1);
  return vi.mocked(api.addKindChannel).mock.calls[0];
}

describe("KindChannelModal, an e-mail channel", () => {
  it("fills the usual port for the security chosen, unless a port was typed", async () => {
    const { user } = renderModal();
    expect(port()).toHaveValue("587");
    await user.click(screen.getByTestId("kind-choice-security-tls"));
    expect(port()).toHaveValue("465");
    await user.click(screen.getByTestId("kind-choice-security-none"));
    expect(port()).toHaveValue("25");

    // Cleared: the placeholder says which port an empty field means.
    await user.clear(port());
    expect(port()).toHaveAttribute("placeholder", "25");
    await user.click(screen.getByTestId("kind-choice-security-starttls"));
    expect(port()).toHaveValue("587");

    await user.clear(port());
    await user.type(port(), "2525");
    await user.click(screen.getByTestId("kind-choice-security-tls"));
    expect(port()).toHaveValue("2525");
  });

  it("asks for what is missing, the login only when the server needs one, and sends nothing", async () => {
    const { user } = renderModal();
    expect(screen.getByTestId("kind-group-login")).toBeChecked();
    await user.click(screen.getByTestId("kind-save"));
    expect(await screen.findByText("请填写渠道名称")).toBeInTheDocument();
    // antd brings each field's message in with its own animation: wait for all of them.
    expect(await screen.findByText("请填写发信服务器")).toBeInTheDocument();
    expect(await screen.findByText("请填写登录用户名")).toBeInTheDocument();
    expect(await screen.findByText("请填写密码或授权码")).toBeInTheDocument();
    expect(await screen.findByText("请填写发件人地址")).toBeInTheDocument();

    // The login fields go away when no login is needed.
    await user.click(screen.getByTestId("kind-group-login"));
    expect(screen.queryByTestId("kind-field-password")).not.toBeInTheDocument();
    expect(screen.queryByTestId("kind-field-username")).not.toBeInTheDocument();
    expect(api.addKindChannel).not.toHaveBeenCalled();
  });

  it("sends the settings as typed: login, security, names, CA and limits; the usual port left to the kind", async () => {
    const { user, onSaved } = renderModal();
    await user.type(field("name"), " 教务处邮箱 ");
    await user.type(field("host"), "smtp.exmail.qq.com");
    await user.click(screen.getByTestId("kind-choice-security-tls"));
    await user.type(field("username"), "jw@school.edu.cn");
    expect(field("password")).toHaveAttribute("type", "password");
    await user.type(field("password"), " s3cret pass");
    await user.type(field("from-address"), "jw@school.edu.cn");
    await user.type(field("from-name"), "教务处");
    await user.type(field("reply-to"), "office@school.edu.cn");
    await user.clear(field("pool-size"));
    await user.type(field("pool-size"), "2");
    await user.click(screen.getByTestId("kind-advanced"));
    await user.click(field("ca-pem"));
    await user.paste("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    await user.type(screen.getByTestId("kind-limit-perMinute"), "30");
    expect(screen.queryByTestId("kind-limit-concurrency")).not.toBeInTheDocument();
    await user.click(screen.getByTestId("kind-save"));

    await waitFor(() => expect(api.addKindChannel).toHaveBeenCalled());
    expect(sentAdd()).toStrictEqual([
      "smtp",
      "教务处邮箱",
      {
        host: "smtp.exmail.qq.com",
        security: "tls",
        username: "jw@school.edu.cn",
        password: " s3cret pass",
        "from-address": "jw@school.edu.cn",
        "from-name": "教务处",
        "reply-to": "office@school.edu.cn",
        "ca-pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
        "pool-size": "2",
        "timeout-ms": "30000",
      },
      { perMinute: 30 },
    ]);
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith(expect.objectContaining({ name: "教务处邮箱", kind: "smtp" })));
  });

  it("leaves the login out for a relay, and keeps a port typed", async () => {
    const { user } = renderModal();
    await user.type(field("name"), "内网中继");
    await user.type(field("host"), "relay.intranet");
    await user.click(screen.getByTestId("kind-choice-security-none"));
    await user.clear(port());
    await user.type(port(), "2525");
    await user.click(screen.getByTestId("kind-group-login"));
    await user.type(field("from-address"), "noreply@school.edu.cn");
    await user.click(screen.getByTestId("kind-save"));

    await waitFor(() => expect(api.addKindChannel).toHaveBeenCalled());
    expect(sentAdd()).toStrictEqual([
      "smtp",
      "内网中继",
      {
        host: "relay.intranet",
        security: "none",
        port: "2525",
        "from-address": "noreply@school.edu.cn",
        "pool-size": "4",
        "timeout-ms": "30000",
      },
    ]);
  });

  it("reads the CA certificate from a chosen file through the field's reader, and says why a wrong file cannot be used", async () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n";
    settingFiles.set("/certs/campus-ca.cer", pem);
    const { user } = renderModal();
    await user.click(screen.getByTestId("kind-advanced"));

    vi.mocked(dialog.chooseFileToOpen).mockResolvedValueOnce("/certs/notes.txt");
    await user.click(screen.getByTestId("kind-file-ca-pem"));
    expect(await screen.findByTestId("kind-file-error-ca-pem")).toHaveTextContent("无法使用这个文件");
    expect(screen.getByTestId("kind-file-error-ca-pem")).toHaveTextContent("holds no certificate");
    expect(field("ca-pem")).toHaveValue("");
    expect(dialog.chooseFileToOpen).toHaveBeenCalledWith({
      title: "选择文件：CA 证书",
      filters: [{ name: "CA 证书", extensions: ["pem", "crt", "cer", "der"] }],
    });

    vi.mocked(dialog.chooseFileToOpen).mockResolvedValueOnce("/certs/campus-ca.cer");
    await user.click(screen.getByTestId("kind-file-ca-pem"));
    await waitFor(() => expect(field("ca-pem")).toHaveValue(pem));
    expect(screen.queryByTestId("kind-file-error-ca-pem")).not.toBeInTheDocument();
    expect(api.readSettingFile).toHaveBeenLastCalledWith("smtp", "ca-pem", "/certs/campus-ca.cer");

    // Cancelling the dialog changes nothing.
    vi.mocked(dialog.chooseFileToOpen).mockResolvedValueOnce(null);
    await user.click(screen.getByTestId("kind-file-ca-pem"));
    expect(field("ca-pem")).toHaveValue(pem);
    expect(api.readSettingFile).toHaveBeenCalledTimes(2);
  });

  it("marks the setting the backend refuses on its field, and shows any other message above the form", async () => {
    vi.mocked(api.addKindChannel).mockRejectedValueOnce(
      new CommandError("setting_invalid", "from-address: is not an e-mail address", {
        field: "from-address",
        reasonZh: "请填写正确的邮箱地址",
        reasonEn: "is not an e-mail address",
      }),
    );
    const { user, onSaved } = renderModal();
    await user.type(field("name"), "教务处邮箱");
    await user.type(field("host"), "mail.school.edu.cn");
    await user.click(screen.getByTestId("kind-group-login"));
    await user.type(field("from-address"), "教务处 <jw@school.edu.cn>");
    await user.click(screen.getByTestId("kind-save"));
    expect(await screen.findByText("请填写正确的邮箱地址")).toBeInTheDocument();
    expect(field("name")).toHaveValue("教务处邮箱");

    vi.mocked(api.addKindChannel).mockRejectedValueOnce(new CommandError("conflict", "a channel named 教务处邮箱 already exists"));
    await user.click(screen.getByTestId("kind-save"));
    expect(await screen.findByTestId("kind-error")).toHaveTextContent("a channel named 教务处邮箱 already exists");
    expect(onSaved).not.toHaveBeenCalled();
  });
});

const CHANNEL = makeChannel({ id: 7, name: "教务处邮箱", kind: "smtp", limits: { perMinute: 30, concurrency: 2 } });

/** As the backend stores it: public settings (defaults filled), secrets only as set. */
const STORED: Record<string, string> = {
  host: "smtp.exmail.qq.com",
  security: "tls",
  port: "2465",
  username: "jw@school.edu.cn",
  password: "old pass",
  "from-address": "jw@school.edu.cn",
  "from-name": "教务处",
  "ca-pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
  "pool-size": "2",
  "timeout-ms": "30000",
};

/** Opens the form on CHANNEL and waits for its settings. */
async function renderEdit(stored: Record<string, string> = STORED) {
  db.channels = [CHANNEL];
  db.kindSettings.set(CHANNEL.name, { ...stored });
  const view = renderModal(CHANNEL);
  await waitFor(() => expect(field("host")).toHaveValue(stored.host));
  return view;
}

/** The arguments of the only updateKindChannel call. */
function sentUpdate() {
  expect(api.updateKindChannel).toHaveBeenCalledTimes(1);
  return vi.mocked(api.updateKindChannel).mock.calls[0];
}

describe("KindChannelModal, editing an e-mail channel", () => {
  it("opens with the channel's settings, the password empty with what empty means", async () => {
    const { user } = await renderEdit();
    expect(api.kindChannelConfig).toHaveBeenCalledWith("教务处邮箱");
    expect(screen.getByText("编辑电子邮件（SMTP）：教务处邮箱")).toBeInTheDocument();
    expect(field("name")).toHaveValue("教务处邮箱");
    expect(field("name")).toBeDisabled();
    await waitFor(() => expect(port()).toHaveValue("2465"));
    expect(screen.getByRole("radio", { name: "SSL/TLS（465）" })).toBeChecked();
    expect(screen.getByTestId("kind-group-login")).toBeChecked();
    expect(field("username")).toHaveValue("jw@school.edu.cn");
    expect(field("password")).toHaveValue("");
    expect(screen.getByText(/已保存；留空则保留原值。/)).toBeInTheDocument();
    expect(field("from-name")).toHaveValue("教务处");
    expect(field("reply-to")).toHaveValue("");
    expect(field("pool-size")).toHaveValue("2");
    await user.click(screen.getByTestId("kind-advanced"));
    expect(screen.getByTestId("kind-empty-ca-pem")).not.toBeChecked();
    expect(screen.getByTestId("kind-limit-perMinute")).toHaveValue("30");
  });

  it("sends a changed host alone: the untouched password, CA, port and limits are kept", async () => {
    const { user, onSaved } = await renderEdit();
    await user.clear(field("host"));
    await user.type(field("host"), "smtp.school.edu.cn");
    await user.click(screen.getByTestId("kind-save"));

    await waitFor(() => expect(api.updateKindChannel).toHaveBeenCalled());
    expect(sentUpdate()).toStrictEqual(["教务处邮箱", { host: "smtp.school.edu.cn" }]);
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith(expect.objectContaining({ name: "教务处邮箱" })));
    expect(db.kindSettings.get("教务处邮箱")).toMatchObject({ password: "old pass", "ca-pem": STORED["ca-pem"] });
  });

  it("turns the login off with an empty user name, which drops the password with it", async () => {
    const { user } = await renderEdit();
    await user.click(screen.getByTestId("kind-group-login"));
    expect(screen.queryByTestId("kind-field-password")).not.toBeInTheDocument();
    await user.click(screen.getByTestId("kind-save"));

    await waitFor(() => expect(api.updateKindChannel).toHaveBeenCalled());
    expect(sentUpdate()).toStrictEqual(["教务处邮箱", { username: "" }]);
    expect(db.kindSettings.get("教务处邮箱")?.password).toBeUndefined();
  });

  it("sends a new password, a cleared sender name, the public roots and new limits", async () => {
    const { user } = await renderEdit();
    await user.type(field("password"), "n3w pass");
    await user.clear(field("from-name"));
    await user.click(screen.getByTestId("kind-advanced"));
    await user.click(screen.getByTestId("kind-empty-ca-pem"));
    expect(field("ca-pem")).toBeDisabled();
    await user.clear(screen.getByTestId("kind-limit-perMinute"));
    await user.type(screen.getByTestId("kind-limit-perMinute"), "20");
    await user.click(screen.getByTestId("kind-save"));

    await waitFor(() => expect(api.updateKindChannel).toHaveBeenCalled());
    expect(sentUpdate()).toStrictEqual([
      "教务处邮箱",
      { password: "n3w pass", "from-name": "", "ca-pem": "" },
      // The concurrency the form does not show stays as it was.
      { perMinute: 20, concurrency: 2 },
    ]);
  });

  it("asks for a password when the user name changes, since the stored one was the old user's", async () => {
    const { user } = await renderEdit();
    await user.clear(field("username"));
    await user.type(field("username"), "office@school.edu.cn");
    expect(screen.getByText(/改了“登录用户名”，原来保存的值不再使用/)).toBeInTheDocument();
    await user.click(screen.getByTestId("kind-save"));
    expect(await screen.findByText("请填写密码或授权码")).toBeInTheDocument();
    expect(api.updateKindChannel).not.toHaveBeenCalled();
  });

  it("sends nothing for an unchanged stored port that is the security's usual one", async () => {
    const { user } = await renderEdit({ ...STORED, port: "465" });
    await user.clear(field("from-name"));
    await user.type(field("from-name"), "教务处办公室");
    await user.click(screen.getByTestId("kind-save"));

    await waitFor(() => expect(api.updateKindChannel).toHaveBeenCalled());
    expect(sentUpdate()).toStrictEqual(["教务处邮箱", { "from-name": "教务处办公室" }]);
  });

  it("saves the usual port as empty, so the port follows the security again", async () => {
    const { user } = await renderEdit({ ...STORED, port: "465" });
    await user.click(screen.getByTestId("kind-choice-security-starttls"));
    expect(port()).toHaveValue("587");
    await user.click(screen.getByTestId("kind-save"));

    await waitFor(() => expect(api.updateKindChannel).toHaveBeenCalled());
    expect(sentUpdate()).toStrictEqual(["教务处邮箱", { security: "starttls", port: "" }]);
  });
});

describe("KindChannelModal, a required number", () => {
  it("takes a number typed into a required number field (an app's AgentId)", async () => {
    const robot = makeRobotKind();
    const kind: api.KindInfo = {
      ...robot,
      fields: [
        ...robot.fields,
        {
          key: "agent-id",
          type: "number",
          min: 1,
          max: 2147483647,
          required: true,
          default: null,
          label: { zh: "应用 AgentId", en: "AgentId" },
          help: { zh: "应用的 AgentId。", en: "The app's AgentId." },
        },
      ],
    };
    db.kinds = [kind];
    const user = userEvent.setup({ delay: null });
    render(
      <StyleProvider container={document.createElement("div")}>
        <AppProviders>
          <KindChannelModal kind={kind} onClose={vi.fn()} onSaved={vi.fn()} />
        </AppProviders>
      </StyleProvider>,
    );
    await user.type(field("name"), "学校应用");
    await user.type(field("webhook"), "https://oapi.dingtalk.com/robot/send?access_token=abc");
    await user.type(field("agent-id"), "1000002");
    await user.click(screen.getByTestId("kind-save"));
    await waitFor(() =>
      expect(api.addKindChannel).toHaveBeenCalledWith("dingtalk_robot", "学校应用", {
        webhook: "https://oapi.dingtalk.com/robot/send?access_token=abc",
        mention: "none",
        "agent-id": "1000002",
      }),
      // Validation runs asynchronously; a loaded machine can take longer than the default second.
      { timeout: 5000 },
    );
  });
});
