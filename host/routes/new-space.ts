/**
 * Spaces made from the browser and the Hub API, as on Hugging Face: the New Space form
 * (`/new`: owner, name, visibility, a template) and "Duplicate this Space" — the Space page's
 * form (`/spaces/<owner>/<name>/duplicate`) and the Hub's `POST /api/spaces/<id>/duplicate`
 * (`{repository, private?, variables?, secrets?}`, what huggingface_hub's `duplicate_space` sends).
 * The making itself is `spaces/make.ts`. Refusals are pages on the forms' paths and
 * `{"error": …}` on the API's.
 */
import { Hono, type Context } from "hono";
import { canWrite, formGuard, readable, refuseReadOnly, refuseUnconfirmed, type HostEnv } from "../accounts/auth.ts";
import { isValidName } from "../accounts/names.ts";
import { HostError, jsonError, pageError } from "../errors.ts";
import { duplicatePage, newSpacePage } from "../pages/new-space.ts";
import { publicBase } from "../public-url.ts";
import { createFromTemplate, duplicateSpace, type NewSpace } from "../spaces/make.ts";
import { templateById, TEMPLATES } from "../spaces/templates.ts";
import { BODY_CAPS, hostForm, jsonObject } from "./body.ts";
import type { HostDeps } from "./deps.ts";
import { envList, repoNotFound } from "./hub.ts";

const NAME_RULE = 'use letters, digits, "-", "_" and "." (not first, no "..", not ending in ".git" or "."), at most 96 characters';

/** Refuses a Space name the host would not take, saying why. */
function checkNewName(name: string): void {
  if (!name) throw new HostError(400, "Give the Space a name.");
  if (!isValidName(name)) throw new HostError(400, `Invalid Space name ${JSON.stringify(name.slice(0, 100))}: ${NAME_RULE}.`);
}

/** The form's visibility field as a boolean. */
function isPrivate(visibility: string | undefined): boolean {
  if (visibility === "private") return true;
  if (visibility === undefined || visibility === "public") return false;
  throw new HostError(400, 'Visibility must be "public" or "private".');
}

/** A signed-in caller, or a 401 in the API's words. */
function apiUser(c: Context<HostEnv>): string {
  refuseUnconfirmed(c);
  if (!c.var.user) throw new HostError(401, "Invalid credentials in Authorization header");
  return c.var.user;
}

/**
 * The routes of New Space and Duplicate.
 *
 * @example
 * app.route("/", newSpaceRoutes(deps)); // before the API's catch-all for /api/*
 */
