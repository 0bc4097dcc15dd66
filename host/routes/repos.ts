/**
 * Spaces as the Hub's repository API has them: who am I, create, rename and delete a Space, list Spaces
 * and read one's info (its runtime, card, files). Paths, bodies and the fields answered are the
 * official clients' own (`createRepo`/`create_repo`, `deleteRepo`, `move_repo`, `listSpaces`, `spaceInfo`).
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { Hono, type Context } from "hono";
import type { SpaceRecord } from "../accounts/accounts.ts";
import { canRead, canWrite, checkNames, refuseReadOnly, refuseUnconfirmed, writable, type HostEnv } from "../accounts/auth.ts";
import { HostError } from "../errors.ts";
import { spacePaths } from "../paths.ts";
import { appOrigin } from "../apps/origin.ts";
import { publicBase } from "../public-url.ts";
import { commitDate, listEntries, resolveRevision } from "../repo/read.ts";
import { ensureRepo } from "../repo/repository.ts";
import type { HostDeps } from "./deps.ts";
import { renameSpace } from "./changes.ts";
import { runtimeJSON } from "./hardware.ts";
import { BODY_CAPS, jsonObject } from "./body.ts";
import { envList, hubId, hubSpace, idOf, repoNotFound, revision } from "./hub.ts";

const SDKS = new Set(["gradio", "docker", "static", "streamlit"]);

/**
 * The repository routes.
 *
 * @example
 * // with the official client, against this host:
 * import { createRepo, spaceInfo } from "@huggingface/hub";
 * await createRepo({ repo: { type: "space", name: "alice/demo" }, sdk: "docker", accessToken, hubUrl: "http://127.0.0.1:7861" });
 * await spaceInfo({ name: "alice/demo", accessToken, hubUrl: "http://127.0.0.1:7861" });
 */
