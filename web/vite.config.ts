/// <reference types="vitest/config" />
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

// The API the dev server forwards to (`make run` serves it on 8000).
const api = process.env.IGNACIO_API_URL ?? "http://127.0.0.1:8000";
const apiPaths = ["/auth", "/users", "/conversations", "/files", "/admin", "/workspaces", "/events", "/health", "/docs"];

// The API's interactive documentation (/docs) loads Swagger UI from the server itself, so that it
// works without internet: these files of swagger-ui-dist go into dist/docs/ with the build.
const apiViewerFiles = ["swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"];

function apiViewer(): Plugin {
  return {
    name: "ignacio-api-viewer",
    apply: "build",
    generateBundle() {
      const require = createRequire(import.meta.url);
      const folder = dirname(require.resolve("swagger-ui-dist/package.json"));
      for (const file of apiViewerFiles) {
        this.emitFile({ type: "asset", fileName: `docs/${file}`, source: readFileSync(join(folder, file)) });
      }
    },
  };
}

export default defineConfig({
  // Served by Ignacio under /app/; assets get content hashes and are cached for a year.
  base: "/app/",
  plugins: [react(), apiViewer()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  server: {
    host: "127.0.0.1",
    port: 5173,
    strictPort: true,
    // `npm run dev`: the SPA on 5173 with hot reload, the API behind the same origin, so the
    // httpOnly refresh cookie works exactly as in production.
    proxy: Object.fromEntries(apiPaths.map((path) => [path, { target: api, changeOrigin: false }])),
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    css: false,
    restoreMocks: true,
  },
});
