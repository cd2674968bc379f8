import { Alert, Space, Tag, Tooltip, Typography } from "antd";
import { useCallback, useMemo } from "react";
import * as api from "../api";
import { useLoader } from "../hooks/useLoader";
import { useLanguage, useT } from "../i18n";

/** The name a variable is offered by: its first Chinese name in Chinese, its own in English. */
function shownName(v: api.NoticeVariable, language: string): string {
  return language === "en" ? v.name : (v.aliases.find((a) => /\p{Script=Han}/u.test(a)) ?? v.name);
}

/**
 * The variables the notice may use, each with what it means (click one to put it into the
 * body), and the names the templates use that are none of them, marked at once.
 */
export function VariablesHelp({
  values,
  used,
  onInsert,
}: {
  /** The notice's own values, so they are offered too. */
  values: Record<string, string>;
  /** The names the subject and body use. */
  used: string[];
  onInsert: (text: string) => void;
}) {
  const t = useT();
  const { language } = useLanguage();
  const key = JSON.stringify(values);
  const known = useLoader(useCallback(() => api.noticeVariables(JSON.parse(key) as Record<string, string>), [key]));
  const names = useMemo(
    () => new Set((known.data ?? []).flatMap((v) => [v.name, ...v.aliases])),
    [known.data],
  );
  const unknown = known.data ? used.filter((n) => !names.has(n)) : [];
  return (
    <div data-testid="compose-variables">
      <Typography.Text type="secondary">{t("compose.variablesHint")}</Typography.Text>
      <Space size={[4, 4]} wrap style={{ marginTop: 4, display: "flex" }}>
        {(known.data ?? []).map((v) => {
          const name = shownName(v, language);
          return (
            <Tooltip key={v.name} title={language === "en" ? v.meaningEn : v.meaningZh}>
              <Tag
                color={v.source === "notice_value" ? "blue" : v.source === "imported_column" ? "green" : undefined}
                style={{ cursor: "pointer" }}
                onClick={() => onInsert(`{{ ${name} }}`)}
                data-testid={`compose-variable-${v.name}`}
              >
                {name}
              </Tag>
            </Tooltip>
          );
        })}
      </Space>
      {unknown.length > 0 && (
        <Alert
          type="warning"
          showIcon
          style={{ marginTop: 8 }}
          data-testid="compose-unknown-variables"
          message={t("compose.unknownVariables", { names: unknown.join("、") })}
        />
      )}
    </div>
  );
}
