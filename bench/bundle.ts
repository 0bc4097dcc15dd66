/**
 * The Space's app as two esbuild bundles made once (`npx tsx bench/bundle.ts [outdir]`, default
 * .space/app): app.mjs (app.ts and src/, npm packages left to node_modules) and
 * classifier-worker.mjs beside it, so `node .space/app/app.mjs` starts the Space without tsx
 * compiling TypeScript in the process and in its worker at each start. Two folders deep, so the
 * page's `../../ui/dist` (src/gradio/page.ts, relative to the module) still finds ui/dist.
 * The bench's start-up rows compare it with `npm start`.
 */
import { build } from "esbuild";
import { BUNDLED_WORKER } from "../src/classifier/index.ts";

/**
 * Bundles app.ts and the classifier worker into `outdir` (two levels below the repository).
 *
 * @example
 * await bundleApp(".space/app"); // then: node .space/app/app.mjs
 */
export async function bundleApp(outdir = ".space/app"): Promise<void> {
  const common = { bundle: true, platform: "node", format: "esm", target: "node20", packages: "external", logLevel: "warning" } as const;
  await build({ ...common, entryPoints: ["app.ts"], outfile: `${outdir}/app.mjs` });
  await build({ ...common, entryPoints: ["src/classifier/worker.ts"], outfile: `${outdir}/${BUNDLED_WORKER}` });
}

if (import.meta.url === `file://${process.argv[1]}`) await bundleApp(process.argv[2]);
