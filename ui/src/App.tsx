import { Navigate, Route, Routes } from "react-router-dom";
import { AppLayout } from "./components/AppLayout";
import Channels from "./pages/Channels";
import Compose from "./pages/Compose";
import Contacts from "./pages/Contacts";
import Dashboard from "./pages/Dashboard";
import Groups from "./pages/Groups";
import History from "./pages/History";
import Notices from "./pages/Notices";
import Templates from "./pages/Templates";
import RunPage from "./pages/RunPage";
import Schedules from "./pages/Schedules";
import Settings from "./pages/Settings";

/** The routes, without a router: main.tsx supplies a HashRouter, tests a MemoryRouter. */
export function AppRoutes() {
  return (
    <Routes>
      <Route element={<AppLayout />}>
        <Route index element={<Dashboard />} />
        <Route path="compose" element={<Compose />} />
        <Route path="notices" element={<Notices />} />
        <Route path="templates" element={<Templates />} />
        <Route path="contacts" element={<Contacts />} />
        <Route path="groups" element={<Groups />} />
        <Route path="schedules" element={<Schedules />} />
        <Route path="history" element={<History />} />
        <Route path="runs/:id" element={<RunPage />} />
        <Route path="channels" element={<Channels />} />
        <Route path="settings" element={<Settings />} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Route>
    </Routes>
  );
}
