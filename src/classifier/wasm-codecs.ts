/**
 * JPEG, WebP and AVIF decoders compiled to WebAssembly (@jsquash: Squoosh's builds of MozJPEG,
 * libwebp and libavif), loaded in the worker on first use. MozJPEG decodes as libjpeg-turbo
 * does (the same integer IDCT and "fancy" chroma upsampling) and libwebp is libvips' own WebP
 * library, so their pixels are sharp's; what they save is sharp's fixed cost per call on small
 * pictures (test/classifier/decode-small.test.ts compares every fixture). jimp has no WebP or AVIF
 * decoder, so its backend uses them too.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** The formats there is a wasm decoder for. */
export type WasmFormat = "jpeg" | "webp" | "avif";

/** RGBA pixels, 4 bytes a pixel, straight (not premultiplied) alpha. */
export interface Rgba {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}
type Decode = (bytes: ArrayBuffer) => Promise<Rgba>;

const decoders = new Map<WasmFormat, Promise<Decode>>();

const CODECS = {
  jpeg: { module: () => import("@jsquash/jpeg/decode.js"), wasm: "@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm" },
  webp: { module: () => import("@jsquash/webp/decode.js"), wasm: "@jsquash/webp/codec/dec/webp_dec.wasm" },
  avif: { module: () => import("@jsquash/avif/decode.js"), wasm: "@jsquash/avif/codec/dec/avif_dec.wasm" },
} as const;

/**
 * The decoder of `format`, compiled on first use. Their emscripten loader fetches the .wasm by
 * URL, which Node's fetch cannot do for file: URLs, so they get the compiled module instead.
 *
 * A decode fails when the library reports an error or a warning (libjpeg's "Corrupt JPEG data…"
 * is only a warning, which sharp's `failOn: "warning"` refuses too). An error ends in the C
 * library's `exit()`, thrown through the wasm stack: the instance is dropped, and the next call
 * starts a fresh one.
 *
 * @throws {Error} with the library's own message.
 * @example
 * const rgba = await (await wasmDecoder("jpeg"))(new Uint8Array(bytes).buffer); // → { data, width, height }
 */
export function wasmDecoder(format: WasmFormat): Promise<Decode> {
  let decoder = decoders.get(format);
  if (!decoder) {
    decoder = (async () => {
      const messages: string[] = [];
      const codec = await CODECS[format].module();
      const compiled = await WebAssembly.compile(await readFile(fileURLToPath(import.meta.resolve(CODECS[format].wasm))));
      const start = () => codec.init(compiled, { print: (m: string) => messages.push(m), printErr: (m: string) => messages.push(m) });
      await start();
      return async (bytes: ArrayBuffer) => {
        messages.length = 0;
        let image: Rgba | undefined;
        try {
          image = await codec.default(bytes);
        } catch (err) {
          await start();
          throw new Error(`${format.toUpperCase()} decoding failed: ${messages.join("; ") || String(err)}`);
        }
        if (!image || messages.length)
          throw new Error(`${format.toUpperCase()} decoding failed${messages.length ? `: ${messages.join("; ")}` : ""}`);
        return image;
      };
    })();
    decoders.set(format, decoder);
  }
  return decoder;
}
