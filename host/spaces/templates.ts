/**
 * The starting points of a new Space (the "New Space" form, `routes/new-space.ts`): each is a
 * list of files for its first commit, taken from this repository as the host runs it (its own
 * checkout), so a new Space gets the framework the host was shipped with. A template is one
 * entry in {@link TEMPLATES}; a Blocks one is added there.
 *
 * Large binary files (the classifier's model.onnx) are committed through LFS: a template names
 * the file whose bytes are the object, and the host stores it once and links it into each new
 * Space's store (`repo/lfs-store.ts`).
 */
import { execFile } from "node:child_process";
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { objectPath } from "../repo/lfs-store.ts";
import { parsePointer } from "../repo/rules.ts";

/** The checkout the host runs from: where the templates' files come from. */
export const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** One file of a template: its content, or (`lfsFrom`) a file whose bytes go through LFS. */
export type TemplateFile = { path: string; content: Buffer } | { path: string; lfsFrom: string };

/** A starting point for a new Space. */
export interface SpaceTemplate {
  /** What the form sends, e.g. "blank". */
  id: string;
  title: string;
  description: string;
  /** The files of the first commit of a Space called `name`, read from `root`. */
  files(name: string, root?: string): Promise<TemplateFile[]>;
}

/** What every Space made from this repository has: the framework, its dependencies, its settings. */
const FRAMEWORK = [".gitattributes", ".npmrc", "package.json", "package-lock.json", "tsconfig.json", "src", "ui"];

/** Every regular file under `paths` (folders walked, links and anything else left out), sorted. */
function readFiles(root: string, paths: string[]): TemplateFile[] {
  const out: TemplateFile[] = [];
  const walk = (full: string) => {
    const info = lstatSync(full);
    if (info.isDirectory()) for (const entry of readdirSync(full).sort()) walk(join(full, entry));
    else if (info.isFile()) out.push({ path: relative(root, full).split("\\").join("/"), content: readFileSync(full) });
  };
  for (const path of paths) walk(join(root, path));
  return out;
}

/**
 * The file holding `path`'s real bytes: the file itself, or, when the checkout has only its LFS
 * pointer (a clone with the LFS smudge filter off), the object in the checkout's own LFS store.
 *
 * @throws {Error} when the checkout has the pointer but not the object.
 * @example
 * await realBytesOf(PROJECT_ROOT, "model.onnx") // → "/srv/app/model.onnx"
 */
export async function realBytesOf(root: string, path: string): Promise<string> {
  const file = join(root, path);
  const pointer = lstatSync(file).size < 200 ? parsePointer(readFileSync(file)) : undefined;
  if (!pointer) return file;
  const gitDir = await promisify(execFile)("git", ["rev-parse", "--git-common-dir"], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", GIT_CONFIG_NOSYSTEM: "1", HOME: "/nonexistent" },
  }).then(
    ({ stdout }) => stdout.trim(),
    () => undefined,
  );
  const object = gitDir ? objectPath(join(isAbsolute(gitDir) ? gitDir : join(root, gitDir), "lfs", "objects"), pointer.oid) : undefined;
  if (object && lstatSync(object, { throwIfNoEntry: false })?.size === pointer.size) return object;
  throw new Error(`${path} in ${root} is an LFS pointer whose object is not there: run git lfs pull in the host's checkout.`);
}

/** A blank Interface Space's app.ts: text in, text out, with the framework the host ships. */
const BLANK_APP = `// A blank Space: a text-in, text-out Interface. Change fn, inputs and outputs, then git push.
import { Interface } from "./src/index.ts";

await new Interface({
  fn: (name: string) => \`Hello, \${name || "world"}!\`,
  inputs: "text",
  outputs: "text",
  title: "Hello",
  description: "Type a name: the app greets it. Edit app.ts to make it yours.",
  examples: [["Ada"], ["Grace"]],
}).launch();
`;

/** A README with the card of a new blank Space called `name`. */
const blankReadme = (name: string) => `---
title: ${JSON.stringify(name)}
emoji: ✨
colorFrom: indigo
colorTo: pink
sdk: docker
app_port: 7860
short_description: A blank Interface, text in and text out
---

# ${name}

A blank Space: \`app.ts\` is a Gradio-style \`Interface\` (text in, text out) written with the
framework in \`src/\`. Clone it, change \`app.ts\`, and \`git push\`: each push to main is built and
served.
`;

/**
 * The templates the New Space form offers, in its order.
 *
 * @example
 * const files = await TEMPLATES.find((t) => t.id === "blank")!.files("demo");
 */
export const TEMPLATES: readonly SpaceTemplate[] = [
  {
    id: "blank",
    title: "Blank Interface",
    description: "A text-in, text-out Interface in app.ts, with this host's framework: the smallest Space to start from.",
    files: async (name, root = PROJECT_ROOT) => [
      ...readFiles(root, FRAMEWORK),
      { path: "app.ts", content: Buffer.from(BLANK_APP) },
      { path: "README.md", content: Buffer.from(blankReadme(name)) },
    ],
  },
  {
    id: "classifier",
    title: "Image classifier (this repository's)",
    description: "This repository's Fashion-MNIST classifier: app.ts, model.onnx (through LFS), example pictures and the framework.",
    files: async (_name, root = PROJECT_ROOT) => [
      ...readFiles(root, [...FRAMEWORK, "app.ts", "README.md", "examples"]),
      { path: "model.onnx", lfsFrom: await realBytesOf(root, "model.onnx") },
    ],
  },
];

/**
 * The template with this id, if any.
 *
 * @example
 * templateById("classifier")?.title // → "Image classifier (this repository's)"
 */
export const templateById = (id: string): SpaceTemplate | undefined => TEMPLATES.find((t) => t.id === id);
