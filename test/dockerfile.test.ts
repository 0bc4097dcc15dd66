/**
 * No Docker engine runs here: the Dockerfile is checked by a linter from npm (dockerfile-utils,
 * the one VS Code's Docker support uses), and for the facts Hugging Face's Docker SDK needs.
 * That `npm ci --omit=dev` then `npm start` serves the Space is what test/host/routes/git-push.test.ts shows.
 */
import { readFileSync } from "node:fs";
import { validate } from "dockerfile-utils";
import { expect, test } from "vitest";
import { parseCard } from "../host/build/card.ts";
import { root } from "./helpers.ts";

const dockerfile = readFileSync(`${root}/Dockerfile`, "utf8");

test("the Dockerfile has no lint problems", () => {
  expect(validate(dockerfile).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
});

test("it builds on Node 20 slim, runs as uid 1000 on port 7860 with npm start, without dev dependencies", () => {
  expect(dockerfile).toMatch(/^FROM node:20-slim$/m);
  expect(dockerfile).toMatch(/^USER node$/m); // uid 1000 in node images
  expect(dockerfile).toMatch(/^EXPOSE 7860$/m);
  expect(dockerfile).toMatch(/npm ci --omit=dev/);
  expect(dockerfile).toMatch(/^CMD \["npm", "start"\]$/m);
  expect(parseCard(readFileSync(`${root}/README.md`, "utf8"))).toMatchObject({ sdk: "docker", app_port: 7860 });
});
