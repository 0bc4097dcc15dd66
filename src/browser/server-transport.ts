/**
 * The page's calls answered by a Space's server, for a static build that names one
 * (`npm run build:static -- --server URL`) when this browser cannot run the model: the official
 * @gradio/client, loaded only then (its own chunk), speaks to the server's API. The server must
 * answer CORS for the page's origin, as this framework's and Gradio's do.
 */
import type { Transport } from "../../ui/client.ts";
import type { AppConfig, FileData } from "../gradio/protocol.ts";

/**
 * Connects to the server at `url`.
 *
 * @throws {Error} when the server does not answer as a Space.
 * @example
 * useTransport(serverTransport("https://alice-fashion.example.org"));
 */
export async function serverTransport(url: string): Promise<Transport> {
  const { Client, handle_file } = await import("@gradio/client");
  const client = await Client.connect(url);
  const config = client.config as unknown as AppConfig;
  const api = `/${config.dependencies[0]!.api_name}`;
  // A picture the visitor picked stays a Blob until the call, which uploads it (handle_file).
  const picked = new Map<string, Blob>();
  return {
    // Flags would need the server's own page; everything else is the server's config as it is.
    config: async () => ({ ...config, flagging_mode: "never" }),
    async upload(file, name) {
      const path = `picked/${picked.size}/${name}`;
      picked.set(path, file);
      return { path, orig_name: name, meta: { _type: "gradio.FileData" } };
    },
    async predict(data, onStatus) {
      onStatus({ stage: "processing", eta: null });
      const values = data.map((v) => {
        const blob = picked.get((v as FileData | null)?.path ?? "");
        return blob ? handle_file(blob) : v;
      });
      try {
        return (await client.predict(api, values)).data as unknown[];
      } catch (err) {
        throw new Error((err as { message?: string }).message ?? "The server could not answer.");
      }
    },
  };
}
