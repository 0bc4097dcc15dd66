/**
 * The account pages' routes: join with an invite link, the signed-in user's tokens, and the
 * admin's page. Every form posts (CSRF-protected: the session's token, or at /join — with no
 * session yet — the sign-in nonce plus the invite code itself) and answers with a 303 or, on bad
 * input, the same form again with the message (4xx, `role="alert"`), having changed nothing.
 */
import { Hono, type Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { checkSignInNonce, formGuard, refuseReadOnly, signIn, signInNonce, signOut, type HostEnv } from "../accounts/auth.ts";
import { isValidName } from "../accounts/names.ts";
import { HostError, pageError } from "../errors.ts";
import { adminPage, joinPage, tokenShownPage, tokensPage } from "../pages/account.ts";
import { publicBase } from "../public-url.ts";
import { BODY_CAPS, formBody, hostForm } from "./body.ts";
import type { HostDeps } from "./deps.ts";

/** What a used, expired or made-up invite code answers. */
const NO_INVITE = "This invite link was already used, has expired, or never existed: ask whoever sent it for a new one.";

/**
 * @example
 * app.route("/", accountPageRoutes(deps)); // /join/<code>, /settings/tokens, /admin
 */
export function accountPageRoutes(deps: HostDeps): Hono<HostEnv> {
  const app = new Hono<HostEnv>();
  app.onError(pageError);
  const { accounts, sessionKey } = deps;

  /** The signed-in user, or 401 (a page with a sign-in link). */
  const signedIn = (c: Context<HostEnv>): string => {
    if (!c.var.user) throw new HostError(401, "Sign in to manage your account.");
    return c.var.user;
  };
  /** The signed-in admin; anyone else is told there is no such page. */
  const adminOnly = (c: Context<HostEnv>): string => {
    if (!accounts.isAdmin(c.var.user)) throw new HostError(404, `Not found: ${c.req.path.slice(0, 200)}`);
    return c.var.user!;
  };
  /** A page that shows a secret: no cache keeps it. */
  const secretPage = (c: Context<HostEnv>, html: string) => {
    c.header("cache-control", "no-store");
    return c.html(html);
  };
  /** Runs a form's action; a refusal shows the page again with its message and status. */
  const orAgain = async (action: () => Promise<Response> | Response, again: (e: HostError) => Response) => {
    try {
      return await action();
    } catch (err) {
      if (err instanceof HostError && err.status < 500) return again(err);
      throw err;
    }
  };

  // Join: a user name for an invite code. The code is checked before the form is read.
  app.get("/join/:code", (c) => {
    const invite = accounts.invite(c.req.param("code"));
    if (!invite) throw new HostError(404, NO_INVITE);
    return c.html(joinPage({ code: c.req.param("code"), nonce: signInNonce(c, sessionKey), admin: invite.admin }));
  });
  app.post("/join/:code", formGuard(), async (c) => {
    const code = c.req.param("code");
    const invite = accounts.invite(code);
    if (!invite) throw new HostError(404, NO_INVITE);
    const { user: typed = "", csrf } = await formBody(c, BODY_CAPS.form);
    const user = typed.trim();
    return orAgain(
      async () => {
        checkSignInNonce(c, sessionKey, csrf);
        if (!isValidName(user))
          throw new HostError(
            400,
            `${JSON.stringify(user.slice(0, 100))} can't be a user name: use letters, digits, "-", "_" and "." (not first or last, no ".."), at most 96 characters.`,
          );
        const taken = accounts.nameTaken(user);
        if (taken)
          throw new HostError(
            409,
            taken === user
              ? `The name ${user} is taken: pick another.`
              : `The name ${user} is taken (as ${taken}: names that differ only in case would share their Spaces' addresses): pick another.`,
          );
        let token: string;
        try {
          token = accounts.join(code, user);
        } catch (err) {
          throw new HostError(409, (err as Error).message); // another tab was quicker
        }
        const csrfToken = await signIn(c, accounts, sessionKey, user, token);
        return secretPage(
          c,
          tokenShownPage({
            user,
            csrf: csrfToken,
            admin: invite.admin,
            token,
            info: { name: "first token", role: "write" },
            origin: publicBase(c),
            joined: true,
          }),
        );
      },
      (e) =>
        c.html(
          joinPage({ code, nonce: signInNonce(c, sessionKey), admin: invite.admin, error: e.message, name: typed.slice(0, 100) }),
          e.status,
        ),
    );
  });

  // The signed-in user's tokens.
  const tokens = (c: Context<HostEnv>, user: string, status: ContentfulStatusCode = 200, error?: string, name?: string) =>
    c.html(
      tokensPage({
        user,
        csrf: c.var.csrf,
        admin: accounts.isAdmin(user),
        tokens: accounts.tokens(user),
        current: c.var.via === "session" ? c.var.token?.id : undefined,
        error,
        name,
      }),
      status,
    );
  app.get("/settings/tokens", (c) => {
    if (!c.var.user) return c.redirect(`/login?next=${encodeURIComponent("/settings/tokens")}`, 303);
    return tokens(c, c.var.user);
  });
  app.post("/settings/tokens", formGuard(), async (c) => {
    const { name = "", role = "write" } = await hostForm(c);
    const user = signedIn(c);
    return orAgain(
      () => {
        // A read token (or its session) never makes a token that could do more than it.
        refuseReadOnly(c);
        if (role !== "read" && role !== "write") throw new HostError(400, 'A token\'s role is "read" or "write".');
        let token: string;
        try {
          token = accounts.createToken(user, { name, role });
        } catch (err) {
          throw new HostError(400, (err as Error).message);
        }
        return secretPage(
          c,
          tokenShownPage({
            user,
            csrf: c.var.csrf,
            admin: accounts.isAdmin(user),
            token,
            info: { name: name.trim(), role },
            origin: publicBase(c),
          }),
        );
      },
      (e) => tokens(c, user, e.status, e.message, name.slice(0, 100)),
    );
  });
  app.post("/settings/tokens/:id/revoke", formGuard(), async (c) => {
    await hostForm(c);
    const user = signedIn(c);
    const id = c.req.param("id");
    // A read token (or its session) changes nothing, tokens included: sign in with a write token.
    try {
      refuseReadOnly(c);
    } catch (err) {
      return tokens(c, user, 403, (err as HostError).message);
    }
    if (!accounts.revokeToken(user, id)) return tokens(c, user, 404, "No such token: it may have been revoked already.");
    // This browser's own session came from it: it has ended, so its cookie goes too.
    if (c.var.via === "session" && c.var.token?.id === id) {
      signOut(c);
      return c.redirect("/", 303);
    }
    return c.redirect("/settings/tokens", 303);
  });

  // The admin's page: users, and invite links.
  const admin = (
    c: Context<HostEnv>,
    user: string,
    extra: { invite?: { url: string; admin: boolean }; error?: string } = {},
    status: ContentfulStatusCode = 200,
  ) => c.html(adminPage({ user, csrf: c.var.csrf, users: accounts.users(), ...extra }), status);
  app.get("/admin", (c) => admin(c, adminOnly(c)));
  app.post("/admin/invites", formGuard(), async (c) => {
    const fields = await hostForm(c);
    const user = adminOnly(c);
    return orAgain(
      () => {
        refuseReadOnly(c);
        const isAdmin = fields.admin === "1";
        const url = `${publicBase(c)}/join/${accounts.createInvite({ admin: isAdmin })}`;
        return secretPage(c, adminPage({ user, csrf: c.var.csrf, users: accounts.users(), invite: { url, admin: isAdmin } }));
      },
      (e) => admin(c, user, { error: e.message }, e.status),
    );
  });
  app.post("/admin/users/:name/:action{disable|enable}", formGuard(), async (c) => {
    await hostForm(c);
    const user = adminOnly(c);
    const name = c.req.param("name");
    return orAgain(
      () => {
        refuseReadOnly(c);
        if (!isValidName(name) || !accounts.users().some((u) => u.name === name))
          throw new HostError(404, `No user ${name.slice(0, 100)}.`);
        if (name === user) throw new HostError(400, "You can't disable your own account here: another admin can, or the command line.");
        accounts.setFlag(name, "disabled", c.req.param("action") === "disable");
        return c.redirect("/admin", 303);
      },
      (e) => admin(c, user, { error: e.message }, e.status),
    );
  });
  return app;
}
