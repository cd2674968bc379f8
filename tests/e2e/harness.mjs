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

/** Starts the app on an empty data directory; returns { browser, dataDir, log, stop }. */
export async function startApp() {
  if (!existsSync(APP)) throw new Error(`${APP} is missing: run cargo build -p herald-desktop first`);
  const work = mkdtempSync(path.join(tmpdir(), "herald-e2e-"));
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
 * Element helpers by `data-testid`, shared by the test files. `browser` is a getter because the
 * session starts in `before()`, after the module has bound these.
 */
export function testIds(browser, timeout) {
  const byTestId = (id) => browser().$(`[data-testid="${id}"]`);
  async function click(id) {
    const el = await byTestId(id);
    await el.waitForClickable({ timeout });
    await el.click();
  }
  async function type(id, text) {
    const el = await byTestId(id);
    await el.waitForDisplayed({ timeout });
    await el.setValue(text);
  }
  return { byTestId, click, type };
}
