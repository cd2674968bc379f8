import { createContext } from "react";
import type { Language, MessageKey, MessageVars } from "./messages";

export type Translate = (key: MessageKey, vars?: MessageVars) => string;

export interface I18nValue {
  language: Language;
  setLanguage: (language: Language) => void;
  t: Translate;
}

export const I18nContext = createContext<I18nValue | null>(null);
