import { useEffect, useLayoutEffect, useMemo, useRef } from "react";

interface Throttle {
  call: () => void;
  cancel: () => void;
}

/** Runs at once if the last run is `intervalMs` old, else once at the end of the interval. */
function createThrottle(intervalMs: number, run: () => void): Throttle {
  let last = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fire = () => {
    timer = undefined;
    last = Date.now();
    run();
  };
  return {
    call() {
      if (timer !== undefined) return;
      const wait = last + intervalMs - Date.now();
      if (wait <= 0) fire();
      else timer = setTimeout(fire, wait);
    },
    cancel() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** A stable function that calls the latest `fn` at most once per `intervalMs`. */
export function useThrottledCallback(fn: () => void, intervalMs: number): () => void {
  const latest = useRef(fn);
  useLayoutEffect(() => {
    latest.current = fn;
  });
  const throttle = useMemo(() => createThrottle(intervalMs, () => latest.current()), [intervalMs]);
  useEffect(() => () => throttle.cancel(), [throttle]);
  return throttle.call;
}
