import type { AppInfo } from "./bindings/AppInfo";
import type { DashboardStats } from "./bindings/DashboardStats";
import type { DemoLoadResult } from "./bindings/DemoLoadResult";
import { call } from "./invoke";

/** The languages the backend accepts for `set_language`. */
export type UiLanguage = "zh-CN" | "en";

export const appInfo = () => call<AppInfo>("app_info");

export const dashboardStats = () => call<DashboardStats>("dashboard_stats");

export const loadDemo = () => call<DemoLoadResult>("load_demo");

export const setLanguage = (language: UiLanguage) => call<void>("set_language", { language });
