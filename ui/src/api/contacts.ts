import type { Contact } from "./bindings/Contact";
import type { ContactPage } from "./bindings/ContactPage";
import type { ContactQuery } from "./bindings/ContactQuery";
import type { ImportOptions } from "./bindings/ImportOptions";
import type { ImportPreview } from "./bindings/ImportPreview";
import type { ImportReport } from "./bindings/ImportReport";
import type { NewContact } from "./bindings/NewContact";
import { call } from "./invoke";

export const listContacts = (query: ContactQuery) => call<ContactPage>("list_contacts", { query });

export const addContact = (input: NewContact) => call<Contact>("add_contact", { input });

/** The first rows of a file and the suggested mapping; `encoding` absent = detected. */
export const previewImport = (path: string, encoding?: string) =>
  call<ImportPreview>("preview_import", { path, encoding: encoding ?? null });

/** Imports (or, with `dryRun`, only checks and counts) a file with the given mapping. */
export const importContacts = (path: string, options: ImportOptions) =>
  call<ImportReport>("import_contacts", { path, options });

/** Writes every contact to `path` (.xlsx or .csv); resolves to how many. */
export const exportContacts = (path: string) => call<number>("export_contacts", { path });

/** Writes the problems of an import or a dry run to `path` (.xlsx or .csv). */
export const writeImportReport = (report: ImportReport, path: string) =>
  call<void>("write_import_report", { report, path });
