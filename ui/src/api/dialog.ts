import { open, save } from "@tauri-apps/plugin-dialog";
import { toCommandError } from "./invoke";

/** One entry of a dialog's file-type list: a label the user reads and extensions without dots. */
export type FileFilter = { name: string; extensions: string[] };

/**
 * GTK matches extension patterns case-sensitively, and files saved on Windows are often
 * `名单.XLSX`: offer both cases (harmless where the platform ignores case).
 */
function bothCases(filters: FileFilter[]): FileFilter[] {
  return filters.map(({ name, extensions }) => ({
    name,
    extensions: [...new Set(extensions.flatMap((e) => [e.toLowerCase(), e.toUpperCase()]))],
  }));
}

/**
 * The native "open file" dialog for one file. Resolves to its path, or `null` when the user
 * cancels. The dialog only names the file: Herald's own commands read it.
 */
export async function chooseFileToOpen(options: { title?: string; filters: FileFilter[] }): Promise<string | null> {
  try {
    return await open({ title: options.title, filters: bothCases(options.filters), multiple: false, directory: false });
  } catch (error) {
    throw toCommandError(error);
  }
}

/** The native "open file" dialog for any number of files: their paths, empty when cancelled. */
export async function chooseFilesToOpen(options: { title?: string; filters?: FileFilter[] }): Promise<string[]> {
  try {
    const chosen = await open({
      title: options.title,
      filters: options.filters && bothCases(options.filters),
      multiple: true,
      directory: false,
    });
    return chosen ?? [];
  } catch (error) {
    throw toCommandError(error);
  }
}

/**
 * The native "save as" dialog. Resolves to the path chosen (the platform has asked about
 * overwriting an existing file), or `null` when the user cancels.
 */
export async function chooseFileToSave(options: {
  title?: string;
  defaultPath?: string;
  filters: FileFilter[];
}): Promise<string | null> {
  try {
    return await save({ title: options.title, defaultPath: options.defaultPath, filters: options.filters });
  } catch (error) {
    throw toCommandError(error);
  }
}
