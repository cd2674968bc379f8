import { useContext } from "react";
import { I18nContext, type I18nValue, type Translate } from "./context";

function useI18n(): I18nValue {
  const value = useContext(I18nContext);
  if (!value) throw new Error("useT/useLanguage must be used inside <I18nProvider>");
  return value;
}

export function useT(): Translate {
  return useI18n().t;
}

export function useLanguage(): Pick<I18nValue, "language" | "setLanguage"> {
  const { language, setLanguage } = useI18n();
  return { language, setLanguage };
}
