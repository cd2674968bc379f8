import type { NewNotice } from "./bindings/NewNotice";
import type { Notice } from "./bindings/Notice";
import type { Preview } from "./bindings/Preview";
import type { RunSummary } from "./bindings/RunSummary";
import { call } from "./invoke";

export const createNotice = (input: NewNotice) => call<Notice>("create_notice", { input });

export const previewNotice = (input: NewNotice) => call<Preview>("preview_notice", { input });

export const listNotices = () => call<Notice[]>("list_notices");

/** Starts a run of the notice; the app's dispatcher sends it in the background. */
export const sendNotice = (noticeId: number) => call<RunSummary>("send_notice", { noticeId });
