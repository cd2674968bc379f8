/**
 * A stand-in for `src/api` backed by an in-memory database, so that page tests drive the
 * real components and assert what a user would see. Use it with
 * `vi.mock("../api", () => import("../test/mockApi"))` and call `resetApiMock()` before each test.
 */
import { act } from "@testing-library/react";
import { vi } from "vitest";
import type * as Api from "../api";
import { CommandError } from "../api/invoke";
import { makeAfterSend, makeAppInfo, makeChannel, makeNotice, makeRobotKind, makeRun, makeStats } from "./fixtures";

export { CommandError, toCommandError } from "../api/invoke";

function freshDb() {
  return {
    info: makeAppInfo(),
    stats: makeStats(),
    channels: [makeChannel()] as Api.Channel[],
    contacts: [] as Api.Contact[],
    notices: [] as Api.Notice[],
    runs: [] as Api.RunSummary[],
    details: new Map<number, Api.RunDetail>(),
    sandbox: [] as Api.SandboxMessage[],
    /** What the next test messages answer, by channel name (default: accepted). */
    testReplies: new Map<string, Api.ChannelTestResult>(),
    /** The kinds the generic form offers (the backend's description of each). */
    kinds: [makeRobotKind()] as Api.KindInfo[],
    /** Settings of channels added through the generic form, by channel name. */
    kindSettings: new Map<string, Record<string, string>>(),
    /** The refusal the next generic add of a kind meets, by kind id. */
    refusedSettings: new Map<string, CommandError>(),
    /** Platform ids a link-ids lookup finds, by contact name. */
    platformIds: new Map<string, string>(),
    demoContacts: 12,
    /** People the whole-audience check finds a broken message for, by contact id (and why). */
    brokenFor: new Map<number, string>(),
    /** What the backend's compose check finds in the next saved drafts (title and body given). */
    draftProblem: null as Api.DraftProblem | null,
    /** Settings: who “me” is (a contact id) and the typed-confirmation threshold. */
    me: null as number | null,
    confirmAbove: 500,
  };
}

export let db = freshDb();

const listeners = new Set<(progress: Api.RunProgress) => void>();

/** Delivers a `run:progress` event to every subscribed component. */
export function emitRunProgress(progress: Api.RunProgress): void {
  act(() => {
    for (const listener of listeners) listener(progress);
  });
}

export function subscriberCount(): number {
  return listeners.size;
}

let nextId = 100;
const now = () => "2026-03-02T09:00:00.000Z";

export const appInfo = vi.fn<typeof Api.appInfo>(async () => db.info);
export const dashboardStats = vi.fn<typeof Api.dashboardStats>(async () => db.stats);
export const setLanguage = vi.fn<typeof Api.setLanguage>(async () => undefined);

export const loadDemo = vi.fn<typeof Api.loadDemo>(async () => {
  db.info = { ...db.info, offerDemo: false };
  db.stats = { ...db.stats, contacts: db.stats.contacts + db.demoContacts };
  return { added: db.demoContacts, alreadyPresent: 0 };
});

export const listContacts = vi.fn<typeof Api.listContacts>(async (query) => {
  const needle = query.search?.toLowerCase();
  const matches = db.contacts.filter(
    (c) =>
      !needle ||
      [c.name, c.externalId, c.email, c.mobile].some((v) => v?.toLowerCase().includes(needle)),
  );
  const offset = query.offset ?? 0;
  return { items: matches.slice(offset, offset + (query.limit ?? 50)), total: matches.length };
});

export const addContact = vi.fn<typeof Api.addContact>(async (input) => {
  if (input.externalId && db.contacts.some((c) => c.externalId === input.externalId)) {
    throw new CommandError("conflict", `学号/工号 ${input.externalId} 已存在`);
  }
  const contact: Api.Contact = {
    id: ++nextId,
    externalId: input.externalId ?? null,
    name: input.name,
    role: input.role ?? null,
    department: input.department ?? null,
    className: input.className ?? null,
    grade: input.grade ?? null,
    language: "zh-CN",
    email: input.email ?? null,
    mobile: input.mobile ?? null,
    createdAt: now(),
  };
  db.contacts.push(contact);
  return contact;
});

