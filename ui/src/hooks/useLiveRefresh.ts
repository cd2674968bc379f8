import { useRunProgress } from "./useRunProgress";
import { useThrottledCallback } from "./useThrottledCallback";

/** Progress events come up to ~10/s; re-reading figures that often would only burn IPC. */
export const LIVE_REFRESH_MS = 500;

/** Calls `refresh` after run progress, at most twice a second. */
export function useLiveRefresh(refresh: () => void): void {
  const throttled = useThrottledCallback(refresh, LIVE_REFRESH_MS);
  useRunProgress(throttled);
}
