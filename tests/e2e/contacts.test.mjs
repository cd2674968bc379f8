// A secretary corrects a contact in the real desktop app: the demo list is loaded, a person is
// found by search and opened from the table, the department, e-mail and tags are changed in the
// drawer, the table shows the change at once, and the database holds it (read back through the
// `herald` CLI on the same data directory).
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { diagnostics, startApp, testIds } from "./harness.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = path.join(ROOT, "target/debug/herald");

let app;
const T = 20_000;

before(async () => {
  app = await startApp();
});

after(async () => {
  if (app) await app.stop();
});

const { byTestId, click, type, textOf, replace } = testIds(() => app.browser, T);
const withDiagnostics = diagnostics(
  () => app,
  async () => [`table:\n${await textOf("contacts-table").catch(() => "?")}`],
);

/** `herald ARGS --json` on the app's data directory. */
function cli(...args) {
  const out = execFileSync(CLI, [...args, "--json"], {
    env: { ...process.env, HERALD_DATA_DIR: app.dataDir, HERALD_SECRET_STORE: "file" },
  });
  return JSON.parse(out.toString());
}

test("a contact edited in the drawer: the table and the database show the change", async (t) => {
  await withDiagnostics(t, "contact-edit", async () => {
    const { browser } = app;
    await click("nav-contacts");
    await click("contacts-demo-load");
    await browser.waitUntil(async () => (await textOf("contacts-table")).includes("张伟"), {
      timeout: T,
      timeoutMsg: "the demo contacts did not appear",
    });

    await type("contacts-search", "S2024001");
    await browser.waitUntil(async () => !(await textOf("contacts-table")).includes("王建国"), {
      timeout: T,
      timeoutMsg: "the search did not narrow the list",
    });
    const { id } = cli("contacts", "show", "S2024001");
    await click(`contact-row-${id}`);

    const department = await byTestId("contact-edit-department");
    await department.waitForDisplayed({ timeout: T });
    await browser.waitUntil(async () => (await department.getValue()) === "农学院", {
      timeout: T,
      timeoutMsg: "the drawer did not show the contact's department",
    });
    await replace("contact-edit-department", "园艺学院");
    await replace("contact-edit-address-email", "zhangwei@example.edu.cn");
    const tags = await browser.$('[data-testid="contact-edit-tags"] input');
    await tags.setValue("班干部");
    await browser.keys("Enter");
    await click("contact-drawer-save");

    await browser.waitUntil(async () => (await textOf("contacts-table")).includes("园艺学院"), {
      timeout: T,
      timeoutMsg: "the table did not show the new department",
    });
    assert.ok((await textOf("contacts-table")).includes("zhangwei@example.edu.cn"));

    const stored = cli("contacts", "show", "S2024001");
    assert.equal(stored.department, "园艺学院");
    assert.deepEqual(stored.tags, ["班干部"]);
    assert.equal(stored.addresses.find((a) => a.kind === "email").address, "zhangwei@example.edu.cn");
    assert.equal(stored.addresses.find((a) => a.kind === "mobile").address, "13800002001", "untouched");
  });
});