/** What the import commands answer; tests replace these to script a file. */
export const previewImport = vi.fn<typeof Api.previewImport>(async (path) => {
  throw new CommandError("invalid", `cannot read ${path}: no such file`);
});

export const importContacts = vi.fn<typeof Api.importContacts>(async (path) => {
  throw new CommandError("invalid", `cannot read ${path}: no such file`);
});

export const exportContacts = vi.fn<typeof Api.exportContacts>(async () => db.contacts.length);

/** The contacts screen's filter values: none by default; Contacts.test.tsx counts real ones. */
export const contactFacets = vi.fn<typeof Api.contactFacets>(async () => ({
  departments: [],
  grades: [],
  classes: [],
  roles: [],
  tags: [],
  languages: [],
}));

export const contactDetail = vi.fn<typeof Api.contactDetail>(async (id) => {
  const c = db.contacts.find((x) => x.id === id);
  if (!c) throw new CommandError("not_found", `contact ${id} was not found`);
  const addresses = (["email", "mobile"] as const).flatMap((kind) =>
    c[kind] ? [{ kind, address: c[kind], invalid: false, invalidReason: null }] : [],
  );
  return {
    id: c.id,
    externalId: c.externalId,
    name: c.name,
    role: c.role,
    department: c.department,
    className: c.className,
    grade: c.grade,
    language: c.language,
    attributes: {},
    addresses,
    preferred: [],
    optedOut: [],
    tags: [],
    createdAt: c.createdAt,
    updatedAt: c.createdAt,
  };
});

export const updateContact = vi.fn<typeof Api.updateContact>(async (id, edit) => {
  const at = db.contacts.findIndex((x) => x.id === id);
  if (at < 0) throw new CommandError("not_found", `contact ${id} was not found`);
  const address = (kind: string) => edit.addresses.find((a) => a.kind === kind)?.address ?? null;
  const { name, externalId, role, department, className, grade, language } = edit;
  db.contacts[at] = {
    ...db.contacts[at],
    ...{ name, externalId, role, department, className, grade, language },
    email: address("email"),
    mobile: address("mobile"),
  };
  return { contact: await contactDetail(id), changed: [] };
});

export const deleteContacts = vi.fn<typeof Api.deleteContacts>(async (ids) => {
  db.contacts = db.contacts.filter((c) => !ids.includes(c.id));
  return ids.length;
});

/** As the backend, simply: the addresses in the text matched to contacts' e-mail; none opted out before. */
export const recordUnsubscribes = vi.fn<typeof Api.recordUnsubscribes>(async (text, apply) => {
  const addresses = [...new Set((text.match(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g) ?? []).map((a) => a.toLowerCase()))];
  const matched = db.contacts
    .filter((c) => c.email && addresses.includes(c.email))
    .map((c) => ({ contactId: c.id, name: c.name, externalId: c.externalId, address: c.email!, already: false }));
  const unknown = addresses.filter((a) => !matched.some((m) => m.address === a));
  return { matched, unknown, own: [], applied: apply, optedOut: apply ? matched.length : 0 };
});

export const listChannels = vi.fn<typeof Api.listChannels>(async () => db.channels);
export const listSandboxMessages = vi.fn<typeof Api.listSandboxMessages>(async () => db.sandbox);

function noticeOf(input: Api.NewNotice, id: number): Api.Notice {
  return makeNotice({
    id,
    title: input.title,
    subject: input.subject || input.title,
    body: input.body,
    audience: input.audience ?? "all",
    audienceText: input.audience ?? "all",
    channelIds: input.channelIds,
    channelStrategy: input.channelStrategy ?? "all",
    status: "draft",
    stage: "draft",
    priority: input.urgent ? 10 : 0,
    createdAt: now(),
    updatedAt: now(),
    allowUnsubscribe: input.allowUnsubscribe ?? false,
    values: input.values ?? {},
    english: input.english ?? null,
    channelVersions: input.channelVersions ?? [],
  });
}

export const createNotice = vi.fn<typeof Api.createNotice>(async (input) => {
  const notice = noticeOf(input, ++nextId);
  db.notices.unshift(notice);
  return notice;
});

