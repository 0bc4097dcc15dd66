/**
 * Gradio's `file_types` in the page: ".pdf" (an extension), "image" / "audio" / "video" / "text"
 * (a kind: the MIME type's first part), "file" (anything), as gradio client's is_valid_file reads them.
 */

/**
 * `file_types` as an `<input type=file>`'s `accept` attribute.
 *
 * @example
 * accept([".pdf", "image"]) // → ".pdf,image/*"
 */
export function accept(types: unknown): string | undefined {
  if (!Array.isArray(types) || !types.length || types.includes("file")) return undefined;
  return types.map((t) => (String(t).startsWith(".") || String(t).includes("/") ? String(t) : `${t}/*`)).join(",");
}

/**
 * Whether a file the user dropped or pasted is one of `file_types` (the picker's `accept` only
 * filters what the dialog shows).
 *
 * @example
 * fileMatches(new File([], "cat.PNG", { type: "image/png" }), ["image"]) // → true
 */
export function fileMatches(file: File, types: unknown): boolean {
  if (!Array.isArray(types) || !types.length) return true;
  const ext = file.name.includes(".") ? `.${file.name.split(".").pop()!.toLowerCase()}` : "";
  return types.some((t) => {
    const type = String(t);
    if (type === "file") return true;
    if (type.startsWith(".")) return type.toLowerCase() === ext;
    if (type.includes("/")) return type.endsWith("/*") ? file.type.startsWith(type.slice(0, -1)) : file.type === type;
    return file.type.startsWith(`${type}/`);
  });
}
