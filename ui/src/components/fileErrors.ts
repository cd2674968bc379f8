import type { CommandError } from "../api";
import type { Translate } from "../i18n";

/**
 * A file command's failure in the user's words. The shell reads and writes only files picked
 * in its dialogs (`file_not_picked`); a typed import path must be a regular spreadsheet file
 * (`file_not_allowed`). Other failures keep the backend's message.
 */
export function fileErrorMessage(t: Translate, error: CommandError): string {
  if (error.code === "file_not_picked") return t("files.notPicked");
  if (error.code === "file_not_allowed") return t("files.notAllowed", { message: error.message });
  return error.message;
}
