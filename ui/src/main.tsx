import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { HashRouter } from "react-router-dom";
import { AppRoutes } from "./App";
import { AppProviders } from "./components/AppProviders";
import { ROUTER_FUTURE } from "./routerFuture";
import "./styles.css";

const root = document.getElementById("root");
if (!root) throw new Error("index.html lacks #root");

// A hash router: the app is served from tauri://localhost, which has no server-side routes.
createRoot(root).render(
  <StrictMode>
    <AppProviders>
      <HashRouter future={ROUTER_FUTURE}>
        <AppRoutes />
      </HashRouter>
    </AppProviders>
  </StrictMode>,
);
