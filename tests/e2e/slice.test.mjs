// The first slice, as a secretary does it in the real desktop app: load the demo contacts,
// add a contact, compose a notice to the sandbox channel, send it, watch it finish, and find
// it in History and in the sandbox inbox.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { diagnostics, settle, startApp, testIds } from "./harness.mjs";

let app;
const T = 20_000;

before(async () => {
  app = await startApp();
});

after(async () => {
  if (app) await app.stop();
});

const { byTestId, click, type, loadDemo, chooseEveryone, tickChannel, waitForRunCompleted, historyRow, sendComposed } = testIds(() => app.browser, T);
const withDiagnostics = diagnostics(() => app);

test("a notice composed in the app reaches the sandbox inbox and shows as sent in History", async (t) => {
  await withDiagnostics(t, "slice", async () => {
    const { browser } = app;
    // First start: the dashboard offers the demo contacts.
    await loadDemo();

    // A contact of our own.
    await click("nav-contacts");
    await click("contact-add");
    await type("contact-name", "端到端测试员");
    await type("contact-email", "e2e.tester@example.edu.cn");
    await click("contact-save");
    // The table shows only the rows in view (50,000 people scroll); find ours as a user would.
    await type("contacts-search", "端到端");
    const table = await byTestId("contacts-table");
    await browser.waitUntil(async () => (await table.getText()).includes("端到端测试员"), {
      timeout: T,
      timeoutMsg: "the new contact is not in the contacts table",
    });

    // Compose to everyone through the sandbox, and send now.
    const title = "期末考试安排（第 18 周）";
    await click("nav-compose");
    await type("compose-title", title);
    await type("compose-body", "{{ name }}同学：期末考试于下周一开始，请按时参加。");
    await chooseEveryone();
    await tickChannel("sandbox");
    await sendComposed("sandbox");

    // The run's page shows the progress to the end.
    await waitForRunCompleted();
    const deliveries = await byTestId("run-deliveries");
    assert.match(await deliveries.getText(), /端到端测试员/);

    // History lists it as completed, with every delivery sent.
    const row = await historyRow(title);
    const rowText = await row.getText();
    assert.match(rowText, /已完成|Completed/, rowText);
    const cells = await row.$$("td").map((td) => td.getText());
    // 18 demo contacts and the one added: all 19 sent, none failed.
    assert.equal(cells.filter((c) => c.trim() === "19").length, 2, `total and sent of 19 expected in: ${cells}`);

    // The sandbox inbox holds the rendered message for our contact.
    await click("nav-channels");
    const inbox = await byTestId("sandbox-inbox");
    await browser.waitUntil(async () => (await inbox.getText()).includes("e2e.tester@example.edu.cn"), {
      timeout: T,
      timeoutMsg: "the sandbox inbox has no message for the added contact",
    });

    // The dashboard, for the README's screenshot.
    await click("nav-dashboard");
    await (await byTestId("nav-dashboard")).waitForDisplayed({ timeout: T });
    await browser.pause(1500);
    await settle(browser);
    if (process.env.HERALD_SCREENSHOT) await browser.saveScreenshot(process.env.HERALD_SCREENSHOT);
  });
});
