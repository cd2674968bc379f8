import type { Contact } from "./bindings/Contact";
import type { ContactDetail } from "./bindings/ContactDetail";
import type { ContactEdit } from "./bindings/ContactEdit";
import type { ContactEditResult } from "./bindings/ContactEditResult";
import type { ContactFacets } from "./bindings/ContactFacets";
import type { ContactPage } from "./bindings/ContactPage";
import type { ContactQuery } from "./bindings/ContactQuery";
import type { ImportOptions } from "./bindings/ImportOptions";
import type { ImportPreview } from "./bindings/ImportPreview";
import type { ImportOutcome } from "./bindings/ImportOutcome";
import type { NewContact } from "./bindings/NewContact";
import type { UnsubscribeReport } from "./bindings/UnsubscribeReport";
import { call } from "./invoke";

export type { AddressEdit } from "./bindings/AddressEdit";
export type { ImportOutcome } from "./bindings/ImportOutcome";
export type { ContactAddress } from "./bindings/ContactAddress";
export type { ContactDetail } from "./bindings/ContactDetail";
export type { ContactEdit } from "./bindings/ContactEdit";
export type { ContactEditResult } from "./bindings/ContactEditResult";
export type { ContactFacets } from "./bindings/ContactFacets";
export type { ContactSort } from "./bindings/ContactSort";
export type { FacetCount } from "./bindings/FacetCount";
export type { UnsubscribeMatch } from "./bindings/UnsubscribeMatch";
export type { UnsubscribeReport } from "./bindings/UnsubscribeReport";

export const listContacts = (query: ContactQuery) => call<ContactPage>("list_contacts", { query });

export const addContact = (input: NewContact) => call<Contact>("add_contact", { input });

/** The distinct departments, grades, classes, roles, tags and languages, with counts. */
export const contactFacets = () => call<ContactFacets>("contact_facets");

/** Everything about one contact, for the edit drawer. */
export const contactDetail = (id: number) => call<ContactDetail>("contact_detail", { id });

/** Saves an edit; rejects with code `conflict` when the contact changed since it was read. */
export const updateContact = (id: number, edit: ContactEdit) =>
  call<ContactEditResult>("update_contact", { id, edit });

/** Deletes contacts; rejects with code `conflict` (nothing deleted) when any has sending history. */
export const deleteContacts = (ids: number[]) => call<number>("delete_contacts", { ids });

/**
 * The contacts named by the addresses in pasted unsubscribe requests (mails, lists); with
 * `apply`, those not yet opted out of e-mail are, in one step.
 */
export const recordUnsubscribes = (text: string, apply: boolean) =>
  call<UnsubscribeReport>("record_unsubscribes", { text, apply });

/** The first rows of a file and the suggested mapping; `encoding` absent = detected. */
export const previewImport = (path: string, encoding?: string) =>
  call<ImportPreview>("preview_import", { path, encoding: encoding ?? null });

/**
 * Imports (or, with `dryRun`, only checks and counts) a file with the given mapping. The path
 * was picked in the open dialog or typed (a typed path must be a regular spreadsheet file).
 * The shell keeps the report under `reportId`, for `writeImportReport`.
 */
export const importContacts = (path: string, options: ImportOptions) =>
  call<ImportOutcome>("import_contacts", { path, options });

/** Writes every contact to `path` (.xlsx or .csv), picked in the save dialog; resolves to how many. */
export const exportContacts = (path: string) => call<number>("export_contacts", { path });

/**
 * Writes the problems of the import or dry run the shell keeps under `reportId` to `path`
 * (.xlsx or .csv), picked in the save dialog. The report's content never leaves the shell's side.
 */
export const writeImportReport = (reportId: number, path: string) =>
  call<void>("write_import_report", { reportId, path });
