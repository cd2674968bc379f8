// The controls, as a secretary uses them in the real desktop app, against a webhook receiver
// this test runs on 127.0.0.1:
// - she adds a signed webhook channel through the Channels form and sends a notice through it:
//   the receiver gets every message, rendered, with Standard Webhooks headers whose signature
//   checks out with the secret she typed;
// - she sends through a webhook channel limited to 1 message a second, then pauses the run
//   (nothing more goes out), resumes it, and cancels it (what was not sent is cancelled);
// - she pauses the sandbox channel (it shows as paused, with the reason), a notice through it
//   waits, and when she resumes the channel the notice goes out;
// - a webhook channel whose receiver answers 503 pauses itself and says why; once the receiver
//   is back she resumes it and every message goes through.
// One app and one receiver serve the four tests, in order, on the demo contacts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { diagnostics, startApp, testIds } from "./harness.mjs";

const T = 20_000;
/** The demo list's size: every notice here goes to everyone. */
const DEMO_CONTACTS = 18;

// Status texts in both languages (the app starts in Chinese).
const SENDING = /发送中|Sending/;
const PAUSED = /已暂停|Paused/;
const COMPLETED = /已完成|Completed/;
const CANCELLED = /已取消|Cancelled/;
const HEALTH_OK = /正常|OK/;

let app;
let receiver;

/**
 * A webhook receiver on 127.0.0.1 that keeps every request and answers 200, or the status
 * set for its path with `answer(path, status)`.
 */
