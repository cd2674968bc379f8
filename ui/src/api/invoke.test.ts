import { beforeEach, describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
const listen = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...args: unknown[]) => invoke(...args) }));
vi.mock("@tauri-apps/api/event", () => ({ listen: (...args: unknown[]) => listen(...args) }));

const { CommandError, call } = await import("./invoke");
const api = await import(".");

beforeEach(() => {
  invoke.mockReset();
  listen.mockReset();
});

describe("call", () => {
  it("passes the command and arguments through and returns the answer", async () => {
    invoke.mockResolvedValue({ items: [], total: 0 });
    await expect(api.listContacts({ search: "张", limit: 20, offset: 40 })).resolves.toEqual({
      items: [],
      total: 0,
    });
    expect(invoke).toHaveBeenCalledWith("list_contacts", { query: { search: "张", limit: 20, offset: 40 } });
  });

  it("uses the camelCase argument names the Rust commands expect", async () => {
    invoke.mockResolvedValue(undefined);
    await api.sendNotice(7);
    await api.runDetail(9);
    await api.listRuns(50);
    await api.listSandboxMessages(20);
    await api.setLanguage("en");
    await api.appInfo();
    expect(invoke.mock.calls).toEqual([
      ["send_notice", { noticeId: 7 }],
      ["run_detail", { runId: 9 }],
      ["list_runs", { limit: 50 }],
      ["list_sandbox_messages", { limit: 20 }],
      ["set_language", { language: "en" }],
      ["app_info", undefined],
    ]);
  });

  it("names the run and channel controls as the Rust commands do", async () => {
    invoke.mockResolvedValue(undefined);
    await api.pauseRun(3);
    await api.resumeRun(3);
    await api.cancelRun(3);
    await api.retryFailedDelivery(11);
    await api.retryFailedRun(3);
    await api.retryFailedChannel(2);
    await api.pauseChannel("学院通知");
    await api.resumeChannel("学院通知");
    await api.addKindChannel("webhook", "hook", { url: "https://example.org/h" }, { perSecond: 5 });
    await api.updateKindChannel("hook", { method: "PUT" });
    expect(invoke.mock.calls).toEqual([
      ["pause_run", { runId: 3 }],
      ["resume_run", { runId: 3 }],
      ["cancel_run", { runId: 3 }],
      ["retry_failed", { deliveryId: 11 }],
      ["retry_failed", { runId: 3 }],
      ["retry_failed", { channelId: 2 }],
      ["pause_channel", { name: "学院通知" }],
      ["resume_channel", { name: "学院通知" }],
      ["add_kind_channel", { kind: "webhook", name: "hook", settings: { url: "https://example.org/h" }, limits: { perSecond: 5 } }],
      ["update_kind_channel", { name: "hook", settings: { method: "PUT" } }],
    ]);
  });

  it("keeps the code and message of a structured rejection", async () => {
    invoke.mockRejectedValue({ code: "compose", message: "unknown variable {{ nmae }}" });
    const error = await call("preview_notice").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect(error).toMatchObject({ code: "compose", message: "unknown variable {{ nmae }}" });
  });

  it("wraps a plain string rejection as an internal error", async () => {
    invoke.mockRejectedValue("database is locked");
    const error = await call("list_runs").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect(error).toMatchObject({ code: "internal", message: "database is locked" });
  });

  it("wraps a thrown JS error (no Tauri) as an internal error with its message", async () => {
    invoke.mockRejectedValue(new TypeError("window.__TAURI_INTERNALS__ is undefined"));
    await expect(call("app_info")).rejects.toMatchObject({
      name: "CommandError",
      code: "internal",
      message: "window.__TAURI_INTERNALS__ is undefined",
    });
  });
});

describe("files", () => {
  it("asks the shell for its dialogs and names files by what they returned; reports go by id", async () => {
    const dialog = await import("./dialog");
    invoke.mockResolvedValueOnce("/data/名单.csv").mockResolvedValueOnce(["/a.pdf"]).mockResolvedValueOnce(null);
    await expect(
      dialog.chooseFileToOpen({ title: "t", filters: [{ name: "表格", extensions: ["csv"] }] }),
    ).resolves.toBe("/data/名单.csv");
    await expect(dialog.chooseFilesToOpen({ title: "a" })).resolves.toEqual(["/a.pdf"]);
    await expect(
      dialog.chooseFileToSave({ title: "s", defaultPath: "/data/r.xlsx", filters: [] }),
    ).resolves.toBeNull();
    invoke.mockResolvedValue(undefined);
    await api.writeImportReport(7, "/data/r.xlsx");
    await api.readSettingFile("smtp", "ca-pem", "/certs/ca.pem");
    expect(invoke.mock.calls).toEqual([
      ["pick_file_to_open", { options: { title: "t", filters: [{ name: "表格", extensions: ["csv"] }] } }],
      ["pick_files_to_open", { options: { title: "a", filters: [] } }],
      ["pick_file_to_save", { options: { title: "s", defaultPath: "/data/r.xlsx", filters: [] } }],
      ["write_import_report", { reportId: 7, path: "/data/r.xlsx" }],
      ["read_setting_file", { kind: "smtp", key: "ca-pem", path: "/certs/ca.pem" }],
    ]);
  });
});

describe("onRunProgress", () => {
  it("returns an unsubscribe function at once and unlistens once listen resolves", async () => {
    const unlisten = vi.fn();
    let handler: ((event: { payload: unknown }) => void) | undefined;
    let resolve: (fn: () => void) => void = () => undefined;
    listen.mockImplementation((name: string, h: typeof handler) => {
      expect(name).toBe("run:progress");
      handler = h;
      return new Promise((r) => (resolve = r));
    });
    const seen: unknown[] = [];
    const unsubscribe = api.onRunProgress((p) => seen.push(p));
    expect(typeof unsubscribe).toBe("function");

    handler?.({ payload: { n: 1 } });
    unsubscribe();
    // Late events after unsubscribing must not reach the (maybe unmounted) component.
    handler?.({ payload: { n: 2 } });
    resolve(unlisten);
    await vi.waitFor(() => expect(unlisten).toHaveBeenCalledTimes(1));
    expect(seen).toEqual([{ n: 1 }]);
  });

  it("does not throw when listening is impossible", async () => {
    listen.mockRejectedValue(new Error("not in Tauri"));
    const unsubscribe = api.onRunProgress(() => undefined);
    expect(() => unsubscribe()).not.toThrow();
    await new Promise((r) => setTimeout(r, 0));
  });
});
