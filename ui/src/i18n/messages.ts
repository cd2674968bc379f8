import "dayjs/locale/zh-cn";
import dayjs from "dayjs";
import type { UiLanguage } from "../api";
import en from "./en.json";
import zhCN from "./zh-CN.json";

export type Language = UiLanguage;

/** Every key the Chinese catalogue holds; the English one must hold the same (checked below). */
export type MessageKey = keyof typeof zhCN;

export type MessageVars = Record<string, string | number>;

// Typing both as Record<MessageKey, string> makes `tsc` fail when en.json misses a key.
const catalogs: Record<Language, Record<MessageKey, string>> = { "zh-CN": zhCN, en };

export const LANGUAGES: readonly Language[] = ["zh-CN", "en"];

export const LANGUAGE_STORAGE_KEY = "herald.language";

export function isLanguage(value: unknown): value is Language {
  return value === "zh-CN" || value === "en";
}

/** The language the UI starts with: the last choice, else Chinese. */
export function storedLanguage(): Language {
  try {
    const saved = window.localStorage.getItem(LANGUAGE_STORAGE_KEY);
    return isLanguage(saved) ? saved : "zh-CN";
  } catch {
    // Storage can be unavailable (privacy settings); the default is fine then.
    return "zh-CN";
  }
}

export function rememberLanguage(language: Language): void {
  try {
    window.localStorage.setItem(LANGUAGE_STORAGE_KEY, language);
  } catch {
    // Not remembering only costs the user one click next start.
  }
}

export function applyDayjsLocale(language: Language): void {
  dayjs.locale(language === "zh-CN" ? "zh-cn" : "en");
}

/** Looks a key up and fills `{placeholder}`s; unknown placeholders are left as written. */
export function translate(language: Language, key: MessageKey, vars?: MessageVars): string {
  const template = catalogs[language][key] ?? catalogs["zh-CN"][key] ?? key;
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole,
  );
}

export function catalogKeys(language: Language): string[] {
  return Object.keys(catalogs[language]);
}