/** As the backend, in the order of Compose's steps: what is missing, or `db.draftProblem` when a test sets one. */
function draftProblem(input: Api.NewNotice): Api.DraftProblem | null {
  const missing = (field: string, code: string, zh: string, en: string): Api.DraftProblem => ({
    code,
    field,
    message: en,
    params: { field, messageZh: zh, messageEn: en },
  });
  if (!input.title.trim()) return missing("title", "compose_empty", "标题不能为空", "the title is empty");
  if (!input.body.trim()) return missing("body", "compose_empty", "正文不能为空", "the body is empty");
  if (db.draftProblem) return db.draftProblem;
  if (!input.audience?.trim())
    return missing("audience", "compose_no_audience", "请选择通知对象：全体联系人、分组或具体的人", "choose who the notice goes to");
  if (input.channelIds.length === 0)
    return missing("channelIds", "compose_no_channels", "请至少选择一个渠道", "choose at least one channel");
  return null;
}

export const saveDraft = vi.fn<typeof Api.saveDraft>(async (id, input) => {
  const at = id === undefined ? -1 : db.notices.findIndex((n) => n.id === id);
  if (at >= 0 && db.notices[at].status !== "draft")
    throw new CommandError("conflict", `notice #${id} is sent and can no longer be edited`);
  const notice = noticeOf(input, at >= 0 ? id! : ++nextId);
  // Kept files are named by their `file`; new paths become kept copies.
  notice.attachments = (input.attachments ?? []).map((path) => {
    const name = path.split(/[\\/]/).pop() ?? path;
    return { name, size: 1, contentType: "application/octet-stream", file: path.startsWith("attachments/") ? path : `attachments/x/0/${name}` };
  });
  if (at >= 0) db.notices[at] = notice;
  else db.notices.unshift(notice);
  return { notice, problem: draftProblem(input) };
});

export const deleteDraft = vi.fn<typeof Api.deleteDraft>(async (id) => {
  const notice = db.notices.find((n) => n.id === id);
  if (!notice) throw new CommandError("not_found", `notice ${id} not found`);
  db.notices = db.notices.filter((n) => n.id !== id);
  return notice;
});

export const getNotice = vi.fn<typeof Api.getNotice>(async (id) => {
  const notice = db.notices.find((n) => n.id === id);
  if (!notice) throw new CommandError("not_found", `notice ${id} not found`);
  return notice;
});

export const previewNotice = vi.fn<typeof Api.previewNotice>(async (input) => {
  const body = input.body.replace(/\{\{\s*(name|姓名)\s*\}\}/g, db.contacts[0]?.name ?? "");
  return {
    contactName: db.contacts[0]?.name ?? "—",
    subject: input.subject || input.title,
    body,
    html: `<p>${body}</p>`,
    text: body,
    audienceSize: db.contacts.length,
  };
});

/** As the backend: a person's message rendered with their name; nobody with `.invalid` mail reachable. */
export const previewDelivery = vi.fn<typeof Api.previewDelivery>(async (noticeId, channel, contact) => {
  const notice = db.notices.find((n) => n.id === noticeId);
  const person = db.contacts.find((c) => `#${c.id}` === contact);
  if (!notice || !person) throw new CommandError("invalid", `contact: there is no contact ${contact}`);
  // As `compose::choose_language`: English readers get the English version when there is one.
  const english = notice.english && readsEnglish(person.language) ? notice.english : null;
  const language = english ? ("en" as const) : ("zh" as const);
  const base = { channel, kind: "sandbox", recipient: person.name, attachments: [], language };
  if (!person.email || person.email.endsWith(".invalid")) {
    return { ...base, address: null, parts: [], problem: { code: "no_address", reason: `${person.name} has no usable address` } };
  }
  return {
    ...base,
    address: person.email,
    problem: null,
    parts: [
      { kind: "subject" as const, content: english?.subject ?? notice.subject },
      { kind: "markdown" as const, content: (english?.body ?? notice.body).replace(/\{\{\s*name\s*\}\}/g, person.name) },
    ],
  };
});

