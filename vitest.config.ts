import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Real peers take real time: model loads, worker threads, child processes.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Servers launched by the tests keep their monitor in a scratch folder, not the repo's .gradio/.
    env: { SPACE_DATA_DIR: mkdtempSync(join(tmpdir(), "space-data-")) },
  },
});
