/** What the media inputs (Audio, Video, Gallery) share: an uploaded file named by FileData, checked to be one the server allows. */
import { basename } from "node:path";
import { describeValue, InputError } from "../errors.ts";
import type { PreprocessContext } from "./component.ts";
import { allowedPath } from "./file-context.ts";
import type { FileData } from "./file-data.ts";

/**
 * The path of the file `payload` names (FileData with a `path` from /gradio_api/upload), once
 * the server has checked it may be used.
 *
 * @throws {InputError} 422 for anything but FileData with a path; 403/404 for a path outside the uploads.
 * @example
 * await uploadedPath({ path: "/tmp/gradio-x/ab/a.wav", meta: { _type: "gradio.FileData" } }, ctx, 'Audio "Voice"') // → "/tmp/gradio-x/ab/a.wav"
 */
export async function uploadedPath(payload: unknown, ctx: PreprocessContext, who: string): Promise<string> {
  const path = (payload as FileData | null)?.path;
  if (typeof payload !== "object" || payload === null || typeof path !== "string" || path === "") {
    throw new InputError(
      `${who}: expected FileData with a "path" (upload the file to /gradio_api/upload first), got ${describeValue(payload)}.`,
      422,
    );
  }
  return allowedPath(ctx, path);
}

/** The name a FileData gives its file, else the path's. */
export const nameOf = (value: unknown, path: string): string =>
  (typeof value === "object" && value !== null && typeof (value as FileData).orig_name === "string" && (value as FileData).orig_name) ||
  basename(path);

/** Gradio's FileData JSON schema, as /info shows it. */
export const FILE_DATA_SCHEMA = {
  properties: {
    path: { title: "Path", type: "string" },
    url: { anyOf: [{ type: "string" }, { type: "null" }], default: null, title: "Url" },
    size: { anyOf: [{ type: "integer" }, { type: "null" }], default: null, title: "Size" },
    orig_name: { anyOf: [{ type: "string" }, { type: "null" }], default: null, title: "Orig Name" },
    mime_type: { anyOf: [{ type: "string" }, { type: "null" }], default: null, title: "Mime Type" },
    is_stream: { default: false, title: "Is Stream", type: "boolean" },
    meta: { additionalProperties: true, default: { _type: "gradio.FileData" }, title: "Meta", type: "object" },
  },
  required: ["path"],
  title: "FileData",
  type: "object",
};
