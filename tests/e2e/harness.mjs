// Starts tauri-driver and a WebDriver session on the real debug build of the desktop app,
// with a fresh data directory, and keeps the app's log for when a test fails.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync, chmodSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { remote } from "webdriverio";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const APP = path.join(ROOT, "target/debug/herald-desktop");

async function waitForDriver(port, child) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`tauri-driver exited with ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/status`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("tauri-driver did not answer within 30 s");
}

/**
 * Starts the app on an empty data directory, or on the one of an earlier start (`again`: its
 * `work`), as a restart finds it; returns { browser, dataDir, work, appLog, stop }.
 */
export async function startApp({ again } = {}) {
  if (!existsSync(APP)) throw new Error(`${APP} is missing: run cargo build -p herald-desktop first`);
  const work = again ?? mkdtempSync(path.join(tmpdir(), "herald-e2e-"));
  const dataDir = path.join(work, "data");
  const log = path.join(work, "app.log");
  // tauri-driver drops the app's output, and the environment may not reach the app through
  // WebKitWebDriver: a wrapper sets both, and `exec`s so the app does not outlive the session.
  // The file store for secrets, so a test never touches the keyring of whoever runs it.
  const wrapper = path.join(work, "herald-desktop.sh");
  writeFileSync(wrapper, `#!/bin/sh\nexport HERALD_DATA_DIR='${dataDir}'\nexport HERALD_SECRET_STORE=file\nexec '${APP}' "$@" >>'${log}' 2>&1\n`);
  chmodSync(wrapper, 0o755);

  const port = 4444 + Math.floor(Math.random() * 500) * 2;
  const driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(port + 1)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let driverErr = "";
  driver.stderr.on("data", (d) => (driverErr += d));
  await waitForDriver(port, driver);

  const browser = await remote({
    hostname: "127.0.0.1",
    port,
    logLevel: "error",
    connectionRetryCount: 5,
    connectionRetryTimeout: 60_000,
    capabilities: { "tauri:options": { application: wrapper } },
  });
  const stop = async () => {
    await browser.deleteSession().catch(() => {});
    driver.kill();
  };
  const appLog = () => (existsSync(log) ? readFileSync(log, "utf8") : "") + driverErr;
  return { browser, dataDir, work, appLog, stop };
}

/** Waits two animation frames so a screenshot shows what the DOM now holds. */
export async function settle(browser) {
  await browser.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
}

/**
 * `withDiagnostics(t, name, body)`, which runs a test's body and, if it fails, puts a screenshot
 * (`failure-NAME.png` in the app's work directory), the lines `extra()` gives (what the test's
 * own receiver heard, say) and the app's log in the test's output, then fails with the same
 * error: the evidence of a failure seen only in CI. `app` is a getter, as in `testIds`.
 */
export function diagnostics(app, extra = () => []) {
  return async function withDiagnostics(t, name, body) {
    try {
      await body();
    } catch (e) {
      const { work, browser, appLog } = app();
      const shot = path.join(work, `failure-${name}.png`);
      await browser.saveScreenshot(shot).catch(() => {});
      t.diagnostic(`screenshot: ${shot}`);
      const lines = await Promise.resolve()
        .then(extra)
        .catch((err) => [`(diagnostics failed: ${err})`]);
      for (const line of lines) t.diagnostic(line);
      // What the screen says, which the screenshot may have scrolled out of view: the page,
      // and any error or message shown.
      const shown = await browser
        .execute(() => {
          const texts = (selector) =>
            [...document.querySelectorAll(selector)].map((el) => el.textContent.trim()).filter(Boolean);
          return {
            url: location.hash || location.pathname,
            alerts: texts(".ant-alert, .ant-message-notice, .ant-notification-notice, .ant-form-item-explain-error"),
            loading: document.querySelectorAll(".ant-btn-loading, .ant-spin-spinning").length,
            modal: texts(".ant-modal-title"),
          };
        })
        .catch((err) => `(could not read the screen: ${err})`);
      t.diagnostic(`screen: ${JSON.stringify(shown)}`);
      t.diagnostic(`app log:\n${appLog()}`);
      throw e;
    }
  };
}

/**
 * Helpers by `data-testid` and the steps several test files take, shared by the test files.
 * `browser` is a getter because the session starts in `before()`, after the module has bound
 * these; `timeout` is how long each step may wait.
 */
