import { defineConfig } from "vitest/config";

// Browser tests: a real `ignacio serve` on the embedded defaults, driven with Debian's Chromium
// through playwright-core. One file, run in order (the scenarios share one server).
export default defineConfig({
  test: {
    environment: "node",
    include: ["e2e/**/*.e2e.ts"],
    fileParallelism: false,
    sequence: { concurrent: false },
    testTimeout: 60_000,
    hookTimeout: 240_000,
    reporters: ["default"],
  },
});
