import { useCallback, useMemo, useState, type ReactNode } from "react";
import * as api from "../api";
import { I18nContext, type I18nValue } from "./context";
import {
  applyDayjsLocale,
  rememberLanguage,
  storedLanguage,
  translate,
  type Language,
} from "./messages";

export function I18nProvider({ children, initial }: { children: ReactNode; initial?: Language }) {
  const [language, setLanguageState] = useState<Language>(() => {
    const start = initial ?? storedLanguage();
    applyDayjsLocale(start);
    document.documentElement.lang = start;
    return start;
  });

  const setLanguage = useCallback((next: Language) => {
    applyDayjsLocale(next);
    rememberLanguage(next);
    setLanguageState(next);
    document.documentElement.lang = next;
    // The backend copy only matters for texts it renders itself; the UI has already switched,
    // so a failure here (e.g. running in a plain browser) is not worth interrupting the user.
    api.setLanguage(next).catch(() => undefined);
  }, []);

  const value = useMemo<I18nValue>(
    () => ({ language, setLanguage, t: (key, vars) => translate(language, key, vars) }),
    [language, setLanguage],
  );

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}
