import type { DialogOptions } from "./bindings/DialogOptions";
import type { FileFilter } from "./bindings/FileFilter";
import { call } from "./invoke";

export type { FileFilter };

/*
 * The native dialogs run in the desktop shell, not in the webview: the shell records every
 * path the user picks, and Herald's commands read or write only those (a path picked to open
 * may be read; one picked to save may be written once). The webview itself has no file
 * dialog or file system permission. Both cases of each extension are offered by the shell.
 */

/** The native "open file" dialog for one file. Resolves to its path, or `null` when the user cancels. */
export function chooseFileToOpen(options: { title?: string; filters: FileFilter[] }): Promise<string | null> {
  const dialog: DialogOptions = { title: options.title, filters: options.filters };
  return call<string | null>("pick_file_to_open", { options: dialog });
}

/** The native "open file" dialog for any number of files: their paths, empty when cancelled. */
export function chooseFilesToOpen(options: { title?: string; filters?: FileFilter[] }): Promise<string[]> {
  const dialog: DialogOptions = { title: options.title, filters: options.filters ?? [] };
  return call<string[]>("pick_files_to_open", { options: dialog });
}

/**
 * The native "save as" dialog. Resolves to the path chosen (the platform has asked about
 * overwriting an existing file), or `null` when the user cancels. The path may be written once.
 */
export function chooseFileToSave(options: {
  title?: string;
  defaultPath?: string;
  filters: FileFilter[];
}): Promise<string | null> {
  const dialog: DialogOptions = { title: options.title, defaultPath: options.defaultPath, filters: options.filters };
  return call<string | null>("pick_file_to_save", { options: dialog });
}
