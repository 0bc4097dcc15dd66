/**
 * The static page's start, before the app runs: the service worker that keeps the app and its
 * model for offline use, the model's download progress in place of "Loading…", the in-page
 * transport the page will wait on, and a clear message when the app cannot start here.
 */
import { useTransport } from "../../ui/client.ts";
import { MODEL_PROGRESS, type ModelProgress } from "./classifier.ts";
import { launchedTransport } from "./index.ts";

const app = document.getElementById("app")!;
const loading = app.querySelector(".loading");
let started = false;

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
window.addEventListener(MODEL_PROGRESS, (event) => {
  const { loaded, total } = (event as CustomEvent<ModelProgress>).detail;
  if (!loading || started) return;
  loading.textContent = total ? `Loading the model… ${mb(loaded)} of ${mb(total)} MB` : `Loading the model… ${mb(loaded)} MB`;
});

/** What stopped the app before it could show itself, said where "Loading…" was. */
function failed(reason: unknown) {
  if (started) return;
  const message = reason instanceof Error ? reason.message : String(reason);
  const p = document.createElement("p");
  p.className = "banner";
  p.setAttribute("role", "alert");
  p.textContent = `This Space could not start in your browser: ${message}`;
  app.removeAttribute("aria-busy");
  app.replaceChildren(p);
}
window.addEventListener("unhandledrejection", (event) => failed(event.reason));
window.addEventListener("error", (event) => failed(event.error ?? event.message));

const transport = launchedTransport().then((t) => {
  started = true;
  return t;
});
useTransport(transport);

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

if (typeof WebAssembly !== "object") failed(new Error("it has no WebAssembly, which the model needs."));
await serviceWorker();
