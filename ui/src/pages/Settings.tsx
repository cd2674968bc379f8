import { Card, Descriptions, Space, Tag, Typography } from "antd";
import { useCallback } from "react";
import * as api from "../api";
import { ErrorAlert } from "../components/ErrorAlert";
import { LanguageSwitch } from "../components/LanguageSwitch";
import { MySettingsCard } from "../components/MySettingsCard";
import { PageHeader } from "../components/PageHeader";
import { useLoader } from "../hooks/useLoader";
import { useT, type Translate } from "../i18n";

function dispatcherText(status: api.DispatcherStatus, t: Translate) {
  if (status.runningHere) return <Tag color="green">{t("dispatcher.here")}</Tag>;
  if (status.otherHolder) {
    return <Tag color="orange">{t("dispatcher.elsewhere", { holder: status.otherHolder })}</Tag>;
  }
  return <Tag>{t("dispatcher.stopped")}</Tag>;
}

function secretsText(at: api.SecretsLocation, t: Translate, path: (value: string) => JSX.Element) {
  if (at.kind === "keyring") return t("settings.secretsKeyring", { service: at.service });
  return (
    <Space direction="vertical" size={0}>
      <Typography.Text type="warning">{t("settings.secretsFile")}</Typography.Text>
      {path(at.path)}
    </Space>
  );
}

export default function Settings() {
  const t = useT();
  const info = useLoader(useCallback(() => api.appInfo(), []));
  const path = (value: string) => (
    <Typography.Text copyable code>
      {value}
    </Typography.Text>
  );
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%", maxWidth: 860 }}>
      <PageHeader title={t("settings.title")} />
      <Card title={t("settings.language")} size="small">
        <LanguageSwitch testIdPrefix="settings-" />
      </Card>
      <MySettingsCard />
      <ErrorAlert error={info.error} onRetry={() => info.reload()} />
      <Card title={t("settings.about")} size="small" loading={info.loading && !info.data}>
        {info.data && (
          <Descriptions column={1} size="small" data-testid="settings-facts">
            <Descriptions.Item label={t("settings.version")}>{info.data.version}</Descriptions.Item>
            <Descriptions.Item label={t("settings.dataDir")}>{path(info.data.dataDir)}</Descriptions.Item>
            <Descriptions.Item label={t("settings.database")}>{path(info.data.databasePath)}</Descriptions.Item>
            <Descriptions.Item label={t("settings.dispatcher")}>
              {dispatcherText(info.data.dispatcher, t)}
            </Descriptions.Item>
            <Descriptions.Item label={t("settings.secrets")}>{secretsText(info.data.secrets, t, path)}</Descriptions.Item>
          </Descriptions>
        )}
      </Card>
    </Space>
  );
}
