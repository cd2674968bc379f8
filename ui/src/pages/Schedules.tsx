import { ClockCircleOutlined } from "@ant-design/icons";
import { Result } from "antd";
import { useT } from "../i18n";

/** Recurring reminders are planned; saying so beats a screen of made-up examples. */
export default function Schedules() {
  const t = useT();
  return (
    <div data-testid="schedules-coming">
      <Result icon={<ClockCircleOutlined />} title={t("schedules.title")} subTitle={t("schedules.notYet")} />
    </div>
  );
}
