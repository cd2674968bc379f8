import { useEffect, useLayoutEffect, useRef } from "react";
import { onRunProgress, type RunProgress } from "../api";

/** Calls the latest `onProgress` for every `run:progress` event while mounted. */
export function useRunProgress(onProgress: (progress: RunProgress) => void): void {
  const latest = useRef(onProgress);
  useLayoutEffect(() => {
    latest.current = onProgress;
  });
  // Subscribing once (not per render) keeps the Tauri listener count constant.
  useEffect(() => onRunProgress((progress) => latest.current(progress)), []);
}