function startReceiver() {
  const requests = [];
  const statuses = new Map();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const status = statuses.get(req.url) ?? 200;
      const { method, url, headers } = req;
      requests.push({ method, url, headers, body: Buffer.concat(chunks), at: Date.now(), status });
      res.writeHead(status, { "content-type": "application/json" });
      res.end(status === 200 ? '{"ok":true}' : '{"error":"receiver under maintenance"}');
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({
        url: (p) => `http://127.0.0.1:${port}${p}`,
        on: (p) => requests.filter((r) => r.url === p),
        answer: (p, status) => statuses.set(p, status),
        /** Requests by path and answer, for a failure's diagnostics. */
        summary: () => {
          const counts = {};
          for (const { url, status } of requests) counts[`${url} ${status}`] = (counts[`${url} ${status}`] ?? 0) + 1;
          return JSON.stringify(counts);
        },
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

before(async () => {
  receiver = await startReceiver();
  app = await startApp();
  await loadDemo();
});

after(async () => {
  if (app) await app.stop();
  if (receiver) await receiver.close();
});

const { byTestId, click, expand, type, waitForText, fill, loadDemo, historyRow, chooseEveryone, composeStep, sendComposed } = testIds(() => app.browser, T);

const withDiagnostics = diagnostics(() => app, () => [`receiver: ${receiver.summary()}`]);

/** Adds a webhook channel through the Channels screen's form. */
async function addWebhookChannel({ name, url, secret, limits = {} }) {
  const { browser } = app;
  await click("nav-channels");
  await click("channel-add");
  await click("kind-pick-webhook");
  await type("kind-field-name", name);
  await type("kind-field-url", url);
  if (secret) {
    await type("kind-field-secret", secret);
    // Typing the secret turns signing on.
    await browser.waitUntil(async () => (await (await byTestId("kind-field-signing")).getAttribute("aria-checked")) === "true", {
      timeout: T,
      timeoutMsg: "signing did not come on with its secret",
    });
  }
  if (Object.keys(limits).length > 0) {
    await expand("kind-advanced", "kind-limit-pauseAfterFailures");
    for (const [field, value] of Object.entries(limits)) await fill(`kind-limit-${field}`, String(value));
  }
  await (await byTestId("kind-save")).waitForStable({ timeout: T });
  await click("kind-save");
  try {
    // Looked up afresh each time: an element held across the modal's closing can go stale,
    // and a stale element fails the wait at once although the form did close.
    await app.browser.waitUntil(async () => !(await (await byTestId("kind-save")).isExisting()), {
      timeout: T,
      timeoutMsg: "the form is still open",
    });
  } catch (e) {
    const shown = await browser.execute(() => {
      const errors = [...document.querySelectorAll('[data-testid="kind-error"], .ant-form-item-explain-error')];
      const save = document.querySelector('[data-testid="kind-save"]');
      return {
        errors: errors.map((el) => el.textContent).join(" | ") || "none",
        saving: save ? save.className.includes("ant-btn-loading") : null,
      };
    });
    throw new Error(`the webhook form did not close after saving; it shows: ${JSON.stringify(shown)}`, { cause: e });
  }
  const table = await byTestId("channels-table");
  await browser.waitUntil(async () => (await table.getText()).includes(name), {
    timeout: T,
    timeoutMsg: `the channel ${name} is not in the channels table`,
  });
  await waitForText(`channel-health-${name}`, HEALTH_OK, `the new channel ${name}'s health`);
}

/** Composes a notice to everyone through one channel and sends it; ends on the run's page. */
async function sendNotice({ title, body, channel }) {
  await click("nav-compose");
  await type("compose-title", title);
  await type("compose-body", body);
  await chooseEveryone();
  await composeStep("channels");
  // antd puts the test id on the checkbox's hidden input: click its label, read the input.
  const id = `[@data-testid="compose-channel-${channel}"]`;
  const label = await app.browser.$(`//*${id}/ancestor-or-self::label`);
  await label.waitForClickable({ timeout: T });
  await label.click();
  const input = await app.browser.$(`//*${id}/descendant-or-self::input`);
  await app.browser.waitUntil(async () => input.isSelected(), {
    timeout: T,
    timeoutMsg: `the channel ${channel} did not get checked`,
  });
  await sendComposed(channel);
  await waitForText("run-title", new RegExp(title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")), "the run's page");
  await byTestId("run-status").waitForExist({ timeout: T });
}

/** What the run's page shows, read in one go so the figures belong together. */
function runPage() {
  return app.browser.execute(() => {
    const q = (id) => document.querySelector(`[data-testid="${id}"]`);
    const stat = (id) => {
      const el = q(id)?.querySelector(".ant-statistic-content-value");
      return el ? el.textContent.trim() : null;
    };
    const num = (id) => {
      const text = stat(id);
      return text === null ? null : Number(text.replace(/[^0-9]/g, ""));
    };
    const bar = q("run-progress");
    const rows = [...document.querySelectorAll('[data-testid="run-deliveries"] tr.ant-table-row')];
    return {
      status: q("run-status")?.textContent ?? null,
      total: num("run-total"),
      sent: num("run-sent"),
      failed: num("run-failed"),
      waiting: num("run-waiting"),
      retrying: num("run-retrying"),
      cancelled: num("run-cancelled"),
      rate: stat("run-rate"),
      note: q("run-note")?.textContent ?? null,
      percent: bar?.querySelector(".ant-progress-text")?.textContent ?? null,
      barActive: bar ? bar.className.includes("ant-progress-status-active") : null,
      controls: ["run-pause", "run-resume", "run-cancel"].filter((id) => q(id)),
      rowStatuses: rows.map((r) => r.querySelector(".ant-tag")?.textContent ?? ""),
    };
  });
}

/** Waits until the run's page satisfies `check`; returns what it showed then. */
async function waitForRun(check, what, timeout = T) {
  let seen;
  let problem;
  try {
    await app.browser.waitUntil(
      async () => {
        try {
          seen = await runPage();
        } catch (e) {
          problem = e;
          return false;
        }
        return check(seen);
      },
      { timeout },
    );
  } catch (e) {
    const error = problem ? `; last error: ${problem}` : "";
    throw new Error(`${what}; the run's page showed ${JSON.stringify(seen)}${error}`, { cause: e });
  }
  return seen;
}

const percentOf = (done, total) => `${Math.floor((done / total) * 100)}%`;

/** Standard Webhooks v1: HMAC-SHA256 keyed by the base64 after `whsec_`, over `id.timestamp.body`. */
function signatureMatches(secret, headers, body) {
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const signed = Buffer.concat([Buffer.from(`${headers["webhook-id"]}.${headers["webhook-timestamp"]}.`), body]);
  const expected = createHmac("sha256", key).update(signed).digest();
  return String(headers["webhook-signature"] ?? "")
    .split(" ")
    .filter((s) => s.startsWith("v1,"))
    .some((s) => {
      const given = Buffer.from(s.slice(3), "base64");
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}

test("a signed webhook channel added through the form delivers every message, rendered and signed", async (t) => {
  await withDiagnostics(t, "webhook", async () => {
    const secret = `whsec_${randomBytes(24).toString("base64")}`;
    await addWebhookChannel({ name: "signed-hook", url: receiver.url("/signed"), secret });

    const title = "实验室安全培训";
    const startedAt = Math.floor(Date.now() / 1000);
    await sendNotice({ title, body: "{{ name }}同学：请于周五下午参加实验室安全培训。", channel: "signed-hook" });
    const done = await waitForRun((r) => COMPLETED.test(r.status ?? ""), "the signed run did not complete", 60_000);
    assert.equal(done.total, DEMO_CONTACTS);
    assert.equal(done.sent, DEMO_CONTACTS);
    assert.equal(done.failed, 0);
    assert.equal(done.percent, "100%");

    const requests = receiver.on("/signed");
    assert.equal(requests.length, DEMO_CONTACTS, "one request per contact");
    const names = new Set();
    const ids = new Set();
    for (const r of requests) {
      assert.equal(r.method, "POST");
      assert.match(r.headers["content-type"], /^application\/json/);
      const id = r.headers["webhook-id"];
      assert.match(id ?? "", /^msg_\d+$/, "webhook-id");
      assert.equal(r.headers["idempotency-key"], id.slice("msg_".length), "the idempotency key is the delivery's id");
      ids.add(id);
      const timestamp = Number(r.headers["webhook-timestamp"]);
      assert.ok(Number.isInteger(timestamp), `webhook-timestamp: ${r.headers["webhook-timestamp"]}`);
      assert.ok(timestamp >= startedAt - 5 && timestamp <= Math.ceil(r.at / 1000) + 5, "the timestamp is the send time");
      assert.match(r.headers["webhook-signature"] ?? "", /^v1,[A-Za-z0-9+/]+=*( |$)/, "webhook-signature");
      assert.ok(signatureMatches(secret, r.headers, r.body), `the signature of ${id} does not verify`);
      // The check means something: one changed byte of the body fails it.
      assert.ok(!signatureMatches(secret, r.headers, Buffer.concat([r.body, Buffer.from(" ")])));

      const payload = JSON.parse(r.body.toString("utf8"));
      assert.equal(payload.channel, "signed-hook");
      assert.equal(payload.subject, title, "the subject is the title when left blank");
      assert.equal(payload.recipient.name.length > 0, true);
      assert.equal(payload.body.trim(), `${payload.recipient.name}同学：请于周五下午参加实验室安全培训。`);
      assert.equal(`msg_${payload.id}`, id, "the body's id is the delivery's");
      names.add(payload.recipient.name);
    }
    assert.equal(ids.size, DEMO_CONTACTS, "every message has its own webhook-id");
    assert.equal(names.size, DEMO_CONTACTS, "every contact got their own rendered message");
  });
});

test("a run that is still sending can be paused, resumed and cancelled from its page", async (t) => {
  await withDiagnostics(t, "run-controls", async () => {
    const { browser } = app;
    // One message a second: 18 contacts keep the run sending for 18 s, time enough to act.
    await addWebhookChannel({ name: "slow-hook", url: receiver.url("/slow"), limits: { perSecond: 1 } });
    const received = () => receiver.on("/slow").length;

    await sendNotice({ title: "停水通知（慢速渠道）", body: "{{ name }}：明天上午宿舍楼停水。", channel: "slow-hook" });

    // Sending, and moving: the counts go up while she watches.
    const first = await waitForRun((r) => SENDING.test(r.status ?? "") && r.sent >= 1, "the run did not start sending");
    assert.equal(first.total, DEMO_CONTACTS);
    assert.ok(first.barActive, "the progress bar is active while sending");
    assert.deepEqual(first.controls, ["run-pause", "run-cancel"]);
    await waitForRun((r) => r.sent > first.sent, "the sent count did not move");

    // Pause.
    const pausedAt = Date.now();
    await click("run-pause");
    await waitForText("run-status", PAUSED, "the run's status after pausing");
    // A message claimed just before the pause still goes out and is counted (the page cannot
    // tell it from a waiting one): allow it a second, then the page must agree with the receiver.
    const paused = await waitForRun(
      (r) => PAUSED.test(r.status ?? "") && Date.now() - pausedAt >= 1000 && r.sent === received(),
      "the page's sent count did not settle on what the receiver got",
    );
    assert.ok(paused.sent < DEMO_CONTACTS, "the run was paused before it finished");
    assert.equal(paused.sent + paused.waiting + paused.retrying, DEMO_CONTACTS);
    assert.deepEqual(paused.controls, ["run-resume", "run-cancel"]);
    assert.match(paused.note ?? "", /已暂停|Paused/);
    assert.equal(paused.rate, "—");
    assert.equal(paused.barActive, false, "the progress bar is not active while paused");
    assert.equal(paused.percent, percentOf(paused.sent, DEMO_CONTACTS));
    // At one a second, two and a half seconds would have sent two more.
    await browser.pause(2500);
    const still = await runPage();
    assert.equal(received(), paused.sent, "the receiver got nothing while the run was paused");
    assert.equal(still.sent, paused.sent, "the sent count stays put while paused");
    assert.equal(still.percent, paused.percent, "the progress bar stays put while paused");
    assert.match(still.status ?? "", PAUSED);

    // Resume: it moves again.
    await click("run-resume");
    await waitForText("run-status", SENDING, "the run's status after resuming");
    const resumed = await waitForRun((r) => r.sent > paused.sent, "the sent count did not move after resuming");
    assert.ok(resumed.sent < DEMO_CONTACTS, "the run is still sending when she cancels");
    assert.ok(received() > paused.sent, "the receiver gets messages again");

    // Cancel, through the confirmation.
    await click("run-cancel");
    await click("run-cancel-confirm");
    await waitForText("run-status", CANCELLED, "the run's status after cancelling");
    const cancelled = await waitForRun(
      (r) =>
        CANCELLED.test(r.status ?? "") &&
        r.sent === received() &&
        r.sent + r.failed + r.cancelled === DEMO_CONTACTS &&
        r.rowStatuses.length === DEMO_CONTACTS &&
        r.rowStatuses.filter((s) => CANCELLED.test(s)).length === r.cancelled,
      "the cancelled run's counts and deliveries did not settle",
    );
    assert.ok(cancelled.cancelled > 0, "the deliveries not sent are cancelled");
    assert.equal(cancelled.failed, 0);
    assert.equal(cancelled.waiting, 0);
    assert.equal(cancelled.retrying, 0);
    assert.deepEqual(cancelled.controls, [], "a cancelled run offers no pause, resume or cancel");
    assert.equal(cancelled.barActive, false);
    assert.equal(cancelled.percent, percentOf(cancelled.sent, DEMO_CONTACTS));
    assert.equal(cancelled.rowStatuses.filter((s) => /已发送|Sent/.test(s)).length, cancelled.sent);
    t.diagnostic(
      `sent ${paused.sent} before the pause, ${resumed.sent} after resuming, ` +
        `${cancelled.sent} in all; ${cancelled.cancelled} cancelled`,
    );
    // Nothing more goes out after the cancel.
    await browser.pause(2000);
    assert.equal(received(), cancelled.sent, "the receiver got nothing after the cancel");
    assert.equal((await runPage()).sent, cancelled.sent);
  });
});

test("a channel paused on the Channels screen shows why, holds its notices, and sends them when resumed", async (t) => {
  await withDiagnostics(t, "channel-controls", async () => {
    const { browser } = app;
    await click("nav-channels");
    await click("channel-pause-sandbox");
    await waitForText("channel-health-sandbox", PAUSED, "the sandbox's health after pausing");
    await waitForText("channel-reason-sandbox", /paused by hand/, "the sandbox's pause reason");
    await (await byTestId("channel-resume-sandbox")).waitForClickable({ timeout: T });
    assert.equal(await byTestId("channel-pause-sandbox").isExisting(), false);

    // The dashboard warns about it, with the reason.
    await click("nav-dashboard");
    await waitForText("paused-channels-alert", /沙盒[\s\S]*paused by hand/, "the dashboard's paused-channel warning");

    // A notice through the paused channel waits.
    const title = "图书馆闭馆通知";
    await sendNotice({ title, body: "{{ name }}，图书馆本周六闭馆。", channel: "sandbox" });
    const held = await waitForRun((r) => r.total === DEMO_CONTACTS, "the held run's page did not load");
    await browser.pause(1500);
    const stillHeld = await runPage();
    assert.match(stillHeld.status ?? "", SENDING);
    assert.equal(stillHeld.sent, 0, "nothing goes out through a paused channel");
    assert.equal(stillHeld.waiting, DEMO_CONTACTS);
    assert.equal(held.sent, 0);

    // Resume the channel: health back to normal, no reason, and the notice goes out.
    await click("nav-channels");
    await click("channel-resume-sandbox");
    await waitForText("channel-health-sandbox", HEALTH_OK, "the sandbox's health after resuming");
    await (await byTestId("channel-pause-sandbox")).waitForClickable({ timeout: T });
    assert.equal(await byTestId("channel-reason-sandbox").isExisting(), false, "a running channel shows no reason");

    await click("nav-dashboard");
    await byTestId("paused-channels-alert").waitForExist({ timeout: T, reverse: true });

    await (await (await historyRow(title)).$("a")).click();
    const done = await waitForRun((r) => COMPLETED.test(r.status ?? ""), "the held run did not complete after resuming");
    assert.equal(done.sent, DEMO_CONTACTS);
  });
});

test("a webhook channel that pauses itself after failures says why, and delivers what waited once resumed", async (t) => {
  await withDiagnostics(t, "self-pause", async () => {
    // The receiver is down (503) when the notice goes out.
    receiver.answer("/flaky", 503);
    await addWebhookChannel({
      name: "flaky-hook",
      url: receiver.url("/flaky"),
      limits: { pauseAfterFailures: 3, retryBaseSecs: 1 },
    });
    const title = "体检时间调整";
    await sendNotice({ title, body: "{{ name }}：体检改到下周三上午。", channel: "flaky-hook" });
    const held = await waitForRun(
      (r) => r.retrying > 0 && r.sent === 0,
      "the failed sends did not show as waiting to retry",
    );
    assert.match(held.status ?? "", SENDING);
    assert.equal(held.failed, 0, "a 503 is worth retrying, not a failure");

    // The Channels screen shows it paused, with the count and the receiver's error.
    await click("nav-channels");
    await waitForText("channel-health-flaky-hook", PAUSED, "the failing channel's health");
    await waitForText(
      "channel-reason-flaky-hook",
      /paused after \d+ failed sends in a row; last error: .*503/,
      "the failing channel's pause reason",
    );
    const failures = Number(await byTestId("channel-failures-flaky-hook").getText());
    assert.ok(failures >= 3, `failures in a row: ${failures}`);
    const whilePaused = receiver.on("/flaky").length;
    assert.ok(whilePaused >= 3, `requests before pausing: ${whilePaused}`);

    // The receiver is back; she resumes the channel and what waited goes out.
    receiver.answer("/flaky", 200);
    await click("channel-resume-flaky-hook");
    await waitForText("channel-health-flaky-hook", HEALTH_OK, "the channel's health after resuming");
    await byTestId("channel-reason-flaky-hook").waitForExist({ timeout: T, reverse: true });

    await (await (await historyRow(title)).$("a")).click();
    const done = await waitForRun(
      (r) => COMPLETED.test(r.status ?? ""),
      "the run did not complete after the channel was resumed",
      60_000,
    );
    assert.equal(done.sent, DEMO_CONTACTS);
    assert.equal(done.failed, 0);
    const ok = receiver.on("/flaky").filter((r) => r.status === 200);
    assert.equal(ok.length, DEMO_CONTACTS, "every contact's message got through once the receiver was back");
    assert.equal(new Set(ok.map((r) => r.headers["idempotency-key"])).size, DEMO_CONTACTS);
    t.diagnostic(`${whilePaused} requests failed before the channel paused itself (${failures} failures in a row)`);

    await click("nav-channels");
    await waitForText("channel-failures-flaky-hook", /^0$/, "the failure count after sends went through");
  });
});
