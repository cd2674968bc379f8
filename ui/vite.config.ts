import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// Tauri loads the built files from ui/dist (tauri://localhost) and, in dev, from this server.
export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  envPrefix: ["VITE_", "TAURI_ENV_"],
  build: {
    outDir: "dist",
    // WebKitGTK on older Linux desktops lags behind Safari; stay conservative.
    target: ["es2021", "chrome105", "safari15"],
    // The bundle is read from local disk, never the network, so one large chunk costs little.
    chunkSizeWarningLimit: 4096,
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.tsx"],
    restoreMocks: false,
    // A 2-core CI machine typing into AntD forms under load needs the room; a hang still fails.
    testTimeout: 60000,
  },
});