function readsEnglish(language: string | null | undefined): boolean {
  const l = (language ?? "").trim().toLowerCase();
  return l === "en" || l.startsWith("en-") || l.startsWith("en_") || l === "english";
}

/** The audience's contacts as the backend resolves `all` and `contacts:…` (minus `-contacts:…`). */
function audienceOf(notice: Api.Notice): Api.Contact[] {
  const ids = (prefix: string) =>
    notice.audience
      .split(";")
      .map((item) => item.trim())
      .filter((item) => item.startsWith(prefix))
      .flatMap((item) => item.slice(prefix.length).split(",").map(Number));
  const chosen = ids("contacts:");
  const left = new Set(ids("-contacts:"));
  return db.contacts.filter((c) => (chosen.length === 0 || chosen.includes(c.id)) && !left.has(c.id));
}

export const checkNotice = vi.fn<typeof Api.checkNotice>(async (noticeId) => {
  const notice = db.notices.find((n) => n.id === noticeId);
  if (!notice) throw new CommandError("invalid", `there is no notice ${noticeId}`);
  const people = audienceOf(notice);
  const en = notice.english ? people.filter((c) => readsEnglish(c.language)).length : 0;
  const versions = { zh: people.length - en, en };
  const broken = people
    .filter((c) => db.brokenFor.has(c.id))
    .flatMap((c) =>
      notice.channelIds.map((channelId) => ({
        contactId: c.id,
        name: c.name,
        externalId: c.externalId,
        channelId,
        channelName: db.channels.find((ch) => ch.id === channelId)?.name ?? `#${channelId}`,
        problem: { code: "missing_variable", field: "body", zh: db.brokenFor.get(c.id)!, en: db.brokenFor.get(c.id)! },
      })),
    );
  return {
    noticeId,
    people: people.length,
    recipients: people.length,
    channels: notice.channelIds.map((channelId) => ({
      channelId,
      channelName: db.channels.find((ch) => ch.id === channelId)?.name ?? `#${channelId}`,
      kind: "sandbox",
      group: false,
      willGet: people.length,
      noAddress: 0,
      invalidAddress: 0,
      optedOut: 0,
      otherChannel: 0,
      broken: broken.filter((b) => b.channelId === channelId).length,
      versions,
      figures: [],
    })),
    languages: [{ language: "zh-CN", people: people.length }],
    versions,
    brokenPeople: new Set(broken.map((b) => b.contactId)).size,
    brokenMessages: broken.length,
    broken,
    listLimit: 1000,
    ok: broken.length === 0,
  };
});

export const leaveOut = vi.fn<typeof Api.leaveOut>(async (noticeId, contactIds) => {
  const notice = db.notices.find((n) => n.id === noticeId);
  if (!notice) throw new CommandError("invalid", `there is no notice ${noticeId}`);
  notice.audience = `${notice.audience}; -contacts:${contactIds.join(",")}`;
  return notice;
});

/** A few of the backend's catalogue, and the notice's own values. */
export const noticeVariables = vi.fn<typeof Api.noticeVariables>(async (values) => [
  { name: "name", aliases: ["姓名"], meaningZh: "联系人的姓名", meaningEn: "the contact's name", source: "contact" as const },
  { name: "class", aliases: ["班级"], meaningZh: "班级", meaningEn: "class", source: "contact" as const },
  { name: "date", aliases: ["日期"], meaningZh: "发送日期", meaningEn: "the date sent", source: "schedule_date" as const },
  ...Object.entries(values ?? {}).map(([name, value]) => ({
    name,
    aliases: [],
    meaningZh: "通知中的固定值",
    meaningEn: "a value of the notice",
    source: "notice_value" as const,
    value,
  })),
]);

export const listNotices = vi.fn<typeof Api.listNotices>(async () => db.notices);

