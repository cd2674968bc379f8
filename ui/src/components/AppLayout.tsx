import {
  ApartmentOutlined,
  ApiOutlined,
  ClockCircleOutlined,
  DashboardOutlined,
  EditOutlined,
  FileTextOutlined,
  HistoryOutlined,
  NotificationOutlined,
  SettingOutlined,
  TeamOutlined,
} from "@ant-design/icons";
import { Layout, Menu, Typography } from "antd";
import type { ReactNode } from "react";
import { Outlet, useLocation, useNavigate } from "react-router-dom";
import { useT, type MessageKey } from "../i18n";
import { LanguageSwitch } from "./LanguageSwitch";

const NAV: { path: string; key: MessageKey; icon: ReactNode }[] = [
  { path: "/", key: "nav.dashboard", icon: <DashboardOutlined /> },
  { path: "/compose", key: "nav.compose", icon: <EditOutlined /> },
  { path: "/notices", key: "nav.notices", icon: <NotificationOutlined /> },
  { path: "/templates", key: "nav.templates", icon: <FileTextOutlined /> },
  { path: "/contacts", key: "nav.contacts", icon: <TeamOutlined /> },
  { path: "/groups", key: "nav.groups", icon: <ApartmentOutlined /> },
  { path: "/schedules", key: "nav.schedules", icon: <ClockCircleOutlined /> },
  { path: "/history", key: "nav.history", icon: <HistoryOutlined /> },
  { path: "/channels", key: "nav.channels", icon: <ApiOutlined /> },
  { path: "/settings", key: "nav.settings", icon: <SettingOutlined /> },
];

/** A run's page belongs to History in the menu. */
function selectedKey(pathname: string): string {
  if (pathname.startsWith("/runs/")) return "/history";
  const match = NAV.find((item) => item.path !== "/" && pathname.startsWith(item.path));
  return match?.path ?? "/";
}

export function AppLayout() {
  const t = useT();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  return (
    <Layout style={{ minHeight: "100vh" }}>
      <Layout.Sider theme="light" width={200} style={{ borderInlineEnd: "1px solid #f0f0f0" }}>
        <div style={{ padding: "16px 20px" }}>
          <Typography.Title level={4} style={{ margin: 0, whiteSpace: "nowrap" }}>
            {t("app.shortTitle")}
          </Typography.Title>
        </div>
        <Menu
          mode="inline"
          style={{ borderInlineEnd: "none" }}
          selectedKeys={[selectedKey(pathname)]}
          onClick={({ key }) => navigate(key)}
          items={NAV.map((item) => ({
            key: item.path,
            icon: item.icon,
            label: t(item.key),
            "data-testid": `nav-${item.path === "/" ? "dashboard" : item.path.slice(1)}`,
          }))}
        />
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{
            background: "#fff",
            display: "flex",
            alignItems: "center",
            justifyContent: "space-between",
            padding: "0 24px",
            borderBottom: "1px solid #f0f0f0",
          }}
        >
          <Typography.Text strong style={{ fontSize: 16 }}>
            {t("app.title")}
          </Typography.Text>
          <LanguageSwitch />
        </Layout.Header>
        <Layout.Content style={{ padding: 24 }}>
          <Outlet />
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
