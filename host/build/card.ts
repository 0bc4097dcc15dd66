/**
 * The Space card: the YAML front matter at the top of README.md (title, emoji, colorFrom,
 * colorTo, sdk, app_port, short_description, license, …), read with the `yaml` library so
 * quoting, comments and nesting mean what YAML says they mean.
 */
import { parse } from "yaml";

/** The fields the host uses, with Hugging Face's defaults. */
export interface SpaceCard {
  title?: string;
  emoji?: string;
  colorFrom?: string;
  colorTo?: string;
  sdk?: string;
  app_port: number;
  short_description?: string;
  [key: string]: unknown;
}

/** The card's problem, if its front matter is not valid YAML or its app_port is not a port. */
export interface CardResult {
  card: SpaceCard;
  warning?: string;
}

/**
 * Reads the front matter. A card that is not valid YAML, or not a mapping, is reported and
 * read as empty; a bad `app_port` is reported and replaced by 7860 — never silently.
 *
 * @example
 * readCard('---\ntitle: "A: B" # c\napp_port: 8080 # x\n---\n# Demo').card // → { title: "A: B", app_port: 8080 }
 */
export function readCard(readme: string): CardResult {
  const match = readme.match(/^---\r?\n([\s\S]*?)\r?\n---\s*(\r?\n|$)/);
  if (!match) return { card: { app_port: 7860 } };
  let data: unknown;
  try {
    data = parse(match[1]!);
  } catch (err) {
    return { card: { app_port: 7860 }, warning: `README.md's front matter is not valid YAML: ${(err as Error).message.split("\n")[0]}` };
  }
  if (data === null || typeof data !== "object" || Array.isArray(data))
    return { card: { app_port: 7860 }, warning: "README.md's front matter is not a YAML mapping." };
  const fields = data as Record<string, unknown>;
  const card: SpaceCard = { ...fields, app_port: 7860 };
  for (const key of ["title", "emoji", "colorFrom", "colorTo", "sdk", "short_description"] as const) {
    if (key in fields) card[key] = fields[key] == null ? undefined : String(fields[key]);
  }
  if (fields.app_port === undefined) return { card };
  const port = fields.app_port;
  if (typeof port === "number" && Number.isInteger(port) && port > 0 && port < 65536) return { card: { ...card, app_port: port } };
  return { card, warning: `app_port ${JSON.stringify(port)} is not a port number; using 7860.` };
}

/** The card alone (see {@link readCard} for its warnings). */
export const parseCard = (readme: string): SpaceCard => readCard(readme).card;
