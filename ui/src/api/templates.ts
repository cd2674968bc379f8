import type { Notice } from "./bindings/Notice";
import type { ResendDraft } from "./bindings/ResendDraft";
import type { Template } from "./bindings/Template";
import type { TemplateInput } from "./bindings/TemplateInput";
import type { TemplateVersion } from "./bindings/TemplateVersion";
import { call } from "./invoke";

/** Every template, the five built-ins first. */
export const listTemplates = () => call<Template[]>("list_templates");

/** A template's earlier contents (each save keeps the one it replaced), newest first. */
export const templateVersions = (templateId: number) =>
  call<TemplateVersion[]>("template_versions", { templateId });

/** Saves under a name: a new name makes a template, an existing one a new version. Built-ins
 * are refused (save under a new name). */
export const saveTemplate = (input: TemplateInput) => call<Template>("save_template", { input });

/** Deletes a saved template (built-ins stay). */
export const deleteTemplate = (templateId: number) => call<void>("delete_template", { templateId });

/** A new draft with the same content, audience and channels as a notice. */
export const duplicateNotice = (noticeId: number) => call<Notice>("duplicate_notice", { noticeId });

/** A new draft of a sent notice for exactly the people it did not reach who have a usable
 * address on one of its channels; `noAddress` counts those left out. */
export const resendUnreached = (noticeId: number) => call<ResendDraft>("resend_unreached", { noticeId });
