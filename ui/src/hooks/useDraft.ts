import { useCallback, useEffect, useRef, useState } from "react";
import * as api from "../api";

/** How long typing must pause before the draft is saved. */
export const SAVE_AFTER_MS = 800;

export type DraftState = {
  /** The draft's id once it has been saved (or was opened). */
  id: number | undefined;
  /** When it was last saved, as the backend recorded it. */
  savedAt: string | undefined;
  saving: boolean;
  /** What would stop the notice, from the last save. */
  problem: api.DraftProblem | null;
  /** A save that failed (the database, a file that cannot be copied), until one succeeds. */
  error: api.CommandError | undefined;
};

/**
 * The draft Compose writes into: saved after each pause in typing and at once when asked, one
 * save at a time in order (so the first save's new id is used by the next, never two drafts),
 * and whatever is pending is saved when the page is left.
 */
export function useDraft(onSaved: (saved: api.DraftSaved, input: api.NewNotice) => void) {
  const [state, setState] = useState<DraftState>({
    id: undefined,
    savedAt: undefined,
    saving: false,
    problem: null,
    error: undefined,
  });
  const id = useRef<number>();
  const chain = useRef<Promise<unknown>>(Promise.resolve());
  const pending = useRef<{ input: api.NewNotice; timer: ReturnType<typeof setTimeout> }>();
  const latest = useRef(onSaved);
  latest.current = onSaved;

  const run = useCallback((input: api.NewNotice): Promise<api.DraftSaved> => {
    const next = chain.current
      .catch(() => undefined)
      .then(async () => {
        setState((s) => ({ ...s, saving: true }));
        try {
          const saved = await api.saveDraft(id.current, input);
          id.current = saved.notice.id;
          setState({ id: saved.notice.id, savedAt: saved.notice.updatedAt, saving: false, problem: saved.problem, error: undefined });
          latest.current(saved, input);
          return saved;
        } catch (reason) {
          setState((s) => ({ ...s, saving: false, error: api.toCommandError(reason) }));
          throw reason;
        }
      });
    chain.current = next;
    return next;
  }, []);

  /** Saves `input` once typing has paused. */
  const schedule = useCallback(
    (input: api.NewNotice) => {
      if (pending.current) clearTimeout(pending.current.timer);
      const timer = setTimeout(() => {
        pending.current = undefined;
        void run(input).catch(() => undefined);
      }, SAVE_AFTER_MS);
      pending.current = { input, timer };
    },
    [run],
  );

  /** Saves `input` now (a step's check, the review): resolves with what the backend says of it. */
  const flush = useCallback(
    (input: api.NewNotice) => {
      if (pending.current) clearTimeout(pending.current.timer);
      pending.current = undefined;
      return run(input);
    },
    [run],
  );

  /** Continues a draft opened from the Notices list. */
  const adopt = useCallback((notice: api.Notice) => {
    id.current = notice.id;
    setState((s) => ({ ...s, id: notice.id, savedAt: notice.updatedAt }));
  }, []);

  useEffect(
    () => () => {
      // Leaving the page: what was typed in the last moment is saved too.
      if (pending.current) {
        clearTimeout(pending.current.timer);
        const { input } = pending.current;
        pending.current = undefined;
        void run(input).catch(() => undefined);
      }
    },
    [run],
  );

  return { ...state, schedule, flush, adopt };
}
