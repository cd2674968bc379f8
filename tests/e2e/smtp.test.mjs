// An e-mail channel, as a secretary sets it up in the real desktop app, against a small SMTP
// receiver this test runs on 127.0.0.1 (plain SMTP, no TLS: the "不加密" setting meant for a
// relay on this machine):
// - she adds the channel through the Channels screen's "添加渠道" (the form made from the e-mail
//   kind's settings: no login, the receiver's port);
// - she sends a test e-mail from the Channels screen: the receiver gets one message from her
//   from address to the address she typed, whose Subject decodes to Herald's test subject, and
//   the screen shows the receiver's 250 reply in green;
// - a test to an address the receiver refuses shows the refusal in red, with what to check;
// - she edits the channel's sender name through the same form (opened with the channel's
//   settings), and the next test message's From header carries the new name;
// - she sends a notice that allows opting out: every message carries List-Unsubscribe to her
//   from address; a request pasted into 处理退订 on the Contacts screen opts that student out,
//   and her next notice reaches everyone else and not him.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { diagnostics, startApp, testIds } from "./harness.mjs";

const T = 20_000;
const CHANNEL = "教务处邮箱";
const FROM = "jw@school.test";
const TEST_SUBJECT = "Herald 测试邮件 / test message";
const QUEUED = "250 2.0.0 Ok: queued as HERALD";
const REFUSED = "nobody@school.test";

let app;
let receiver;

/**
 * Just enough SMTP to take mail: 220, EHLO/HELO, MAIL, RCPT (550 for REFUSED), DATA up to the
 * lone dot, RSET, NOOP, QUIT. Every message taken is kept with its envelope and raw text.
 */
