import { useCallback, useEffect, useRef, useState } from "react";
import { toCommandError, type CommandError } from "../api";

export interface Loaded<T> {
  data: T | undefined;
  error: CommandError | undefined;
  loading: boolean;
  /** `quiet` refreshes without a spinner, for live updates that should not flicker. */
  reload: (quiet?: boolean) => void;
}

/**
 * Runs `load` on mount and whenever its identity changes (wrap it in useCallback).
 * Only the newest request may set state, so a slow old answer never overwrites a newer one.
 */
export function useLoader<T>(load: () => Promise<T>): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<CommandError>();
  const [loading, setLoading] = useState(true);
  const latest = useRef(0);

  const reload = useCallback(
    (quiet = false) => {
      const request = ++latest.current;
      if (!quiet) setLoading(true);
      load().then(
        (value) => {
          if (request !== latest.current) return;
          setData(value);
          setError(undefined);
          setLoading(false);
        },
        (reason: unknown) => {
          if (request !== latest.current) return;
          setError(toCommandError(reason));
          setLoading(false);
        },
      );
    },
    [load],
  );

  useEffect(() => {
    reload();
  }, [reload]);

  return { data, error, loading, reload };
}
