// Compose as a secretary uses it in the real desktop app: a bilingual notice with a value given
// once for everyone, written in steps and left half done; the app restarted; the draft reopened
// from Notices and finished; previewed for a Chinese and an English-speaking student; the
// number of recipients typed to confirm; sent to the sandbox, whose inbox holds exactly what the
// previews showed.
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

const {
  byTestId,
  click,
  type,
  textOf,
  waitForText,
  loadDemo,
  pickOption,
  composeStep,
  chooseEveryone,
  tickChannel,
  waitForRunCompleted,
} = testIds(() => app.browser, T);
const withDiagnostics = diagnostics(() => app);

/** `herald ARGS --json` on the app's data directory. */
function cli(...args) {
  const out = execFileSync(CLI, [...args, "--json"], {
    env: { ...process.env, HERALD_DATA_DIR: app.dataDir, HERALD_SECRET_STORE: "file" },
  });
  return JSON.parse(out.toString());
}

/** A form field's value once it is `expected` (a restored draft fills in after it loads). */
async function waitForValue(testId, expected) {
  const el = await byTestId(testId);
  await app.browser.waitUntil(async () => (await el.getValue()) === expected, {
    timeout: T,
    timeoutMsg: `${testId} is not "${expected}"`,
  });
}

/** In the open preview: the sandbox message for the person with this 学号, as its Markdown part. */
async function previewFor(externalId, name) {
  await click("preview-person");
  // By name: two keys, which a search re-rendering as it answers cannot drop.
  await app.browser.keys([...name]);
  await pickOption(`${name} (${externalId})`);
  await waitForText("preview-message", new RegExp(name), `the preview for ${name}`);
  return textOf("preview-part-markdown");
}

const TITLE = "期末考试安排";
const BODY = "{{ 姓名 }}同学：期末考试于 {{ 考试时间 }} 开始，请带好学生证。";
const ENGLISH = "Dear {{ name }}: the final exams begin on {{ 考试时间 }}. Please bring your student card.";

test("a bilingual notice survives a restart, is previewed per reader, confirmed by number and arrives as previewed", async (t) => {
  await withDiagnostics(t, "compose", async () => {
    await loadDemo();
    // One exchange student reads English; a small confirmation threshold, so the number is typed.
    cli("contacts", "edit", "S2024002", "--language", "en");
    cli("settings", "set", "confirm-above", "10");

    // 内容: the Chinese text, a value for everyone, and the English version.
    await click("nav-compose");
    await type("compose-title", TITLE);
    await type("compose-body", BODY);
    await click("compose-value-add");
    await type("compose-value-key-0", "考试时间");
    await type("compose-value-0", "12月20日 9:00");
    await (await (await byTestId("compose-english")).$(".ant-collapse-header")).click();
    await type("compose-english-subject", "Final exams");
    await type("compose-english-body", ENGLISH);
    // Saved by itself once typing pauses: the database holds the last keystroke.
    await app.browser.waitUntil(() => cli("notices", "list")[0]?.english?.body === ENGLISH, {
      timeout: T,
      timeoutMsg: "the draft was not saved with its English version",
    });
    await waitForText("compose-saved", /草稿已自动保存/, "the draft does not say it was saved");

    // The app closes and starts again: the draft is where it was left.
    const { work } = app;
    await app.stop();
    app = await startApp({ again: work });
    await click("nav-notices");
    const open = await app.browser.$(`//a[starts-with(@data-testid, "notice-open-") and normalize-space(.)="${TITLE}"]`);
    await open.waitForClickable({ timeout: T });
    await open.click();
    await waitForValue("compose-title", TITLE);
    await waitForValue("compose-body", BODY);
    await waitForValue("compose-value-0", "12月20日 9:00");
    await waitForValue("compose-english-body", ENGLISH);

    // 对象, 渠道, 何时.
    await chooseEveryone();
    await tickChannel("sandbox");
    await composeStep("when");

    // Exactly what a Chinese and an English-speaking student get.
    await click("compose-preview");
    await click("preview-channel");
    await pickOption("沙盒");
    const chinese = await previewFor("S2024001", "张伟");
    assert.match(chinese, /张伟同学：期末考试于 12月20日 9:00 开始/);
    const english = await previewFor("S2024002", "刘洋");
    assert.match(english, /Dear 刘洋: the final exams begin on 12月20日 9:00\./);
    // The first Escape closes the person search's list, the second the preview.
    await app.browser.keys("Escape");
    await app.browser.pause(300);
    await app.browser.keys("Escape");
    await (await byTestId("preview-channel")).waitForExist({ timeout: T, reverse: true });

    // 核对: 18 people, both versions counted; the number typed before it goes.
    await click("compose-send");
    await waitForText("review-recipients", /18/, "the review does not count 18 people");
    await waitForText("review-versions", /中文 17 人，英文 1 人/, "the review does not count 17 Chinese and one English reader");
    const send = await byTestId("review-send");
    assert.equal(await send.isEnabled(), false, "sending without the typed number");
    await type("review-confirm-input", "18");
    await send.waitForEnabled({ timeout: T });
    await click("review-send");
    await waitForRunCompleted();

    // The inbox holds what the previews showed.
    const inbox = cli("sandbox", "list");
    // The sandbox names each recipient by address (the demo's are their 学号 at the school).
    const to = (externalId) => inbox.find((m) => m.recipient.toLowerCase().includes(externalId.toLowerCase()));
    assert.equal(inbox.length, 18);
    assert.equal(to("S2024001").body.trim(), chinese.trim());
    assert.equal(to("S2024002").body.trim(), english.trim());
    assert.equal(to("S2024002").subject, "Final exams");
    assert.equal(to("S2024001").subject, TITLE);
  });
});
