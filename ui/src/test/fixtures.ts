import type {
  AppInfo,
  Channel,
  Contact,
  DashboardStats,
  DeliveryView,
  KindInfo,
  Notice,
  RunAfterSend,
  RunSummary,
  SandboxMessage,
} from "../api";

const AT = "2026-03-02T08:30:00.000Z";

export function makeContact(over: Partial<Contact> = {}): Contact {
  return {
    id: 1,
    externalId: null,
    name: "张三",
    role: null,
    department: null,
    className: null,
    grade: null,
    language: "zh-CN",
    email: null,
    mobile: null,
    createdAt: AT,
    ...over,
  };
}

export function makeChannel(over: Partial<Channel> = {}): Channel {
  return {
    id: 1,
    name: "沙盒",
    kind: "sandbox",
    enabled: true,
    paused: false,
    pausedReason: null,
    health: "ok",
    consecutiveFailures: 0,
    limits: {},
    updatedAt: AT,
    ...over,
  };
}

export function makeNotice(over: Partial<Notice> = {}): Notice {
  return {
    id: 1,
    title: "期末考试安排",
    subject: "期末考试安排",
    body: "同学们好",
    audience: "all",
    // The core writes the spec with group names; for these fixtures the spec itself.
    audienceText: over.audience ?? "all",
    channelIds: [1],
    channelStrategy: "all",
    status: "sent",
    stage: over.stage ?? (over.status === "draft" ? "draft" : "sent"),
    priority: 0,
    createdAt: AT,
    updatedAt: AT,
    lastRun: null,
    attachments: [],
    allowUnsubscribe: false,
    values: {},
    english: null,
    channelVersions: [],
    ...over,
  };
}

export function makeRun(over: Partial<RunSummary> = {}): RunSummary {
  return {
    id: 1,
    noticeId: 1,
    noticeTitle: "期末考试安排",
    status: "completed",
    priority: 0,
    total: 10,
    sent: 10,
    failed: 0,
    waiting: 0,
    retrying: 0,
    cancelled: 0,
    createdAt: AT,
    finishedAt: AT,
    reminderOf: null,
    test: false,
    ...over,
  };
}

/** A run's recall and read status: nothing to recall, no reads reported, no reminders. */
export function makeAfterSend(over: Partial<RunAfterSend> = {}): RunAfterSend {
  return {
    recall: {
      cancellable: 0,
      recallable: 0,
      notRecallable: 0,
      recalled: 0,
      inFlight: 0,
      windowHours: null,
      recallableUntil: null,
      notes: [],
    },
    reads: { reported: false, read: 0, unread: 0, unknown: 0, checkedAt: null },
    reminders: [],
    ...over,
  };
}

export function makeDelivery(over: Partial<DeliveryView> = {}): DeliveryView {
  return {
    id: 1,
    contactId: 1,
    contactName: "张三",
    channelName: "沙盒",
    address: "zhangsan@example.edu.cn",
    status: "sent",
    attempts: 1,
    lastError: null,
    providerMessageId: "sandbox-1",
    sentAt: AT,
    fallbackOf: null,
    attemptLog: [],
    recallState: null,
    recalledAt: null,
    recallNote: null,
    readCheckedAt: null,
    readAt: null,
    ...over,
  };
}

export function makeSandboxMessage(over: Partial<SandboxMessage> = {}): SandboxMessage {
  return {
    id: 1,
    deliveryId: 1,
    channelName: "沙盒",
    recipient: "张三 <zhangsan@example.edu.cn>",
    subject: "期末考试安排",
    body: "张三同学好",
    html: `<p>${over.body ?? "张三同学好"}</p>`,
    receivedAt: AT,
    ...over,
  };
}

export function makeAppInfo(over: Partial<AppInfo> = {}): AppInfo {
  return {
    version: "0.1.0",
    dataDir: "/home/office/.local/share/herald",
    databasePath: "/home/office/.local/share/herald/herald.db",
    dispatcher: { runningHere: true, otherHolder: null },
    offerDemo: false,
    secrets: { kind: "keyring", service: "herald-0123456789ab" },
    ...over,
  };
}

export function makeStats(over: Partial<DashboardStats> = {}): DashboardStats {
  return {
    contacts: 0,
    notices: 0,
    channels: 1,
    activeRuns: 0,
    sentToday: 0,
    failedToday: 0,
    sentByDay: [],
    recentRuns: [],
    ...over,
  };
}

/** The DingTalk group robot as the backend describes it (`herald channels kinds --json`). */
export function makeRobotKind(): KindInfo {
  return {
    id: "dingtalk_robot",
    label: text("钉钉群机器人", "DingTalk group robot"),
    description: text("把通知发到一个钉钉群：每次发送只发一条群消息。", "Posts the notice into one DingTalk group chat."),
    platform: "dingtalk",
    recipients: { to: "group" },
    format: { format: "markdown", dialect: "dingtalk", maxBytes: 20000 },
    perMinute: 20,
    findsIds: false,
    fields: [
      {
        key: "webhook",
        type: "secretUrl",
        required: true,
        default: null,
        label: text("Webhook 地址", "Webhook address"),
        help: text("复制的 Webhook，含 access_token。", "Copy its Webhook (it holds the access_token)."),
      },
      {
        key: "secret",
        type: "secret",
        required: false,
        default: null,
        label: text("加签密钥", "Signing secret"),
        help: text("SEC 开头的密钥。", "Shown as SEC…"),
      },
      {
        key: "mention",
        type: "choice",
        options: [
          { value: "none", label: text("不提醒", "Nobody") },
          { value: "all", label: text("@所有人", "@everyone") },
        ],
        required: false,
        default: "none",
        label: text("提醒", "Mention"),
        help: text("是否 @所有人。", "Whether to @-mention everyone."),
      },
    ],
  };
}

