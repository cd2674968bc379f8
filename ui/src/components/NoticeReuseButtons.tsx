import { Button, Space, App } from "antd";
import { useState } from "react";
import { useNavigate } from "react-router-dom";
import * as api from "../api";
import { useT } from "../i18n";

/** Where a new draft made from an existing notice opens: Compose reads `?notice=ID`. */
export const composeDraftPath = (noticeId: number) => `/compose?notice=${noticeId}`;

/**
 * 复制为新通知 (a new draft like this notice) and, for a sent notice, 补发给未送达的人 (a new
 * draft for exactly those it did not reach); each opens the new draft in Compose.
 */
export function NoticeReuseButtons({ notice }: { notice: Pick<api.Notice, "id" | "status"> }) {
  const t = useT();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [busy, setBusy] = useState<"duplicate" | "resend">();

  const run = async (which: "duplicate" | "resend") => {
    setBusy(which);
    try {
      if (which === "duplicate") {
        const draft = await api.duplicateNotice(notice.id);
        message.success(t("reuse.duplicated"));
        navigate(composeDraftPath(draft.id));
      } else {
        const r = await api.resendUnreached(notice.id);
        message.success(t("reuse.resent", { people: r.people }));
        if (r.noAddress > 0) message.warning(t("reuse.noAddress", { count: r.noAddress }));
        navigate(composeDraftPath(r.notice.id));
      }
    } catch (e) {
      message.error(api.toCommandError(e).message);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <Space size="small" wrap>
      <Button
        size="small"
        loading={busy === "duplicate"}
        onClick={() => void run("duplicate")}
        data-testid={`notice-duplicate-${notice.id}`}
      >
        {t("reuse.duplicate")}
      </Button>
      {notice.status === "sent" && (
        <Button
          size="small"
          loading={busy === "resend"}
          onClick={() => void run("resend")}
          data-testid={`notice-resend-${notice.id}`}
        >
          {t("reuse.resend")}
        </Button>
      )}
    </Space>
  );
}
