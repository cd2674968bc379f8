import { Alert } from "antd";
import { Link } from "react-router-dom";
import type { Channel } from "../api";
import { useT } from "../i18n";
import { shownChannelName } from "./format";

/** Notices through a paused channel wait silently: say so where staff look first. */
export function PausedChannelsAlert({ channels }: { channels: Channel[] }) {
  const t = useT();
  const paused = channels.filter((c) => c.paused);
  if (paused.length === 0) return null;
  return (
    <Alert
      type="warning"
      showIcon
      data-testid="paused-channels-alert"
      message={t("dashboard.pausedTitle", { count: paused.length })}
      description={
        <ul style={{ margin: 0, paddingInlineStart: 20 }}>
          {paused.map((c) => (
            <li key={c.id}>
              <strong>{shownChannelName(c.name, t)}</strong>
              {t("common.colon")}
              {c.pausedReason ?? t("channels.pausedNoReason")}
            </li>
          ))}
        </ul>
      }
      action={
        <Link to="/channels" data-testid="paused-channels-link">
          {t("dashboard.pausedGoto")}
        </Link>
      }
    />
  );
}