export function newSpaceRoutes(deps: HostDeps): Hono<HostEnv> {
  const app = new Hono<HostEnv>();
  app.onError((err, c) => (c.req.path.startsWith("/api/") ? jsonError(err, c) : pageError(err, c)));
  const { accounts } = deps;
  const wanted = (c: Context<HostEnv>, owner: string, name: string, priv: boolean): NewSpace => ({
    owner,
    name,
    private: priv,
    user: c.var.user!,
    emailDomain: new URL(publicBase(c)).hostname,
  });
  /** Anonymous visitors are sent to sign in first, then back to `next`. */
  const signInFirst = (c: Context<HostEnv>, next: string) => c.redirect(`/login?next=${encodeURIComponent(next)}`, 303);
  /** A session's form post: its CSRF token checked (the form is read with the form cap, as sign-out's). */
  const formOf = async (c: Context<HostEnv>) => {
    const form = await hostForm(c);
    if (!c.var.user) throw new HostError(401, "Sign in to make a Space.");
    return form;
  };

  app.get("/new", (c) => {
    if (!c.var.user) return c.redirect("/login?next=/new", 302);
    return c.html(
      newSpacePage({ user: c.var.user, csrf: c.var.csrf, templates: TEMPLATES, values: { name: "", private: false, template: "blank" } }),
    );
  });

  app.post("/new", formGuard(), async (c) => {
    if (!c.var.user && !c.var.unconfirmed) return signInFirst(c, "/new");
    const form = await formOf(c);
    const user = c.var.user!;
    const values = { name: (form.name ?? "").trim(), private: form.visibility === "private", template: form.template ?? "" };
    try {
      refuseReadOnly(c); // a session made with a read token makes nothing
      const owner = form.owner ?? user;
      if (!canWrite(user, owner)) throw new HostError(403, `You can only make Spaces under your own name (${user}).`);
      checkNewName(values.name);
      isPrivate(form.visibility);
      const template = templateById(values.template);
      if (!template) throw new HostError(400, `Choose a starting point: ${TEMPLATES.map((t) => t.title).join(", ")}.`);
      await createFromTemplate(deps, template, wanted(c, owner, values.name, values.private));
      return c.redirect(`/spaces/${owner}/${values.name}?created=1`, 303);
    } catch (err) {
      if (!(err instanceof HostError)) throw err;
      return c.html(newSpacePage({ user, csrf: c.var.csrf, templates: TEMPLATES, values, error: err.message }), err.status);
    }
  });

  app.get("/spaces/:owner/:name/duplicate", (c) => {
    const source = readable(accounts, c, c.req.param("owner"), c.req.param("name"));
    const id = `${source.owner}/${source.name}`;
    if (!c.var.user) return c.redirect(`/login?next=${encodeURIComponent(`/spaces/${id}/duplicate`)}`, 302);
    return c.html(
      duplicatePage({ user: c.var.user, csrf: c.var.csrf, source: id, values: { name: source.name, private: source.private } }),
    );
  });

  app.post("/spaces/:owner/:name/duplicate", formGuard(), async (c) => {
    const [owner, name] = [c.req.param("owner"), c.req.param("name")];
    if (!c.var.user && !c.var.unconfirmed) return signInFirst(c, `/spaces/${owner}/${name}/duplicate`);
    const form = await formOf(c);
    const user = c.var.user!;
    const source = readable(accounts, c, owner, name); // a stranger's private Space: 404, as if absent
    const id = `${source.owner}/${source.name}`;
    const values = { name: (form.name ?? "").trim(), private: form.visibility === "private" };
    try {
      refuseReadOnly(c);
      checkNewName(values.name);
      isPrivate(form.visibility);
      await duplicateSpace(deps, source, wanted(c, user, values.name, values.private));
      return c.redirect(`/spaces/${user}/${values.name}?created=1`, 303);
    } catch (err) {
      if (!(err instanceof HostError)) throw err;
      return c.html(duplicatePage({ user, csrf: c.var.csrf, source: id, values, error: err.message }), err.status);
    }
  });

  // duplicate_space: {repository: "<owner>/<name>", private?, variables?, secrets?} → {url}; 409 (with
  // the url) when it exists, which huggingface_hub's exist_ok accepts.
  app.post("/api/spaces/:owner/:name/duplicate", async (c) => {
    const user = apiUser(c);
    refuseReadOnly(c);
    const source = repoNotFound(() => readable(accounts, c, c.req.param("owner"), c.req.param("name")));
    const body = await jsonObject(c, BODY_CAPS.settings);
    const repository = typeof body.repository === "string" ? body.repository : "";
    const [owner, name] = repository.includes("/") ? repository.split("/", 2) : [user, repository];
    if (!owner || !name || repository.split("/").length > 2)
      throw new HostError(400, 'repository must be "<owner>/<name>", the new Space\'s id.');
    checkNewName(name);
    if (!canWrite(user, owner)) throw new HostError(403, `You cannot create a Space under ${owner}'s namespace: you are ${user}.`);
    if (body.private !== undefined && body.private !== null && typeof body.private !== "boolean")
      throw new HostError(400, "private must be true or false.");
    const extra = { variables: envList(body, "variables"), secrets: envList(body, "secrets") };
    const url = `${publicBase(c)}/spaces/${owner}/${name}`;
    if (accounts.space(owner, name)) throw new HostError(409, `The Space ${owner}/${name} already exists.`, {}, { url });
    const priv = typeof body.private === "boolean" ? body.private : source.private;
    await duplicateSpace(deps, source, wanted(c, owner, name, priv), extra);
    return c.json({ url });
  });
  return app;
}
