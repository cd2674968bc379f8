import { Alert, Input, Space } from "antd";
import { useCallback, useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import * as api from "../api";
import { ErrorAlert } from "../components/ErrorAlert";
import { PageHeader } from "../components/PageHeader";
import { RunsTable } from "../components/RunsTable";
import { useLiveRefresh } from "../hooks/useLiveRefresh";
import { useLoader } from "../hooks/useLoader";
import { useT } from "../i18n";

/** Enough for an office's recent weeks; older runs stay in the database and the CLI. */
export const HISTORY_LIMIT = 500;

export default function History() {
  const t = useT();
  const [params] = useSearchParams();
  const noticeFilter = params.get("notice");
  const [search, setSearch] = useState("");
  const runs = useLoader(useCallback(() => api.listRuns(HISTORY_LIMIT), []));
  useLiveRefresh(() => runs.reload(true));

  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return (runs.data ?? []).filter(
      (run) =>
        (noticeFilter === null || String(run.noticeId) === noticeFilter) &&
        (!needle || run.noticeTitle.toLowerCase().includes(needle)),
    );
  }, [runs.data, search, noticeFilter]);

  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <PageHeader
        title={t("history.title")}
        extra={
          <Input.Search
            allowClear
            placeholder={t("history.search")}
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            style={{ width: 280 }}
            data-testid="history-search"
          />
        }
      />
      {noticeFilter !== null && (
        <Alert
          type="info"
          message={t("history.filteredByNotice")}
          action={<Link to="/history">{t("history.showAll")}</Link>}
        />
      )}
      <ErrorAlert error={runs.error} onRetry={() => runs.reload()} />
      <RunsTable runs={shown} loading={runs.loading && !runs.data} showCounts data-testid="history-table" />
    </Space>
  );
}
