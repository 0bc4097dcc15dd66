/**
 * The page's calls answered in the page itself: the Interface's config (built by the server's own
 * `toConfig`), uploads kept in memory, and `predict` through the server's own execution core
 * (`runPredict`: the same preprocess → fn → postprocess, the same errors). Nothing leaves the
 * device.
 */
import type { Transport } from "../../ui/client.ts";
import { AppError, errorPayload, InputError } from "../errors.ts";
import { toConfig } from "../gradio/config.ts";
import type { AppConfig, FileData } from "../gradio/protocol.ts";
import type { Interface } from "../interface.ts";
import { runPredict } from "../predict.ts";

/** The page's folder, as an absolute URL without the trailing slash (the config's `root`). */
const pageRoot = () => new URL(".", document.baseURI).href.replace(/\/$/, "");

/** A file of the build (an example), by the absolute path the Interface gave it ("/examples/bag.png"). */
const buildFileUrl = (path: string) =>
  new URL(path.replace(/^\/+/, "").split("/").map(encodeURIComponent).join("/"), document.baseURI).href;

const bytesOf = async (response: Response, what: string) => {
  if (!response.ok) throw new InputError(`Could not read ${what}: HTTP ${response.status}.`, 404);
  return new Uint8Array(await response.arrayBuffer());
};

/**
 * A {@link Transport} that runs `iface` in this page.
 *
 * @example
 * useTransport(Promise.resolve(inPageTransport(iface)));
 */
export function inPageTransport(iface: Interface): Transport {
  const uploads = new Map<string, Uint8Array>();
  const exampleFiles = new Set(
    iface.examples.flatMap((row) =>
      row.flatMap((value, i) => (iface.inputs[i]!.isFile ? [(iface.inputs[i]!.asExample(value, buildFileUrl) as FileData).path] : [])),
    ),
  );
  let uploaded = 0;
  const ctx = {
    async readFile(path: string): Promise<Uint8Array> {
      const kept = uploads.get(path);
      if (kept) return kept;
      if (exampleFiles.has(path)) return bytesOf(await fetch(buildFileUrl(path)), path);
      throw new InputError(`Only uploads and the app's examples can be named by path; ${JSON.stringify(path)} is neither.`, 403);
    },
    async fetchUrl(url: string): Promise<Uint8Array> {
      let response: Response;
      try {
        response = await fetch(url);
      } catch {
        throw new InputError(`Could not download ${url}: the browser refused (offline, or the site does not allow it).`, 422);
      }
      return bytesOf(response, url);
    },
  };

  const config = (): AppConfig => {
    const root = pageRoot();
    return {
      ...toConfig(iface, root, 0),
      // The build's files, by URL relative to the page; nowhere to save flags.
      examples: iface.examples.map((row) => row.map((value, i) => iface.inputs[i]!.asExample(value, buildFileUrl))),
      flagging_mode: "never",
    };
  };

  return {
    config: async () => config(),
    async upload(file, name) {
      const path = `/uploads/${uploaded++}/${name.replace(/[/\\]/g, "_")}`;
      uploads.set(path, new Uint8Array(await file.arrayBuffer()));
      return { path, orig_name: name, meta: { _type: "gradio.FileData" } };
    },
    async predict(data, onStatus) {
      onStatus({ stage: "processing", eta: null });
      try {
        return (await runPredict(iface, data, ctx)).data;
      } catch (err) {
        if (!(err instanceof AppError) && !(err instanceof InputError)) console.error(err); // as the server's log would keep it
        throw new Error(
          errorPayload(err, iface.showError).error ?? "Something went wrong in the app (the browser's console has the details).",
        );
      }
    },
  };
}
