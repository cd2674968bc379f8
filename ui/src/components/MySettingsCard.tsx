import { Alert, Button, Card, Form, InputNumber, Space, Typography } from "antd";
import { useCallback, useEffect, useState } from "react";
import * as api from "../api";
import { useLoader } from "../hooks/useLoader";
import { useT } from "../i18n";
import { ContactPicker, type PickedContact } from "./ContactPicker";

function picked(me: api.MeContact | null): PickedContact[] {
  return me ? [{ value: me.id, label: me.externalId ? `${me.name} (${me.externalId})` : me.name }] : [];
}

/**
 * 我的设置: who “me” is (发给我自己试试 goes to this contact alone) and above how many
 * recipients a send asks for the number to be typed. Each is saved on its own.
 */
export function MySettingsCard() {
  const t = useT();
  const settings = useLoader(useCallback(() => api.userSettings(), []));
  const [me, setMe] = useState<PickedContact[]>([]);
  const [threshold, setThreshold] = useState<number | null>(null);
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState<"me" | "threshold" | null>(null);

  useEffect(() => {
    if (!settings.data) return;
    setMe(picked(settings.data.me));
    setThreshold(settings.data.confirmAbove);
  }, [settings.data]);

  const save = async (which: "me" | "threshold") => {
    setError(undefined);
    setSaved(null);
    try {
      if (which === "me") await api.setMe(me[0]?.value ?? null);
      else if (threshold !== null) await api.setConfirmAbove(threshold);
      setSaved(which);
      settings.reload();
    } catch (reason) {
      setError(api.toCommandError(reason).message);
    }
  };

  return (
    <Card title={t("settings.mine")} size="small" loading={settings.loading && !settings.data} data-testid="my-settings">
      {(error || settings.error) && (
        <Alert type="error" showIcon message={error ?? settings.error?.message} style={{ marginBottom: 12 }} />
      )}
      <Form layout="vertical">
        <Form.Item label={t("settings.me")} extra={t("settings.meHelp")}>
          <Space.Compact style={{ width: "100%", maxWidth: 560 }}>
            <ContactPicker
              value={me}
              // One person: a new pick replaces the old one.
              onChange={(next) => setMe(next.slice(-1))}
              data-testid="settings-me"
            />
            <Button onClick={() => void save("me")} data-testid="settings-me-save">
              {t("common.save")}
            </Button>
          </Space.Compact>
          {saved === "me" && (
            <Typography.Text type="success" data-testid="settings-me-saved">
              {t("settings.saved")}
            </Typography.Text>
          )}
        </Form.Item>
        <Form.Item label={t("settings.confirmAbove")} extra={t("settings.confirmAboveHelp")}>
          <Space>
            <InputNumber
              min={1}
              precision={0}
              value={threshold}
              onChange={(v) => setThreshold(v)}
              data-testid="settings-confirm-above"
            />
            <span>{t("settings.people")}</span>
            <Button
              onClick={() => void save("threshold")}
              disabled={threshold === null}
              data-testid="settings-confirm-above-save"
            >
              {t("common.save")}
            </Button>
            {saved === "threshold" && (
              <Typography.Text type="success" data-testid="settings-threshold-saved">
                {t("settings.saved")}
              </Typography.Text>
            )}
          </Space>
        </Form.Item>
      </Form>
    </Card>
  );
}
