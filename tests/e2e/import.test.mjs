// A secretary imports a spreadsheet export in the real desktop app: the wizard previews the file
// with its row numbers, suggests the mapping from the Chinese headers, a dry run names the bad
// row and writes nothing, and the import adds the good rows to the contacts table.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { diagnostics, startApp, testIds } from "./harness.mjs";

let app;
const T = 20_000;

before(async () => {
  app = await startApp();
});

after(async () => {
  if (app) await app.stop();
});

const { byTestId, click, textOf } = testIds(() => app.browser, T);
const withDiagnostics = diagnostics(() => app);

/** The five numbers of a counts block: added, updated, unchanged, rejected, warnings. */
async function counts(id) {
  const text = await textOf(id);
  return (text.match(/\d+/g) ?? []).map(Number);
}

test("a CSV imported through the wizard: previewed, checked by a dry run, then added", async (t) => {
  await withDiagnostics(t, "import", async () => {
    const { browser } = app;
    // As Excel saves "CSV UTF-8": a BOM, CRLF line ends, a quoted cell with a comma. Row 4 has an
    // e-mail address that cannot be right, so it is rejected by row and column; the rest go in.
    const file = path.join(app.work, "名单.csv");
    const rows = [
      "学号,姓名,院系,班级,邮箱,手机",
      'S2024001,测试甲,农学院,"农学2401,一班",jia@example.edu.cn,13800138001',
      "S2024002,测试乙,农学院,农学2402,yi@example.edu.cn,+86 138-0013-8002",
      "S2024003,测试丙,农学院,农学2402,not-an-email,13800138003",
    ];
    writeFileSync(file, "\uFEFF" + rows.join("\r\n") + "\r\n");
    await click("nav-contacts");
    await click("contacts-import");
    const input = await byTestId("import-path");
    await input.waitForDisplayed({ timeout: T });
    await input.setValue(file);
    await click("import-preview");
    await browser.waitUntil(async () => (await textOf("import-preview-table")).includes("测试丙"), {
      timeout: T,
      timeoutMsg: "the preview did not show the file's rows",
    });
    assert.match(await textOf("import-detected"), /UTF-8/i, "the detected encoding is shown");

    await click("import-next");
    await byTestId("import-mapping").then((m) => m.waitForDisplayed({ timeout: T }));
    await click("import-dry-run");
    await browser.waitUntil(async () => (await counts("import-dry-counts")).length >= 4, {
      timeout: T,
      timeoutMsg: "the dry run showed no counts",
    });
    const dry = await counts("import-dry-counts");
    assert.deepEqual(dry.slice(0, 4), [2, 0, 0, 1], `dry run: added, updated, unchanged, rejected = ${dry}`);
    const problems = await textOf("import-problems");
    assert.match(problems, /not-an-email/, "the bad address is named");
    assert.match(problems, /\b4\b/, "by its row as the spreadsheet shows it");

    // Nothing was written by the dry run.
    assert.ok(!(await textOf("contacts-table")).includes("测试甲"), "a dry run adds no one");

    await click("import-commit");
    await browser.waitUntil(async () => (await counts("import-result-counts")).length >= 4, {
      timeout: T,
      timeoutMsg: "the import showed no counts",
    });
    const done = await counts("import-result-counts");
    assert.deepEqual(done.slice(0, 4), [2, 0, 0, 1], `import: added, updated, unchanged, rejected = ${done}`);
    await browser.waitUntil(
      async () => {
        const table = await textOf("contacts-table");
        return table.includes("测试甲") && table.includes("测试乙");
      },
      { timeout: T, timeoutMsg: "the imported people are not in the contacts table" },
    );
    assert.ok(!(await textOf("contacts-table")).includes("测试丙"), "the rejected row was not imported");
  });
});