export const sendNotice = vi.fn<typeof Api.sendNotice>(async (noticeId) => {
  const notice = db.notices.find((n) => n.id === noticeId);
  if (!notice) throw new CommandError("not_found", `notice ${noticeId} not found`);
  const run: Api.RunSummary = {
    id: ++nextId,
    noticeId,
    noticeTitle: notice.title,
    status: "pending",
    priority: notice.priority,
    total: db.contacts.length,
    sent: 0,
    failed: 0,
    waiting: db.contacts.length,
    retrying: 0,
    cancelled: 0,
    createdAt: now(),
    finishedAt: null,
    reminderOf: null,
    test: false,
  };
  db.runs.unshift(run);
  db.details.set(run.id, { run, notice, deliveries: [], afterSend: makeAfterSend() });
  Object.assign(notice, { status: "sent", stage: "sending", lastRun: { id: run.id, status: run.status } });
  return run;
});

export const listRuns = vi.fn<typeof Api.listRuns>(async (limit) => db.runs.slice(0, limit));

export const runDetail = vi.fn<typeof Api.runDetail>(async (runId) => {
  const detail = db.details.get(runId);
  if (!detail) throw new CommandError("not_found", `run ${runId} not found`);
  return detail;
});

/** Applies `change` to the run wherever the fake keeps it (history list and detail). */
function updateRun(runId: number, change: (run: Api.RunSummary) => Api.RunSummary): Api.RunSummary {
  const detail = db.details.get(runId);
  if (!detail) throw new CommandError("not_found", `run ${runId} not found`);
  const run = change(detail.run);
  db.details.set(runId, { ...detail, run });
  db.runs = db.runs.map((r) => (r.id === runId ? run : r));
  return run;
}

function runOf(runId: number): Api.RunSummary {
  const detail = db.details.get(runId);
  if (!detail) throw new CommandError("not_found", `run ${runId} not found`);
  return detail.run;
}

export const pauseRun = vi.fn<typeof Api.pauseRun>(async (runId) => {
  if (runOf(runId).status !== "sending") {
    throw new CommandError("invalid", `run ${runId} is not sending, so it cannot be paused`);
  }
  return updateRun(runId, (run) => ({ ...run, status: "paused" }));
});

export const resumeRun = vi.fn<typeof Api.resumeRun>(async (runId) => {
  if (runOf(runId).status !== "paused") throw new CommandError("invalid", `run ${runId} is not paused`);
  return updateRun(runId, (run) => ({ ...run, status: "sending" }));
});

const UNSENT: Api.DeliveryStatus[] = ["queued", "deferred", "retry_wait"];

export const cancelRun = vi.fn<typeof Api.cancelRun>(async (runId) => {
  const detail = db.details.get(runId);
  if (!detail) throw new CommandError("not_found", `run ${runId} not found`);
  const deliveries = detail.deliveries.map((d) =>
    UNSENT.includes(d.status) ? { ...d, status: "cancelled" as const } : d,
  );
  db.details.set(runId, { ...detail, deliveries });
  return updateRun(runId, (run) =>
    run.status === "completed" || run.status === "cancelled"
      ? run
      : {
          ...run,
          status: "cancelled",
          cancelled: run.cancelled + run.waiting + run.retrying,
          waiting: 0,
          retrying: 0,
          finishedAt: now(),
        },
  );
});

/** Cancels the unsent and recalls the sent deliveries the outlook counts as recallable. */
export const recallRun = vi.fn<typeof Api.recallRun>(async (runId) => {
  const detail = db.details.get(runId);
  if (!detail) throw new CommandError("not_found", `run ${runId} not found`);
  const outlook = detail.afterSend.recall;
  if (outlook.cancellable + outlook.recallable + outlook.inFlight === 0) {
    throw new CommandError("recall_nothing", `run ${runId} has nothing to recall or cancel`, {
      field: "run",
      runId: String(runId),
      reasons: outlook.notes.map((n) => n.reason).join("; "),
    });
  }
  let recallable = outlook.recallable;
  const deliveries = detail.deliveries.map((d) => {
    if (UNSENT.includes(d.status)) return { ...d, status: "cancelled" as const };
    if (d.status === "sent" && d.recallState === null && recallable > 0) {
      recallable -= 1;
      return { ...d, recallState: "recalled" as const, recalledAt: now() };
    }
    return d;
  });
  const afterSend = {
    ...detail.afterSend,
    recall: { ...outlook, cancellable: 0, recallable: 0, recalled: outlook.recalled + outlook.recallable },
  };
  db.details.set(runId, { ...detail, deliveries, afterSend });
  await cancelRun(runId);
  return {
    runId,
    cancelled: outlook.cancellable,
    recalled: outlook.recallable,
    alreadyRecalled: outlook.recalled,
    failed: 0,
    notRecallable: outlook.notRecallable,
    inFlight: outlook.inFlight,
    alsoRecalledElsewhere: 0,
    notes: outlook.notes,
  };
});

