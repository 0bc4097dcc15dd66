/**
 * Where a static Space's app runs: here (the default), or, when the build named a server and this
 * browser cannot run the model, on that server. Kept apart so the classifier can check it before
 * it downloads a model it would not run.
 */

let onServer: string | undefined;

/**
 * Records that the app answers from the server, and why.
 *
 * @example
 * runOnServer("this browser has no WebAssembly");
 */
export function runOnServer(why: string): void {
  onServer ??= why;
}

/**
 * Why the app runs on the server, or undefined when it runs here.
 *
 * @example
 * if (whyOnServer()) throw new Error("the app runs on the server");
 */
export const whyOnServer = (): string | undefined => onServer;
