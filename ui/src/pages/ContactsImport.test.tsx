import { screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import problemCodeBinding from "../api/bindings/ProblemCode.ts?raw";
import * as dialog from "../api/dialog";
import { IMPORT_ERROR_MESSAGES, importErrorMessage, problemMessage } from "../components/ImportWizard";
import { translate, type MessageKey } from "../i18n";
import { makeContact } from "../test/fixtures";
import { CommandError, db, resetApiMock } from "../test/mockApi";
import { renderApp } from "../test/render";

vi.mock("../api", async () => ({
  ...(await import("../test/mockApi")),
  writeImportReport: vi.fn(async () => undefined),
}));
// Native dialogs cannot run here (nor under WebDriver): each test says what the user picks.
vi.mock("../api/dialog", () => ({ chooseFileToOpen: vi.fn(), chooseFileToSave: vi.fn() }));

const PATH = "/data/名单.csv";

const PREVIEW: api.ImportPreview = {
  format: "csv",
  encoding: "GBK",
  headers: ["学号", "姓名", "邮箱", "宿舍"],
  rows: [
    [2, ["2024001", "王小明", "wxm@example.edu.cn", "东3-201"]],
    [3, ["2024002", "李小红", "lxh@", "西1-105"]],
  ],
  totalRows: 2,
  suggested: [
    { type: "field", value: "external_id" },
    { type: "field", value: "name" },
    { type: "field", value: "email" },
    { type: "attribute", value: "宿舍" },
  ],
};

function report(dryRun: boolean): api.ImportReport {
  return {
    file: "名单.csv",
    format: "csv",
    encoding: "GBK",
    dryRun,
    rows: 2,
    blankRows: 0,
    added: 1,
    updated: 0,
    unchanged: 0,
    rejected: 1,
    warnings: 0,
    problems: [
      {
        row: 3,
        column: "邮箱",
        field: "email",
        value: "lxh@",
        code: "email_invalid",
        severity: "error",
        message: "not an e-mail address: fix it or leave the cell blank",
      },
    ],
  };
}

beforeEach(() => {
  resetApiMock();
  vi.mocked(api.writeImportReport).mockClear();
  vi.mocked(dialog.chooseFileToOpen).mockReset().mockResolvedValue(null);
  vi.mocked(dialog.chooseFileToSave).mockReset().mockResolvedValue(null);
  db.contacts.push(makeContact({ id: 1, name: "张三", externalId: "2023001" }));
  vi.mocked(api.previewImport).mockImplementation(async () => PREVIEW);
  vi.mocked(api.importContacts).mockImplementation(async (_path, options) => {
    if (!options.dryRun) db.contacts.push(makeContact({ id: 2, name: "王小明", externalId: "2024001" }));
    // The shell keeps each report and hands out its id.
    return { reportId: options.dryRun ? 7 : 8, report: report(options.dryRun) };
  });
});

const modal = () => screen.getByRole("dialog");

async function openPreview() {
  const rendered = renderApp("/contacts");
  const { user } = rendered;
  await within(screen.getByTestId("contacts-table")).findByText("张三");
  await user.click(screen.getByTestId("contacts-import"));
  await user.type(await screen.findByTestId("import-path"), PATH);
  await user.click(screen.getByTestId("import-preview"));
  await screen.findByTestId("import-preview-table");
  return rendered;
}

describe("Contacts import wizard", () => {
  it("previews the first rows with their row numbers and what was detected", async () => {
    await openPreview();
    expect(api.previewImport).toHaveBeenCalledWith(PATH, undefined);
    const rows = screen.getByTestId("import-preview-table");
    expect(within(rows).getByText("王小明")).toBeInTheDocument();
    expect(within(rows).getByText("西1-105")).toBeInTheDocument();
    expect(within(rows).getByText("3")).toBeInTheDocument();
    const detected = screen.getByTestId("import-detected");
    expect(within(detected).getByText("CSV")).toBeInTheDocument();
    expect(within(detected).getByText("GBK")).toBeInTheDocument();
  });

  it("passes the chosen encoding to the preview", async () => {
    const { user } = renderApp("/contacts");
    await user.click(await screen.findByTestId("contacts-import"));
    await user.type(await screen.findByTestId("import-path"), PATH);
    await user.click(within(modal()).getByRole("combobox"));
    await user.click(await screen.findByTitle("GBK"));
    await user.click(screen.getByTestId("import-preview"));
    await waitFor(() => expect(api.previewImport).toHaveBeenCalledWith(PATH, "gbk"));
  });

  it("shows the backend's message when the file cannot be read", async () => {
    vi.mocked(api.previewImport).mockRejectedValueOnce(
      new CommandError("invalid", "cannot read /data/名单.csv: no such file"),
    );
    const { user } = renderApp("/contacts");
    await user.click(await screen.findByTestId("contacts-import"));
    await user.type(await screen.findByTestId("import-path"), PATH);
    await user.click(screen.getByTestId("import-preview"));
    expect(await screen.findByTestId("import-error")).toHaveTextContent("cannot read /data/名单.csv: no such file");
    expect(screen.getByTestId("import-next")).toBeDisabled();
  });

  it("says in the user's language, with the file's name, why a file is refused", async () => {
    vi.mocked(api.previewImport)
      .mockRejectedValueOnce(
        new CommandError("import_not_spreadsheet", "/data/名单.csv is not a spreadsheet: it holds binary data", {
          reason: "it holds binary data",
        }),
      )
      .mockRejectedValueOnce(new CommandError("import_not_found", "cannot find the file /data/名单.csv"))
      .mockRejectedValueOnce(new CommandError("import_is_directory", "/data/名单.csv is a folder, not a file"))
      .mockRejectedValueOnce(
        new CommandError("import_too_large", "the file is 80 MB; Herald imports files up to 50 MB: split it", {
          size: "80 MB",
          limit: "50 MB",
        }),
      );
    const { user } = renderApp("/contacts");
    await user.click(await screen.findByTestId("contacts-import"));
    await user.type(await screen.findByTestId("import-path"), PATH);
    const shows = async (text: string) => {
      await user.click(screen.getByTestId("import-preview"));
      await waitFor(() => expect(screen.getByTestId("import-error")).toHaveTextContent(text));
    };
    await shows("这不是表格文件：名单.csv");
    await shows("找不到文件：名单.csv");
    await shows("这是一个文件夹，不是文件：名单.csv");
    await shows("文件太大：名单.csv 有 80 MB，Herald 最多导入 50 MB 的文件");
    expect(screen.getByTestId("import-next")).toBeDisabled();
  });

  it("prefills the mapping, dry-runs it, then imports for real and refreshes the contacts", async () => {
    const { user } = await openPreview();
    await user.click(screen.getByTestId("import-next"));

    const mapping = await screen.findByTestId("import-mapping");
    expect(within(mapping).getByTitle("学号/工号")).toBeInTheDocument();
    expect(within(mapping).getByTitle("姓名")).toBeInTheDocument();
    expect(within(mapping).getByTitle("邮箱")).toBeInTheDocument();
    expect(within(mapping).getByTitle("保留为自定义属性")).toBeInTheDocument();

    // The e-mail column is ignored instead: the mapping sent must say so.
    await user.click(within(screen.getByTestId("import-map-2")).getByRole("combobox"));
    await user.click(await screen.findByTitle("忽略此列"));
    await user.click(screen.getByTestId("import-dry-run"));

    await waitFor(() => expect(api.importContacts).toHaveBeenCalledTimes(1));
    expect(api.importContacts).toHaveBeenLastCalledWith(PATH, {
      encoding: undefined,
      dryRun: true,
      mapping: [
        { type: "field", value: "external_id" },
        { type: "field", value: "name" },
        { type: "ignore" },
        { type: "attribute", value: "宿舍" },
      ],
    });
    const counts = await screen.findByTestId("import-dry-counts");
    expect(within(counts).getByText("新增")).toBeInTheDocument();
    expect(within(counts).getByText("未导入")).toBeInTheDocument();
    const problems = screen.getByTestId("import-problems");
    expect(within(problems).getByText("lxh@")).toBeInTheDocument();
    expect(within(problems).getByText("email_invalid")).toBeInTheDocument();
    // In the user's language, by its code, not the core's English.
    expect(within(problems).getByText("不是有效的邮箱地址（每格一个地址，如 name@example.edu.cn）")).toBeInTheDocument();
    expect(within(problems).queryByText(/not an e-mail address/)).not.toBeInTheDocument();
    expect(db.contacts).toHaveLength(1);

    const listed = vi.mocked(api.listContacts).mock.calls.length;
    await user.click(screen.getByTestId("import-commit"));
    await waitFor(() => expect(api.importContacts).toHaveBeenCalledTimes(2));
    expect(vi.mocked(api.importContacts).mock.calls[1]?.[1]).toMatchObject({ dryRun: false });
    expect(await screen.findByTestId("import-result-counts")).toBeInTheDocument();
    expect(await screen.findByText("已导入：新增 1，更新 0，未变 0，未导入 1")).toBeInTheDocument();
    await waitFor(() => expect(vi.mocked(api.listContacts).mock.calls.length).toBeGreaterThan(listed));
    expect(await within(screen.getByTestId("contacts-table")).findByText("王小明")).toBeInTheDocument();
  });

  it("fills the path from the native open dialog and previews the file", async () => {
    vi.mocked(dialog.chooseFileToOpen).mockResolvedValueOnce(PATH);
    const { user } = renderApp("/contacts");
    await user.click(await screen.findByTestId("contacts-import"));
    await user.click(await screen.findByTestId("import-choose-file"));
    expect(await screen.findByTestId("import-preview-table")).toBeInTheDocument();
    expect(screen.getByTestId("import-path")).toHaveValue(PATH);
    expect(api.previewImport).toHaveBeenCalledWith(PATH, undefined);
    const [options] = vi.mocked(dialog.chooseFileToOpen).mock.calls[0] ?? [];
    expect(options?.filters.flatMap((f) => f.extensions)).toEqual(["csv", "xlsx", "xls", "ods"]);
  });

  it("does nothing when the open dialog is cancelled", async () => {
    const { user } = renderApp("/contacts");
    await user.click(await screen.findByTestId("contacts-import"));
    await user.type(await screen.findByTestId("import-path"), PATH);
    await user.click(screen.getByTestId("import-choose-file"));
    await waitFor(() => expect(dialog.chooseFileToOpen).toHaveBeenCalledTimes(1));
    expect(screen.getByTestId("import-path")).toHaveValue(PATH);
    expect(api.previewImport).not.toHaveBeenCalled();
    expect(screen.queryByTestId("import-error")).not.toBeInTheDocument();
  });

  it("saves the dry run's problem report where the user chooses, next to the file by default", async () => {
    vi.mocked(dialog.chooseFileToSave).mockResolvedValueOnce("/data/问题.xlsx");
    const { user } = await openPreview();
    await user.click(screen.getByTestId("import-next"));
    await user.click(await screen.findByTestId("import-dry-run"));
    await user.click(await screen.findByTestId("import-save-report"));
    // Only the id of the report the shell kept goes back, never the report's content.
    await waitFor(() => expect(api.writeImportReport).toHaveBeenCalledWith(7, "/data/问题.xlsx"));
    expect(vi.mocked(dialog.chooseFileToSave).mock.calls[0]?.[0].defaultPath).toBe("/data/名单-问题报告.xlsx");
    expect(await screen.findByText("已保存问题报告到 /data/问题.xlsx")).toBeInTheDocument();
  });

  it("says in the user's words when a typed path is refused or a file was not picked", async () => {
    vi.mocked(api.previewImport).mockRejectedValueOnce(
      new CommandError("file_not_allowed", "/proc/self/environ: is not a spreadsheet file"),
    );
    const { user } = renderApp("/contacts");
    await user.click(await screen.findByTestId("contacts-import"));
    await user.type(await screen.findByTestId("import-path"), "/proc/self/environ");
    await user.click(screen.getByTestId("import-preview"));
    const error = await screen.findByTestId("import-error");
    expect(error).toHaveTextContent("只能粘贴电子表格文件");
    expect(error).toHaveTextContent("/proc/self/environ: is not a spreadsheet file");

    vi.mocked(api.previewImport).mockRejectedValueOnce(new CommandError("file_not_picked", "x: not picked"));
    await user.click(screen.getByTestId("import-preview"));
    await waitFor(() => expect(screen.getByTestId("import-error")).toHaveTextContent("只能使用在 Herald 的文件对话框中选择的文件"));
  });

  it("shows problems in English when the UI is in English", async () => {
    const { user } = renderApp("/contacts", { language: "en" });
    await user.click(await screen.findByTestId("contacts-import"));
    await user.type(await screen.findByTestId("import-path"), PATH);
    await user.click(screen.getByTestId("import-preview"));
    await user.click(await screen.findByTestId("import-next"));
    await user.click(await screen.findByTestId("import-dry-run"));
    const problems = await screen.findByTestId("import-problems");
    expect(
      within(problems).getByText("Not an e-mail address (one address per cell, like name@example.edu.cn)"),
    ).toBeInTheDocument();
  });
});

describe("Problem messages", () => {
  // The codes the core can emit, read from the binding ts-rs generates from the Rust enum.
  const codes = [...problemCodeBinding.matchAll(/"([a-z_]+)"/g)].map((m) => m[1] ?? "");

  it("has a translation for every code in both languages", () => {
    expect(codes).toContain("email_invalid");
    expect(codes.length).toBeGreaterThanOrEqual(16);
    for (const code of codes) {
      const key = `import.problem.${code}` as MessageKey;
      const zh = translate("zh-CN", key);
      const en = translate("en", key);
      expect(zh, code).not.toBe(key);
      expect(en, code).not.toBe(key);
      expect(zh, code).not.toBe(en);
    }
  });

  it("fills the value in, and falls back to the core's English for a code it does not know", () => {
    const t = (key: MessageKey, vars?: Record<string, string | number>) => translate("zh-CN", key, vars);
    const problem: api.Problem = {
      row: 4,
      column: "接收方式",
      field: "preferred",
      value: "信鸽",
      code: "unknown_channel",
      severity: "warning",
      message: "not a receiving method Herald knows",
    };
    expect(problemMessage(t, problem)).toContain("“信鸽”不是 Herald 认识的接收方式");
    const unknown = { ...problem, code: "from_a_newer_core" as api.ProblemCode, message: "something new" };
    expect(problemMessage(t, unknown)).toBe("something new");
  });
});

describe("file refusals", () => {
  it("have a text in both languages that names the file", () => {
    for (const [code, key] of Object.entries(IMPORT_ERROR_MESSAGES)) {
      const zh = translate("zh-CN", key);
      const en = translate("en", key);
      expect(zh, code).not.toBe(key);
      expect(en, code).not.toBe(key);
      expect(zh, code).not.toBe(en);
      expect(zh, code).toContain("{file}");
      expect(en, code).toContain("{file}");
    }
  });

  it("fill the limits in, and fall back to the core's message for other codes", () => {
    const en = (key: MessageKey, vars?: Record<string, string | number>) => translate("en", key, vars);
    const rows = new CommandError("import_too_many_rows", "the sheet spans 250001 rows", {
      rows: "250001",
      limit: "200000",
    });
    expect(importErrorMessage(en, rows, "C:\\名单\\big.csv")).toBe(
      "Too many rows: big.csv spans 250001 rows; Herald imports up to 200000. Split it",
    );
    const other = new CommandError("import_mapping", "column mapping: no column is mapped to the name");
    expect(importErrorMessage(en, other, PATH)).toBe("column mapping: no column is mapped to the name");
  });
});

describe("Export contacts", () => {
  it("exports to the path chosen in the save dialog and says how many", async () => {
    vi.mocked(dialog.chooseFileToSave).mockResolvedValueOnce("/data/通讯录.xlsx");
    const { user } = renderApp("/contacts");
    await within(screen.getByTestId("contacts-table")).findByText("张三");
    await user.click(screen.getByTestId("contacts-export"));
    await waitFor(() => expect(api.exportContacts).toHaveBeenCalledWith("/data/通讯录.xlsx"));
    expect(await screen.findByText("已导出 1 位联系人到 /data/通讯录.xlsx")).toBeInTheDocument();
    const [options] = vi.mocked(dialog.chooseFileToSave).mock.calls[0] ?? [];
    expect(options?.defaultPath).toMatch(/^contacts-\d{4}-\d{2}-\d{2}\.xlsx$/);
    expect(options?.filters.map((f) => f.extensions)).toEqual([["xlsx"], ["csv"]]);
  });

  it("does nothing when the save dialog is cancelled", async () => {
    const { user } = renderApp("/contacts");
    await user.click(await screen.findByTestId("contacts-export"));
    await waitFor(() => expect(dialog.chooseFileToSave).toHaveBeenCalledTimes(1));
    expect(api.exportContacts).not.toHaveBeenCalled();
  });

  it("says why an export failed", async () => {
    vi.mocked(dialog.chooseFileToSave).mockResolvedValueOnce("/readonly/c.xlsx");
    vi.mocked(api.exportContacts).mockRejectedValueOnce(
      new CommandError("invalid", "cannot write /readonly/c.xlsx: permission denied"),
    );
    const { user } = renderApp("/contacts");
    await user.click(await screen.findByTestId("contacts-export"));
    expect(
      await screen.findByText("导出失败：cannot write /readonly/c.xlsx: permission denied"),
    ).toBeInTheDocument();
  });
});
