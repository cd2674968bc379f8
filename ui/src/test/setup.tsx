import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterEach, vi } from "vitest";

// CI runs the suite on two shared cores: a drawer or a message that takes longer than the
// default second to appear there is slow, not missing.
configure({ asyncUtilTimeout: 5000 });

// ECharts draws on a canvas, which jsdom lacks; the chart is not what these tests check.
vi.mock("echarts-for-react/lib/core", () => ({
  default: () => <div data-testid="chart" />,
}));

// antd asks for media queries (responsive grid, Table) and observes element sizes.
Object.defineProperty(window, "matchMedia", {
  writable: true,
  configurable: true,
  value: (query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => undefined,
    removeListener: () => undefined,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    dispatchEvent: () => false,
  }),
});

class ResizeObserverShim {
  observe() {}
  unobserve() {}
  disconnect() {}
}
globalThis.ResizeObserver ??= ResizeObserverShim as unknown as typeof ResizeObserver;

// jsdom implements getComputedStyle without pseudo-elements and logs an error each time antd asks.
const computedStyle = window.getComputedStyle.bind(window);
window.getComputedStyle = (element: Element) => computedStyle(element);

afterEach(() => {
  cleanup();
  window.localStorage.clear();
});
