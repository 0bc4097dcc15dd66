import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Real peers take real time: model loads, worker threads, child processes.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
