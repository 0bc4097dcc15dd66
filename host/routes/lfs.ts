/**
 * The Git LFS routes under /spaces/<owner>/<name>.git/info/lfs: the batch API, PUT and GET of
 * objects, and verify. Uploads need the owner's token — or, for one PUT, the signed href the
 * batch answer gave (the Hub's clients PUT without headers, as to a presigned storage URL);
 * downloads follow the Space's visibility.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { Hono, type Context } from "hono";
import { readable, writable, type HostEnv } from "../accounts/auth.ts";
import { challenged, HostError, refusal } from "../errors.ts";
import { spacePaths } from "../paths.ts";
import { publicBase } from "../public-url.ts";
import { batch, hasObject, readObject, storeObject } from "../repo/lfs-store.ts";
import { BODY_CAPS, describeBytes, jsonBody } from "./body.ts";
import { repoParams, type HostDeps } from "./deps.ts";

const LFS_TYPE = "application/vnd.git-lfs+json";

/**
 * The LFS routes. Refusals are Git LFS JSON (`{"message": …}`), a 401 asking for Basic
 * credentials so git-lfs prompts for a token.
 *
 * @example
 * app.route("/", lfsRoutes(deps)); // git lfs push, @huggingface/hub's uploadFiles
 */
export function lfsRoutes(deps: HostDeps): Hono<HostEnv> {
  const app = new Hono<HostEnv>();
  app.onError((err, c) => {
    const e = refusal(err, c, challenged);
    return c.json({ message: e.message }, e.status, { "content-type": LFS_TYPE });
  });
  const base = "/spaces/:owner/:repo/info/lfs";
  const space = (c: Context<HostEnv>, writes: boolean) => {
    const { owner, name } = repoParams((n) => c.req.param(n));
    const record = writes ? writable(deps.accounts, c, owner, name, { create: true }) : readable(deps.accounts, c, owner, name, true);
    return { record, objects: spacePaths(deps.dataDir, record.owner, record.name).lfs };
  };
  const lfsJson = (c: Context, body: unknown) => c.json(body, 200, { "content-type": LFS_TYPE });
  // An upload href carries `expires` and an HMAC of (Space, oid, expires) under the host's key.
  const signature = (id: string, oid: string, expires: string) =>
    createHmac("sha256", deps.sessionKey).update(`lfs-upload\0${id}\0${oid}\0${expires}`).digest("hex");
  const signUpload = (id: string) => (oid: string) => {
    const expires = String(Math.floor(Date.now() / 1000) + 3600);
    return `?expires=${expires}&signature=${signature(id, oid, expires)}`;
  };
  /** Whether this PUT carries a valid, unexpired signature for its Space and oid. */
  const signedPut = (c: Context<HostEnv>, id: string, oid: string) => {
    const expires = c.req.query("expires") ?? "";
    const sent = Buffer.from(c.req.query("signature") ?? "");
    const expected = Buffer.from(signature(id, oid, expires));
    return Number(expires) * 1000 > Date.now() && sent.length === expected.length && timingSafeEqual(sent, expected);
  };

  app.post(`${base}/objects/batch`, async (c) => {
    // Whether it is an upload is in the body; an anonymous caller may at most download from a
    // public Space, so that much is checked before the body is read.
    if (!c.var.user) space(c, false);
    const body = await jsonBody(c, BODY_CAPS.lfsBatch);
    const upload = (body as { operation?: unknown } | null)?.operation === "upload";
    const { record, objects } = space(c, upload);
    if (upload) {
      const total = ((body as { objects?: unknown }).objects as { size?: unknown }[] | undefined)?.reduce?.(
        (sum, o) => sum + (typeof o?.size === "number" && o.size > 0 ? o.size : 0),
        0,
      );
      if (typeof total === "number" && total > deps.maxPushBytes)
        throw new HostError(
          413,
          `This upload's objects add up to ${total} bytes, more than a push may carry here (${describeBytes(deps.maxPushBytes)}, SPACE_MAX_PUSH_BYTES).`,
        );
    }
    const href = `${publicBase(c)}/spaces/${record.owner}/${record.name}.git/info/lfs`;
    const auth: Record<string, string> = c.req.header("authorization") ? { Authorization: c.req.header("authorization")! } : {};
    return lfsJson(c, await batch(body, objects, href, auth, deps.maxFileBytes, signUpload(`${record.owner}/${record.name}`)));
  });
  app.put(`${base}/objects/:oid`, async (c) => {
    const { owner, name } = repoParams((n) => c.req.param(n));
    const signedFor = c.req.query("signature") !== undefined && deps.accounts.space(owner, name);
    const objects =
      signedFor && signedPut(c, `${owner}/${name}`, c.req.param("oid"))
        ? spacePaths(deps.dataDir, owner, name).lfs
        : space(c, true).objects;
    const length = c.req.header("content-length");
    await storeObject(objects, c.req.param("oid"), c.req.raw.body, {
      size: length === undefined ? undefined : Number(length),
      maxBytes: deps.maxFileBytes,
    });
    return c.body(null, 200);
  });
  app.get(`${base}/objects/:oid`, async (c) => {
    const { objects } = space(c, false);
    const found = await readObject(objects, c.req.param("oid"));
    if (!found) throw new HostError(404, `Object ${c.req.param("oid").slice(0, 80)} does not exist on this Space.`);
    return c.body(found.stream, 200, { "content-type": "application/octet-stream", "content-length": String(found.size) });
  });
  app.post(`${base}/verify`, async (c) => {
    const { objects } = space(c, true);
    const { oid, size } = ((await jsonBody(c, BODY_CAPS.lfsBatch)) ?? {}) as { oid?: unknown; size?: unknown };
    if (typeof oid !== "string" || !(await hasObject(objects, oid, size)))
      throw new HostError(404, `Object ${String(oid).slice(0, 80)} is not stored with size ${String(size)}.`);
    return lfsJson(c, { message: "ok" });
  });
  app.all(`${base}/*`, (c) => {
    throw new HostError(404, `Not an LFS route: ${c.req.method} ${c.req.path}`);
  });
  return app;
}