export function repoRoutes(deps: HostDeps): Hono<HostEnv> {
  const app = new Hono<HostEnv>();
  const { accounts, spaces } = deps;
  const paths = (space: SpaceRecord) => spacePaths(deps.dataDir, space.owner, space.name);

  /** Where its app lives, as the Hub says it: `{ subdomain, host }` (`host` its origin, as https://<sub>.hf.space). */
  const appHost = (c: Context<HostEnv>, space: SpaceRecord) => {
    const subdomain = accounts.subdomainOf(space.owner, space.name);
    return { subdomain, host: appOrigin(publicBase(c), subdomain) };
  };

  /** A Space as the Hub's Space info has it (the fields @huggingface/hub and huggingface_hub read). */
  const info = async (c: Context<HostEnv>, space: SpaceRecord, rev = "HEAD", siblings = false) => {
    const id = idOf(space);
    const repo = paths(space).repo;
    const sha = existsSync(repo) ? await resolveRevision(repo, rev) : undefined;
    const rt = spaces.runtimes.get(id);
    const { app_port, ...card } = rt?.card ?? { app_port: 7860 };
    return {
      _id: hubId(space),
      id,
      author: space.owner,
      private: space.private,
      sdk: rt?.card?.sdk ?? space.sdk,
      likes: 0,
      lastModified: sha ? await commitDate(repo, sha) : space.created,
      createdAt: space.created,
      sha,
      ...appHost(c, space),
      disabled: false,
      gated: false,
      tags: [],
      cardData: rt?.card ? { ...card, app_port } : undefined,
      runtime: runtimeJSON(spaces, space),
      ...(siblings && sha
        ? {
            siblings: ((await listEntries(repo, sha, "", true)) ?? []).filter((e) => e.type === "file").map((e) => ({ rfilename: e.path })),
          }
        : {}),
    };
  };

  app.get("/api/whoami-v2", (c) => {
    const user = c.var.user;
    if (!user) throw new HostError(401, "Invalid credentials in Authorization header");
    return c.json({
      type: "user",
      id: createHash("sha256").update(`user:${user}`).digest("hex").slice(0, 24),
      name: user,
      fullname: user,
      email: null,
      emailVerified: false,
      isPro: false,
      canPay: false,
      avatarUrl: "",
      periodEnd: null,
      billingMode: "prepaid",
      orgs: [],
      // The token asked with (or the session's), as the Hub names it: its name and role.
      auth: {
        type: "access_token",
        accessToken: { displayName: c.var.token?.name ?? "", role: c.var.token?.role ?? "write", createdAt: c.var.token?.created },
      },
    });
  });

  // createRepo / create_repo: {name, organization, type: "space", sdk, private | visibility, secrets?, variables?}
  app.post("/api/repos/create", async (c) => {
    refuseUnconfirmed(c);
    const user = c.var.user;
    if (!user) throw new HostError(401, "Invalid credentials in Authorization header");
    refuseReadOnly(c);
    const body = await jsonObject(c, BODY_CAPS.settings);
    if (body.type !== "space")
      throw new HostError(
        400,
        `This host only hosts Spaces: create the repository with type "space" (got ${JSON.stringify(body.type ?? "model")}).`,
      );
    const owner = typeof body.organization === "string" && body.organization ? body.organization : user;
    const name = typeof body.name === "string" ? body.name : "";
    checkNames(owner, name);
    if (!canWrite(user, owner)) throw new HostError(403, `You cannot create a Space under ${owner}'s namespace: you are ${user}.`);
    const visibility =
      body.visibility ?? (body.private === undefined || body.private === null ? "public" : body.private ? "private" : "public");
    if (visibility !== "public" && visibility !== "private") throw new HostError(400, 'visibility must be "public" or "private".');
    if (body.sdk !== undefined && (typeof body.sdk !== "string" || !SDKS.has(body.sdk)))
      throw new HostError(400, `sdk must be one of ${[...SDKS].join(", ")}.`);
    if (body.files !== undefined && body.files !== null)
      throw new HostError(
        400,
        "Files at creation are not taken here: create the Space, then upload its files (uploadFiles / upload_folder).",
      );
    const [secrets, variables] = [envList(body, "secrets"), envList(body, "variables")];
    const url = `${publicBase(c)}/spaces/${owner}/${name}`;
    if (accounts.space(owner, name)) throw new HostError(409, "You already created this space repo", {}, { url });
    let space: SpaceRecord;
    try {
      space = accounts.createSpace(owner, name, { private: visibility === "private", sdk: body.sdk as string | undefined });
      for (const [kind, list] of [
        ["secrets", secrets],
        ["variables", variables],
      ] as const)
        for (const e of list) accounts.setEnv(owner, name, kind, e.key, e.value, e.description);
    } catch (err) {
      throw new HostError(400, (err as Error).message);
    }
    await ensureRepo(paths(space));
    return c.json({ url, name: idOf(space), id: hubId(space) });
  });

  // deleteRepo / delete_repo: {name, organization, type}. The app stops; everything of the Space goes.
  app.delete("/api/repos/delete", async (c) => {
    // Which Space is named in the body: an anonymous caller's is not read.
    if (!c.var.user) throw new HostError(401, "Invalid credentials in Authorization header", { "x-error-code": "RepoNotFound" });
    const body = await jsonObject(c, BODY_CAPS.settings);
    if (body.type !== undefined && body.type !== "space")
      throw new HostError(400, `This host only hosts Spaces (got type ${JSON.stringify(body.type)}).`);
    const user = c.var.user;
    const owner = typeof body.organization === "string" && body.organization ? body.organization : (user ?? "");
    const name = typeof body.name === "string" ? body.name : "";
    const space = repoNotFound(() => writable(accounts, c, owner, name));
    await spaces.remove(space);
    return c.json({});
  });

  // move_repo: {fromRepo, toRepo, type} renames a Space (`changes.ts`); the old name redirects to the new one.
  app.post("/api/repos/move", async (c) => {
    if (!c.var.user) throw new HostError(401, "Invalid credentials in Authorization header", { "x-error-code": "RepoNotFound" });
    const { fromRepo, toRepo, type } = await jsonObject(c, BODY_CAPS.settings);
    if (type !== undefined && type !== "space") throw new HostError(400, `This host only hosts Spaces (got type ${JSON.stringify(type)}).`);
    const ids = [fromRepo, toRepo].map((id) => (typeof id === "string" ? id.split("/") : []));
    if (ids.some((parts) => parts.length !== 2))
      throw new HostError(400, 'Send {"fromRepo": "owner/name", "toRepo": "owner/new-name", "type": "space"}.');
    const [[owner = "", name = ""], [toOwner = "", toName = ""]] = ids as [string[], string[]];
    const space = repoNotFound(() => writable(accounts, c, owner, name));
    await renameSpace(deps, space, toOwner, toName, c.var.user);
    return c.json({});
  });

  // listSpaces / list_spaces: ?author=&search=&limit=; private Spaces only for their owner.
  app.get("/api/spaces", async (c) => {
    const author = c.req.query("author");
    const search = (c.req.query("search") ?? "").toLowerCase();
    const limit = Math.min(Math.max(Number(c.req.query("limit") ?? 1000) || 1000, 1), 1000);
    const found = accounts
      .spaces()
      .filter((s) => canRead(c.var.user, s) && (!author || s.owner === author) && (!search || idOf(s).toLowerCase().includes(search)))
      .slice(0, limit);
    return c.json(await Promise.all(found.map((s) => info(c, s))));
  });

  // repoExists (GET /api/spaces/o/n?expand[]=likes) and space_info; spaceInfo asks for /revision/HEAD.
  // What @gradio/client asks the Hub before it connects to "owner/name".
  app.get("/api/spaces/:owner/:name/host", (c) => c.json(appHost(c, hubSpace(deps, c, "read"))));
  app.get("/api/spaces/:owner/:name", async (c) => c.json(await info(c, hubSpace(deps, c, "read"), "HEAD", true)));
  app.get("/api/spaces/:owner/:name/revision/:rev", async (c) => {
    const space = hubSpace(deps, c, "read");
    const rev = c.req.param("rev");
    if (rev !== "HEAD") await revision(deps.dataDir, space, rev);
    return c.json(await info(c, space, rev, true));
  });
  return app;
}
