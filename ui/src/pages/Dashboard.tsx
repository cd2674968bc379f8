import { Alert, App, Button, Card, Col, Row, Space, Statistic } from "antd";
import { useCallback, useState } from "react";
import { useNavigate } from "react-router-dom";
import * as api from "../api";
import { ErrorAlert } from "../components/ErrorAlert";
import { PageHeader } from "../components/PageHeader";
import { PausedChannelsAlert } from "../components/PausedChannelsAlert";
import { RunsTable } from "../components/RunsTable";
import { SentByDayChart } from "../components/SentByDayChart";
import { useLiveRefresh } from "../hooks/useLiveRefresh";
import { useLoader } from "../hooks/useLoader";
import { useRunRates } from "../hooks/useRunRates";
import { useT, type MessageKey } from "../i18n";

const FIGURES: { key: keyof Omit<api.DashboardStats, "sentByDay" | "recentRuns">; label: MessageKey }[] =
  [
    { key: "contacts", label: "dashboard.contacts" },
    { key: "notices", label: "dashboard.notices" },
    { key: "channels", label: "dashboard.channels" },
    { key: "activeRuns", label: "dashboard.activeRuns" },
    { key: "sentToday", label: "dashboard.sentToday" },
    { key: "failedToday", label: "dashboard.failedToday" },
  ];

function DemoOffer({ onLoaded }: { onLoaded: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  const load = async () => {
    setBusy(true);
    try {
      const result = await api.loadDemo();
      message.success(t("demo.loaded", { added: result.added }));
      onLoaded();
    } catch (error) {
      message.error(api.toCommandError(error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Alert
      type="info"
      showIcon
      data-testid="demo-offer"
      message={t("demo.offerTitle")}
      description={t("demo.offerText")}
      action={
        <Button type="primary" loading={busy} onClick={load} data-testid="demo-load">
          {t("demo.load")}
        </Button>
      }
    />
  );
}

/** With people to write to and nothing written yet (the demo just loaded, say): where to go next. */
function NextStep() {
  const t = useT();
  const navigate = useNavigate();
  return (
    <Alert
      type="success"
      showIcon
      data-testid="next-step-compose"
      message={t("dashboard.nextStepTitle")}
      description={t("dashboard.nextStepText")}
      action={
        <Button type="primary" onClick={() => navigate("/compose")} data-testid="next-step-compose-go">
          {t("dashboard.nextStepGo")}
        </Button>
      }
    />
  );
}

export default function Dashboard() {
  const t = useT();
  const info = useLoader(useCallback(() => api.appInfo(), []));
  const stats = useLoader(useCallback(() => api.dashboardStats(), []));
  const channels = useLoader(useCallback(() => api.listChannels(), []));
  const rates = useRunRates();
  // A channel pauses itself after failures while runs send: re-read channels with the figures.
  useLiveRefresh(() => {
    stats.reload(true);
    channels.reload(true);
  });

  const refreshAll = () => {
    info.reload(true);
    stats.reload(true);
    channels.reload(true);
  };
  const otherHolder = info.data?.dispatcher.otherHolder;

  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <PageHeader title={t("dashboard.title")} />
      {otherHolder && (
        <Alert
          type="warning"
          showIcon
          data-testid="dispatcher-elsewhere"
          message={t("dispatcher.elsewhereTitle")}
          description={t("dispatcher.elsewhereText", { holder: otherHolder })}
        />
      )}
      <PausedChannelsAlert channels={channels.data ?? []} />
      {info.data?.offerDemo && <DemoOffer onLoaded={refreshAll} />}
      {!info.data?.offerDemo && stats.data && stats.data.contacts > 0 && stats.data.notices === 0 && <NextStep />}
      <ErrorAlert error={stats.error} onRetry={() => stats.reload()} />
      {!stats.error && <ErrorAlert error={channels.error} onRetry={() => channels.reload()} />}
      <Row gutter={[16, 16]}>
        {FIGURES.map((figure) => (
          <Col key={figure.key} xs={12} md={8} xl={4}>
            <Card size="small" loading={stats.loading && !stats.data}>
              <Statistic
                title={t(figure.label)}
                value={stats.data?.[figure.key] ?? 0}
                valueStyle={
                  figure.key === "failedToday" && (stats.data?.failedToday ?? 0) > 0
                    ? { color: "#cf1322" }
                    : undefined
                }
              />
            </Card>
          </Col>
        ))}
      </Row>
      <Card title={t("dashboard.chartTitle")} size="small">
        <SentByDayChart days={stats.data?.sentByDay ?? []} />
      </Card>
      <Card title={t("dashboard.recentRuns")} size="small">
        <RunsTable
          runs={stats.data?.recentRuns ?? []}
          loading={stats.loading && !stats.data}
          pageSize={false}
          rates={rates}
        />
      </Card>
    </Space>
  );
}
