import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";

/**
 * Files that time something (event-loop delay, a latency bound): they run last, one at a time,
 * with nothing else on the machine, so their figures are the Space's and not the suite's.
 */
const timed = [
  "test/stream/load.test.ts",
  "test/stream/generators.test.ts",
  "test/sqlite/shared-database.test.ts",
  "test/ui/page.test.ts",
  "test/gradio/gradio-client.test.ts",
  "test/host/routes/edges.test.ts",
];

export default defineConfig({
  test: {
    // Real peers take real time: model loads, worker threads, child processes.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Servers launched by the tests keep their monitor in a scratch folder, not the repo's .gradio/.
    env: { SPACE_DATA_DIR: mkdtempSync(join(tmpdir(), "space-data-")) },
    projects: [
      {
        extends: true,
        // Most files wait on peers (git, the sandbox, Chromium, child servers) more than they compute:
        // two at a time on two cores.
        test: { name: "suite", include: ["test/**/*.test.ts"], exclude: timed, maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: "timed", include: timed, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
