/**
 * Joining MP3 files: MPEG audio is a run of self-contained frames, so files of the same stream
 * play one after another when their frames are concatenated. Only the ID3v2 tag that may open
 * each file has to go (a tag in the middle would be read as noise).
 */

/** The length of the ID3v2 tag `bytes` starts with (header, syncsafe size, footer), or 0. */
function id3Length(bytes: Uint8Array): number {
  if (bytes.length < 10 || bytes[0] !== 0x49 || bytes[1] !== 0x44 || bytes[2] !== 0x33) return 0; // "ID3"
  const size = ((bytes[6]! & 0x7f) << 21) | ((bytes[7]! & 0x7f) << 14) | ((bytes[8]! & 0x7f) << 7) | (bytes[9]! & 0x7f);
  const footer = (bytes[5]! & 0x10) !== 0 ? 10 : 0;
  return Math.min(bytes.length, 10 + size + footer);
}

/**
 * Concatenates MP3 files into one, keeping the first file's ID3v2 tag and dropping the tag at
 * the start of each later file.
 *
 * @example
 * joinMp3([first, second]).length // → first.length + second.length - (second's ID3 tag)
 */
export function joinMp3(files: Uint8Array[]): Uint8Array {
  const parts = files.map((f, i) => (i === 0 ? f : f.subarray(id3Length(f))));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
