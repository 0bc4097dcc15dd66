/**
 * State (gradio State): nothing to show. Its value lives on the server, per session; the page
 * sends null for it and the server puts in this session's value.
 */
import type { Widget } from "./widget.ts";

export function state(): Widget {
  return { element: null, read: () => null, peek: () => null, set: () => {} };
}