const text = (zh: string, en: string) => ({ zh, en });

/** An optional setting with its label in both languages and a help made from it. */
const field = (key: string, zh: string, en: string) => ({
  key,
  required: false,
  default: null,
  label: text(zh, en),
  help: text(`${zh}的说明`, `About the ${en}`),
});

/** The e-mail kind as the backend describes it (`src/channels/kinds/smtp.rs`), its help shortened. */
export function makeSmtpKind(): KindInfo {
  const login = {
    key: "login",
    label: text("服务器需要登录", "The server needs a login"),
    help: text("学校和商业邮箱都需要。", "School and commercial mailboxes do."),
    onByDefault: true,
  };
  return {
    id: "smtp",
    label: text("电子邮件（SMTP）", "E-mail (SMTP)"),
    description: text("通过一个邮箱账号的发信服务器（SMTP）给每个人发邮件。", "Sends each person an e-mail through a mailbox's SMTP server."),
    platform: "email",
    recipients: { to: "person", address: "email" },
    format: { format: "email" },
    perMinute: null,
    findsIds: false,
    fields: [
      { ...field("host", "发信服务器", "SMTP server"), type: "text", required: true },
      {
        ...field("security", "加密方式", "Security"),
        type: "choice",
        options: [
          { value: "starttls", label: text("STARTTLS（587）", "STARTTLS (587)") },
          { value: "tls", label: text("SSL/TLS（465）", "SSL/TLS (465)") },
          { value: "none", label: text("不加密（仅限本机或内网中继）", "None") },
        ],
        default: "starttls",
      },
      {
        ...field("port", "端口", "Port"),
        type: "number",
        min: 1,
        max: 65535,
        follows: {
          key: "security",
          values: [
            { when: "starttls", value: "587" },
            { when: "tls", value: "465" },
            { when: "none", value: "25" },
          ],
        },
      },
      { ...field("username", "登录用户名", "User name"), type: "text", group: login },
      { ...field("password", "密码或授权码", "Password or app password"), type: "password", tiedTo: "username", group: login },
      { ...field("from-address", "发件人地址", "From address"), type: "text", required: true },
      { ...field("from-name", "发件人名称", "From name"), type: "text" },
      { ...field("reply-to", "回复地址", "Reply-to"), type: "text" },
      {
        ...field("ca-pem", "CA 证书", "CA certificate"),
        type: "fileText",
        advanced: true,
        extensions: ["pem", "crt", "cer", "der"],
        emptyMeans: text("信任公共证书机构（不用自己的 CA 证书）", "Trust the public certificate authorities"),
      },
      { ...field("pool-size", "连接数", "Connections"), type: "number", min: 1, max: 32, default: "4" },
      { ...field("timeout-ms", "超时（毫秒）", "Timeout (ms)"), type: "number", min: 1000, max: 60000, default: "30000", advanced: true },
    ],
  };
}

/** The generic webhook as the backend describes it (`src/channels/kinds/webhook.rs`), its help shortened. */
export function makeWebhookKind(): KindInfo {
  const secretNames = {
    parts: ["auth", "token", "key", "secret", "sig", "cookie", "pass", "pwd", "credential", "session", "ticket", "bearer", "jwt", "hmac", "private"],
    names: ["sid", "code", "pin", "otp", "ak"],
  };
  return {
    id: "webhook",
    label: text("通用 Webhook", "Webhook"),
    description: text("每条消息是发往你的网址的一个 HTTP 请求。", "Each message is one HTTP request to your URL."),
    platform: "http",
    recipients: { to: "anyone" },
    format: { format: "raw" },
    perMinute: null,
    findsIds: false,
    fields: [
      { ...field("url", "接收地址", "URL"), type: "maskedUrl", required: true, secretNames },
      {
        ...field("method", "请求方法", "Method"),
        type: "choice",
        options: [
          { value: "POST", label: text("POST", "POST") },
          { value: "PUT", label: text("PUT", "PUT") },
        ],
        default: "POST",
      },
      { ...field("headers", "请求头", "Headers"), type: "headers", secretNames },
      { ...field("body-template", "请求体模板", "Body template"), type: "longText", advanced: true },
      { ...field("timeout-ms", "超时（毫秒）", "Timeout (ms)"), type: "number", min: 1, max: 60000, default: "10000", advanced: true },
      { ...field("signing", "签名", "Signing"), type: "switch", default: "false", onWith: "secret" },
      { ...field("secret", "签名密钥", "Signing secret"), type: "secret" },
    ],
  };
}
