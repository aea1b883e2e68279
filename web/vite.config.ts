/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The API the dev server forwards to (`make run` serves it on 8000).
const api = process.env.IGNACIO_API_URL ?? "http://127.0.0.1:8000";
const apiPaths = ["/auth", "/users", "/conversations", "/files", "/admin", "/health", "/docs"];

export default defineConfig({
  // Served by Ignacio under /app/; assets get content hashes and are cached for a year.
  base: "/app/",
  plugins: [react()],
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
