/** Where the browser fetches a FileData: its `url`, else the server's `/file=` route for its path. */
import type { FileData } from "../../src/gradio/protocol.ts";
import { API } from "../client.ts";

export const fileUrl = (file: FileData): string =>
  file.url ?? (file.path ? `${API}/file=${file.path.split("/").map(encodeURIComponent).join("/")}` : "");

/** True for a FileData (what file components send and receive). */
export const isFileData = (value: unknown): value is FileData =>
  typeof value === "object" && value !== null && ("path" in value || "url" in value);