/** Marks the run's read status checked now, with the counts it holds. */
export const refreshReads = vi.fn<typeof Api.refreshReads>(async (runId) => {
  const detail = db.details.get(runId);
  if (!detail) throw new CommandError("not_found", `run ${runId} not found`);
  const reads = { ...detail.afterSend.reads, checkedAt: now() };
  db.details.set(runId, { ...detail, afterSend: { ...detail.afterSend, reads } });
  return {
    runId,
    checkedAt: now(),
    read: reads.read,
    unread: reads.unread,
    unknown: reads.unknown,
    unreadNames: [],
    notes: [],
  };
});

/** A new run to the unread, linked to the first. */
export const remindUnread = vi.fn<typeof Api.remindUnread>(async (runId) => {
  const detail = db.details.get(runId);
  if (!detail) throw new CommandError("not_found", `run ${runId} not found`);
  const unread = detail.afterSend.reads.unread;
  if (unread === 0) {
    throw new CommandError("remind_nobody", "no one to remind", {
      field: "run",
      runId: String(runId),
      read: String(detail.afterSend.reads.read),
      unknown: String(detail.afterSend.reads.unknown),
    });
  }
  const run: Api.RunSummary = {
    ...detail.run,
    id: ++nextId,
    noticeTitle: `提醒：${detail.notice.title}`,
    status: "sending",
    total: unread,
    sent: 0,
    failed: 0,
    waiting: unread,
    retrying: 0,
    cancelled: 0,
    createdAt: now(),
    finishedAt: null,
    reminderOf: runId,
    test: false,
  };
  db.runs.unshift(run);
  db.details.set(run.id, { run, notice: detail.notice, deliveries: [], afterSend: makeAfterSend() });
  db.details.set(runId, {
    ...detail,
    afterSend: { ...detail.afterSend, reminders: [...detail.afterSend.reminders, run.id] },
  });
  return run;
});

/** Queues the failed deliveries that `pick` selects, as the store does; returns how many. */
function requeue(pick: (d: Api.DeliveryView, runId: number) => boolean): number {
  let queued = 0;
  for (const [runId, detail] of db.details) {
    const again = detail.deliveries.filter((d) => d.status === "failed" && pick(d, runId)).length;
    if (again === 0) continue;
    queued += again;
    db.details.set(runId, {
      ...detail,
      deliveries: detail.deliveries.map((d) =>
        d.status === "failed" && pick(d, runId) ? { ...d, status: "queued" as const, lastError: null } : d,
      ),
    });
    updateRun(runId, (run) => ({
      ...run,
      failed: run.failed - again,
      waiting: run.waiting + again,
      status: run.status === "completed" ? "sending" : run.status,
      finishedAt: run.status === "completed" ? null : run.finishedAt,
    }));
  }
  return queued;
}

export const retryFailedDelivery = vi.fn<typeof Api.retryFailedDelivery>(async (deliveryId) =>
  requeue((d) => d.id === deliveryId),
);

export const retryFailedRun = vi.fn<typeof Api.retryFailedRun>(async (runId) => {
  runOf(runId);
  return requeue((_, id) => id === runId);
});

export const retryFailedChannel = vi.fn<typeof Api.retryFailedChannel>(async (channelId) => {
  const channel = db.channels.find((c) => c.id === channelId);
  if (!channel) throw new CommandError("not_found", `channel ${channelId} not found`);
  return requeue((d) => d.channelName === channel.name);
});

function updateChannel(name: string, change: Partial<Api.Channel>): Api.Channel {
  const found = db.channels.find((c) => c.name === name);
  if (!found) throw new CommandError("invalid", `there is no channel named ${name}`);
  const channel = { ...found, ...change, updatedAt: now() };
  db.channels = db.channels.map((c) => (c.id === found.id ? channel : c));
  return channel;
}