function startSmtpReceiver() {
  const messages = [];
  const sessions = [];
  const server = createServer((socket) => {
    const session = { lines: [] };
    sessions.push(session);
    let envelope = { from: null, to: [] };
    let data = null;
    let buffer = "";
    const reply = (line) => socket.write(`${line}\r\n`);
    reply("220 herald-test ESMTP ready");
    socket.setEncoding("latin1");
    socket.on("data", (chunk) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (data !== null) {
          if (line === ".") {
            const raw = Buffer.from(data.join("\r\n"), "latin1").toString("utf8");
            messages.push({ ...envelope, raw });
            data = null;
            envelope = { from: null, to: [] };
            reply(`${QUEUED}${messages.length}`);
          } else {
            data.push(line.startsWith("..") ? line.slice(1) : line);
          }
          continue;
        }
        session.lines.push(line);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO") reply("250 herald-test");
        else if (verb === "HELO") reply("250 herald-test");
        else if (verb === "MAIL") {
          envelope = { from: /<([^>]*)>/.exec(line)?.[1] ?? null, to: [] };
          reply("250 2.1.0 Ok");
        } else if (verb === "RCPT") {
          const to = /<([^>]*)>/.exec(line)?.[1] ?? "";
          if (to === REFUSED) reply(`550 5.1.1 <${to}>: Recipient address rejected: User unknown`);
          else {
            envelope.to.push(to);
            reply("250 2.1.5 Ok");
          }
        } else if (verb === "DATA") {
          data = [];
          reply("354 End data with <CR><LF>.<CR><LF>");
        } else if (verb === "RSET") {
          envelope = { from: null, to: [] };
          reply("250 2.0.0 Ok");
        } else if (verb === "NOOP") reply("250 2.0.0 Ok");
        else if (verb === "QUIT") {
          reply("221 2.0.0 Bye");
          socket.end();
        } else reply("502 5.5.2 Error: command not recognized");
      }
    });
    socket.on("error", () => {});
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      resolve({
        port: server.address().port,
        messages,
        /** The commands each session sent, for a failure's diagnostics. */
        summary: () => JSON.stringify(sessions.map((s) => s.lines)),
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

/** A header's value, unfolded; `undefined` when the message has none. */
function header(raw, name) {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, " ");
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

/** RFC 2047: encoded words (B or Q, UTF-8) decoded; white space between two of them dropped. */
function decodeWords(value) {
  const word = /=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g;
  const joined = value.replace(/(\?=)\s+(=\?)/g, "$1$2");
  const parts = [];
  let bytes = [];
  let last = 0;
  const flush = () => {
    if (bytes.length) parts.push(Buffer.concat(bytes).toString("utf8"));
    bytes = [];
  };
  for (const m of joined.matchAll(word)) {
    if (m.index > last) {
      flush();
      parts.push(joined.slice(last, m.index));
    }
    assert.match(m[1], /^utf-?8$/i, `charset of ${m[0]}`);
    // Words are decoded to bytes and joined before UTF-8 decoding: a character may be split.
    bytes.push(
      m[2].toUpperCase() === "B"
        ? Buffer.from(m[3], "base64")
        : Buffer.from(
            m[3].replace(/_/g, " ").replace(/=([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))),
            "latin1",
          ),
    );
    last = m.index + m[0].length;
  }
  flush();
  parts.push(joined.slice(last));
  return parts.join("");
}

before(async () => {
  receiver = await startSmtpReceiver();
  app = await startApp();
});

after(async () => {
  if (app) await app.stop();
  if (receiver) await receiver.close();
});

const {
  byTestId,
  click,
  switchOn,
  fill,
  replace,
  loadDemo,
  chooseEveryone,
  tickChannel,
  waitForRunCompleted,
  waitForText,
  sendComposed,
} = testIds(() => app.browser, T);

const withDiagnostics = diagnostics(() => app, () => [`smtp sessions: ${receiver.summary()}`]);

/** antd keeps a radio's input hidden under its label: click the label of the option. */
async function chooseRadio(testId) {
  const label = await app.browser.$(`//*[@data-testid="${testId}"]/ancestor-or-self::label`);
  await label.waitForClickable({ timeout: T });
  await label.click();
  const input = await app.browser.$(`//*[@data-testid="${testId}"]/descendant-or-self::input`);
  await app.browser.waitUntil(async () => input.isSelected(), { timeout: T, timeoutMsg: `${testId} did not get chosen` });
}

/** Saves the e-mail form and waits for it to close; says what it shows if it does not. */
async function saveSmtpForm() {
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
    const shown = await app.browser.execute(() =>
      [...document.querySelectorAll('[data-testid="kind-error"], .ant-form-item-explain-error')]
        .map((el) => el.textContent)
        .join(" | "),
    );
    throw new Error(`the e-mail form did not close after saving; it shows: ${shown || "nothing"}`, { cause: e });
  }
}

/** Opens the test dialog of the channel, sends to `to`; returns the result's box once shown. */
async function sendTest(to) {
  await click(`channel-test-${CHANNEL}`);
  await fill("channel-test-to", to);
  await click("channel-test-send");
  const result = await app.browser.$('[data-testid="channel-test-ok"], [data-testid="channel-test-failed"], [data-testid="channel-test-error"]');
  await result.waitForExist({ timeout: 60_000, timeoutMsg: `no result shown for the test to ${to}` });
  return result;
}

async function closeTest() {
  await click("channel-test-close");
  await byTestId("channel-test-to").waitForExist({ timeout: T, reverse: true });
}

test("an e-mail channel added through the form sends a test message the receiver gets, with the 250 shown", async (t) => {
  await withDiagnostics(t, "smtp-add-test", async () => {
    const { browser } = app;
    await click("nav-channels");
    await click("channel-add");
    await click("kind-pick-smtp");
    await fill("kind-field-name", CHANNEL);
    await fill("kind-field-host", "127.0.0.1");
    await chooseRadio("kind-choice-security-none");
    // Choosing 不加密 fills the usual port; this receiver listens on its own.
    assert.equal(await (await byTestId("kind-field-port")).getValue(), "25");
    await replace("kind-field-port", String(receiver.port));
    await click("kind-group-login");
    await byTestId("kind-field-password").waitForExist({ timeout: T, reverse: true });
    await fill("kind-field-from-address", FROM);
    await fill("kind-field-from-name", "教务处");
    await saveSmtpForm();
    const table = await byTestId("channels-table");
    await browser.waitUntil(async () => (await table.getText()).includes(CHANNEL), {
      timeout: T,
      timeoutMsg: `the channel ${CHANNEL} is not in the channels table`,
    });

    const result = await sendTest("zhang@school.test");
    assert.equal(await result.getAttribute("data-testid"), "channel-test-ok", await result.getText());
    const reply = await (await byTestId("channel-test-reply")).getText();
    assert.match(reply, /^250 2\.0\.0 Ok: queued as HERALD1$/);
    // The settings shown beside the test are the channel's, with no password.
    const settings = await (await byTestId("channel-test-settings")).getText();
    assert.ok(settings.includes(`127.0.0.1:${receiver.port}`), settings);
    assert.ok(settings.includes("不加密"), settings);
    await closeTest();

    assert.equal(receiver.messages.length, 1);
    const [message] = receiver.messages;
    assert.equal(message.from, FROM);
    assert.deepEqual(message.to, ["zhang@school.test"]);
    const subject = header(message.raw, "Subject");
    assert.ok(subject, `no Subject header in:\n${message.raw}`);
    assert.equal(decodeWords(subject), TEST_SUBJECT);
    assert.match(decodeWords(header(message.raw, "From") ?? ""), /教务处.*<jw@school\.test>/);
  });
});

test("a test to an address the server refuses shows the refusal in red, with what to check", async (t) => {
  await withDiagnostics(t, "smtp-refused", async () => {
    const result = await sendTest(REFUSED);
    assert.equal(await result.getAttribute("data-testid"), "channel-test-failed", await result.getText());
    const reason = await (await byTestId("channel-test-reply")).getText();
    assert.match(reason, /550/);
    assert.match(reason, /Recipient address rejected/);
    assert.match(await (await byTestId("channel-test-hint")).getText(), /收件地址有问题/);
    await closeTest();
    assert.equal(receiver.messages.length, 1, "nothing more was taken");
  });
});

test("the sender name edited through the form is the From header's display name at the receiver", async (t) => {
  await withDiagnostics(t, "smtp-edit", async () => {
    const { browser } = app;
    await click(`channel-edit-${CHANNEL}`);
    // The form opens with the channel's settings: the name fixed, no login, the receiver's port.
    const fromName = await byTestId("kind-field-from-name");
    await browser.waitUntil(async () => (await fromName.getValue()) === "教务处", {
      timeout: T,
      timeoutMsg: "the edit form did not open with the channel's sender name",
    });
    assert.equal(await (await byTestId("kind-field-name")).getValue(), CHANNEL);
    assert.equal(await (await byTestId("kind-field-name")).isEnabled(), false);
    assert.equal(await (await byTestId("kind-field-port")).getValue(), String(receiver.port));
    assert.equal(await (await byTestId("kind-field-password")).isExisting(), false);
    await replace("kind-field-from-name", "教务处办公室");
    await saveSmtpForm();

    const result = await sendTest("li@school.test");
    assert.equal(await result.getAttribute("data-testid"), "channel-test-ok", await result.getText());
    await closeTest();
    assert.equal(receiver.messages.length, 2);
    const message = receiver.messages[1];
    assert.equal(message.from, FROM);
    assert.deepEqual(message.to, ["li@school.test"]);
    const from = decodeWords(header(message.raw, "From") ?? "");
    assert.match(from, /^"?教务处办公室"? <jw@school\.test>$/, from);
  });
});

/** Composes a notice to everyone through the e-mail channel, sends it, waits for the run's end. */
async function sendNotice(title, { allowUnsubscribe }) {
  await click("nav-compose");
  await fill("compose-title", title);
  await fill("compose-body", "{{ name }}同学：周五下午有讲座，欢迎参加。");
  await chooseEveryone();
  await tickChannel(CHANNEL);
  if (allowUnsubscribe) await switchOn("compose-allow-unsubscribe");
  await sendComposed(CHANNEL);
  await waitForRunCompleted();
}

test("a notice allowing opt-out carries List-Unsubscribe, and a pasted request stops the next e-mail", async (t) => {
  await withDiagnostics(t, "smtp-unsubscribe", async () => {
    const { browser } = app;
    await click("nav-dashboard");
    await loadDemo();
    const before = receiver.messages.length;
    await sendNotice("讲座预告", { allowUnsubscribe: true });
    const lecture = receiver.messages.slice(before);
    // The demo's 17 people with an e-mail address.
    assert.equal(lecture.length, 17);
    for (const m of lecture) {
      assert.equal(
        header(m.raw, "List-Unsubscribe"),
        "<mailto:jw@school.test?subject=%E9%80%80%E8%AE%A2%20unsubscribe>",
        `message to ${m.to}`,
      );
    }
    const student = "s2024001@demo.herald.edu.cn";
    assert.ok(lecture.some((m) => m.to.includes(student)));

    // His request arrives in her mailbox; she pastes it on the Contacts screen.
    await click("nav-contacts");
    await click("contacts-unsubscribe");
    // WebDriver types no line breaks into the box: the mail's header lines come as one line.
    await fill("unsubscribe-text", `发件人: 张伟 <${student}>  收件人: ${FROM}  主题: 退订 unsubscribe`);
    await click("unsubscribe-find");
    const found = await waitForText("unsubscribe-found", /张伟/, "the request's contact is not shown");
    assert.match(found, /S2024001/);
    assert.match(found, /将退订邮件/);
    assert.match(await (await byTestId("unsubscribe-own")).getText(), /jw@school\.test/);
    await waitForText("unsubscribe-apply", /退订这 1 人的邮件/, "the confirm button");
    await click("unsubscribe-apply");
    await byTestId("unsubscribe-text").then((el) => el.waitForExist({ timeout: T, reverse: true }));
    await browser.waitUntil(async () => (await browser.$("body").getText()).includes("已为 1 人退订邮件"), {
      timeout: T,
      timeoutMsg: "no confirmation that the opt-out was recorded",
    });

    // The next notice reaches the other 16 only.
    const beforeNext = receiver.messages.length;
    await sendNotice("讲座改期", { allowUnsubscribe: false });
    const next = receiver.messages.slice(beforeNext);
    assert.equal(next.length, 16);
    assert.ok(next.every((m) => !m.to.includes(student)));
    assert.ok(next.every((m) => header(m.raw, "List-Unsubscribe") === undefined));
  });
});
