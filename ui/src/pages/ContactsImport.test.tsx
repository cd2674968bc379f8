import { screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import { makeContact } from "../test/fixtures";
import { CommandError, db, resetApiMock } from "../test/mockApi";
import { renderApp } from "../test/render";

vi.mock("../api", () => import("../test/mockApi"));

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
  db.contacts.push(makeContact({ id: 1, name: "张三", externalId: "2023001" }));
  vi.mocked(api.previewImport).mockImplementation(async () => PREVIEW);
  vi.mocked(api.importContacts).mockImplementation(async (_path, options) => {
    if (!options.dryRun) db.contacts.push(makeContact({ id: 2, name: "王小明", externalId: "2024001" }));
    return report(options.dryRun);
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
    expect(within(problems).getByText("not an e-mail address: fix it or leave the cell blank")).toBeInTheDocument();
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
});