export const pauseChannel = vi.fn<typeof Api.pauseChannel>(async (name) =>
  updateChannel(name, { paused: true, pausedReason: "paused by hand", health: "paused" }),
);

export const resumeChannel = vi.fn<typeof Api.resumeChannel>(async (name) =>
  updateChannel(name, { paused: false, pausedReason: null, health: "ok", consecutiveFailures: 0 }),
);

/** Files the test "puts on disk": path → the text the backend reads from it; any other path is refused as the backend does. */
export const settingFiles = new Map<string, string>();

export const readSettingFile = vi.fn<typeof Api.readSettingFile>(async (_kind, key, path) => {
  const text = settingFiles.get(path);
  if (text === undefined) throw new CommandError("invalid", `${key} ${path}: it holds no certificate`);
  return text;
});

export const testChannel = vi.fn<typeof Api.testChannel>(async (name) => {
  if (!db.kindSettings.has(name)) {
    throw new CommandError("invalid", `there is no channel named ${name}`);
  }
  return db.testReplies.get(name) ?? { ok: true, reply: "250 2.0.0 Ok: queued as 4F2A1" };
});

export const channelKinds = vi.fn<typeof Api.channelKinds>(async () => db.kinds);

export const addKindChannel = vi.fn<typeof Api.addKindChannel>(async (kind, name, settings, limits) => {
  const info = db.kinds.find((k) => k.id === kind);
  if (!info) throw new CommandError("invalid", `there is no channel kind ${kind}`);
  for (const f of info.fields) {
    if (f.required && f.default == null && !settings[f.key]) {
      throw new CommandError("setting_required", `${f.key}: required`, {
        field: f.key,
        reasonZh: "必填",
        reasonEn: "required",
      });
    }
  }
  const refused = db.refusedSettings.get(kind);
  if (refused) throw refused;
  const channel = makeChannel({ id: ++nextId, name, kind: kind as Api.ChannelKind, limits: limits ?? {}, updatedAt: now() });
  db.channels = [...db.channels, channel];
  db.kindSettings.set(name, settings);
  return channel;
});

/** A headers setting as the backend shows it: an object of names, `null` for a secret value. */
function storedHeaders(text: string): Record<string, string | null> {
  const headers = JSON.parse(text) as Api.SettingHeader[];
  const secret = (h: Api.SettingHeader) => h.secret || /auth|token|key|secret|sig|cookie|pass|pwd|session|credential/i.test(h.name);
  return Object.fromEntries(headers.map((h) => [h.name, secret(h) ? null : (h.value ?? null)]));
}

export const kindChannelConfig = vi.fn<typeof Api.kindChannelConfig>(async (name) => {
  const channel = db.channels.find((c) => c.name === name);
  const stored = db.kindSettings.get(name);
  if (!channel || !stored) throw new CommandError("invalid", `there is no channel named ${name}`);
  const info = db.kinds.find((k) => k.id === channel.kind);
  const secret = (key: string) => info?.fields.some((f) => f.key === key && (f.type === "secret" || f.type === "secretUrl" || f.type === "password"));
  const entries = Object.entries(stored);
  return {
    name,
    kind: channel.kind,
    settings: Object.fromEntries(
      entries.filter(([k]) => !secret(k)).map(([k, v]) => [k, info?.fields.find((f) => f.key === k)?.type === "headers" ? storedHeaders(v) : v]),
    ),
    secretsSet: entries.filter(([k]) => secret(k)).map(([k]) => k),
  };
});

/** As the backend: an empty value clears a setting; a secret tied to a changed setting goes with it. */
export const updateKindChannel = vi.fn<typeof Api.updateKindChannel>(async (name, changes, limits) => {
  const stored = db.kindSettings.get(name);
  if (!stored) throw new CommandError("invalid", `there is no channel named ${name}`);
  const next = { ...stored };
  for (const [k, v] of Object.entries(changes)) {
    if (v === "") delete next[k];
    else next[k] = v;
  }
  const channel = db.channels.find((c) => c.name === name);
  const info = db.kinds.find((k) => k.id === channel?.kind);
  for (const f of info?.fields ?? []) {
    if (f.tiedTo && f.tiedTo in changes && !(f.key in changes)) delete next[f.key];
  }
  db.kindSettings.set(name, next);
  return updateChannel(name, limits ? { limits } : {});
});

