import { Button, Space } from "antd";
import { LANGUAGES, useLanguage, useT } from "../i18n";

const LABEL_KEYS = { "zh-CN": "language.zhCN", en: "language.en" } as const;
const TEST_IDS = { "zh-CN": "lang-zh", en: "lang-en" } as const;

/**
 * Plain buttons rather than Radio.Button: antd hides a radio button's <input> behind
 * `pointer-events: none`, which a WebDriver test could not click.
 */
export function LanguageSwitch({ testIdPrefix = "" }: { testIdPrefix?: string }) {
  const t = useT();
  const { language, setLanguage } = useLanguage();
  return (
    <Space.Compact size="small">
      {LANGUAGES.map((lang) => (
        <Button
          key={lang}
          type={lang === language ? "primary" : "default"}
          aria-pressed={lang === language}
          onClick={() => setLanguage(lang)}
          data-testid={`${testIdPrefix}${TEST_IDS[lang]}`}
        >
          {t(LABEL_KEYS[lang])}
        </Button>
      ))}
    </Space.Compact>
  );
}
