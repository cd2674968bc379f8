/**
 * `mockGroupsApi` (with `mockApi`) plus templates and the reuse commands (duplicate, resend to those not reached),
 * over the same in-memory notices. Use it with `vi.mock("../api", () => import("../test/mockTemplatesApi"))`;
 * its `resetApiMock` resets both.
 */
import { vi } from "vitest";
import type * as Api from "../api";
import { CommandError } from "../api/invoke";
import { db, resetApiMock as resetBase } from "./mockGroupsApi";

export * from "./mockGroupsApi";

const now = () => "2026-03-02T09:00:00.000Z";

function builtin(id: number, name: string, title: string): Api.Template {
  return {
    id,
    name,
    builtin: true,
    version: 1,
    title,
    subject: `【${title}】{{ 课程名称 }}`,
    body: "{{ 姓名 }}同学：{{ 课程名称 }} 考试时间 {{ 考试时间 }}。",
    values: { 课程名称: "植物生理学", 考试时间: "12月20日 9:00" },
    english: { subject: "Exam arrangement", body: "Dear {{ 姓名 }}, your exam is at {{ 考试时间 }}." },
    createdAt: now(),
    updatedAt: now(),
  };
}

function freshTemplates() {
  return {
    templates: [builtin(1, "考试安排", "考试安排"), builtin(2, "会议通知", "会议通知")] as Api.Template[],
    versions: new Map<number, Api.TemplateVersion[]>(),
    /** What `resendUnreached` reports as left out for want of an address. */
    noAddress: 0,
  };
}

export let templatesDb = freshTemplates();
let nextTemplateId = 700;

export const listTemplates = vi.fn<typeof Api.listTemplates>(async () => templatesDb.templates);

export const templateVersions = vi.fn<typeof Api.templateVersions>(
  async (templateId) => templatesDb.versions.get(templateId) ?? [],
);

export const saveTemplate = vi.fn<typeof Api.saveTemplate>(async (input) => {
  const existing = templatesDb.templates.find((t) => t.name === input.name);
  if (existing?.builtin) throw new CommandError("conflict", `${input.name} is a built-in template and does not change`);
  const content = {
    title: input.title,
    subject: input.subject,
    body: input.body,
    values: input.values ?? {},
    english: input.english,
  };
  if (existing) {
    const kept = templatesDb.versions.get(existing.id) ?? [];
    kept.unshift({ ...existing, savedAt: existing.updatedAt });
    templatesDb.versions.set(existing.id, kept);
    Object.assign(existing, content, { version: existing.version + 1, updatedAt: now() });
    return existing;
  }
  const t: Api.Template = { id: ++nextTemplateId, name: input.name, builtin: false, version: 1, ...content, createdAt: now(), updatedAt: now() };
  templatesDb.templates.push(t);
  return t;
});

export const deleteTemplate = vi.fn<typeof Api.deleteTemplate>(async (templateId) => {
  templatesDb.templates = templatesDb.templates.filter((t) => t.id !== templateId || t.builtin);
});

function copyOf(noticeId: number, audience?: string): Api.Notice {
  const n = db.notices.find((x) => x.id === noticeId);
  if (!n) throw new CommandError("not_found", `notice ${noticeId} was not found`);
  const id = Math.max(0, ...db.notices.map((x) => x.id)) + 1;
  const copy: Api.Notice = { ...n, id, status: "draft", createdAt: now(), ...(audience ? { audience, audienceText: audience } : {}) };
  db.notices.unshift(copy);
  return copy;
}

export const duplicateNotice = vi.fn<typeof Api.duplicateNotice>(async (noticeId) => copyOf(noticeId));

export const resendUnreached = vi.fn<typeof Api.resendUnreached>(async (noticeId) => {
  const notice = copyOf(noticeId, "contacts:2,3");
  return { notice, people: 2, noAddress: templatesDb.noAddress };
});

const ALL = [listTemplates, templateVersions, saveTemplate, deleteTemplate, duplicateNotice, resendUnreached];

export function resetApiMock(): void {
  resetBase();
  templatesDb = freshTemplates();
  nextTemplateId = 700;
  for (const fn of ALL) fn.mockReset();
}