/** What the next link-ids lookups find, by contact name (absent: not found). */
export const linkIds = vi.fn<typeof Api.linkIds>(async (channel, dryRun) => {
  const people = db.contacts.filter((c) => c.mobile);
  const contacts = people.map((c) => ({ contactId: c.id, name: c.name, id: db.platformIds.get(c.name) ?? null, error: null }));
  const found = contacts.filter((c) => c.id).length;
  return {
    channel,
    addressKind: "wecom",
    dryRun,
    contacts,
    found,
    notFound: contacts.length - found,
    failed: 0,
    stored: dryRun ? 0 : found,
  };
});

function currentSettings(): Api.UserSettings {
  const me = db.contacts.find((c) => c.id === db.me);
  return {
    me: me ? { id: me.id, name: me.name, externalId: me.externalId } : null,
    confirmAbove: db.confirmAbove,
  };
}

export const userSettings = vi.fn<typeof Api.userSettings>(async () => currentSettings());

export const setMe = vi.fn<typeof Api.setMe>(async (contactId) => {
  db.me = contactId;
  return currentSettings();
});

export const setConfirmAbove = vi.fn<typeof Api.setConfirmAbove>(async (count) => {
  if (count < 1) throw new CommandError("invalid", `confirm_above: ${count} is not a number of people`);
  db.confirmAbove = count;
  return currentSettings();
});

/** A test to “me”: queued on every chosen channel but group chats, as a test run. */
export const sendTest = vi.fn<typeof Api.sendTest>(async (noticeId) => {
  const settings = currentSettings();
  if (!settings.me) throw new CommandError("test_me_not_set", "me: who you are is not set");
  const notice = db.notices.find((n) => n.id === noticeId);
  const channels = db.channels.filter((c) => notice?.channelIds.includes(c.id));
  const results = channels.map((c) => {
    const group = c.kind.endsWith("_robot");
    return {
      channelId: c.id,
      channelName: c.name,
      kind: c.kind,
      outcome: group ? ("skipped_group" as const) : ("queued" as const),
      address: group ? null : (db.contacts.find((p) => p.id === db.me)?.email ?? `#${db.me}`),
      problemCode: null,
      reason: group ? `${c.name} is a group chat` : null,
    };
  });
  const queued = results.filter((r) => r.outcome === "queued").length;
  const run = makeRun({ id: nextId++, noticeId, total: queued, sent: 0, waiting: queued, status: "sending", test: true });
  return { run, me: settings.me, channels: results };
});

export const onRunProgress = vi.fn<typeof Api.onRunProgress>((callback) => {
  listeners.add(callback);
  return () => {
    listeners.delete(callback);
  };
});

const ALL = [
  appInfo,
  dashboardStats,
  setLanguage,
  loadDemo,
  listContacts,
  addContact,
  previewImport,
  importContacts,
  exportContacts,
  listChannels,
  listSandboxMessages,
  createNotice,
  saveDraft,
  deleteDraft,
  getNotice,
  previewNotice,
  previewDelivery,
  checkNotice,
  leaveOut,
  noticeVariables,
  listNotices,
  sendNotice,
  listRuns,
  runDetail,
  pauseRun,
  resumeRun,
  cancelRun,
  recallRun,
  refreshReads,
  remindUnread,
  retryFailedDelivery,
  retryFailedRun,
  retryFailedChannel,
  pauseChannel,
  resumeChannel,
  recordUnsubscribes,
  testChannel,
  channelKinds,
  addKindChannel,
  readSettingFile,
  kindChannelConfig,
  updateKindChannel,
  linkIds,
  userSettings,
  setMe,
  setConfirmAbove,
  sendTest,
  onRunProgress,
];

export function resetApiMock(): void {
  db = freshDb();
  nextId = 100;
  settingFiles.clear();
  listeners.clear();
  // In Vitest 3 mockReset goes back to the implementation given to vi.fn.
  for (const fn of ALL) fn.mockReset();
}
