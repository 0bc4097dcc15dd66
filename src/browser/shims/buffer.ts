/**
 * The one `Buffer` use the framework's code makes on a call's way through the browser: base64 of
 * a data URL (src/components/image.ts) to bytes. Injected by `npm run build:static` as the global
 * `Buffer`; a plain Uint8Array is what the callers go on with.
 */
export const Buffer = {
  /**
   * @example
   * Buffer.from("iVBORw0KGgo=", "base64") // → Uint8Array [137, 80, 78, 71, 13, 10, 26, 10]
   */
  from(value: string | ArrayBufferLike | ArrayLike<number>, encoding?: string | number, length?: number): Uint8Array {
    if (typeof value === "string") {
      if (encoding !== "base64") throw new Error(`Buffer.from(string, ${JSON.stringify(encoding)}) is not available in a static Space.`);
      const text = atob(value.replace(/[^A-Za-z0-9+/=]/g, "").replace(/=+$/, ""));
      return Uint8Array.from(text, (c) => c.charCodeAt(0));
    }
    if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer === "function" && value instanceof SharedArrayBuffer))
      return new Uint8Array(value, typeof encoding === "number" ? encoding : 0, length);
    return Uint8Array.from(value as ArrayLike<number>);
  },
};
