// Robots and app messages, as a secretary sets them up in the real desktop app, against
// endpoints this test runs on 127.0.0.1:
// - a DingTalk group robot that checks what DingTalk checks (the access token, the 加签
//   signature and its one-hour window, the message's shape): she adds the channel through the
//   form made from the kind's settings (with 加签), sends it a test message, then a notice to
//   the demo contacts on it: one message reaches the group, not one per person;
// - a WeCom app (token, userid lookup by mobile, app messages): she adds the channel, finds her
//   contacts' WeCom ids by mobile on the Contacts screen, stores them, and sends them a notice.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { diagnostics, startApp, testIds } from "./harness.mjs";

const T = 20_000;
const TOKEN = "e2e0robot0token0a1b2c3";
const SECRET = "SECe2e5645bf404a174392d95bc5d40b41bf4ec9f5196971ddb1c06b00764aa4";
const HEALTH_OK = /正常|OK/;

let app;
let robot;
let wecom;

const CORP = "wwe2e0000000000001";
const WECOM_SECRET = "e2e-wecom-app-secret-value";
/** WeCom's address book, by mobile as WeCom takes it: three of the demo contacts. */
const USERIDS = { 13800001001: "wangjianguo", 13800001002: "lixiuying", 13800002001: "zhangwei" };

/** WeCom: a token for the right corp id and secret, userids by mobile, app messages. */
function startWecom() {
  const sends = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url, "http://127.0.0.1");
      const answer = (body) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ errcode: 0, errmsg: "ok", ...body }));
      };
      if (url.pathname === "/cgi-bin/gettoken") {
        if (url.searchParams.get("corpid") !== CORP || url.searchParams.get("corpsecret") !== WECOM_SECRET) {
          return answer({ errcode: 40001, errmsg: "invalid credential" });
        }
        return answer({ access_token: "E2E-TOKEN", expires_in: 7200 });
      }
      if (url.searchParams.get("access_token") !== "E2E-TOKEN") return answer({ errcode: 42001, errmsg: "access_token expired" });
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
      if (url.pathname === "/cgi-bin/user/getuserid") {
        const userid = USERIDS[body.mobile];
        return userid ? answer({ userid }) : answer({ errcode: 46004, errmsg: "user no exist" });
      }
      if (url.pathname === "/cgi-bin/message/send") {
        const known = Object.values(USERIDS);
        const invalid = body.touser.split("|").filter((u) => !known.includes(u));
        sends.push(body);
        return answer({ invaliduser: invalid.join("|"), msgid: "E2E-MSG" });
      }
      res.writeHead(404);
      res.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({
        api: `http://127.0.0.1:${port}`,
        sends,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** DingTalk's robot endpoint: HTTP 200 with an errcode, as DingTalk answers. */
function startRobot() {
  const accepted = [];
  const refused = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url, "http://127.0.0.1");
      const answer = (errcode, errmsg) => {
        if (errcode !== 0) refused.push(`${errcode} ${errmsg}`);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ errcode, errmsg }));
      };
      if (req.method !== "POST" || url.pathname !== "/robot/send") return answer(404, "not found");
      if (url.searchParams.get("access_token") !== TOKEN) return answer(300001, "token is not exist");
      const timestamp = url.searchParams.get("timestamp");
      const sign = url.searchParams.get("sign");
      if (!timestamp || Math.abs(Date.now() - Number(timestamp)) > 3_600_000) return answer(310000, "invalid timestamp");
      const expected = createHmac("sha256", SECRET).update(`${timestamp}\n${SECRET}`).digest("base64");
      if (sign !== expected) return answer(310000, "sign not match");
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return answer(40035, "缺少参数 json");
      }
      if (body.msgtype !== "markdown" || !body.markdown?.title) return answer(400402, "title is empty");
      accepted.push(body);
      answer(0, "ok");
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({
        webhook: `http://127.0.0.1:${port}/robot/send?access_token=${TOKEN}`,
        accepted,
        refused,
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
  robot = await startRobot();
  wecom = await startWecom();
  app = await startApp();
});

after(async () => {
  if (app) await app.stop();
  if (robot) await robot.close();
  if (wecom) await wecom.close();
});

