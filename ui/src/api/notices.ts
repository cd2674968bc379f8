import type { DeliveryPreview } from "./bindings/DeliveryPreview";
import type { DraftSaved } from "./bindings/DraftSaved";
import type { NewNotice } from "./bindings/NewNotice";
import type { Notice } from "./bindings/Notice";
import type { NoticeCheck } from "./bindings/NoticeCheck";
import type { NoticeVariable } from "./bindings/NoticeVariable";
import type { Preview } from "./bindings/Preview";
import type { RunSummary } from "./bindings/RunSummary";
import { call } from "./invoke";

export const createNotice = (input: NewNotice) => call<Notice>("create_notice", { input });

/**
 * Saves what Compose holds (a new draft when `id` is undefined), however incomplete; the first
 * thing that would stop it comes back as `problem`, with its field. A file the draft keeps
 * already is named by its `file` (`attachments/…`).
 */
export const saveDraft = (id: number | undefined, input: NewNotice) =>
  call<DraftSaved>("save_draft", { id: id ?? null, input });

/** Deletes a draft; a sent notice is kept for the history. */
export const deleteDraft = (id: number) => call<Notice>("delete_draft", { id });

export const getNotice = (id: number) => call<Notice>("get_notice", { id });

export const previewNotice = (input: NewNotice) => call<Preview>("preview_notice", { input });

/** The variables a template may use: contact fields with their Chinese names, the date,
 * imported columns, and the notice's own `values`, each with its meaning in both languages. */
export const noticeVariables = (values?: Record<string, string>) =>
  call<NoticeVariable[]>("notice_variables", { values: values ?? null });
/**
 * Notice `noticeId` exactly as `contact` (a 学号/工号 or `#ID`) gets it on `channel`, built by
 * the code that sends it; a group chat's message needs no contact.
 */
export const previewDelivery = (noticeId: number, channel: string, contact?: string) =>
  call<DeliveryPreview>("preview_delivery", contact === undefined ? { noticeId, channel } : { noticeId, channel, contact });

export const listNotices = () => call<Notice[]>("list_notices");

/** Starts a run of the notice; the app's dispatcher sends it in the background. */
export const sendNotice = (noticeId: number) => call<RunSummary>("send_notice", { noticeId });

/** The draft checked against its whole audience: who gets it on each channel, and everyone who
 * would get a broken message (sending refuses with `broken_recipients` until they are fixed or
 * left out). */
export const checkNotice = (noticeId: number) => call<NoticeCheck>("check_notice", { noticeId });

/** Leaves these contacts out of a draft's audience on purpose (`-contacts:…`). */
export const leaveOut = (noticeId: number, contactIds: number[]) =>
  call<Notice>("leave_out", { noticeId, contactIds });
