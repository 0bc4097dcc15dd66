/**
 * The Space card: the YAML front matter at the top of README.md (title, emoji, colorFrom,
 * colorTo, sdk, app_port, short_description, license, …). Only flat `key: value` lines are
 * read, which is all a Space card holds.
 */

/** The fields the host uses, with Hugging Face's defaults. */
export interface SpaceCard {
  title?: string;
  emoji?: string;
  colorFrom?: string;
  colorTo?: string;
  sdk?: string;
  app_port: number;
  short_description?: string;
  [key: string]: string | number | undefined;
}

/**
 * @example
 * parseCard("---\ntitle: Demo\napp_port: 7860\n---\n# Demo") // → { title: "Demo", app_port: 7860 }
 */
export function parseCard(readme: string): SpaceCard {
  const card: SpaceCard = { app_port: 7860 };
  const match = readme.match(/^---\r?\n([\s\S]*?)\r?\n---\r?\n/);
  if (!match) return card;
  for (const line of match[1]!.split(/\r?\n/)) {
    const kv = line.match(/^([A-Za-z_][\w-]*):\s*(.*?)\s*$/);
    if (!kv) continue;
    let value = kv[2]!.replace(/^(["'])(.*)\1$/, "$2");
    if (kv[1] === "app_port") card.app_port = Number(value) || 7860;
    else card[kv[1]!] = value;
  }
  return card;
}
