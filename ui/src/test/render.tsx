import { StyleProvider } from "@ant-design/cssinjs";
import { render } from "@testing-library/react";
import userEvent, { PointerEventsCheckLevel } from "@testing-library/user-event";
import type { ReactNode } from "react";
import { MemoryRouter, useLocation } from "react-router-dom";
import { AppRoutes } from "../App";
import { AppProviders } from "../components/AppProviders";
import type { Language } from "../i18n";
import { ROUTER_FUTURE } from "../routerFuture";

function LocationProbe() {
  const location = useLocation();
  return (
    <div data-testid="location" hidden>
      {location.pathname + location.search}
    </div>
  );
}

/**
 * jsdom's getComputedStyle goes through every stylesheet rule, and antd injects a few hundred
 * kilobytes of them: each click would take seconds. By default antd's CSS is written into a
 * node outside the document; `realStyles` keeps it for tests that check an element is really
 * clickable (user-event refuses to click through `pointer-events: none`).
 */
function Styles({ real, children }: { real: boolean; children: ReactNode }) {
  if (real) return <>{children}</>;
  return <StyleProvider container={document.createElement("div")}>{children}</StyleProvider>;
}

type Options = { language?: Language; realStyles?: boolean };

/** The whole app (layout, routes, providers) at `route`, as the user would open it. */
export function renderApp(route = "/", { language, realStyles = false }: Options = {}) {
  // No pause between keystrokes: antd re-renders per key and the default pause adds up.
  const user = userEvent.setup({
    delay: null,
    pointerEventsCheck: realStyles ? PointerEventsCheckLevel.EachApiCall : PointerEventsCheckLevel.Never,
  });
  const result = render(
    <Styles real={realStyles}>
      <AppProviders language={language}>
        <MemoryRouter initialEntries={[route]} future={ROUTER_FUTURE}>
          <AppRoutes />
          <LocationProbe />
        </MemoryRouter>
      </AppProviders>
    </Styles>,
  );
  return { user, ...result };
}
