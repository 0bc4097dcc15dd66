/** Launches a demo when its file is run directly (`npx tsx examples/gradio/<demo>/app.ts`), not when a test imports it. */
import { pathToFileURL } from "node:url";

/**
 * True when `moduleUrl` (a demo's `import.meta.url`) is the file node was started with.
 *
 * @example
 * if (isMain(import.meta.url)) await demo.launch();
 */
export const isMain = (moduleUrl: string): boolean => process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === moduleUrl;
