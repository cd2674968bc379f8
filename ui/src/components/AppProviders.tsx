import { App as AntApp, ConfigProvider } from "antd";
import enUS from "antd/locale/en_US";
import zhCN from "antd/locale/zh_CN";
import type { ReactNode } from "react";
import { I18nProvider, useLanguage, type Language } from "../i18n";

function AntdConfig({ children }: { children: ReactNode }) {
  const { language } = useLanguage();
  return (
    // One antd copy in the bundle, so the per-version class hash buys nothing (and its
    // :where() selectors make every style lookup slower).
    <ConfigProvider
      locale={language === "en" ? enUS : zhCN}
      theme={{ hashed: false }}
      // antd spaces out two-character Chinese labels (“重 试”); office staff read that as a typo.
      button={{ autoInsertSpace: false }}
    >
      {/* AntApp gives message/modal hooks that follow this ConfigProvider's locale. */}
      <AntApp>{children}</AntApp>
    </ConfigProvider>
  );
}

export function AppProviders({ children, language }: { children: ReactNode; language?: Language }) {
  return (
    <I18nProvider initial={language}>
      <AntdConfig>{children}</AntdConfig>
    </I18nProvider>
  );
}
