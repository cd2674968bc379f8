export { I18nProvider } from "./I18nProvider";
export { useLanguage, useT } from "./hooks";
export type { Translate } from "./context";
export {
  LANGUAGES,
  LANGUAGE_STORAGE_KEY,
  catalogKeys,
  translate,
  type Language,
  type MessageKey,
  type MessageVars,
} from "./messages";
