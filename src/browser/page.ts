/**
 * The static page's start, before the app runs: the service worker that keeps the app and its
 * model for offline use, the model's download progress in place of "Loading…", the transport the
 * page will wait on — the app in this page, or (when the build named a server and this browser
 * cannot run the model) the server, saying which — and a clear message when neither can answer.
 */
import { type Transport, useTransport } from "../../ui/client.ts";
import { MODEL_PROGRESS, type ModelProgress } from "./classifier.ts";
import { launchedTransport } from "./index.ts";
import { serverTransport } from "./server-transport.ts";
import { runOnServer } from "./where.ts";

const app = document.getElementById("app")!;
const loading = app.querySelector(".loading");
let started = false;

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
window.addEventListener(MODEL_PROGRESS, (event) => {
  const { loaded, total } = (event as CustomEvent<ModelProgress>).detail;
  if (!loading || started) return;
  loading.textContent = total ? `Loading the model… ${mb(loaded)} of ${mb(total)} MB` : `Loading the model… ${mb(loaded)} MB`;
});

/** The server a build named for browsers that cannot run the model (`--server`), or null. */
declare const __STATIC_SERVER__: string | null;
const SERVER = typeof __STATIC_SERVER__ === "string" ? __STATIC_SERVER__ : null;

/** What stopped the app before it could show itself, said where "Loading…" was. */
function failed(reason: unknown) {
  if (started) return;
  started = true;
  const message = reason instanceof Error ? reason.message : String(reason);
  const p = document.createElement("p");
  p.className = "banner";
  p.setAttribute("role", "alert");
  p.textContent = `This Space could not start in your browser: ${message}`;
  app.removeAttribute("aria-busy");
  app.replaceChildren(p);
}

/** Says under the app which one answers: this browser, or the server (and why). */
function answeredBy(text: string) {
  const p = document.createElement("p");
  p.className = "loading";
  p.setAttribute("role", "status");
  p.dataset.testid = "answered-by";
  p.textContent = text;
  app.after(p);
}

let choose!: (transport: Promise<Transport>) => void;
const transport = new Promise<Transport>((resolve) => {
  choose = (t) => resolve(t);
});
useTransport(transport);

/** The app could not run here: the server answers instead, if the build named one; else the page says why. */
function fallBack(reason: unknown) {
  const why = reason instanceof Error ? reason.message : String(reason);
  if (started) return;
  if (!SERVER) return failed(reason);
  started = true;
  runOnServer(why);
  choose(
    serverTransport(SERVER).then(
      (t) => {
        answeredBy(`Answered by the server at ${SERVER}: this browser can't run the model here (${why}).`);
        return t;
      },
      (err: Error) => {
        started = false;
        failed(new Error(`${why}; and its server at ${SERVER} did not answer: ${err.message}`));
        throw err;
      },
    ),
  );
}
window.addEventListener("unhandledrejection", (event) => fallBack(event.reason));
window.addEventListener("error", (event) => fallBack(event.error ?? event.message));

launchedTransport().then((t) => {
  if (started) return;
  started = true;
  if (SERVER) answeredBy("Answered in this browser: your pictures stay on this device.");
  choose(Promise.resolve(t));
});

/** Why this browser should not try the model at all: no WebAssembly, or too little memory for it. */
function cannotRunHere(): string | undefined {
  if (typeof WebAssembly !== "object") return "it has no WebAssembly";
  const memory = (navigator as { deviceMemory?: number }).deviceMemory;
  if (memory !== undefined && memory < 1) return `it reports ${memory} GB of memory`;
  return undefined;
}

/**
 * The app's API in the page, in @gradio/client's shape, for a page script or a test:
 * `await space.predict("/predict", [file])` → `{ data: [...] }`. A Blob is uploaded first, as the
 * client does; a data URL or FileData goes as it is.
 */
const space = {
  async predict(endpoint: string, data: unknown[]): Promise<{ data: unknown[] }> {
    const t = await transport;
    const config = await t.config();
    const dep = config.dependencies[0]!;
    if (endpoint.replace(/^\//, "") !== dep.api_name)
      throw new Error(`This Space has one endpoint, "/${dep.api_name}"; got ${JSON.stringify(endpoint)}.`);
    const values = await Promise.all(data.map((v) => (v instanceof Blob ? t.upload(v, v instanceof File ? v.name : "image") : v)));
    return { data: await t.predict(values, () => {}) };
  },
};
(window as unknown as { space: typeof space }).space = space;

/**
 * Registers sw.js and, on the first visit, waits (briefly) for it to take the page over, so the
 * model and WASM are fetched through it once and kept, rather than fetched twice.
 */
async function serviceWorker(): Promise<void> {
  if (!("serviceWorker" in navigator)) return; // not a secure context (http other than localhost): online only
  try {
    await navigator.serviceWorker.register("sw.js");
  } catch (err) {
    console.warn("No offline copy: the service worker did not register.", err);
    return;
  }
  if (navigator.serviceWorker.controller) return;
  await Promise.race([
    new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true })),
    new Promise((resolve) => setTimeout(resolve, 3000)),
  ]);
}

const unfit = cannotRunHere();
if (unfit) fallBack(new Error(unfit));
await serviceWorker();
