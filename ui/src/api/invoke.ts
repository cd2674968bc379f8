import { invoke, type InvokeArgs } from "@tauri-apps/api/core";

/**
 * The one error shape the UI handles. The Rust commands reject with `{ code, message }`;
 * anything else (a plain string, a JS exception when running outside Tauri) becomes `internal`
 * so pages can always show `error.message` to the user.
 */
export class CommandError extends Error {
  readonly code: string;
  /** Values the UI fills into its own text for `code` (a size, a limit, a row…). */
  readonly params: Record<string, string>;

  constructor(code: string, message: string, params: Record<string, string> = {}) {
    super(message);
    this.name = "CommandError";
    this.code = code;
    this.params = params;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** The string-valued entries of a command error's `params`; anything else is dropped. */
function stringParams(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
}

export function toCommandError(error: unknown): CommandError {
  if (error instanceof CommandError) return error;
  if (typeof error === "string") return new CommandError("internal", error);
  if (isRecord(error) && typeof error.message === "string") {
    const code = typeof error.code === "string" ? error.code : "internal";
    return new CommandError(code, error.message, stringParams(error.params));
  }
  return new CommandError("internal", String(error));
}

export async function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toCommandError(error);
  }
}