const {
  byTestId,
  click,
  pickOption,
  type,
  replace,
  waitForText,
  loadDemo,
  composeStep,
  chooseEveryone,
  tickChannel,
  sendComposed,
  waitForRunCompleted,
} = testIds(() => app.browser, T);
const withDiagnostics = diagnostics(() => app, () => [`robot accepted ${robot.accepted.length}, refused: ${robot.refused.join("; ")}`]);

test("a signed DingTalk robot added through its form gets a test, then one message for a notice to everyone", async (t) => {
  await withDiagnostics(t, "robot", async () => {
    const { browser } = app;
    await loadDemo();

    await click("nav-channels");
    await click("channel-add");
    await click("kind-pick-dingtalk_robot");
    await type("kind-field-name", "辅导员群");
    await type("kind-field-webhook", robot.webhook);
    await type("kind-field-secret", SECRET);
    await click("kind-save");
    await byTestId("kind-save").then((el) => el.waitForExist({ timeout: T, reverse: true }));
    await waitForText("channel-health-辅导员群", HEALTH_OK, "the robot channel's health");

    // The test goes into the group, signed as DingTalk expects.
    await click("channel-test-辅导员群");
    await browser.waitUntil(async () => robot.accepted.length === 1, {
      timeout: T,
      timeoutMsg: "the robot got no test message",
    });
    assert.match(robot.accepted[0].markdown.text, /Herald/);

    // A notice to all 18 demo contacts on the robot: one message into the group.
    const title = "明天上午停课通知";
    await click("nav-compose");
    await type("compose-title", title);
    await type("compose-body", "因教学楼检修，**明天上午**停课，下午照常上课。");
    await chooseEveryone();
    await tickChannel("辅导员群");
    await sendComposed("辅导员群");
    await waitForRunCompleted();
    assert.equal(robot.accepted.length, 2, `one message for the notice, not one per person: ${robot.refused}`);
    assert.equal(robot.accepted[1].markdown.title, title);
    assert.match(robot.accepted[1].markdown.text, /\*\*明天上午\*\*停课/);
    const deliveries = await byTestId("run-deliveries");
    assert.match(await deliveries.getText(), /群：辅导员群/);
    assert.deepEqual(robot.refused, []);
  });
});

test("WeCom ids found by mobile on the Contacts screen, then a notice reaches those people", async (t) => {
  await withDiagnostics(t, "wecom", async () => {
    await click("nav-channels");
    await click("channel-add");
    await click("kind-pick-wecom_app");
    await type("kind-field-name", "学校企业微信");
    await type("kind-field-corp-id", CORP);
    await type("kind-field-agent-id", "1000002");
    await type("kind-field-secret", WECOM_SECRET);
    await replace("kind-field-api-base", wecom.api);
    await click("kind-save");
    await byTestId("kind-save").then((el) => el.waitForExist({ timeout: T, reverse: true }));
    await waitForText("channel-health-学校企业微信", HEALTH_OK, "the WeCom channel's health");

    // 查找平台账号: three of the 18 demo contacts are in WeCom's address book.
    await click("nav-contacts");
    await click("contacts-link-ids");
    await click("link-ids-channel");
    await pickOption("学校企业微信");
    await click("link-ids-look");
    await waitForText("link-ids-summary", /找到 3 人，未找到 \d+ 人，查找失败 0 人/, "the lookup's summary");
    await click("link-ids-store");
    await waitForText("link-ids-summary", /已保存 3 个账号/, "the ids stored");
    await click("link-ids-close");
    await byTestId("link-ids-close").then((el) => el.waitForExist({ timeout: T, reverse: true }));

    const title = "宿舍区明日停水";
    await click("nav-compose");
    await type("compose-title", title);
    await type("compose-body", "明天上午 8:00–12:00 宿舍区停水，请提前储水。");
    await chooseEveryone();
    await tickChannel("学校企业微信");
    await composeStep("audience");
    await waitForText("audience-preview-channel-学校企业微信", /3/, "the WeCom channel's reach");
    await sendComposed("学校企业微信");
    await waitForRunCompleted();
    assert.equal(wecom.sends.length, 1, "one call for the three, who get the same text");
    assert.deepEqual(wecom.sends[0].touser.split("|").sort(), ["lixiuying", "wangjianguo", "zhangwei"]);
    assert.match(wecom.sends[0].markdown.content, new RegExp(title));
  });
});
