import { useRef, useState } from "react";
import type { RunProgress } from "../api";
import { LIVE_REFRESH_MS } from "./useLiveRefresh";
import { useRunProgress } from "./useRunProgress";
import { useThrottledCallback } from "./useThrottledCallback";

/** The latest `run:progress` of each run, re-rendering at most twice a second. */
export function useRunRates(): ReadonlyMap<number, RunProgress> {
  const latest = useRef(new Map<number, RunProgress>());
  const [snapshot, setSnapshot] = useState<ReadonlyMap<number, RunProgress>>(() => new Map());
  const publish = useThrottledCallback(() => setSnapshot(new Map(latest.current)), LIVE_REFRESH_MS);
  useRunProgress((progress) => {
    latest.current.set(progress.run.id, progress);
    publish();
  });
  return snapshot;
}
