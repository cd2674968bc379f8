import { listen } from "@tauri-apps/api/event";
import type { RunProgress } from "./bindings/RunProgress";

/**
 * Subscribes to `run:progress`. Returns the unsubscribe function synchronously so that a React
 * effect can return it directly; `listen` itself resolves later.
 */
export function onRunProgress(callback: (progress: RunProgress) => void): () => void {
  // Events can still arrive between unsubscribe and the unlisten promise settling.
  let active = true;
  const pending = listen<RunProgress>("run:progress", (event) => {
    if (active) callback(event.payload);
  });
  // Outside Tauri (plain browser dev) listen rejects; live updates are then simply absent.
  pending.catch(() => undefined);
  return () => {
    active = false;
    void pending.then(
      (unlisten) => unlisten(),
      () => undefined,
    );
  };
}