export function testIds(browser, timeout) {
  const byTestId = (id) => browser().$(`[data-testid="${id}"]`);
  /**
   * Clicks an element once it is clickable and has come to rest: a click aimed at an element
   * that a modal's opening animation is still moving lands beside it, and is lost.
   */
  async function click(id) {
    const el = await byTestId(id);
    await el.waitForClickable({ timeout });
    await el.waitForStable({ timeout });
    await el.click();
  }

  /**
   * Turns a switch on, clicking again if a click was lost (Compose's preview arriving above it
   * can move it between the aim and the click).
   */
  async function switchOn(id) {
    const el = await byTestId(id);
    const on = async () => (await el.getAttribute("aria-checked")) === "true";
    await browser().waitUntil(
      async () => {
        if (await on()) return true;
        await click(id);
        return browser()
          .waitUntil(on, { timeout: 2000 })
          .then(
            () => true,
            () => false,
          );
      },
      { timeout, timeoutMsg: `${id} did not switch on` },
    );
  }

  /** Opens a collapsed panel by its header until `inside` shows, clicking again if a click was lost. */
  async function expand(header, inside) {
    const content = await byTestId(inside);
    await browser().waitUntil(
      async () => {
        if (await content.isDisplayed()) return true;
        await click(header);
        return content.waitForDisplayed({ timeout: 3000 }).then(
          () => true,
          () => false,
        );
      },
      { timeout, timeoutMsg: `${inside} did not show after opening ${header}` },
    );
    // The panel slides open and moves what is below it: let it come to rest first.
    await content.waitForStable({ timeout });
  }
  async function type(id, text) {
    const el = await byTestId(id);
    await el.waitForDisplayed({ timeout });
    await el.setValue(text);
  }

  /** The element's text, once it is displayed. */
  async function textOf(id) {
    const el = await byTestId(id);
    await el.waitForDisplayed({ timeout });
    return el.getText();
  }

  /**
   * Waits until the element's text matches `pattern`; returns that text. The element is looked
   * up afresh each time (React may replace it); `what` says what failed, with the text last seen.
   */
  async function waitForText(id, pattern, what) {
    let last = "";
    try {
      await browser().waitUntil(
        async () => {
          last = await textOf(id).catch(() => "");
          return pattern.test(last);
        },
        { timeout },
      );
    } catch (e) {
      throw new Error(`${what}: expected ${pattern}, saw "${last}"`, { cause: e });
    }
    return last;
  }

  /** Waits until an input holds `value`. */
  async function waitForValue(id, value) {
    const input = await byTestId(id);
    await browser().waitUntil(async () => (await input.getValue()) === value, {
      timeout,
      timeoutMsg: `${id} did not take ${value}`,
    });
  }

  /** Types into an input and waits until it holds the text. */
  async function fill(id, text) {
    await type(id, text);
    await waitForValue(id, text);
  }

  /**
   * Types over what an input holds, as a person does: setValue and clearValue do not empty antd's
   * inputs (React keeps its value), so select all, delete, type. Waits until it holds the text.
   */
  async function replace(id, text) {
    const el = await byTestId(id);
    await el.waitForDisplayed({ timeout });
    await el.click();
    await browser().keys(["Control", "a"]);
    await browser().keys("Backspace");
    await el.addValue(text);
    await waitForValue(id, text);
  }

  /** First start: the dashboard offers the demo contacts; loads them. */
  async function loadDemo() {
    await click("demo-load");
    await browser().waitUntil(async () => !(await (await byTestId("demo-offer")).isExisting()), {
      timeout,
      timeoutMsg: "the demo offer did not go away after loading",
    });
  }

  /**
   * Runs `step` until it returns true, looking again when the page re-rendered between a look
   * and an action (WebDriver's stale element): lists fill in as their data arrives.
   */
  async function untilDone(step, what) {
    await browser().waitUntil(
      async () => {
        try {
          return await step();
        } catch (e) {
          if (/stale/i.test(String(e))) return false;
          throw e;
        }
      },
      { timeout, timeoutMsg: `${what} did not happen` },
    );
  }

  /** On Compose: goes to step `step` (content, audience, channels, when) by its link at the top. */
  async function composeStep(step) {
    await click(`compose-step-link-${step}`);
    await (await byTestId(`compose-step-${step}`)).waitForDisplayed({ timeout });
  }

  /**
   * On Compose: everyone as the audience (nobody is chosen until the sender says). antd draws
   * the radio over its input (opacity 0), which WebDriver never calls clickable.
   */
  async function chooseEveryone() {
    await composeStep("audience");
    const everyone = await byTestId("audience-all");
    await everyone.scrollIntoView();
    await everyone.click();
    await browser().waitUntil(() => everyone.isSelected(), { timeout, timeoutMsg: "everyone was not chosen" });
  }

  /** On Compose: goes to the channels step and ticks the channel, unless it is ticked already. */
  async function tickChannel(name) {
    await composeStep("channels");
    await untilDone(async () => {
      const box = await byTestId(`compose-channel-${name}`);
      if (!(await box.isExisting())) return false;
      const input = await box.$("input");
      const target = (await input.isExisting()) ? input : box;
      if (!(await target.isSelected())) await box.click();
      return target.isSelected();
    }, `ticking the channel ${name}`);
  }

  /** In an open Select's dropdown, clicks the option titled `title`. */
  async function pickOption(title) {
    await untilDone(async () => {
      const option = await browser().$(
        `.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option[title="${title}"]`,
      );
      if (!(await option.isClickable())) return false;
      await option.click();
      return true;
    }, `picking ${title}`);
  }

  /**
   * Sends what Compose holds: the 何时 step (now), 核对, then the review's own send button once
   * the whole-audience check has counted everyone.
   */
  async function sendComposed() {
    await composeStep("when");
    await click("compose-send");
    const send = await byTestId("review-send");
    await send.waitForEnabled({ timeout });
    await send.waitForStable({ timeout });
    await click("review-send");
  }

  /** On a run's page: waits (up to a minute) until the run has completed. */
  async function waitForRunCompleted() {
    const status = await byTestId("run-status");
    await status.waitForExist({ timeout });
    await browser().waitUntil(async () => /已完成|Completed/.test(await status.getText()), {
      timeout: 60_000,
      timeoutMsg: "the run did not complete",
    });
  }

  /** Opens History and returns the row of the notice titled `title`, once it is listed. */
  async function historyRow(title) {
    await click("nav-history");
    const history = await byTestId("history-table");
    await browser().waitUntil(async () => (await history.getText()).includes(title), {
      timeout,
      timeoutMsg: `the notice ${title} is not in History`,
    });
    return history.$(`tr*=${title}`);
  }

  return {
    byTestId,
    click,
    switchOn,
    pickOption,
    expand,
    type,
    textOf,
    waitForText,
    waitForValue,
    fill,
    replace,
    loadDemo,
    composeStep,
    chooseEveryone,
    tickChannel,
    sendComposed,
    waitForRunCompleted,
    historyRow,
  };
}
