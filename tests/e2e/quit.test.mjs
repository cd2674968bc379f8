// The desktop app asked to stop (SIGTERM at logout or shutdown, as the tray's Quit does):
// it claims nothing more, finishes the request in flight and records it, then exits, so the
// next start sends nothing twice. The app runs on its own under Xvfb (no WebDriver), on a data
// directory prepared with the CLI: a notice to the 18 demo contacts through a webhook whose
// receiver takes 2 s to answer.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { APP } from "./harness.mjs";

const HERALD = path.join(path.dirname(APP), "herald");
const SLOW_MS = 2000;

let receiver;
let app;

after(async () => {
  if (app && app.exitCode === null) app.kill("SIGKILL");
  if (receiver) {
    receiver.closeAllConnections();
    await new Promise((done) => receiver.close(done));
  }
});

test("SIGTERM finishes the request in flight, records it, and exits", async () => {
  const arrived = [];
  receiver = createServer((req, res) => {
    arrived.push(req.headers["idempotency-key"]);
    setTimeout(() => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    }, SLOW_MS);
  });
  await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${receiver.address().port}/hook`;

  const dataDir = path.join(mkdtempSync(path.join(tmpdir(), "herald-quit-")), "data");
  const env = { ...process.env, HERALD_DATA_DIR: dataDir, HERALD_SECRET_STORE: "file" };
  const herald = (...args) => JSON.parse(execFileSync(HERALD, [...args, "--json"], { env }).toString());
  herald("demo", "load");
  herald("channels", "add", "webhook", "--name", "慢接收方", "--url", url, "--concurrency", "1");
  const notice = herald("notices", "create", "--title", "放假通知", "--body", "元旦放假三天。", "--channel", "慢接收方");
  herald("notices", "send", String(notice.id));

  let log = "";
  app = spawn(APP, [], { env, stdio: ["ignore", "pipe", "pipe"] });
  app.stdout.on("data", (d) => (log += d));
  app.stderr.on("data", (d) => (log += d));
  const exited = new Promise((resolve) => app.on("exit", (code, signal) => resolve({ code, signal })));

  // The first request is at the receiver, its answer 2 s away: ask the app to stop now.
  const deadline = Date.now() + 30_000;
  while (arrived.length === 0) {
    assert.ok(Date.now() < deadline, `no request reached the receiver; the app said:\n${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const askedAt = Date.now();
  app.kill("SIGTERM");
  const { code, signal } = await Promise.race([
    exited,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`the app did not exit:\n${log}`)), 30_000)),
  ]);
  assert.equal(signal, null, `the app was ended by ${signal}, not on its own:\n${log}`);
  assert.equal(code, 0, log);
  assert.ok(Date.now() - askedAt >= SLOW_MS - 200, "the app waited for the answer in flight");

  // What was in flight is recorded as sent; nothing is left half-sent; nothing more was sent.
  const runs = herald("history");
  const detail = herald("history", "--run", String(runs[0].id));
  const byStatus = {};
  for (const d of detail.deliveries) byStatus[d.status] = (byStatus[d.status] ?? 0) + 1;
  assert.equal(byStatus.sending ?? 0, 0, JSON.stringify(byStatus));
  assert.equal(byStatus.sent, arrived.length, `sent ${JSON.stringify(byStatus)}, received ${arrived.length}`);
  assert.ok((byStatus.queued ?? 0) > 0, "the rest waits for the next start");
});
