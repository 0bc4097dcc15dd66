/**
 * A Space's settings page for its owner (`/spaces/<owner>/<name>/settings`), on a real host with
 * tiny Spaces: variables and secrets reach the app after its restart (a secret's value never
 * comes back in a page or the API), visibility, limits within the host's ceiling, sleep time,
 * rename (the app serves under the new name; the old page, git remote and API redirect to it),
 * delete with the name typed — each form refused (4xx, nothing changed) for bad input, a missing
 * or stale CSRF token, or a stranger; the Hub's own routes for these (`PUT …/settings`,
 * `POST …/sleeptime`, `POST /api/repos/move`); and the page in Chromium, axe-clean.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as hub from "@huggingface/hub";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Accounts } from "../../../host/accounts/accounts.ts";
import { spacePaths } from "../../../host/paths.ts";
import { axeViolations, hasChromium, launchBrowser } from "../../browser.ts";
import { resolveLocalhostSubdomains, waitFor } from "../../helpers.ts";
import { gitLfsPresent, gitUser, inProcessHost, remoteUrl, type SignedIn, signInByForm, tinySpaceRepo } from "../harness.ts";

const LIMITS_ENV = { SPACE_MEMORY_MB: "256", SPACE_MAX_MEMORY_MB: "512", SPACE_PIDS: "200", SPACE_MAX_PIDS: "300" };
const SECRET = "s3cret-value-never-shown-9f2c";

describe.skipIf(!gitLfsPresent("Space settings tests"))("a Space's settings page, for its owner", () => {
  let temp: string;
  let dataDir: string;
  let host: Awaited<ReturnType<typeof inProcessHost>>;
  let accounts: Accounts;
  let alice: string;
  let bob: string;
  let aliceSession: SignedIn;
  let bobSession: SignedIn;
  let tools: Awaited<ReturnType<typeof gitUser>>;

  beforeAll(async () => {
    Object.assign(process.env, LIMITS_ENV);
    resolveLocalhostSubdomains();
    temp = mkdtempSync(join(tmpdir(), "host-space-settings-"));
    dataDir = join(temp, "data");
    accounts = new Accounts(dataDir);
    alice = accounts.createToken("alice");
    bob = accounts.createToken("bob");
    host = await inProcessHost({ dataDir, accounts, stopGraceMs: 2000, readyTimeoutMs: 30_000, drainMs: 200 });
    tools = await gitUser(temp);
    for (const name of ["demo", "gone"]) {
      const dir = await tinySpaceRepo(tools.git, temp, name);
      await tools.git(dir, "push", "--quiet", remoteUrl(host.base, `alice/${name}`, "alice", alice), "main");
    }
    aliceSession = await signInByForm(host.base, "alice", alice);
    bobSession = await signInByForm(host.base, "bob", bob);
  });
  afterAll(async () => {
    for (const key of Object.keys(LIMITS_ENV)) delete process.env[key];
    await host?.close();
    if (!process.env.KEEP) rmSync(temp, { recursive: true, force: true });
  });

  /** A page GET as a browser sends it, signed in with `session` (or anonymous). */
  const page = (path: string, session?: SignedIn) =>
    fetch(`${host.base}${path}`, {
      redirect: "manual",
      headers: { accept: "text/html", "sec-fetch-site": "none", ...(session ? { cookie: session.cookie } : {}) },
    });
  /** A settings form posted as a browser posts it from the page, with the session's CSRF token unless `csrf` is given. */
  const post = (id: string, section: string, fields: Record<string, string>, session: SignedIn = aliceSession, csrf = session.csrf) =>
    fetch(`${host.base}/spaces/${id}/settings/${section}`, {
      method: "POST",
      redirect: "manual",
      headers: {
        accept: "text/html",
        "content-type": "application/x-www-form-urlencoded",
        cookie: session.cookie,
        origin: host.base,
        referer: `${host.base}/spaces/${id}/settings`,
        "sec-fetch-site": "same-origin",
      },
      body: new URLSearchParams(csrf === "" ? fields : { ...fields, csrf }),
    });
  /** What the app sees (the tiny Space echoes its environment), through the path form with a token. */
  const appSees = async (id: string, token = alice) =>
    (await fetch(`${host.base}/spaces/${id}/app/`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<{
      greeting: string | null;
      hasKey: boolean;
      env: { SPACE_ID: string };
    }>;
  const api = (method: string, path: string, body?: unknown, token: string | undefined = alice) =>
    fetch(`${host.base}${path}`, {
      method,
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const record = (id: string) => accounts.space(...(id.split("/") as [string, string]));

  test("only the owner sees it: a stranger and an anonymous visitor get 404, the page and its forms alike", async () => {
    const own = await page("/spaces/alice/demo/settings", aliceSession);
    expect(own.status).toBe(200);
    const html = await own.text();
    for (const heading of ["Variables", "Secrets", "Visibility", "Resources", "Sleep time", "Rename", "Delete this Space"])
      expect(html).toContain(`>${heading}</h2>`);
    expect((await page("/spaces/alice/demo/settings", bobSession)).status).toBe(404);
    expect((await page("/spaces/alice/demo/settings")).status).toBe(404);
    expect((await page("/spaces/alice/nothing/settings", aliceSession)).status).toBe(404);
    // Bob's form, with his own valid token, to Alice's Space: 404, and nothing changes.
    expect((await post("alice/demo", "variables", { key: "GREETING", value: "bob was here" }, bobSession)).status).toBe(404);
    expect((await post("alice/demo", "delete", { confirm: "alice/demo" }, bobSession)).status).toBe(404);
    expect((await post("alice/demo", "visibility", { visibility: "private" }, bobSession)).status).toBe(404);
    expect(record("alice/demo")).toMatchObject({ variables: {}, private: false });
    // The Space page shows the owner, and no one else, a Settings link.
    expect(await (await page("/spaces/alice/demo", aliceSession)).text()).toContain('href="/spaces/alice/demo/settings">Settings</a>');
    expect(await (await page("/spaces/alice/demo", bobSession)).text()).not.toContain("/settings");
  });

  test("a missing or stale CSRF token is refused (403) and changes nothing", async () => {
    const missing = await post("alice/demo", "variables", { key: "GREETING", value: "forged" }, aliceSession, "");
    expect(missing.status).toBe(403);
    const stale = await post("alice/demo", "variables", { key: "GREETING", value: "forged" }, aliceSession, bobSession.csrf);
    expect(stale.status).toBe(403);
    expect(await stale.text()).toContain("CSRF token");
    expect((await post("alice/demo", "delete", { confirm: "alice/demo" }, aliceSession, "stale")).status).toBe(403);
    expect(record("alice/demo")!.variables).toEqual({});
    expect(existsSync(spacePaths(dataDir, "alice", "demo").repo)).toBe(true);
  });

  test("a variable and a secret set on the page reach the app after its restart; the secret's value is never shown", async () => {
    const set = await post("alice/demo", "variables", { key: "GREETING", value: "hello from the page", description: "said by the app" });
    expect(set.status).toBe(303);
    expect(set.headers.get("location")).toBe("/spaces/alice/demo/settings?saved=variables#variables");
    expect((await appSees("alice/demo")).greeting).toBe("hello from the page");
    expect((await post("alice/demo", "secrets", { key: "API_KEY", value: SECRET, description: "the key" })).status).toBe(303);
    expect((await appSees("alice/demo")).hasKey).toBe(true);

    const html = await (await page("/spaces/alice/demo/settings?saved=secrets", aliceSession)).text();
    expect(html).toContain("<code>GREETING</code></th><td><code>hello from the page</code>");
    expect(html).toContain("<code>API_KEY</code>");
    expect(html).toContain('role="status">Saved: secrets.');
    // Nowhere: the settings page, the Space page, the API's secrets, its info.
    for (const text of [
      html,
      await (await page("/spaces/alice/demo", aliceSession)).text(),
      await (await api("GET", "/api/spaces/alice/demo/secrets")).text(),
      await (await api("GET", "/api/spaces/alice/demo")).text(),
    ])
      expect(text).not.toContain(SECRET);

    // Bad names: the form again with the message (422), the secret's value not sent back, nothing saved.
    const bad = await post("alice/demo", "secrets", { key: "1 BAD", value: SECRET });
    expect(bad.status).toBe(422);
    const again = await bad.text();
    expect(again).toMatch(/<p class="error" role="alert" id="secrets-error">Invalid secret name/);
    expect(again).toContain('value="1 BAD"');
    expect(again).not.toContain(SECRET);
    expect((await post("alice/demo", "variables", { key: "", value: "x" })).status).toBe(422);
    expect(Object.keys(record("alice/demo")!.secrets)).toEqual(["API_KEY"]);

    // Edit (the form filled from ?edit=) and delete.
    expect(await (await page("/spaces/alice/demo/settings?edit=GREETING", aliceSession)).text()).toContain(
      'id="variable-value" name="value" value="hello from the page"',
    );
    expect((await post("alice/demo", "variables/delete", { key: "GREETING" })).status).toBe(303);
    expect((await appSees("alice/demo")).greeting).toBe(null);
    expect((await post("alice/demo", "secrets/delete", { key: "API_KEY" })).status).toBe(303);
    expect((await appSees("alice/demo")).hasKey).toBe(false);
  });

  test("private: a stranger gets 404 on its page, its app and its API; public again through the Hub's PUT …/settings", async () => {
    expect((await post("alice/demo", "visibility", { visibility: "secret" })).status).toBe(400);
    expect(record("alice/demo")!.private).toBe(false);
    expect((await post("alice/demo", "visibility", { visibility: "private" })).status).toBe(303);
    expect(record("alice/demo")!.private).toBe(true);
    expect((await page("/spaces/alice/demo")).status).toBe(404);
    expect((await page("/spaces/alice/demo", bobSession)).status).toBe(404);
    expect((await api("GET", "/api/spaces/alice/demo", undefined, bob)).status).toBe(404);
    expect((await fetch(`${host.base}/spaces/alice/demo/app/`, { headers: { authorization: `Bearer ${bob}` } })).status).toBe(404);
    expect((await page("/spaces/alice/demo", aliceSession)).status).toBe(200);
    // huggingface_hub's update_repo_settings / update_repo_visibility.
    expect((await api("PUT", "/api/spaces/alice/demo/settings", { private: "yes" })).status).toBe(400);
    expect((await api("PUT", "/api/spaces/alice/demo/settings", { private: false }, bob)).status).toBe(404);
    const res = await api("PUT", "/api/spaces/alice/demo/settings", { private: false });
    expect(await res.json()).toEqual({ private: false });
    expect((await page("/spaces/alice/demo")).status).toBe(200);
  });

  test("resources within the host's maximum are saved; over it, a message and nothing changes", async () => {
    const html = await (await page("/spaces/alice/demo/settings", aliceSession)).text();
    expect(html).toContain("Host default 256 MB, at most 512 MB");
    const over = await post("alice/demo", "limits", { memoryMb: "4096", cpus: "", pids: "", diskMb: "" });
    expect(over.status).toBe(400);
    expect(await over.text()).toMatch(/role="alert" id="limits-error">memory: at most 512 MB on this host/);
    expect((await post("alice/demo", "limits", { memoryMb: "lots" })).status).toBe(400);
    expect(record("alice/demo")!.limits).toBeUndefined();
    const pid = host.app.runtimes.get("alice/demo")!.child!.pid;
    expect((await post("alice/demo", "limits", { memoryMb: "384", cpus: "", pids: "250", diskMb: "" })).status).toBe(303);
    expect(host.app.runtimes.get("alice/demo")!.child!.pid).not.toBe(pid); // restarted with them
    expect(record("alice/demo")!.limits).toEqual({ memoryMb: 384, pids: 250 });
    const runtime = (await (await api("GET", "/api/spaces/alice/demo/runtime")).json()) as { limits: { memoryMb: number }; stage: string };
    expect(runtime).toMatchObject({ stage: "RUNNING", limits: { memoryMb: 384, pids: 250 } });
    expect((await post("alice/demo", "limits", { memoryMb: "", cpus: "", pids: "", diskMb: "" })).status).toBe(303);
    expect(record("alice/demo")!.limits).toBeUndefined();
  });

  test("sleep time: the page's choices and the Hub's POST …/sleeptime; a Space set to 1 s sleeps, and wakes on a request", async () => {
    expect((await post("alice/demo", "sleep", { seconds: "soon" })).status).toBe(400);
    expect((await post("alice/demo", "sleep", { seconds: "0" })).status).toBe(400);
    expect(record("alice/demo")!.sleepTime).toBeUndefined();
    expect((await post("alice/demo", "sleep", { seconds: "3600" })).status).toBe(303);
    expect(record("alice/demo")!.sleepTime).toBe(3600);
    expect(await (await page("/spaces/alice/demo/settings", aliceSession)).text()).toContain(
      '<option value="3600" selected>1 hour</option>',
    );
    expect((await post("alice/demo", "sleep", { seconds: "-1" })).status).toBe(303);
    const never = (await (await api("GET", "/api/spaces/alice/demo/runtime")).json()) as { gcTimeout: number | null };
    expect(never.gcTimeout).toBe(null);

    // huggingface_hub's set_space_sleep_time: it answers the runtime, whose gcTimeout is the sleep time.
    expect((await api("POST", "/api/spaces/alice/demo/sleeptime", { seconds: 1.5 })).status).toBe(400);
    const res = await api("POST", "/api/spaces/alice/demo/sleeptime", { seconds: 1 });
    expect(((await res.json()) as { gcTimeout: number }).gcTimeout).toBe(1);
    await waitFor(() => host.app.runtimes.get("alice/demo")!.stage === "SLEEPING", { timeout: 10_000, what: "alice/demo asleep" });
    expect((await appSees("alice/demo")).env.SPACE_ID).toBe("alice/demo"); // woken by the request
    expect((await post("alice/demo", "sleep", { seconds: "" })).status).toBe(303); // back to the host's default
    expect(record("alice/demo")!.sleepTime).toBeUndefined();
    const back = (await (await api("GET", "/api/spaces/alice/demo/runtime")).json()) as { gcTimeout: number };
    expect(back.gcTimeout).toBe(host.app.spaces.hostSleepAfterMs / 1000);
  });

  test("rename: the app serves under the new name with its settings; the old page, git remote and API redirect", async () => {
    expect((await post("alice/demo", "variables", { key: "GREETING", value: "still me" })).status).toBe(303);
    // Refused: an invalid name, a taken one, the same one — nothing moves.
    expect((await post("alice/demo", "rename", { name: "../x" })).status).toBe(400);
    const taken = await post("alice/demo", "rename", { name: "gone" });
    expect(taken.status).toBe(409);
    expect(await taken.text()).toContain("The Space alice/gone already exists");
    expect((await post("alice/demo", "rename", { name: "demo" })).status).toBe(400);
    expect(record("alice/demo")).toBeDefined();

    const oldSubdomain = accounts.subdomainOf("alice", "demo");
    const [from, to] = [spacePaths(dataDir, "alice", "demo"), spacePaths(dataDir, "alice", "demo2")];
    const folders = (["repo", "lfs", "builds", "state", "disk"] as const).filter((key) => existsSync(from[key]));
    expect(folders).toEqual(expect.arrayContaining(["repo", "builds", "state", "disk"])); // no LFS object was pushed
    const renamed = await post("alice/demo", "rename", { name: "demo2" });
    expect(renamed.status).toBe(303);
    expect(renamed.headers.get("location")).toBe("/spaces/alice/demo2/settings?saved=rename");
    expect(record("alice/demo")).toBeUndefined();
    expect(record("alice/demo2")).toMatchObject({ variables: { GREETING: "still me" }, subdomain: "alice-demo2" });
    expect(await appSees("alice/demo2")).toMatchObject({ greeting: "still me", env: { SPACE_ID: "alice/demo2" } });
    // Every folder of the Space moved; none is left under the old name.
    for (const key of folders) {
      expect(existsSync(from[key]), `${key} left behind`).toBe(false);
      expect(existsSync(to[key]), `${key} moved`).toBe(true);
    }
    expect(readdirSync(to.builds)).toHaveLength(1);
    expect(JSON.parse(readFileSync(to.state, "utf8")).sha).toBe(host.app.runtimes.get("alice/demo2")!.sha);

    // The old page, settings page, app path and API answer 307 to the new name (path and query kept).
    const oldPage = await page("/spaces/alice/demo?tab=files", aliceSession);
    expect([oldPage.status, oldPage.headers.get("location")]).toEqual([307, "/spaces/alice/demo2?tab=files"]);
    expect((await page("/spaces/alice/demo/settings")).headers.get("location")).toBe("/spaces/alice/demo2/settings");
    expect((await api("GET", "/api/spaces/alice/demo")).url).toBe(`${host.base}/api/spaces/alice/demo2`);
    expect((await hub.spaceInfo({ name: "alice/demo", hubUrl: host.base })).name).toBe("alice/demo2");
    expect((await appSees("alice/demo")).env.SPACE_ID).toBe("alice/demo2");
    // The old subdomain is no one's now: 404 (the new one serves).
    const port = new URL(host.base).port;
    expect((await fetch(`http://${oldSubdomain}.spaces.localhost:${port}/`)).status).toBe(404);
    expect((await fetch(`http://alice-demo2.spaces.localhost:${port}/`)).status).toBe(200);

    // git clone and push of the old URL: git follows the redirect of info/refs to the new one.
    const { git } = tools;
    const clone = join(temp, "clone-old");
    const cloned = await git(temp, "clone", remoteUrl(host.base, "alice/demo", "alice", alice), clone);
    expect(cloned.stderr).toContain("redirecting to");
    expect(existsSync(join(clone, "server.mjs"))).toBe(true);
    await git(clone, "commit", "--quiet", "--allow-empty", "-m", "pushed to the old name");
    await git(clone, "push", "--quiet", "origin", "main");
    const head = (await git(clone, "rev-parse", "HEAD")).stdout.trim();
    expect((await git(temp, "--git-dir", to.repo, "rev-parse", "main")).stdout.trim()).toBe(head);
    await waitFor(() => host.app.runtimes.get("alice/demo2")!.sha === head && host.app.runtimes.get("alice/demo2")!.stage === "RUNNING", {
      timeout: 60_000,
      what: "the push to the old name deployed",
    });

    // huggingface_hub's move_repo: refused into another's namespace, by a stranger, or onto a taken name.
    expect((await api("POST", "/api/repos/move", { fromRepo: "alice/demo2", toRepo: "bob/demo2", type: "space" })).status).toBe(403);
    expect((await api("POST", "/api/repos/move", { fromRepo: "alice/demo2", toRepo: "alice/x", type: "space" }, bob)).status).toBe(403);
    expect((await api("POST", "/api/repos/move", { fromRepo: "alice/demo2", toRepo: "alice/gone", type: "space" })).status).toBe(409);
    expect((await api("POST", "/api/repos/move", { fromRepo: "alice/demo2", toRepo: "demo3", type: "space" })).status).toBe(400);
    const moved = await api("POST", "/api/repos/move", { fromRepo: "alice/demo2", toRepo: "alice/demo3", type: "space" });
    expect(moved.status).toBe(200);
    // Both old names lead to the newest.
    for (const old of ["demo", "demo2"]) expect((await page(`/spaces/alice/${old}`)).headers.get("location")).toBe("/spaces/alice/demo3");
    expect((await appSees("alice/demo3")).greeting).toBe("still me");

    // A new Space at an old name takes it over: the redirect is gone.
    await hub.createRepo({ repo: { type: "space", name: "alice/demo" }, sdk: "docker", accessToken: alice, hubUrl: host.base });
    expect((await page("/spaces/alice/demo")).status).toBe(200);
    expect((await page("/spaces/alice/demo2")).headers.get("location")).toBe("/spaces/alice/demo3");
  });

  test("a private renamed Space redirects its owner only; a stranger gets 404, and git asks for credentials", async () => {
    accounts.setPrivate("alice", "demo3", true);
    expect((await page("/spaces/alice/demo2", aliceSession)).status).toBe(307);
    expect((await page("/spaces/alice/demo2", bobSession)).status).toBe(404);
    expect((await fetch(`${host.base}/spaces/alice/demo2/info/refs?service=git-upload-pack`)).status).toBe(401);
    accounts.setPrivate("alice", "demo3", false);
  });

  test("delete needs the Space's name typed exactly; then everything of it goes", async () => {
    const wrong = await post("alice/gone", "delete", { confirm: "gone" });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("To delete it, type alice/gone exactly; nothing was deleted.");
    expect(record("alice/gone")).toBeDefined();
    expect((await appSees("alice/gone")).env.SPACE_ID).toBe("alice/gone");
    const done = await post("alice/gone", "delete", { confirm: "alice/gone" });
    expect([done.status, done.headers.get("location")]).toEqual([303, "/spaces/alice"]);
    expect(record("alice/gone")).toBeUndefined();
    expect((await page("/spaces/alice/gone", aliceSession)).status).toBe(404);
    const paths = spacePaths(dataDir, "alice", "gone");
    for (const key of ["repo", "lfs", "builds", "state", "disk"] as const) expect(existsSync(paths[key]), key).toBe(false);
  });

  test.skipIf(!hasChromium)("in Chromium: from the Space page's Settings link, a variable saved by the form, axe-clean", async () => {
    const browser = await launchBrowser();
    try {
      const tab = await browser.newPage();
      await tab.goto(`${host.base}/login?next=/spaces/alice/demo3`);
      await tab.getByLabel("User name").fill("alice");
      await tab.getByLabel("Token").fill(alice);
      await tab.getByRole("button", { name: "Sign in" }).click();
      await tab.waitForURL(`${host.base}/spaces/alice/demo3`);
      await tab.getByRole("link", { name: "Settings" }).click();
      await tab.waitForURL(`${host.base}/spaces/alice/demo3/settings`);
      expect(await axeViolations(tab)).toEqual([]);

      await tab.getByLabel("Name", { exact: true }).first().fill("MOOD");
      await tab.locator("#variable-value").fill("sunny");
      await tab.getByRole("button", { name: "Save variable" }).click();
      await tab.waitForURL(/saved=variables/);
      expect(await tab.getByRole("status").textContent()).toBe("Saved: variables.");
      expect(await tab.getByRole("row", { name: /MOOD/ }).textContent()).toContain("sunny");

      // A refused form comes back with its message in an alert, and stays axe-clean.
      await tab.locator("#delete-confirm").fill("alice/wrong");
      await tab.getByRole("button", { name: "Delete alice/demo3" }).click();
      expect(await tab.getByRole("alert").textContent()).toBe("To delete it, type alice/demo3 exactly; nothing was deleted.");
      expect(await axeViolations(tab)).toEqual([]);
      expect(record("alice/demo3")).toBeDefined();
      // Keyboard: the delete button is reachable and named.
      await tab.getByRole("button", { name: "Delete variable MOOD" }).focus();
      await tab.keyboard.press("Enter");
      await tab.waitForURL(/saved=variables/);
      expect(record("alice/demo3")!.variables.MOOD).toBeUndefined();
    } finally {
      await browser.close();
    }
  });
});
