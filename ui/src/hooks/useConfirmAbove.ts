import { useCallback } from "react";
import * as api from "../api";
import { useLoader } from "./useLoader";

/** The default of Settings' threshold, used until (or if) the setting cannot be read. */
export const DEFAULT_CONFIRM_ABOVE = 500;

/**
 * Above this many people the sender types the number to confirm (Settings, default 500): a
 * wrong notice to a whole grade cannot be taken back.
 */
export function useConfirmAbove(): number {
  const settings = useLoader(useCallback(() => api.userSettings(), []));
  return settings.data?.confirmAbove ?? DEFAULT_CONFIRM_ABOVE;
}
