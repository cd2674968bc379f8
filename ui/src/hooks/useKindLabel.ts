import { useCallback } from "react";
import * as api from "../api";
import { inLanguage } from "../components/KindChannelModal";
import { useLanguage, useT } from "../i18n";
import type { MessageKey } from "../i18n/messages";
import type { Translate } from "../i18n/context";
import { useLoader } from "./useLoader";

/**
 * A channel kind's name in the UI's language. A kind of the registry names itself
 * (`KindInfo.label`), so a new kind needs no translation here; the catalogue only names the
 * kinds the app makes itself (the sandbox, a webhook) and receiving methods not yet made
 * (SMS). An id nobody names is shown as written.
 */
export function kindLabel(kind: string, kinds: api.KindInfo[] | undefined, language: string, t: Translate): string {
  const described = kinds?.find((k) => k.id === kind);
  if (described) return inLanguage(described.label, language);
  const key = `channelKind.${kind}` as MessageKey;
  const text = t(key);
  return text === key ? kind : text;
}

/** The registry's kinds, and {@link kindLabel} over them in the current language. */
export function useKindLabel(): { kinds: api.KindInfo[] | undefined; label: (kind: string) => string } {
  const t = useT();
  const { language } = useLanguage();
  const loaded = useLoader(useCallback(() => api.channelKinds(), []));
  const kinds = loaded.data;
  const label = useCallback((kind: string) => kindLabel(kind, kinds, language, t), [kinds, language, t]);
  return { kinds, label };
}
