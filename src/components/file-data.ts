/** Gradio's file reference (gradio data_classes.FileData), the wire value of file components. */

/**
 * A file on the wire, recognised anywhere by `meta._type`.
 *
 * @example
 * const value: FileData = { path: "/tmp/gradio-x/ab12/cat.png", orig_name: "cat.png", meta: { _type: "gradio.FileData" } };
 */
export interface FileData {
  path?: string | null;
  url?: string | null;
  size?: number | null;
  orig_name?: string | null;
  mime_type?: string | null;
  is_stream?: boolean;
  meta?: { _type: "gradio.FileData" };
}
